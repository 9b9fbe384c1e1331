"""``flask --app wsgi moderation train | evaluate | models | promote | rollback | check-alerts | embed``."""
import json

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from forum.errors import ApiError
from forum.extensions import db
from moderation import embeddings, learning, scoring
from moderation.classifier import ArtifactError, evaluate, format_report, load
from moderation.models import ModelVersion
from moderation.queue import alerts

moderation = AppGroup("moderation", help="Train, evaluate and manage the classifier; check the desk's alerts.")


@moderation.command("train")
@click.option("--force", is_flag=True, help="Activate the new version even if it is worse on the held-out set.")
@click.option("--research", is_flag=True,
              help="Also train on the research-only corpora in ../shared/data (not for commercial use).")
@click.option("--max-rows", type=click.IntRange(min=100), default=None,
              help="Use at most this many rows per corpus, for a quick run [all].")
def train_command(force, research, max_rows):
    """Train a model from the shipped corpora and moderators' decisions, evaluate it, save it as a new version."""
    click.echo("Training (shipped corpora + moderator decisions)…")
    row, active, reason = learning.train_version(research=research, force=force, max_rows=max_rows)
    db.session.commit()
    click.echo(f"Version {row.version}: saved to {row.path}")
    click.echo("Held-out metrics: " + json.dumps(row.metrics["heldout"], sort_keys=True))
    click.echo("Decisions held out: " + json.dumps(row.metrics["decisions"], sort_keys=True))
    click.echo(("Active: " if active else "Not activated: ") + reason)


@moderation.command("evaluate")
@click.option("--model", "model_path", type=click.Path(dir_okay=False), default=None,
              help="The artifact to evaluate [the active model].")
@click.option("--no-peers", is_flag=True, help="Leave out the peer classifiers.")
def evaluate_command(model_path, no_peers):
    """Print the metrics table of a model on the fixed held-out sets, beside its peers."""
    try:
        model = load(model_path or current_app.config["MODERATION_MODEL_PATH"])
    except ArtifactError as error:
        raise click.ClickException(str(error)) from None
    click.echo(format_report(evaluate(model, peers=not no_peers)))


@moderation.command("models")
def models_command():
    """List the trained versions, newest first."""
    rows = db.session.scalars(select(ModelVersion).order_by(ModelVersion.trained_at.desc(), ModelVersion.id.desc()))
    for row in rows:
        heldout, decisions = row.metrics.get("heldout", {}), row.metrics.get("decisions", {})
        mark = "*" if row.is_active else " "
        agreement = f"{decisions['agreement']:.3f} on {decisions['count']}" if decisions.get("count") else "n/a"
        click.echo(f"{mark} {row.version}  trained {row.trained_at:%Y-%m-%d %H:%M}  "
                   f"held-out score {heldout.get('score', float('nan')):.4f}  "
                   f"agreement with held-out decisions {agreement}")


@moderation.command("promote")
@click.argument("version")
def promote_command(version):
    """Make VERSION the active model."""
    try:
        row = learning.promote(version)
    except ApiError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"Active: {row.version}")


@moderation.command("rollback")
def rollback_command():
    """Go back to the newest older version that has been active (again: further back)."""
    try:
        row = learning.rollback()
    except ApiError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"Active: {row.version}")


@moderation.command("check-alerts")
def check_alerts_command():
    """Check the queue's size and oldest wait against the alert settings, and send the alerts due.

    The outbox workers check every MODERATION_ALERT_CHECK_SECONDS; this is for cron. An alert is
    sent once until its condition clears, however often it is checked; a worker delivers it.
    """
    outcomes = alerts.check_alerts()
    db.session.commit()
    for event_type, outcome in outcomes.items():
        click.echo(f"{event_type}: {outcome}")


@moderation.command("embed")
@click.option("--batch-size", type=click.IntRange(min=1), default=200, show_default=True,
              help="Texts encoded and committed together.")
def embed_command(batch_size):
    """Store the vectors of the published and pending comments and of the articles that lack one
    of the current encoder, oldest first (after an encoder outage, or a new encoder)."""
    model = scoring.active_model()
    if model is None:
        raise click.ClickException(f"No model can be loaded: {scoring.model_error()}")
    if model.encoder is None:
        raise click.ClickException(f"The encoder cannot run: {model.encoder_error}")
    counts = {"comment": 0, "article": 0}
    try:
        for kind, batches in (("comment", embeddings.backfill_comments), ("article", embeddings.backfill_articles)):
            for stored in batches(model, batch_size):
                db.session.commit()
                counts[kind] += stored
    except embeddings.EncoderUnavailable as error:
        raise click.ClickException(f"The encoder failed ({error}); stored {counts['comment']} comment "
                                   f"and {counts['article']} article vectors before it stopped.") from None
    click.echo(f"Stored {counts['comment']} comment vectors and {counts['article']} article vectors.")
