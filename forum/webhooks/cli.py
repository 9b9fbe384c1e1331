"""``flask --app wsgi webhooks add | list | remove``: the admin webhook API, for operators."""
import click
from flask.cli import AppGroup

from forum.errors import ApiError
from forum.extensions import db
from forum.webhooks import service
from forum.webhooks.events import EVENT_TYPES

webhooks = AppGroup("webhooks", help="Manage the webhooks that tell the newsroom's systems what happens.")


@webhooks.command("add")
@click.argument("url")
@click.option("--event", "events", multiple=True, required=True, type=click.Choice(EVENT_TYPES),
              help="An event to send (repeat the option for more).")
def add(url, events):
    """Add a webhook at URL for the events given, and print its signing secret (shown only now)."""
    try:
        webhook = service.create_webhook(url, list(events))
    except ApiError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"Webhook {webhook.id}: {webhook.url} ({', '.join(webhook.events)})")
    click.echo(f"Signing secret (shown only now): {webhook.secret}")


@webhooks.command("list")
def list_all():
    """List the webhooks: id, URL, events (never their secrets)."""
    hooks = service.list_webhooks()
    if not hooks:
        click.echo("No webhooks.")
    for webhook in hooks:
        click.echo(f"{webhook.id}\t{webhook.url}\t{','.join(webhook.events)}")


@webhooks.command("remove")
@click.argument("webhook_id", type=click.IntRange(1, 2**31 - 1))
def remove(webhook_id):
    """Remove the webhook WEBHOOK_ID and its delivery log."""
    try:
        service.remove_webhook(service.get_webhook(webhook_id))
    except ApiError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"Removed webhook {webhook_id}.")
