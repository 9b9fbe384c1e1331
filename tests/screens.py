"""A deterministic screen for the web tests: what they assert never depends on the trained model.

``WordScreen`` reads a comment as abusive when it contains words of a short fixed list, the insults
the tests post. Its scores are fixed by that count, and it decides them with moderation's own
policy and the app's configured thresholds, then applies the desk's rules (moderation.rules) as
the real screen does, so a test that moves a threshold still moves the verdict. The tests about
the model itself ask for the real one with ``make_app(SCREEN=None)``.
"""
import re

from flask import current_app

from forum.screening import Assessment, Submission
from moderation import policy, rules
from moderation.classifier import Highlight, Scores

#: The insults the web tests post; whole words, any case.
ABUSIVEWORDS = ("idiot", "idiots", "stupid", "moron", "morons", "pathetic")
WORD = re.compile(r"\b(?:" + "|".join(ABUSIVEWORDS) + r")\b", re.IGNORECASE)

#: Scores by abusive-word count: none is civil, one is worth a review, two or more are rejected
#: (with the fallback thresholds 0.5 to review and 0.97 to reject).
CIVIL_ABUSE, ONEWORD_ABUSE, MANYWORDS_ABUSE = 0.02, 0.9, 0.99
OFF_TOPIC = 0.05
HIGHLIGHT_WEIGHT = 1.0
MODEL_VERSION = "test-screen"


class WordScreen:
    """Flag abuse by a fixed word list and decide it by moderation's policy, with no model at all."""

    context_size = 5

    def assess(self, submission: Submission) -> Assessment:
        """Score the submission by its abusive words and decide it with the configured thresholds."""
        highlights = tuple(Highlight(m.start(), m.end(), m.group(), HIGHLIGHT_WEIGHT)
                           for m in WORD.finditer(submission.text))
        scores = Scores(abuse_score(len(highlights)), OFF_TOPIC, list(highlights))
        verdict = policy.decide(scores, submission.mode, policy.thresholds(current_app.config))
        return rules.apply(submission, Assessment(verdict.status, verdict.reason, abuse=scores.abuse,
                                                  off_topic=scores.off_topic, model_version=MODEL_VERSION,
                                                  highlights=highlights, rule=verdict.rule))

    def health(self) -> tuple[bool, dict]:
        """Report a screen that always works."""
        return True, {"model": "ok", "model_version": MODEL_VERSION}


def abuse_score(words: int) -> float:
    """Return the abuse score of a text with ``words`` abusive words."""
    if words == 0:
        return CIVIL_ABUSE
    return ONEWORD_ABUSE if words == 1 else MANYWORDS_ABUSE

