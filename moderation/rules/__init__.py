"""Rules the screen applies beside the model: the moderators' word lists, readers' histories, repeats.

A rule looks at one submission and either passes it (None) or says what should happen to it
(``RuleHit``): rejected or held, why (a hold reason the queue filters on), the rule in words for
the moderator, and the spans it matched. The screen scores every comment with the model and then
applies the rules: a hit at least as strict as the model's verdict takes its place, so a banned
word rejects a comment the model would publish, and the model's rejection of an abusive comment
stays a rejection whatever a milder rule says. Every hit's highlights are shown.
"""
from dataclasses import replace

from forum.models import CommentStatus
from forum.screening import Assessment, Submission
from moderation.rules import repeats
from moderation.rules.hit import Rule, RuleHit
from moderation.rules.readers import link_from_new_reader, new_reader, reader_on_premoderation
from moderation.rules.wordlists import screen_words

#: The rules in force, in the order they are tried (the first of the strictest hits decides).
RULES: tuple[Rule, ...] = (
    screen_words,
    reader_on_premoderation,
    new_reader,
    link_from_new_reader,
    repeats.repeated_text,
    repeats.burst,
)

__all__ = ["RULES", "Rule", "RuleHit", "apply"]

_STRICTNESS = {CommentStatus.PUBLISHED: 0, CommentStatus.PENDING: 1, CommentStatus.REJECTED: 2}


def apply(submission: Submission, assessment: Assessment, rules: tuple[Rule, ...] = RULES) -> Assessment:
    """Return ``assessment`` with the strictest rule hit applied, when one is at least as strict."""
    hits = [hit for rule in rules if (hit := rule(submission)) is not None]
    if not hits:
        return assessment
    strictest = max(hits, key=lambda hit: _STRICTNESS[hit.status])
    highlights = tuple(span for hit in hits for span in hit.highlights) + tuple(assessment.highlights)
    if _STRICTNESS[strictest.status] < _STRICTNESS[assessment.status]:
        return replace(assessment, highlights=highlights)
    return replace(assessment, status=strictest.status, hold_reason=strictest.reason, rule=strictest.rule,
                   highlights=highlights)
