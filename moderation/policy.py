"""From scores and the article's mode to a decision, with the reason (held or rejected comments
say why, so the queue and the author can be told)."""
from dataclasses import dataclass

from forum.models import CommentStatus, HoldReason, ModerationMode
from moderation import settings

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
    #: The policy's own rule in words: why it held a comment for a kind of abuse, or why it
    #: published a comment its story would have held.
    rule: str | None = None


def thresholds(config, model=None) -> dict:
    """Return the thresholds in force: configuration first, then the model's own, then fallbacks;
    and the admins' ``auto_approve_below`` (a desk setting, 0 when off)."""
    chosen = dict(FALLBACK_THRESHOLDS)
    if model is not None:
        # The model's own, including one per kind of abuse it scores (``threat_review``, ...).
        chosen.update({k: v for k, v in model.thresholds.items() if v is not None})
    for name, key in _CONFIG_KEYS.items():
        if config.get(key) is not None:
            chosen[name] = float(config[key])
    chosen["auto_approve_below"] = settings.get("auto_approve_below")
    return chosen


def decide(scores, mode: ModerationMode, limits: dict) -> Verdict:
    """Decide a new or edited comment's status.

    Pre-moderation holds everything, except what the admins auto-approve: with ``auto_approve_below``
    set, a comment the model scores below it on both abuse and off-topic is published at once, and
    its ``rule`` says so. That only lifts the story's hold, which is no judgement on the comment: the
    desk's rules (moderation/rules) still hold what they hold, a reader on pre-moderation, a new
    reader, a link, a listed word, a repeat, and readers' reports still queue it. Without scores
    (no model, or it failed) the comment is held: a broken model never blocks posting, and never
    lets a comment through unchecked either.
    """
    if mode == ModerationMode.PRE:
        if is_confidently_clean(scores, limits["auto_approve_below"]):
            return Verdict(CommentStatus.PUBLISHED, rule=auto_approval(scores, limits["auto_approve_below"]))
        return Verdict(CommentStatus.PENDING, HoldReason.PREMODERATION)
    if scores is None:
        return Verdict(CommentStatus.PENDING, HoldReason.MODEL_UNAVAILABLE)
    if scores.abuse >= limits["abuse_reject"]:
        return Verdict(CommentStatus.REJECTED, HoldReason.ABUSE)
    if scores.abuse >= limits["abuse_review"]:
        return Verdict(CommentStatus.PENDING, HoldReason.ABUSE)
    kind = held_kind(scores, limits)
    if kind is not None:
        return Verdict(CommentStatus.PENDING, HoldReason.ABUSE, rule=kind)
    if scores.off_topic >= limits["off_topic_review"]:
        return Verdict(CommentStatus.PENDING, HoldReason.OFF_TOPIC)
    return Verdict(CommentStatus.PUBLISHED)


def held_kind(scores, limits: dict) -> str | None:
    """Return, in words, the kind of abuse that holds a comment at its own threshold, or None.

    A threat can read as mild as a whole ("someone should find out where you live") and still be
    the gravest thing on the desk, so each kind the model scores has its own review threshold.
    """
    for kind, p in sorted(scores.categories.items(), key=lambda item: -item[1]):
        limit = limits.get(f"{kind}_review")
        if limit is not None and p >= limit:
            return f"{kind.replace('_', ' ')}: {p:.2f}, at or above its review threshold {limit:.2f}"
    return None


def is_confidently_clean(scores, below: float) -> bool:
    """Return whether the model scores a comment below ``below`` (0: never) on both abuse and off-topic."""
    return scores is not None and scores.abuse < below and scores.off_topic < below


def auto_approval(scores, below: float) -> str:
    """Return the rule in words that a moderator reads on an auto-approved comment."""
    return f"auto-approved: abuse {scores.abuse:.2f} and off-topic {scores.off_topic:.2f}, both below {below:g}"
