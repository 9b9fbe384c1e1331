"""The classifier library: mechanics and behaviour on the full base model, training on small ones."""

import math
import shutil

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.metrics import roc_auc_score

from moderation.classifier import (
    ContextVectors,
    Example,
    Highlight,
    Model,
    Scores,
    encoder,
    heldout_summary,
    is_no_worse,
    load,
    save,
    train,
)
from moderation.classifier.corpora import CATEGORIES
from moderation.classifier.datasets import load_corpus
from moderation.classifier.explain import char_f1
from moderation.classifier.normalise import normalise, normalise_batch
from tests.model_fixtures import SMALL_ROWS


@pytest.mark.parametrize("dodge, plain", [
    ("You are an 1d10t", "you are an idiot"),
    ("Y O U are a  f.u.c.k.i.n.g moron", "you are a fucking moron"),
    ("stuuuuupid", "stupid"),
    ("ѕtupid іdiot", "stupid idiot"),
    ("ＩＤＩＯＴ", "idiot"),
    ("sh!t @ss $hit", "shit ass shit"),
    ("naïve café", "naive cafe"),
])
def test_normalise_undoes_dodges(dodge, plain):
    assert normalise(dodge) == plain


def test_normalise_keeps_numbers_and_count():
    texts = ["Kill the bill in 2016!", "", "a\nb", "x\x00y"]
    assert normalise_batch(texts) == ["kill the bill in 2016", "", "a b", "x y"]


def test_scores_are_probabilities(base_model):
    scores = base_model.score("What a thoughtful article.", article="Budget vote\nThe council votes on the budget.")
    assert isinstance(scores, Scores)
    assert 0.0 <= scores.abuse <= 1.0
    assert 0.0 <= scores.off_topic <= 1.0


def test_no_context_means_no_off_topic_judgement(base_model):
    assert base_model.score("Anything at all").off_topic == 0.0


def test_batch_matches_single(base_model):
    texts = ["you are an idiot", "Nice work on the budget story", ""]
    batch = base_model.score_batch(texts, article="The budget\nCouncil passes the budget")
    singles = [base_model.score(t, article="The budget\nCouncil passes the budget") for t in texts]
    for b, s in zip(batch, singles, strict=True):
        assert math.isclose(b.abuse, s.abuse, abs_tol=1e-6)
        assert math.isclose(b.off_topic, s.off_topic, abs_tol=1e-6)


def test_score_batch_empty(base_model):
    assert base_model.score_batch([]) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_any_text_scores_with_valid_highlights(base_model, text):
    scores = base_model.score_batch([text], parent=text[:20], context=[text[::-1]], highlight_all=True)[0]
    assert 0.0 <= scores.abuse <= 1.0 and 0.0 <= scores.off_topic <= 1.0
    for h in scores.highlights:
        assert isinstance(h, Highlight)
        assert 0 <= h.start < h.end <= len(text)
        assert text[h.start:h.end] == h.text
        assert 0.0 <= h.weight <= 1.0


def test_highlights_point_into_original_text(base_model):
    text = "Honestly, you are a st00pid 1d10t and everyone knows it."
    spans = base_model.highlights(text)
    assert spans, "an insult should be highlighted"
    assert all(text[h.start:h.end] == h.text for h in spans)


def test_metadata_and_thresholds(base_model):
    meta = base_model.metadata
    assert meta["version"] == base_model.version
    kinds = {f"{kind}_review" for kind in CATEGORIES}
    assert set(base_model.thresholds) == {"abuse_review", "abuse_reject", "off_topic_review"} | kinds
    assert base_model.thresholds["abuse_review"] <= base_model.thresholds["abuse_reject"]
    assert meta["data"]["rows_per_corpus_and_class"]["civil-comments-ccc"]
    assert meta["thresholds"]["abuse"]["abuse_review"]["target_precision"] == 0.6
    assert "score" in meta["heldout"]


#: A newsroom's moderators reject a made-up insult the shipped corpora have never seen.
REJECTS = [Example(f"{opener} zorblax {closer}", abuse=1, off_topic=None)
           for opener in ("you are a", "what a", "typical", "shut up you", "nobody asked you", "go away")
           for closer in ("", "lol", "honestly", "as usual", "again", "!!")]
APPROVES = [Example(f"I read the article about the {topic} today", abuse=0, off_topic=0)
            for topic in ("budget", "school board", "bridge", "election", "weather")]
#: Enough decisions for the newsroom's own thresholds: news comments past the small model's rows,
#: decided as their raters labelled them (their vectors ship, so nothing is encoded).
DECIDED = [Example(row["text"], abuse=row["abuse"], off_topic=None)
           for row in load_corpus("civil-comments-care-balanced", "train", None)[SMALL_ROWS:SMALL_ROWS + 240]]


@pytest.fixture(scope="module")
def retrained():
    """A small model trained on the shipped corpora and those moderators' decisions."""
    return train(REJECTS + APPROVES + DECIDED, max_rows=SMALL_ROWS)


def test_training_is_deterministic(retrained):
    again = train(REJECTS + APPROVES + DECIDED, max_rows=SMALL_ROWS)
    text = "you people are the worst"
    assert again.score(text).abuse == pytest.approx(retrained.score(text).abuse, abs=1e-9)
    assert again.score(text).categories == pytest.approx(retrained.score(text).categories, abs=1e-9)


def test_moderator_examples_change_the_model(base_model, retrained):
    unseen = "honestly only a zorblax would write this comment"
    assert base_model.score(unseen).abuse < base_model.thresholds["abuse_review"]
    assert retrained.score(unseen).abuse >= retrained.thresholds["abuse_review"]
    assert retrained.metadata["data"]["moderator_examples"] == len(REJECTS) + len(APPROVES) + len(DECIDED)


def test_enough_decisions_set_the_newsroom_thresholds(retrained):
    newsroom = retrained.metadata["thresholds"]["newsroom"]
    assert newsroom["used"] and newsroom["decisions"] == len(REJECTS) + len(APPROVES) + len(DECIDED)
    assert {k: retrained.thresholds[k] for k in ("abuse_review", "abuse_reject")} == newsroom["thresholds"]
    corpus = retrained.metadata["thresholds"]["abuse"]
    assert newsroom["corpus"] == {k: corpus[k]["threshold"] for k in ("abuse_review", "abuse_reject")}
    assert newsroom["corpus"]["abuse_review"] <= newsroom["thresholds"]["abuse_review"]
    assert newsroom["thresholds"]["abuse_review"] <= newsroom["thresholds"]["abuse_reject"]
    for rule in ("newsroom", "corpus"):
        held = newsroom["cross_validation"][rule]["abuse_review"]
        assert held["flagged"] > 0 and 0 < held["recall"] <= 1


def test_heldout_summary_gate(base_model):
    summary = heldout_summary(base_model)
    assert 0.5 < summary["score"] <= 1.0
    assert {"roc_auc", "average_precision", "highlight_char_f1", "off_topic_roc_auc"} <= set(summary)
    assert is_no_worse(summary, summary)
    assert not is_no_worse({"score": summary["score"] - 0.05}, summary)


@pytest.mark.parametrize("predicted, gold, f1", [
    (set(), set(), 1.0), ({1}, set(), 0.0), (set(), {1}, 0.0), ({1, 2}, {2, 3}, 0.5),
])
def test_char_f1_follows_semeval(predicted, gold, f1):
    assert char_f1(predicted, gold) == f1


# Behaviour of the full base model (made-up examples, Made-With-ML style).

@pytest.mark.parametrize("plain, dodge", [
    ("you are a stupid idiot", "you are a stup1d 1d10t"),
    ("you are a stupid idiot", "you are a s t u p i d i d i o t"),
    ("you are a stupid idiot", "you are a stuuuuupid idiooooot"),
    ("you are a stupid idiot", "YoU ArE A StUpId IdIoT"),
    ("you are a stupid idiot", "yоu аrе а ѕtupid іdiot"),
    ("you are a stupid idiot", "you are a s.t.u.p.i.d i.d.i.o.t"),
])
def test_obfuscated_insult_scores_like_plain(base_model, plain, dodge):
    assert base_model.score(dodge).abuse == pytest.approx(base_model.score(plain).abuse, abs=0.1)
    assert base_model.score(dodge).abuse >= base_model.thresholds["abuse_review"]


@pytest.mark.parametrize("text", [
    "kill the bill",
    "an assault on the constitution",
    "As a gay man, I think the council got this one right.",
    "My Muslim neighbours brought food to the street party.",
    "This tax plan will murder small businesses in our county.",
    "The black community center reopens on Monday.",
])
def test_ordinary_speech_is_not_flagged(base_model, text):
    assert base_model.score(text).abuse < base_model.thresholds["abuse_review"]


def test_off_topic_is_higher_under_another_article(base_model):
    article = "City council approves new bike lanes\nThe council voted 7-2 to add bike lanes on Main Street."
    other = "Local bakery wins award\nA family bakery won the state prize for its sourdough bread."
    comment = "Finally some safe bike lanes on Main Street, the council did well."
    assert base_model.score(comment, article=other).off_topic > base_model.score(comment, article=article).off_topic


@pytest.mark.parametrize("text", ["I agree with this.", "Nice.", "Well said, thank you."])
def test_a_short_reply_early_in_a_thread_is_not_held_as_off_topic(base_model, text):
    article = "City council approves new bike lanes\nThe council voted 7-2 to add bike lanes on Main Street."
    opening = "Finally some safe bike lanes on Main Street, the council did well."
    for context in ([opening], [opening] * 3):
        scores = base_model.score(text, article=article, parent=opening, context=context)
        assert scores.off_topic < base_model.thresholds["off_topic_review"]


def test_folded_matches_dense(base_model):
    import numpy as np

    from moderation.classifier import offtopic
    texts = ["you are an idiot", "Nice work on the budget story, council", "", "a b c d e f g " * 30]
    x = base_model.featuriser.transform(texts)
    for sparse_block, dense_block in zip(offtopic.folded(x), offtopic.dense(x), strict=True):
        assert np.allclose(sparse_block.toarray(), dense_block, atol=1e-6)


def test_thread_context_from_cache_matches_dense(base_model):
    """Scoring folds a thread's cached rows sparsely; training compares dense rows: same features."""
    import numpy as np

    from moderation.classifier import offtopic
    featuriser = base_model.featuriser
    article = "City council approves new bike lanes\nThe council voted 7-2 to add bike lanes on Main Street."
    thread = [f"Comment {i} about the bike lanes and the council vote on Main Street" for i in range(40)]
    thread += ["", "Bread is better with butter", "bike lanes again"]
    for n in (1, 70):  # one comment (dense path) and a batch (folded path)
        x = featuriser.transform([f"The council should build lanes {i}" for i in range(n)])
        dense = offtopic.similarities(offtopic.dense(x), offtopic.dense(featuriser.transform([article])), None,
                                      offtopic.dense(featuriser.transform([t for t in thread if t])))
        cache: dict = {}
        for _ in range(2):  # filling the cache, then reading it
            scored = offtopic.features(featuriser, x, article, "", thread, cache)
            assert np.allclose(scored[:, :7], dense[:, :7], atol=1e-5)
            assert np.allclose(scored[:, 8:], dense[:, 8:], atol=1e-5)
        assert set(thread[:3]) <= set(cache)


def test_highlight_gate():
    import numpy as np

    from moderation.classifier import explain
    probs = np.array([0.1, 0.9, 0.2])
    assert explain.gate_probability(None, probs) == 0.9  # artifacts without a gate model
    assert explain.gate_probability(None, np.zeros(0)) == 0.0
    model = {"mean": np.zeros(len(explain.GATE_FEATURES)), "scale": np.ones(len(explain.GATE_FEATURES)),
             "coef": np.eye(len(explain.GATE_FEATURES))[0], "intercept": 0.0}
    assert explain.gate_probability(model, probs) > explain.gate_probability(model, np.array([0.1, 0.2, 0.3]))
    assert explain.merge([(0, 3), (4, 7), (8, 9)], probs, 0.5, gate=0.99, gate_model=model) == []
    assert explain.merge([(0, 3), (4, 7), (8, 9)], probs, 0.5, gate=0.5, gate_model=model) == [(4, 7, 0.9)]


ARTICLE = "City council approves new bike lanes\nThe council voted 7-2 to add bike lanes on Main Street."
THREAD = ("The lanes will make the school run safer.", "Main Street shops fear losing parking.",
          "Seven votes to two is a clear mandate.")


def _broken_encoder(tmp_path):
    """Return a copy of the shipped encoder whose model file is damaged."""
    copy = tmp_path / "encoder"
    shutil.copytree(encoder.DEFAULT_DIRECTORY, copy)
    (copy / encoder.MODEL_FILE).write_bytes(b"not an onnx model")
    return copy


def test_a_comment_s_vector_comes_back_in_its_stored_form(base_model):
    scores = base_model.score("The lanes are overdue.", article=ARTICLE)
    assert scores.vector.dtype == np.int8 and scores.vector.shape == (encoder.DIMENSIONS,)
    assert np.array_equal(scores.vector, base_model.embed(["The lanes are overdue."])[0])


def test_stored_context_vectors_score_as_the_texts_do(base_model):
    """The app passes the article's, parent's and thread's stored vectors rather than re-encoding them."""
    comment = "Bread is better with butter."
    by_text = base_model.score(comment, article=ARTICLE, parent=THREAD[0], context=THREAD)
    article, parent = base_model.embed([ARTICLE, THREAD[0]])
    stored = ContextVectors(article, parent, base_model.embed(THREAD))
    by_vectors = base_model.score(comment, article=ARTICLE, parent=THREAD[0], context=THREAD, context_vectors=stored)
    assert by_vectors.off_topic == pytest.approx(by_text.off_topic, abs=1e-9)
    assert by_vectors.abuse == by_text.abuse


def test_without_its_encoder_a_model_scores_with_the_linear_model_alone(base_model, tmp_path):
    path = tmp_path / "model.skops"
    save(base_model, path)
    degraded = load(path, encoder_directory=_broken_encoder(tmp_path))
    assert "onnxruntime cannot load" in degraded.encoder_error
    assert base_model.encoder_error is None
    assert degraded.thresholds == base_model.state["linear"]["thresholds"]
    assert degraded.thresholds != base_model.thresholds  # each way of scoring has its own calibration
    scores = degraded.score("You are an idiot.", article=ARTICLE, parent=THREAD[0], context=THREAD)
    assert scores.vector is None and degraded.embed(["You are an idiot."]) is None
    assert scores.abuse >= degraded.thresholds["abuse_review"] and 0 <= scores.off_topic <= 1
    rows = load_corpus("civil-comments-ccc", "heldout")
    texts, labels = [r["text"] for r in rows], [r["abuse"] for r in rows]
    linear = degraded.abuse_probabilities(texts)
    assert not np.allclose(linear[:100], base_model.abuse_probabilities(texts[:100]))
    assert roc_auc_score(labels, linear) > 0.85  # still a working classifier


def test_a_model_trained_with_another_encoder_does_not_use_this_one(base_model, tmp_path):
    path = tmp_path / "model.skops"
    save(Model({**base_model.state, "encoder": "0" * 16}), path)
    other = load(path)
    assert other.encoder is None and "trained with encoder 0000000000000000" in other.encoder_error
    assert other.score("The lanes are overdue.").vector is None
