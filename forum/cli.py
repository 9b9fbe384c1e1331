"""``flask --app wsgi users ...``, ``flask --app wsgi seed-demo``, and the forum's other commands."""
import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from forum.accounts.service import get_user, register_user, set_role
from forum.errors import ApiError
from forum.extensions import db
from forum.models import Role

users = AppGroup("users", help="Manage readers, moderators and admins.")
ROLES = click.Choice([r.value for r in Role])


@users.command("create")
@click.argument("username")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", type=ROLES, default=Role.READER.value, show_default=True)
@click.option("--display-name", default=None)
def create_user(username, email, password, role, display_name):
    """Create a user."""
    try:
        user = register_user(username, email, password, display_name=display_name, role=role)
    except ApiError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.username}.")


@users.command("set-role")
@click.argument("username")
@click.argument("role", type=ROLES)
def set_user_role(username, role):
    """Give USERNAME the role ROLE (reader, moderator or admin)."""
    try:
        user = get_user(username)
    except ApiError as error:
        raise click.ClickException(error.message) from None
    set_role(user, role)
    db.session.commit()
    click.echo(f"{user.username} is now {user.role.value}.")


@click.command("seed-demo")
@with_appcontext
def seed_demo():
    """Create the demo article, readers and moderator (once), and print how to log in."""
    from forum.demo import seed

    accounts = seed()
    db.session.commit()
    click.echo("Demo accounts (username / password):")
    for username, password, role in accounts:
        click.echo(f"  {username:<10} {password:<18} {role}")
    click.echo(f"Publisher API key (X-API-Key): {current_app.config['PUBLISHER_API_KEY']}")


def init_app(app) -> None:
    """Register the forum's commands (plugins such as moderation add their own)."""
    from forum.notifications.cli import mail
    from forum.outbox.cli import worker

    app.cli.add_command(users)
    app.cli.add_command(seed_demo)
    app.cli.add_command(worker)
    app.cli.add_command(mail)
