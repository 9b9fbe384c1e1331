"""Moderation: the classifier (``moderation.classifier``, a plain library that knows nothing of the
web) and the moderation desk around it (scoring glue, policy, queue, learning loop, CLI).

The forum loads it as a plugin by name (the PLUGINS setting) and calls ``init_app``; nothing is
imported here at module level, so importing the classifier never pulls in Flask.
"""


def init_app(app) -> None:
    """Plug moderation into the forum app: its screen, tables, desk, thread annotations, report form, what
    it keeps about readers (for their export and deletion), the admins' requirements of accounts and CLI."""
    from forum.accounts.verification import register_confirmation_requirement
    from forum.privacy.holders import register_holder
    from forum.screening import register_screen
    from forum.security import register_staff_guard
    from moderation import embeddings, models, settings  # noqa: F401  (the tables Alembic and the desk need)
    from moderation.access import is_verified_email_required, two_factor_guard
    from moderation.cli import moderation
    from moderation.context import init_app as init_context
    from moderation.queue import init_app as init_queue
    from moderation.readers import api as readers_api
    from moderation.readers.account_data import DeskData
    from moderation.rules import signatures, wordlists  # noqa: F401  (wordlists: its table)
    from moderation.scoring import ClassifierScreen

    register_screen(app, ClassifierScreen())
    register_holder(app, DeskData())
    register_staff_guard(app, two_factor_guard)
    register_confirmation_requirement(app, is_verified_email_required)
    init_queue(app)
    init_context(app)
    app.register_blueprint(readers_api.bp)
    settings.init_app(app)
    signatures.init_app(app)
    embeddings.init_app(app)
    app.cli.add_command(moderation)
