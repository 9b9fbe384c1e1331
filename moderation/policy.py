"""From scores and the article's mode to a decision, with the reason (held or rejected comments
say why, so the queue and the author can be told)."""
from dataclasses import dataclass

from forum.models import CommentStatus, HoldReason, ModerationMode

#: Thresholds used when neither the configuration nor the model gives one.
FALLBACK_THRESHOLDS = {"abuse_review": 0.5, "abuse_reject": 0.97, "off_topic_review": 0.8}

_CONFIG_KEYS = {
    "abuse_review": "MODERATION_ABUSE_REVIEW_THRESHOLD",
    "abuse_reject": "MODERATION_ABUSE_REJECT_THRESHOLD",
    "off_topic_review": "MODERATION_OFF_TOPIC_REVIEW_THRESHOLD",
}


@dataclass(frozen=True)
class Verdict:
    status: CommentStatus
    reason: HoldReason | None = None


def thresholds(config, model=None) -> dict:
    """Return the thresholds in force: configuration first, then the model's own, then fallbacks."""
    chosen = dict(FALLBACK_THRESHOLDS)
    if model is not None:
        chosen.update({k: v for k, v in model.thresholds.items() if k in chosen and v is not None})
    for name, key in _CONFIG_KEYS.items():
        if config.get(key) is not None:
            chosen[name] = float(config[key])
    return chosen


def decide(scores, mode: ModerationMode, limits: dict) -> Verdict:
    """Decide a new or edited comment's status.

    Pre-moderation holds everything. Without scores (no model, or it failed) the comment is held:
    a broken model never blocks posting, and never lets a comment through unchecked either.
    """
    if mode == ModerationMode.PRE:
        return Verdict(CommentStatus.PENDING, HoldReason.PREMODERATION)
    if scores is None:
        return Verdict(CommentStatus.PENDING, HoldReason.MODEL_UNAVAILABLE)
    if scores.abuse >= limits["abuse_reject"]:
        return Verdict(CommentStatus.REJECTED, HoldReason.ABUSE)
    if scores.abuse >= limits["abuse_review"]:
        return Verdict(CommentStatus.PENDING, HoldReason.ABUSE)
    if scores.off_topic >= limits["off_topic_review"]:
        return Verdict(CommentStatus.PENDING, HoldReason.OFF_TOPIC)
    return Verdict(CommentStatus.PUBLISHED)
