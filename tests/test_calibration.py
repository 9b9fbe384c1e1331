"""The newsroom's own review and reject thresholds, re-fitted on its moderators' decisions."""

import numpy as np
import pytest

from moderation.classifier.calibration import MIN_NEWSROOM_DECISIONS, newsroom_thresholds

CORPUS = {"abuse_review": 0.3, "abuse_reject": 0.95, "off_topic_review": 0.9}
TARGETS = {"abuse_review": 0.6, "abuse_reject": 0.95}


def decisions(n, rejects_above, seed=0):
    """Return (probabilities, labels) of ``n`` decided comments: a desk that rejects what the model
    scores above ``rejects_above``, with one decision in ten the other way."""
    rng = np.random.default_rng(seed)
    p = rng.random(n)
    y = (p > rejects_above).astype(int)
    flipped = rng.random(n) < 0.1
    return p, np.where(flipped, 1 - y, y)


def test_a_lenient_desk_gets_fewer_holds():
    p, y = decisions(400, rejects_above=0.7)
    thresholds, info = newsroom_thresholds(p, y, CORPUS, TARGETS)
    assert info["used"] and info["decisions"] == 400
    assert thresholds["abuse_review"] > 0.4 > CORPUS["abuse_review"]
    # Its automatic rejections are never fewer-checked than the corpora's, whatever the noise.
    assert thresholds["abuse_reject"] >= CORPUS["abuse_reject"]
    assert thresholds["off_topic_review"] == CORPUS["off_topic_review"]
    # On the folds of the decisions they were not fitted on, the desk's own rule holds fewer
    # comments, more of them ones it rejects, and still most of what it rejects.
    new, old = (info["cross_validation"][rule]["abuse_review"] for rule in ("newsroom", "corpus"))
    assert new["flagged"] < old["flagged"] and new["precision"] > old["precision"] and new["recall"] > 0.8


def test_a_strict_desk_keeps_the_corpora_thresholds():
    # Below the old threshold only reported comments were decided: their precision is flattered.
    p, y = decisions(400, rejects_above=0.1)
    thresholds, info = newsroom_thresholds(p, y, CORPUS, TARGETS)
    assert info["used"] and thresholds == CORPUS


@pytest.mark.parametrize("n, rejected_share", [(MIN_NEWSROOM_DECISIONS - 1, 0.5), (400, 0.03)])
def test_too_few_decisions_or_too_few_of_a_kind_keep_the_corpora_thresholds(n, rejected_share):
    p = np.linspace(0, 1, n)
    y = (p > 1 - rejected_share).astype(int)
    thresholds, info = newsroom_thresholds(p, y, CORPUS, TARGETS)
    assert thresholds == CORPUS
    assert not info["used"] and f"needs {MIN_NEWSROOM_DECISIONS}" in info["why"]


def test_the_same_decisions_give_the_same_thresholds():
    p, y = decisions(300, rejects_above=0.5)
    assert newsroom_thresholds(p, y, CORPUS, TARGETS) == newsroom_thresholds(p, y, CORPUS, TARGETS)
