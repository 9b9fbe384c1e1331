"""``GET /healthz``, and a missing, broken or failing model that holds comments and never loses one."""
import os
import shutil

import pytest
import skops.io as sio

from moderation.classifier import Model, save
from moderation.classifier.artifacts import TRUSTED_TYPES
from tests.factories import ApiActions

#: /healthz reports the trained model, and a missing, broken or failing model holds comments.
pytestmark = pytest.mark.real_model

CIVIL = "A perfectly civil remark about the new bus routes and the budget."


def test_healthy(client, base_model):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "model": "ok",
                                   "model_version": base_model.version, "encoder": "ok", "rate_limits": "off"}


def test_rate_limit_storage_is_reported(make_app):
    response = make_app(RATELIMIT_ENABLED=True).test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json()["rate_limits"] == "ok"


def test_missing_model_is_reported_and_comments_are_held(app, tmp_path):
    app.config["MODERATION_MODEL_PATH"] = str(tmp_path / "absent.skops")
    api = ApiActions(app)
    response = api.client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error" and body["database"] == "ok" and body["model"].startswith("error")
    api.article()
    comment = api.comment(api.reader("alice"), CIVIL)
    assert comment["status"] == "pending" and comment["hold_reason"] == "model_unavailable"


def test_corrupt_model_is_reported_and_comments_are_held(app, tmp_path):
    broken = tmp_path / "broken.skops"
    broken.write_bytes(b"this is not a model")
    app.config["MODERATION_MODEL_PATH"] = str(broken)
    api = ApiActions(app)
    assert api.client.get("/healthz").status_code == 503
    api.article()
    assert api.comment(api.reader("alice"), "Civil words on the budget.")["status"] == "pending"


def _state(base_model_path) -> dict:
    return sio.load(base_model_path, trusted=TRUSTED_TYPES)


def _wrong_object(base_model_path, path):
    sio.dump([1.0, 2.0, 3.0], path)


def _idf_not_an_array(base_model_path, path):
    sio.dump({**_state(base_model_path), "idf": 7}, path)


def _off_topic_parts_missing(base_model_path, path):
    sio.dump({**_state(base_model_path), "off_topic": {"unrelated": 1.0}}, path)


def _span_parts_missing(base_model_path, path):
    sio.dump({**_state(base_model_path), "spans": {}}, path)


@pytest.mark.parametrize("write_broken", [_wrong_object, _idf_not_an_array, _off_topic_parts_missing,
                                          _span_parts_missing])
def test_a_swapped_in_model_with_the_wrong_inner_layout_holds_comments(app, base_model_path, base_model,
                                                                      tmp_path, write_broken):
    """Swapped in under a running worker: no post is lost, the old model is not kept, /healthz says so."""
    active = tmp_path / "model.skops"
    shutil.copyfile(base_model_path, active)
    app.config["MODERATION_MODEL_PATH"] = str(active)
    api = ApiActions(app)
    api.article()
    alice = api.reader("alice")
    assert api.comment(alice, CIVIL)["status"] == "published"

    write_broken(base_model_path, tmp_path / "broken.skops")
    os.replace(tmp_path / "broken.skops", active)  # as `moderation promote` swaps the file
    held = api.post(alice, "Another civil remark, about parking fees this time.")
    assert held.status_code == 201
    assert held.get_json()["comment"]["status"] == "pending"
    assert held.get_json()["comment"]["hold_reason"] == "model_unavailable"
    health = api.client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["model"].startswith("error") and health.get_json()["model_version"] is None

    shutil.copyfile(base_model_path, tmp_path / "good.skops")
    os.replace(tmp_path / "good.skops", active)
    assert api.comment(alice, "Back to the buses: the new routes look good.")["status"] == "published"
    assert api.client.get("/healthz").get_json()["model_version"] == base_model.version


def test_a_scoring_failure_holds_the_comment_and_is_reported(app, monkeypatch):
    api = ApiActions(app)
    api.article()
    alice = api.reader("alice")
    assert api.client.get("/healthz").status_code == 200

    def broken_score(self, text, **context):
        raise ValueError("matrix shapes do not match")

    with monkeypatch.context() as patch:
        patch.setattr(Model, "score", broken_score)
        held = api.post(alice, CIVIL)
        assert held.status_code == 201 and held.get_json()["comment"]["hold_reason"] == "model_unavailable"
        health = api.client.get("/healthz")
        assert health.status_code == 503 and "scoring failed" in health.get_json()["model"]
    assert api.comment(alice, "The new routes look good to me.")["status"] == "published"
    assert api.client.get("/healthz").status_code == 200


def test_a_model_saved_by_this_version_passes_the_load_check(app, base_model, tmp_path):
    """The load check refuses broken files only: a model this version saved is taken as it is."""
    path = tmp_path / "resaved.skops"
    save(base_model, path)
    app.config["MODERATION_MODEL_PATH"] = str(path)
    health = app.test_client().get("/healthz")
    assert health.status_code == 200 and health.get_json()["model_version"] == base_model.version
