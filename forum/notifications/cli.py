"""``flask --app wsgi mail digest``: the daily digest of followed readers, for cron."""
from datetime import timedelta

import click
from flask.cli import AppGroup

from forum.notifications.digest import DEFAULT_SINCE, send_digests

mail = AppGroup("mail", help="Send the mail that needs a clock rather than an event.")
#: A digest that reaches further back than a week is no longer news.
SINCE_HOURS_MAX = 7 * 24


@mail.command("digest")
@click.option("--since-hours", type=click.IntRange(1, SINCE_HOURS_MAX), show_default=True,
              default=int(DEFAULT_SINCE.total_seconds() // 3600),
              help="Reach back at most this many hours (a reader's first digest, or after a pause).")
@click.option("--dry-run", is_flag=True, help="Say who would be mailed, and queue and record nothing.")
def digest(since_hours, dry_run):
    """Queue the digest of followed readers for every reader due one; a worker sends it.

    The outbox workers do this every MAIL_DIGEST_CHECK_SECONDS; run it from cron instead or as
    well: a reader gets at most one digest per day (from MAIL_DIGEST_HOUR, UTC, to the next),
    listing what is new since the last one, however often this runs.
    """
    run = send_digests(since=timedelta(hours=since_hours), dry_run=dry_run)
    verb = "Would mail" if dry_run else "Mailed"
    for username, count in run.mailed:
        click.echo(f"{verb} {username}: {count} comment{'s' if count != 1 else ''}")
    click.echo(f"{run.due_count} reader{'s' if run.due_count != 1 else ''} due a digest, "
               f"{len(run.mailed)} with something new{' (dry run: nothing queued)' if dry_run else ''}.")
