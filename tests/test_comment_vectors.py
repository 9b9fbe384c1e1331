"""Each comment's vector, stored once as it is screened; the thread compared by its stored vectors;
the article's vector kept per text; the backfill; and an encoder that cannot run (degraded)."""
import shutil

import pytest
from sqlalchemy import delete, select, update

from forum.extensions import db
from forum.models import Comment
from moderation.classifier import DIMENSIONS, Encoder, Model
from moderation.classifier.encoder import DEFAULT_DIRECTORY, MODEL_FILE
from moderation.embeddings import ArticleVector, CommentVector, text_digest
from tests.factories import ANSWER, ARTICLE, OPENING, ApiActions

#: The vectors are the real encoder's, made as the real model screens.
pytestmark = pytest.mark.real_model

THREAD = [f"Comment {n}: the parking fees will pay for the bus routes, and shops may lose trade." for n in range(20)]


@pytest.fixture
def app(make_app):
    """An app that publishes every comment whatever its scores: these tests are about the vectors."""
    return make_app(MODERATION_ABUSE_REVIEW_THRESHOLD=1.01, MODERATION_ABUSE_REJECT_THRESHOLD=1.01,
                    MODERATION_OFF_TOPIC_REVIEW_THRESHOLD=1.01)


def stored(app) -> dict[int, tuple[bytes, str]]:
    """Return the stored comment vectors and their encoders, by comment id."""
    with app.app_context():
        rows = db.session.execute(select(CommentVector.comment_id, CommentVector.vector, CommentVector.encoder))
        return {comment_id: (vector, encoder) for comment_id, vector, encoder in rows}


def article_rows(app) -> list[tuple[str, str]]:
    with app.app_context():
        return list(db.session.execute(select(ArticleVector.text_digest, ArticleVector.encoder)).tuples())


@pytest.fixture
def encoded(monkeypatch) -> list[str]:
    """Return the texts the encoder runs on from now on, in order."""
    texts, encode = [], Encoder.encode

    def counted(self, batch):
        texts.extend(batch)
        return encode(self, batch)

    monkeypatch.setattr(Encoder, "encode", counted)
    return texts


def test_a_comment_has_one_vector_its_edit_replaces_and_its_deletion_removes(app, base_model):
    api = ApiActions(app)
    api.article()
    alice = api.reader("alice")
    comment = api.comment(alice, OPENING)
    (vector, encoder), = stored(app).values()
    assert len(vector) == DIMENSIONS and encoder == base_model.encoder.version
    assert stored(app) == {comment["id"]: (base_model.embed([OPENING])[0].tobytes(), encoder)}

    edited = api.client.patch(f"/api/v1/comments/{comment['id']}", json={"body": ANSWER}, headers=alice)
    assert edited.status_code == 200
    assert stored(app)[comment["id"]] == (base_model.embed([ANSWER])[0].tobytes(), encoder) != (vector, encoder)

    assert api.client.delete(f"/api/v1/comments/{comment['id']}", headers=alice).status_code == 204
    assert stored(app) == {}


def test_a_comment_is_compared_with_the_stored_vectors_and_only_it_is_encoded(app, encoded, monkeypatch):
    api = ApiActions(app)
    api.article()
    alice = api.reader("alice")
    ids = [api.comment(alice, body)["id"] for body in THREAD]
    assert encoded.count(ARTICLE["title"] + "\n" + ARTICLE["body"]) == 1
    vectors = stored(app)
    assert sorted(vectors) == ids

    seen, score = [], Model.score

    def recorded(self, text, **context):
        seen.append(context["context_vectors"])
        return score(self, text, **context)

    monkeypatch.setattr(Model, "score", recorded)
    encoded.clear()
    texts = ["Would later buses be worth the cost?", "New routes should run later in the evening too.",
             "The evening buses are almost empty though."]
    scored = api.client.post("/api/v1/moderation/score", headers=api.staff("mod"),
                             json={"text": texts[0], "article_id": "council-budget"})
    assert scored.status_code == 200
    top = api.comment(alice, texts[1])
    reply = api.comment(alice, texts[2], parent_id=ids[0])
    assert encoded == texts
    # The scored text and the new comment see the whole thread, newest first; the reply its parent.
    for context in seen[:2]:
        assert [row.tobytes() for row in context.thread] == [vectors[i][0] for i in reversed(ids)]
    assert seen[2].parent.tobytes() == vectors[ids[0]][0] and seen[2].thread is None
    assert {top["id"], reply["id"]} <= set(stored(app))


def test_the_article_is_encoded_once_per_text(app, encoded):
    api = ApiActions(app)
    api.article()
    alice = api.reader("alice")
    api.comment(alice, OPENING)
    api.comment(alice, ANSWER)
    first = (text_digest(ARTICLE["title"] + "\n" + ARTICLE["body"]),)
    assert [row[:1] for row in article_rows(app)] == [first]

    rewritten = "The council delayed the vote on the budget by a week."
    api.article(body=rewritten)
    encoded.clear()
    api.comment(alice, "A week's delay changes little for the bus routes.")
    api.comment(alice, "The fees should be voted on separately.")
    article_text = ARTICLE["title"] + "\n" + rewritten
    assert encoded.count(article_text) == 1
    assert [row[:1] for row in article_rows(app)] == [(text_digest(article_text),)]


def test_the_backfill_stores_the_missing_vectors_once(app, runner, base_model):
    api = ApiActions(app)
    api.article()
    alice = api.reader("alice")
    kept, other, deleted = (api.comment(alice, body)["id"] for body in (OPENING, ANSWER, THREAD[0]))
    assert api.client.delete(f"/api/v1/comments/{deleted}", headers=alice).status_code == 204
    with app.app_context():
        # As after an encoder outage (no row) and an encoder upgrade (another encoder's row).
        db.session.execute(delete(CommentVector).where(CommentVector.comment_id == kept))
        db.session.execute(update(CommentVector).values(encoder="0" * 16))
        db.session.execute(delete(ArticleVector))
        db.session.commit()

    result = runner.invoke(args=["moderation", "embed", "--batch-size", "1"])
    assert result.exit_code == 0, result.output
    assert "Stored 2 comment vectors and 1 article vectors." in result.output
    encoder = base_model.encoder.version
    assert stored(app) == {comment_id: (base_model.embed([body])[0].tobytes(), encoder)
                           for comment_id, body in ((kept, OPENING), (other, ANSWER))}
    assert [row[1] for row in article_rows(app)] == [encoder]

    again = runner.invoke(args=["moderation", "embed"])
    assert again.exit_code == 0 and "Stored 0 comment vectors and 0 article vectors." in again.output


def test_a_corrupt_encoder_degrades_screening_and_stores_no_vector(make_app, tmp_path):
    broken = tmp_path / "encoder"
    shutil.copytree(DEFAULT_DIRECTORY, broken)
    onnx = (broken / MODEL_FILE).read_bytes()
    (broken / MODEL_FILE).write_bytes(onnx[:len(onnx) // 2])
    app = make_app(MODERATION_ENCODER_DIR=str(broken))
    api = ApiActions(app)

    health = api.client.get("/healthz")
    body = health.get_json()
    assert health.status_code == 200 and body["status"] == "degraded" and body["model"] == "ok"
    assert body["encoder"].startswith("degraded") and MODEL_FILE in body["encoder"]
    api.article()
    assert api.comment(api.reader("alice"), OPENING)["status"] == "published"
    assert stored(app) == {} and article_rows(app) == []

    result = app.test_cli_runner().invoke(args=["moderation", "embed"])
    assert result.exit_code == 1 and "encoder cannot run" in result.output


def test_a_comment_row_takes_its_vector_with_it(app, backend):
    if backend == "sqlite":
        pytest.skip("the app's SQLite connections do not enforce foreign keys (no PRAGMA foreign_keys)")
    api = ApiActions(app)
    api.article()
    comment = api.comment(api.reader("alice"), OPENING)
    with app.app_context():
        db.session.execute(delete(Comment).where(Comment.id == comment["id"]))
        db.session.commit()
    assert stored(app) == {}

