"""The learning loop: moderators' decisions become labels; versions are trained, gated, promoted.

A new version becomes active only if it is no worse than the active one on the fixed held-out set
of the shipped corpora (``heldout_summary``), unless forced or unless the active one can no longer
be loaded (an artifact of an older format, after an upgrade). The active artifact is copied to
MODERATION_MODEL_PATH with an atomic rename, so every worker picks it up on its next comment.
"""
import os
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

from flask import current_app
from sklearn.metrics import roc_auc_score
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import joinedload

from forum.errors import Conflict, NotFound
from forum.extensions import db
from forum.models import Comment, HoldReason, utcnow
from moderation.classifier import ArtifactError, Example, is_no_worse, load, save, train
from moderation.models import ModelVersion, ModerationDecision
from moderation.vocabulary import DecisionAction, RejectionReason

#: One decision in this many is kept out of training to check the new model against moderators.
DECISION_HOLDOUT_EVERY = 5
#: Rejection codes that label a comment abusive (spam is what the newsroom does not want either).
ABUSE_REASONS = (RejectionReason.ABUSIVE, RejectionReason.THREAT, RejectionReason.HATE, RejectionReason.SPAM)
#: The decisions that are labels; an escalation hands a comment on and says nothing about it.
LABEL_ACTIONS = (DecisionAction.APPROVE, DecisionAction.REJECT)


def decision_example(decision: ModerationDecision) -> Example | None:
    """Turn one decision into a label, or None when it teaches nothing.

    Approval is negative for both heads. A rejection is positive: for off-topic when rejected as
    off-topic, for abuse when rejected as abusive, a threat, hate or spam. A rejection with no code
    (none is written any more) falls back on why the comment was held. Rejections for other reasons
    (personal information, other) and escalations are not labels. Only the code is read, never the
    moderator's note, so free text cannot change what the model learns.
    """
    comment = decision.comment
    if not comment.body:
        return None
    article = comment.article.text
    if decision.action == DecisionAction.APPROVE:
        return Example(comment.body, abuse=0, off_topic=0, article=article)
    if decision.action != DecisionAction.REJECT:
        return None
    reason = decision.reason
    if reason == RejectionReason.OFF_TOPIC or (reason is None and decision.hold_reason == HoldReason.OFF_TOPIC):
        return Example(comment.body, abuse=None, off_topic=1, article=article)
    if reason in ABUSE_REASONS or (reason is None and decision.hold_reason == HoldReason.ABUSE):
        return Example(comment.body, abuse=1, off_topic=None, article=article)
    return None


def latest_label_decisions(since: datetime | None = None) -> dict[int, ModerationDecision]:
    """Return the latest approval or rejection of each comment (posted since ``since``), by comment id."""
    stmt = (select(ModerationDecision)
            .options(joinedload(ModerationDecision.comment).joinedload(Comment.article))
            .where(ModerationDecision.action.in_(LABEL_ACTIONS))
            .order_by(ModerationDecision.id))
    if since is not None:
        stmt = stmt.where(ModerationDecision.comment_id.in_(select(Comment.id).where(Comment.created_at >= since)))
    return {d.comment_id: d for d in db.session.scalars(stmt)}


def is_held_out(comment_id: int) -> bool:
    """Return whether decisions on this comment are kept out of training, to check models against."""
    return comment_id % DECISION_HOLDOUT_EVERY == 0


def decision_examples() -> tuple[list[Example], list[Example]]:
    """Return (training, held-out) examples from the latest decision on each comment."""
    train_part, held_out = [], []
    for comment_id, decision in latest_label_decisions().items():
        example = decision_example(decision)
        if example is not None:
            (held_out if is_held_out(comment_id) else train_part).append(example)
    return train_part, held_out


def decision_metrics(model, examples: list[Example]) -> dict:
    """Return how the model agrees with moderators on decisions it did not learn from."""
    labelled = [e for e in examples if e.abuse is not None]
    if not labelled:
        return {"count": 0}
    scores = [s.abuse for s in model.score_batch([e.text for e in labelled])]
    labels = [e.abuse for e in labelled]
    review = model.thresholds["abuse_review"]
    agreed = sum((s >= review) == bool(y) for s, y in zip(scores, labels, strict=True))
    metrics = {"count": len(labelled), "agreement": agreed / len(labelled)}
    if len(set(labels)) == 2:
        metrics["roc_auc"] = float(roc_auc_score(labels, scores))
    return metrics


def versions_dir() -> Path:
    """Return the folder of every trained artifact, beside the active one."""
    path = Path(current_app.config["MODERATION_MODEL_PATH"]).parent / "model-versions"
    path.mkdir(parents=True, exist_ok=True)
    return path


def active_version() -> ModelVersion | None:
    """Return the registered version that is active, if any."""
    return db.session.scalar(select(ModelVersion).where(ModelVersion.is_active))


def train_version(*, research: bool = False, force: bool = False, max_rows=None,
                  activate_if_better: bool = True) -> tuple[ModelVersion, bool, str]:
    """Train on the shipped corpora plus decisions, register the version, and promote it if it passes.

    With ``activate_if_better`` false the version is only registered, for a backtest and a later
    ``promote``. Return the version, whether it is now active, and why.
    """
    train_part, held_out = decision_examples()
    model = train(extra_examples=train_part, research=research, max_rows=max_rows)
    path = versions_dir() / f"{model.version}.skops"
    save(model, path)
    metrics = {"heldout": model.metadata["heldout"], "decisions": decision_metrics(model, held_out),
               "cross_validation": model.metadata.get("cross_validation", {}),
               "newsroom_thresholds": model.metadata["thresholds"]["newsroom"]}
    row = ModelVersion(version=model.version, path=str(path), trained_at=utcnow(),
                       data_summary={**model.metadata.get("data", {}), "decisions_trained": len(train_part),
                                     "decisions_held_out": len(held_out), "max_rows": max_rows},
                       metrics=metrics)
    db.session.add(row)
    db.session.flush()
    if not activate_if_better:
        return row, False, "asked not to (promote it with `moderation promote VERSION`)"
    current = active_version()
    unusable = load_error(current) if current is not None else None
    if current is None:
        reason = "no model was active"
    elif force:
        reason = "forced"
    elif unusable:
        reason = f"the active {current.version} cannot be loaded by this version of Parley ({unusable})"
    elif is_no_worse(metrics["heldout"], current.metrics["heldout"]):
        reason = f"no worse than {current.version} on the held-out set"
    else:
        return row, False, (f"worse than the active {current.version} on the held-out set "
                            f"({metrics['heldout']['score']:.4f} < {current.metrics['heldout']['score']:.4f}); "
                            "use --force to activate it anyway")
    activate(row)
    return row, True, reason


def load_error(row: ModelVersion) -> str | None:
    """Return why ``row``'s artifact cannot be loaded (missing, corrupt, an older format), or None."""
    try:
        load(row.path)
    except ArtifactError as exc:
        return str(exc)
    return None


def _install(source: str) -> None:
    """Copy ``source`` over the active artifact path atomically."""
    target = Path(current_app.config["MODERATION_MODEL_PATH"])
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".model-", suffix=".tmp")
    os.close(fd)
    shutil.copyfile(source, tmp)
    os.replace(tmp, target)


def activate(row: ModelVersion) -> None:
    """Make ``row`` the active version, if its artifact loads (so never one of an older format)."""
    if not Path(row.path).is_file():
        raise NotFound(f"The artifact of {row.version} is missing at {row.path}.", code="artifact_missing")
    problem = load_error(row)
    if problem:
        raise Conflict(f"The artifact of {row.version} cannot be loaded: {problem}", code="artifact_unusable")
    _install(row.path)
    db.session.execute(update(ModelVersion).where(ModelVersion.id != row.id).values(is_active=False))
    row.is_active = True
    row.activated_at = utcnow()


def version(name: str) -> ModelVersion:
    """Return the registered version ``name``."""
    row = db.session.scalar(select(ModelVersion).where(ModelVersion.version == name))
    if row is None:
        raise NotFound(f"No model version '{name}'; `moderation models` lists them.", code="unknown_version")
    return row


def newest_inactive_version() -> ModelVersion | None:
    """Return the newest registered version that is not active: the usual candidate."""
    return db.session.scalar(select(ModelVersion).where(ModelVersion.is_active.is_(False))
                             .order_by(ModelVersion.trained_at.desc(), ModelVersion.id.desc()).limit(1))


def promote(name: str) -> ModelVersion:
    """Make the registered version ``name`` active, whatever its metrics (an operator's explicit choice)."""
    row = version(name)
    activate(row)
    return row


def rollback() -> ModelVersion:
    """Activate the newest version older than the active one that has been active before.

    Rolling back again goes further back, never forward again (``promote`` does that).
    """
    current = active_version()
    older = []
    if current is not None:
        older = [or_(ModelVersion.trained_at < current.trained_at,
                     and_(ModelVersion.trained_at == current.trained_at, ModelVersion.id < current.id))]
    previous = db.session.scalar(
        select(ModelVersion)
        .where(ModelVersion.activated_at.is_not(None), ModelVersion.is_active.is_(False), *older)
        .order_by(ModelVersion.trained_at.desc(), ModelVersion.id.desc())
        .limit(1)
    )
    if previous is None:
        raise Conflict("There is no earlier active version to go back to.", code="nothing_to_roll_back")
    activate(previous)
    return previous
