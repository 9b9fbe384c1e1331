"""``flask --app wsgi moderation train | evaluate | backtest | models | promote | rollback | check-alerts | embed``."""
import json

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from forum.errors import ApiError
from forum.extensions import db
from moderation import backtest, embeddings, learning, scoring
from moderation.classifier import ArtifactError, Model, evaluate, format_report, load
from moderation.models import ModelVersion
from moderation.queue import alerts

moderation = AppGroup("moderation", help="Train, evaluate and manage the classifier; check the desk's alerts.")


@moderation.command("train")
@click.option("--force", is_flag=True, help="Activate the new version even if it is worse on the held-out set.")
@click.option("--no-activate", is_flag=True,
              help="Only save the new version; backtest it and switch with `moderation promote`.")
@click.option("--research", is_flag=True,
              help="Also train on the research-only corpora in ../shared/data (not for commercial use).")
@click.option("--max-rows", type=click.IntRange(min=100), default=None,
              help="Use at most this many rows per corpus, for a quick run [all].")
def train_command(force, no_activate, research, max_rows):
    """Train a model from the shipped corpora and moderators' decisions, evaluate it, save it as a new version."""
    if force and no_activate:
        raise click.UsageError("--force activates the new version and --no-activate does not: give one.")
    click.echo("Training (shipped corpora + moderator decisions)…")
    row, active, reason = learning.train_version(research=research, force=force, max_rows=max_rows,
                                                 activate_if_better=not no_activate)
    db.session.commit()
    click.echo(f"Version {row.version}: saved to {row.path}")
    click.echo("Held-out metrics: " + json.dumps(row.metrics["heldout"], sort_keys=True))
    click.echo("Decisions held out: " + json.dumps(row.metrics["decisions"], sort_keys=True))
    newsroom = row.metrics["newsroom_thresholds"]
    if newsroom["used"]:
        chosen = ", ".join(f"{name} {value:.3f}" for name, value in newsroom["thresholds"].items())
        click.echo(f"Thresholds: the newsroom's own, from {newsroom['decisions']} decisions ({chosen})")
    else:
        click.echo(f"Thresholds: the corpora's ({newsroom['why']})")
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
    newest_first = select(ModelVersion).order_by(ModelVersion.trained_at.desc(), ModelVersion.id.desc())
    rows = db.session.scalars(newest_first).all()
    if not rows:
        # On stderr: the listing itself stays empty for scripts.
        click.echo("No trained versions yet: `flask --app wsgi moderation train` makes one.", err=True)
    for row in rows:
        heldout, decisions = row.metrics.get("heldout", {}), row.metrics.get("decisions", {})
        mark = "*" if row.is_active else " "
        agreement = f"{decisions['agreement']:.3f} on {decisions['count']}" if decisions.get("count") else "n/a"
        click.echo(f"{mark} {row.version}  trained {row.trained_at:%Y-%m-%d %H:%M}  "
                   f"held-out score {heldout.get('score', float('nan')):.4f}  "
                   f"agreement with held-out decisions {agreement}")


def _load(path: str) -> Model:
    try:
        return load(path, encoder_directory=current_app.config["MODERATION_ENCODER_DIR"])
    except ArtifactError as error:
        raise click.ClickException(str(error)) from None


def _replayed_beside_the_active(candidate: Model, days: int, as_json: bool = False) -> str:
    """Return the backtest of ``candidate`` over the last ``days`` days, beside the active model."""
    active = scoring.active_model()
    models = {"active": active, "candidate": candidate} if active is not None else {"candidate": candidate}
    result = backtest.backtest(models, days=days)
    # A replay changes nothing (it may have stored an article's missing vector: that waits for a post).
    db.session.rollback()
    return json.dumps(result.as_dict(), indent=2) if as_json else backtest.format_backtest(result)


@moderation.command("backtest")
@click.option("--model", "model_path", type=click.Path(dir_okay=False), default=None,
              help="The candidate artifact [the newest trained version that is not active].")
@click.option("--days", type=click.IntRange(min=1, max=3650), default=backtest.WINDOW_DAYS, show_default=True,
              help="Replay the comments of this many days back.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def backtest_command(model_path, days, as_json):
    """Replay the window's comments through a candidate model and its thresholds, beside the active
    model: the daily workload, and precision and recall on decisions neither model learned from."""
    if model_path is None:
        row = learning.newest_inactive_version()
        if row is None:
            raise click.ClickException("There is no trained version besides the active one: "
                                       "give --model PATH, or train one with `moderation train`.")
        model_path = row.path
    click.echo(_replayed_beside_the_active(_load(model_path), days, as_json))


@moderation.command("promote")
@click.argument("version")
@click.option("--days", type=click.IntRange(min=1, max=3650), default=7, show_default=True,
              help="Show the backtest of this many days back before switching.")
@click.option("--no-backtest", is_flag=True, help="Switch without replaying the window first.")
def promote_command(version, days, no_backtest):
    """Show VERSION's backtest beside the active model, then make VERSION the active model."""
    try:
        row = learning.version(version)
        if not no_backtest and learning.load_error(row) is None:
            click.echo(_replayed_beside_the_active(_load(row.path), days))
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
