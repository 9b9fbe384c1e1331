"""What a rule answers (``RuleHit``) and what a rule is, apart from the rules so that rule modules can import them."""
from collections.abc import Callable
from dataclasses import dataclass

from forum.models import CommentStatus, HoldReason
from forum.screening import Submission


@dataclass(frozen=True)
class RuleHit:
    status: CommentStatus
    reason: HoldReason
    #: What the moderator reads on the queue item, e.g. "banned word: scam".
    rule: str
    highlights: tuple = ()


Rule = Callable[[Submission], RuleHit | None]
