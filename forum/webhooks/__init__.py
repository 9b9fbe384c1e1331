"""Webhooks: signed JSON POSTs (Standard Webhooks) that tell the newsroom's systems what happens,
queued in the outbox with the change they report and sent by the outbox worker."""


def init_app(app) -> None:
    """Let the app's workers deliver webhook messages, and give it the ``webhooks`` commands."""
    from forum.outbox import models as outbox_models  # noqa: F401  (the tables Alembic compares)
    from forum.outbox.service import register_handler
    from forum.webhooks import models  # noqa: F401
    from forum.webhooks.cli import webhooks
    from forum.webhooks.delivery import deliver
    from forum.webhooks.events import KIND

    register_handler(app, KIND, deliver)
    app.cli.add_command(webhooks)
