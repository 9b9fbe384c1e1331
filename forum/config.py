"""Configuration: safe defaults, then the environment on top."""
import os
import secrets
from pathlib import Path


class Config:
    """Defaults for a single-host install with SQLite in the instance folder."""

    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # A JSON or form body larger than this is refused with 413 before it is parsed.
    MAX_CONTENT_LENGTH = 64 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = 3600 * 8
    # How many proxies (load balancers) stand in front of the app; FLASK_PROXY_COUNT sets it.
    PROXY_COUNT = 0

    # werkzeug's scrypt; the tests choose a cheap method to stay fast.
    PASSWORD_HASH_METHOD = "scrypt"

    COMMENT_MAX_LENGTH = 5000
    COMMENT_EDIT_WINDOW_SECONDS = 15 * 60
    # Levels of a thread one page shows (a top-level comment and its replies); deeper ones get a link.
    THREAD_DISPLAY_DEPTH = 4
    # Replies shown under each comment before a "more replies" link; a page stays within
    # limit * (1 + n + n**2 + ...) comments whatever the thread's shape.
    THREAD_REPLIES_SHOWN = 3
    # The deepest a reply can be (a top-level comment is 0): a reply to a comment this deep
    # becomes a reply to that comment's parent.
    THREAD_MAX_DEPTH = 32
    PAGE_SIZE = 20
    PAGE_SIZE_MAX = 100
    REPORT_HIDE_THRESHOLD = 3

    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_REGISTER = "10 per hour"
    RATELIMIT_LOGIN = "10 per minute"
    RATELIMIT_POST = "10 per minute"
    RATELIMIT_REPORT = "20 per hour"

    # None: take the thresholds the model chose on its training data.
    MODERATION_ABUSE_REVIEW_THRESHOLD = None
    MODERATION_ABUSE_REJECT_THRESHOLD = None
    MODERATION_OFF_TOPIC_REVIEW_THRESHOLD = None


def _instance_secret(instance_path: str, name: str) -> str:
    """Return a random secret kept in the instance folder, made on first use.

    Every worker on the host reads the same file; several hosts must set the variable instead.
    """
    path = Path(instance_path) / name
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


def database_url(url: str) -> str:
    """Point plain PostgreSQL URLs at psycopg 3, the driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def load_config(app, overrides=None) -> None:
    """Apply defaults, then FLASK_* and the contract's variables, then ``overrides``."""
    app.config.from_object(Config)
    app.config.from_prefixed_env()
    env = os.environ
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(
        env.get("DATABASE_URL") or f"sqlite:///{Path(app.instance_path) / 'parley.sqlite3'}"
    )
    app.config["MODERATION_MODEL_PATH"] = env.get("MODERATION_MODEL_PATH") or str(
        Path(app.instance_path) / "model.skops"
    )
    for name in ("SECRET_KEY", "PUBLISHER_API_KEY", "RATELIMIT_STORAGE_URI"):
        if env.get(name):
            app.config[name] = env[name]
    if "RATELIMIT_ENABLED" in env:
        app.config["RATELIMIT_ENABLED"] = env["RATELIMIT_ENABLED"].strip().lower() not in (
            "0", "false", "no", "off",
        )
    if overrides:
        app.config.from_mapping(overrides)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    for name, filename in (("SECRET_KEY", "secret_key"), ("PUBLISHER_API_KEY", "publisher_api_key")):
        if not app.config.get(name):
            app.config[name] = _instance_secret(app.instance_path, filename)
