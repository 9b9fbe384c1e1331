"""Configuration: defaults, the contract's environment variables, and the test seam."""
import pytest

from forum import create_app


@pytest.fixture
def instance(tmp_path, monkeypatch):
    for name in ("DATABASE_URL", "SECRET_KEY", "PUBLISHER_API_KEY", "RATELIMIT_STORAGE_URI",
                 "MODERATION_MODEL_PATH", "RATELIMIT_ENABLED"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PARLEY_INSTANCE_PATH", str(tmp_path))
    return tmp_path


def test_defaults_live_in_the_instance_folder(instance):
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'parley.sqlite3'}"
    assert app.config["MODERATION_MODEL_PATH"] == str(instance / "model.skops")
    assert app.config["RATELIMIT_ENABLED"] is True
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    # Secrets are made once and kept, so every worker and restart agrees on them.
    assert (instance / "secret_key").read_text() == app.config["SECRET_KEY"]
    assert create_app().config["PUBLISHER_API_KEY"] == app.config["PUBLISHER_API_KEY"]


def test_environment_variables_apply(instance, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://parley@db/parley")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("PUBLISHER_API_KEY", "cms-key")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://cache:6379/0")
    monkeypatch.setenv("MODERATION_MODEL_PATH", "/models/active.skops")
    monkeypatch.setenv("RATELIMIT_ENABLED", "false")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://parley@db/parley"
    assert app.config["SECRET_KEY"] == "from-env" and app.config["PUBLISHER_API_KEY"] == "cms-key"
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/0"
    assert app.config["MODERATION_MODEL_PATH"] == "/models/active.skops"
    assert app.config["RATELIMIT_ENABLED"] is False


def test_a_mapping_overrides_everything(instance, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    app = create_app({"SECRET_KEY": "from-test", "COMMENT_EDIT_WINDOW_SECONDS": 60})
    assert app.config["SECRET_KEY"] == "from-test" and app.config["COMMENT_EDIT_WINDOW_SECONDS"] == 60


def test_client_address_comes_from_the_proxy_only_when_configured(instance):
    app = create_app({"PROXY_COUNT": 1, "SECRET_KEY": "x"})

    @app.get("/whoami")
    def whoami():
        from flask import request

        return request.remote_addr

    client = app.test_client()
    assert client.get("/whoami", headers={"X-Forwarded-For": "203.0.113.9"}).text == "203.0.113.9"
