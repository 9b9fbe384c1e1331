"""Backtesting: the window's comments replayed through a candidate model and its thresholds, beside
the active model, before an operator switches (``moderation backtest``, ``moderation promote``).

Each comment is scored as it came: under its article and parent, against the thread as it was
(the published comments older than it), with its stored vector when one of the model's encoder
is kept; then the policy decides it as a post-moderated story would, so what differs is the
model alone (the desk's rules, a story's pre-moderation and readers' reports are the same for
both). The daily workload counts every comment of the window; precision and recall count only
the decisions that neither model learned from (those kept out of training, and those made after
both were trained), so a model is never marked on what it learned by heart.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from forum.extensions import db
from forum.models import Comment, CommentStatus, ModerationMode, utcnow
from forum.threads.service import submission
from moderation import embeddings, learning, policy, scoring
from moderation.classifier import Model
from moderation.classifier.calibration import flagged_metrics

WINDOW_DAYS = 30
#: Comments replayed together (one query for them, one for their stored vectors).
BATCH = 500


@dataclass
class Replay:
    """What one model and its thresholds would have done with the window's comments."""

    version: str
    thresholds: dict
    held: int = 0
    rejected: int = 0
    #: Per decided comment neither model learned from: (moderators did not want it, the model held
    #: or rejected it, the model rejected it).
    outcomes: list[tuple[int, bool, bool]] = field(default_factory=list)

    def figures(self, days: float) -> dict:
        """Return the daily workload, and precision and recall against the moderators."""
        labels = [label for label, _flagged, _rejected in self.outcomes]
        caught = flagged_metrics(labels, [flagged for _label, flagged, _rejected in self.outcomes])
        rejected = flagged_metrics(labels, [rejected for _label, _flagged, rejected in self.outcomes])
        return {"held_per_day": self.held / days, "rejected_per_day": self.rejected / days,
                "precision": caught["precision"], "recall": caught["recall"],
                "rejected_precision": rejected["precision"], "rejected_decided": rejected["flagged"]}


@dataclass
class Backtest:
    since: datetime
    until: datetime
    comments: int
    #: Decided comments in the window, and those of them neither model learned from.
    decided: int
    judged: int
    replays: dict[str, Replay]

    @property
    def days(self) -> float:
        return max((self.until - self.since).total_seconds() / 86400, 1 / 24)

    def as_dict(self) -> dict:
        """Return the backtest as JSON-able figures (``moderation backtest --json``)."""
        return {"since": self.since.isoformat(timespec="seconds"), "until": self.until.isoformat(timespec="seconds"),
                "days": self.days, "comments": self.comments, "decided": self.decided, "judged": self.judged,
                "models": {name: {"version": replay.version, "abuse_review": replay.thresholds["abuse_review"],
                                  "abuse_reject": replay.thresholds["abuse_reject"], **replay.figures(self.days)}
                           for name, replay in self.replays.items()}}


def _trained_at(model: Model) -> datetime:
    return datetime.fromisoformat(model.metadata["trained_at"]).astimezone(timezone.utc).replace(tzinfo=None)


def _label(decision) -> int | None:
    """Return 1 where moderators did not want the comment, 0 where they approved it, None otherwise."""
    example = learning.decision_example(decision)
    if example is None:
        return None
    return int(bool(example.abuse) or bool(example.off_topic))


def backtest(models: dict[str, Model], *, days: int = WINDOW_DAYS, now: datetime | None = None) -> Backtest:
    """Replay the comments of the last ``days`` days through each of ``models`` (by name)."""
    until = now or utcnow()
    since = until - timedelta(days=days)
    decisions = learning.latest_label_decisions(since)
    learned_until = max(_trained_at(model) for model in models.values())
    replays = {name: Replay(model.version, policy.thresholds(current_app.config, model))
               for name, model in models.items()}
    count, judged, last_id = 0, 0, 0
    while True:
        batch = db.session.scalars(
            select(Comment).options(joinedload(Comment.article), joinedload(Comment.parent))
            .where(Comment.created_at >= since, Comment.created_at < until, Comment.status != CommentStatus.DELETED,
                   Comment.id > last_id)
            .order_by(Comment.id).limit(BATCH)).all()
        if not batch:
            break
        last_id = batch[-1].id
        stored = {version: embeddings.comment_vectors([c.id for c in batch], version)
                  for version in {m.encoder.version for m in models.values() if m.encoder is not None}}
        for comment in batch:
            decision = decisions.get(comment.id)
            label = _label(decision) if decision is not None else None
            unseen = label is not None and (learning.is_held_out(comment.id) or decision.created_at > learned_until)
            judged += unseen
            # The thread as it was when the comment came, read once for every model.
            replayed = submission(comment.body, comment.article, comment.parent, before=comment.id)
            for name, model in models.items():
                own = stored[model.encoder.version].get(comment.id) if model.encoder is not None else None
                scores = scoring.score_submission(model, replayed, own)
                verdict = policy.decide(scores, ModerationMode.POST, replays[name].thresholds)
                replay = replays[name]
                replay.held += verdict.status == CommentStatus.PENDING
                replay.rejected += verdict.status == CommentStatus.REJECTED
                if unseen:
                    replay.outcomes.append((label, verdict.status != CommentStatus.PUBLISHED,
                                            verdict.status == CommentStatus.REJECTED))
        count += len(batch)
    return Backtest(since, until, count, len(decisions), judged, replays)


def format_backtest(result: Backtest) -> str:
    """Return the backtest as a table, one column per model."""
    def cell(value, digits: int) -> str:
        return "n/a" if value is None else f"{value:.{digits}f}"

    figures = result.as_dict()["models"]
    rows = [("model", {n: f["version"] for n, f in figures.items()})]
    rows += [(label, {n: cell(f[key], digits) for n, f in figures.items()}) for label, key, digits in (
        ("review threshold", "abuse_review", 3), ("reject threshold", "abuse_reject", 3),
        ("held for review per day", "held_per_day", 1), ("rejected per day", "rejected_per_day", 1),
        ("precision (held or rejected)", "precision", 3), ("recall (held or rejected)", "recall", 3),
        ("precision of rejections", "rejected_precision", 3))]
    rows.append(("decided comments it rejects", {n: str(f["rejected_decided"]) for n, f in figures.items()}))
    names = list(figures)
    width = max(len(label) for label, _ in rows)
    columns = [max(len(name), *(len(values[name]) for _, values in rows)) for name in names]

    def line(label: str, cells) -> str:
        return label.ljust(width) + "  " + "  ".join(c.rjust(w) for c, w in zip(cells, columns, strict=True))

    heading = (f"Backtest of {result.comments} comments from {result.since:%Y-%m-%d %H:%M} to "
               f"{result.until:%Y-%m-%d %H:%M} UTC ({result.days:.1f} days); precision and recall on "
               f"{result.judged} of {result.decided} decided comments, those neither model learned from.")
    return "\n".join([heading, line("", names), *(line(label, [values[n] for n in names]) for label, values in rows)])
