"""Configuration: safe defaults, then the environment on top."""
import logging
import os
import secrets
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url

from forum.mail.smtp import parse_mail_url

log = logging.getLogger(__name__)


class Config:
    """Defaults for a single-host install with SQLite in the instance folder."""

    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # A database that accepts connections and never answers must not hang requests (and /healthz):
    # seconds to connect, to run one statement (PostgreSQL; 0 = no limit), to wait for a pooled
    # connection, and for SQLite to wait on another writer's lock.
    DATABASE_CONNECT_TIMEOUT = 3
    DATABASE_STATEMENT_TIMEOUT = 15
    DATABASE_POOL_TIMEOUT = 5
    SQLITE_BUSY_TIMEOUT = 5
    # A JSON or form body larger than this is refused with 413 before it is parsed.
    MAX_CONTENT_LENGTH = 64 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = 3600 * 8
    # How long a sign-in on the pages (its server-side session and remember cookie) and a bearer
    # token last; FLASK_REMEMBER_COOKIE_DURATION and FLASK_API_TOKEN_LIFETIME take seconds.
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    API_TOKEN_LIFETIME = timedelta(days=30)
    # How many proxies (load balancers) stand in front of the app; FLASK_PROXY_COUNT sets it.
    PROXY_COUNT = 0
    # Sent with Strict-Transport-Security on responses to HTTPS requests.
    HSTS_MAX_AGE = 365 * 24 * 3600
    # Origins whose pages may embed Parley (frame-ancestors, later CORS); EMBED_ORIGINS sets them.
    EMBED_ORIGINS: tuple[str, ...] = ()
    # The newsroom's sign-in tokens (POST /api/v1/auth/sso): a shared secret for HS256 or a PEM
    # public key for RS256, never both; neither turns SSO off. Seconds of clock skew allowed on
    # their ``exp`` and ``iat``.
    SSO_SECRET: str | None = None
    SSO_PUBLIC_KEY: str | None = None
    SSO_LEEWAY_SECONDS = 30
    RATELIMIT_SSO = "30 per minute"

    # Modules loaded by name at start-up, each with an ``init_app(app)``: moderation plugs in so.
    PLUGINS = ["moderation"]
    # A screen object to use instead of the plugins' (tests): see forum/screening.py.
    SCREEN = None

    # Days a deleted account's username stays taken, so nobody can pass for its reader at once;
    # FLASK_ACCOUNT_NAME_COOLING_OFF_DAYS sets it.
    ACCOUNT_NAME_COOLING_OFF_DAYS = 30

    # werkzeug's scrypt; the tests choose a cheap method to stay fast.
    PASSWORD_HASH_METHOD = "scrypt"

    # How long a link confirming a new email address works.
    EMAIL_CHANGE_LINK_LIFETIME = timedelta(hours=24)

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
    # When the shared storage (Redis) is unreachable, keep counting in this worker's memory (logged)
    # rather than failing the request; any other storage error is logged, never a 500.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    # Seconds the Redis client waits, so a storage that does not answer costs little.
    RATELIMIT_REDIS_TIMEOUT = 1
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_REGISTER = "10 per hour"
    RATELIMIT_LOGIN = "10 per minute"
    # Attempts on one username, from anywhere: slows guessing spread over many addresses.
    RATELIMIT_LOGIN_ACCOUNT = "10 per minute"
    # Wrong current passwords given to change a password (API and /settings), per account: a
    # stolen session must not become a way to guess the password and take the account over.
    RATELIMIT_PASSWORD_CHECK = "10 per hour"
    # Changes of address asked for, per account: each mails the new address and the old one, and
    # says whether the new one has an account here.
    RATELIMIT_EMAIL_CHANGE = "5 per day"
    RATELIMIT_POST = "10 per minute"
    RATELIMIT_REPORT = "20 per hour"
    # Requests that mail a link (password reset, a new confirmation link): per client, and per
    # address asked for whoever asks, so nobody floods one mailbox from many addresses.
    RATELIMIT_ACCOUNT_MAIL = "10 per hour"
    RATELIMIT_ACCOUNT_MAIL_ADDRESS = "5 per hour"
    # When true, a local account must confirm its address before its first comment
    # (FLASK_REQUIRE_VERIFIED_EMAIL=true); SSO accounts are confirmed by the newsroom.
    REQUIRE_VERIFIED_EMAIL = False

    # The outbox worker (forum/outbox): seconds between looks at the outbox when nothing woke it (on
    # PostgreSQL a commit wakes it at once), items claimed at a time, how long a claim holds
    # (longer than a batch's deliveries take), the delays between attempts (the last one repeats),
    # when to give up on an item, and how long delivered items are kept.
    OUTBOX_POLL_INTERVAL = 1.0
    # On SQLite, seconds between looks at the database's change counter, which wakes the worker
    # when another process commits (0: poll only).
    OUTBOX_SQLITE_CHANGE_CHECK = 0.05
    OUTBOX_BATCH_SIZE = 10
    OUTBOX_LEASE_SECONDS = 120
    OUTBOX_RETRY_DELAYS = (10, 60, 300, 1800, 7200, 18000, 36000)
    OUTBOX_GIVE_UP_AFTER = 24 * 3600
    OUTBOX_KEEP_DONE_DAYS = 7

    # Webhooks (forum/webhooks): whether they may go to loopback and private addresses
    # (WEBHOOKS_ALLOW_PRIVATE_URLS), the seconds to connect and to wait for each part of the answer,
    # how much of the answer is read, and how long a rotated-out secret keeps signing.
    WEBHOOKS_ALLOW_PRIVATE_URLS = False
    WEBHOOK_TIMEOUT = 5
    WEBHOOK_RESPONSE_MAX_BYTES = 64 * 1024
    WEBHOOK_SECRET_OVERLAP = 24 * 3600

    # Mail (forum/mail): where it goes (MAIL_URL, smtp:// or smtps://; unset: written to the log),
    # who it is from, and the seconds to wait for the mail server at each step.
    MAIL_URL: str | None = None
    MAIL_FROM = "The Parley Gazette <comments@localhost>"
    MAIL_TIMEOUT = 10
    # Where readers reach Parley, for the links of mail queued outside a request (a CLI command such
    # as seed-demo); in a request, links take the request's own scheme and host.
    PUBLIC_URL = "http://127.0.0.1:5000"
    # The daily digest of followed readers: the hour (UTC, 0-23) its day starts, from which each
    # reader gets at most one until the next; and the seconds between the outbox workers' looks
    # for readers due one (``flask --app wsgi mail digest`` does the same from cron).
    MAIL_DIGEST_HOUR = 7
    MAIL_DIGEST_CHECK_SECONDS = 600
    # A digest covers what was published until this many seconds before it runs: a comment's
    # notification carries the time it was written, and its transaction may not have committed yet.
    MAIL_DIGEST_SETTLE_SECONDS = 60

    # None: take the thresholds the model chose on its training data.
    MODERATION_ABUSE_REVIEW_THRESHOLD = None
    MODERATION_ABUSE_REJECT_THRESHOLD = None
    MODERATION_OFF_TOPIC_REVIEW_THRESHOLD = None
    # The sentence encoder's directory; None: the one shipped in moderation/data/encoder.
    MODERATION_ENCODER_DIR = None
    # A comment from an account that posted this many others in the window is held as spam (0: off).
    # The default of the desk's repeat_post_hold setting (an admin's PATCH /api/v1/admin/settings wins).
    MODERATION_REPEAT_POST_HOLD = True
    MODERATION_BURST_LIMIT = 5
    MODERATION_BURST_WINDOW_SECONDS = 60
    # Seconds between the outbox workers' checks of the moderator alerts (the queue's size and wait).
    MODERATION_ALERT_CHECK_SECONDS = 60


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


def _postgresql_settings(config, url: str, given: str | None) -> str:
    """Return the ``options`` a PostgreSQL connection starts with: ours, then the URL's, then
    ``given`` (SQLALCHEMY_ENGINE_OPTIONS' connect_args): the server takes the last value of each
    setting, so what the operator gives wins and nothing of theirs is dropped.

    JIT is off: it compiles any plan estimated dear enough, and these are short statements; in a
    thread of 100,000 comments it took 165 ms of a 266 ms page.
    """
    settings = ["-c jit=off"]
    if config["DATABASE_STATEMENT_TIMEOUT"]:
        settings.append(f"-c statement_timeout={int(float(config['DATABASE_STATEMENT_TIMEOUT']) * 1000)}")
    in_url = make_url(url).query.get("options")
    settings += [in_url] if isinstance(in_url, str) else list(in_url or ())
    return " ".join([*settings, *([given] if given else [])])


def engine_options(config) -> dict:
    """Return the engine options with the configured timeouts added (explicit options win)."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    given = dict(options.get("connect_args", {}))
    url = config["SQLALCHEMY_DATABASE_URI"]
    connect_args = {}
    if url.startswith("sqlite"):
        connect_args["timeout"] = config["SQLITE_BUSY_TIMEOUT"]
    elif url.startswith("postgresql"):
        options.setdefault("pool_timeout", config["DATABASE_POOL_TIMEOUT"])
        connect_args["connect_timeout"] = config["DATABASE_CONNECT_TIMEOUT"]
        connect_args["options"] = _postgresql_settings(config, url, given.pop("options", None))
    options["connect_args"] = {**connect_args, **given}
    return options


DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(item: str) -> str | None:
    """Return ``item`` as ``scheme://host[:port]``, or None when it is not an http(s) origin."""
    try:
        parts = urlsplit(item)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        return None
    if parts.query or parts.fragment or parts.username or parts.password:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    # A browser's Origin header never names the scheme's default port.
    if port == DEFAULT_PORTS[parts.scheme]:
        port = None
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def parse_origins(value) -> tuple[str, ...]:
    """Return the origins in ``value`` (comma-separated, or a list), normalised and without repeats.

    :raise ValueError: an entry is not an http(s) origin (it has a path, a query, or no host).
    """
    items = value.split(",") if isinstance(value, str) else list(value or ())
    origins: list[str] = []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        origin = _origin(item)
        if origin is None:
            raise ValueError(f"EMBED_ORIGINS: {item!r} is not an origin such as https://news.example.org")
        if origin not in origins:
            origins.append(origin)
    return tuple(origins)


#: RFC 7518 (3.2): an HS256 key at least as long as the hash.
SSO_SECRET_MIN_BYTES = 32


def check_sso_keys(config) -> None:
    """Check the SSO settings, and turn ``\\n`` in a one-line PEM (as env files write it) into lines.

    A secret shorter than the hash is logged, not refused: it still signs (RFC 7518 only recommends
    the length), and a newsroom's existing secret must keep working.

    :raise ValueError: both are set, or the key is not an RSA public key.
    """
    secret, pem = config.get("SSO_SECRET") or None, config.get("SSO_PUBLIC_KEY") or None
    if secret and pem:
        raise ValueError("Set SSO_SECRET (HS256) or SSO_PUBLIC_KEY (RS256), not both.")
    if secret and len(secret.encode()) < SSO_SECRET_MIN_BYTES:
        log.warning("SSO_SECRET is shorter than %d bytes; a longer random secret is safer.", SSO_SECRET_MIN_BYTES)
    if pem:
        from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
        from cryptography.hazmat.primitives.serialization import load_pem_public_key

        pem = pem.replace("\\n", "\n").strip()
        try:
            key = load_pem_public_key(pem.encode())
        except ValueError:
            key = None
        if not isinstance(key, RSAPublicKey):
            raise ValueError("SSO_PUBLIC_KEY must be an RSA public key in PEM form (-----BEGIN PUBLIC KEY-----).")
    config["SSO_SECRET"], config["SSO_PUBLIC_KEY"] = secret, pem


def check_mail(config) -> None:
    """Check MAIL_URL (an empty one means unset) and MAIL_FROM before anything is queued.

    :raise ValueError: MAIL_URL is not an smtp:// or smtps:// URL with a host, MAIL_FROM has no
        address, MAIL_DIGEST_HOUR is not an hour of the day, or MAIL_DIGEST_SETTLE_SECONDS is not
        a number of seconds from 0 to an hour.
    """
    config["MAIL_URL"] = (config.get("MAIL_URL") or "").strip() or None
    if config["MAIL_URL"]:
        parse_mail_url(config["MAIL_URL"])
    if "@" not in parseaddr(config.get("MAIL_FROM") or "")[1]:
        raise ValueError(f"MAIL_FROM must hold an address, such as The Gazette <comments@news.example.org>, "
                         f"not {config.get('MAIL_FROM')!r}")
    hour = config.get("MAIL_DIGEST_HOUR")
    if type(hour) is not int or not 0 <= hour <= 23:
        raise ValueError(f"MAIL_DIGEST_HOUR must be a whole hour from 0 to 23 (UTC), not {hour!r}")
    settle = config.get("MAIL_DIGEST_SETTLE_SECONDS")
    if type(settle) not in (int, float) or not 0 <= settle <= 3600:
        raise ValueError(f"MAIL_DIGEST_SETTLE_SECONDS must be a number of seconds from 0 to 3600, not {settle!r}")


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
    for name in ("SECRET_KEY", "PUBLISHER_API_KEY", "RATELIMIT_STORAGE_URI", "EMBED_ORIGINS", "SSO_SECRET",
                 "SSO_PUBLIC_KEY", "MAIL_URL", "MAIL_FROM", "PUBLIC_URL"):
        if env.get(name):
            app.config[name] = env[name]
    for name in ("RATELIMIT_ENABLED", "WEBHOOKS_ALLOW_PRIVATE_URLS"):
        if name in env:
            app.config[name] = env[name].strip().lower() not in ("0", "false", "no", "off")
    if overrides:
        app.config.from_mapping(overrides)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    app.config["EMBED_ORIGINS"] = parse_origins(app.config["EMBED_ORIGINS"])
    check_sso_keys(app.config)
    check_mail(app.config)
    # FLASK_REQUIRE_VERIFIED_EMAIL arrives as JSON (true, 1) or, when it is not JSON, a word (yes, off).
    required = app.config["REQUIRE_VERIFIED_EMAIL"]
    app.config["REQUIRE_VERIFIED_EMAIL"] = (required.strip().lower() not in ("", "0", "false", "no", "off")
                                            if isinstance(required, str) else bool(required))
    if app.config["RATELIMIT_STORAGE_URI"].startswith(("redis", "rediss")):
        timeout = app.config["RATELIMIT_REDIS_TIMEOUT"]
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {
            "socket_connect_timeout": timeout, "socket_timeout": timeout,
            **app.config.get("RATELIMIT_STORAGE_OPTIONS", {}),
        }
    for name, filename in (("SECRET_KEY", "secret_key"), ("PUBLISHER_API_KEY", "publisher_api_key")):
        if not app.config.get(name):
            app.config[name] = _instance_secret(app.instance_path, filename)
