"""``GET /healthz``, and a missing or broken model that never blocks posting."""
from forum import create_app
from tests.conftest import base_config
from tests.factories import ApiActions


def test_healthy(client, base_model):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "model": "ok",
                                   "model_version": base_model.version}


def test_missing_model_is_reported_and_comments_are_held(app, tmp_path):
    app.config["MODERATION_MODEL_PATH"] = str(tmp_path / "absent.skops")
    api = ApiActions(app)
    response = api.client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error" and body["database"] == "ok" and body["model"].startswith("error")
    api.article()
    comment = api.comment(api.reader("alice"), "A perfectly civil remark about buses.")
    assert comment["status"] == "pending" and comment["hold_reason"] == "model_unavailable"


def test_corrupt_model_is_reported_and_comments_are_held(app, tmp_path):
    broken = tmp_path / "broken.skops"
    broken.write_bytes(b"this is not a model")
    app.config["MODERATION_MODEL_PATH"] = str(broken)
    api = ApiActions(app)
    assert api.client.get("/healthz").status_code == 503
    api.article()
    assert api.comment(api.reader("alice"), "Civil words on the budget.")["status"] == "pending"


def test_unreachable_database_is_503(base_model_path):
    app = create_app(base_config("postgresql+psycopg://nobody@127.0.0.1:1/none", str(base_model_path)))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"].startswith("error")
