"""Parley: comment threads under news articles, and the moderation desk behind them."""
import importlib
import logging
import os
from pathlib import Path

from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config=None) -> Flask:
    """Build the app. ``config`` (a mapping) overrides the defaults and the environment."""
    from forum import cli, cors, errors, headers, mail, models, sql, webhooks  # noqa: F401  (models: the tables Alembic compares)
    from forum.config import load_config
    from forum.extensions import init_extensions
    from forum.screening import register_screen

    app = Flask(__name__, instance_path=os.environ.get("PARLEY_INSTANCE_PATH") or None,
                instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config["MIGRATIONS_DIR"] = str(PROJECT_ROOT / "migrations")
    load_config(app, config)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    if app.config.get("PROXY_COUNT"):
        # Behind N load balancers: take the client address (rate limits) and scheme from their headers.
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    init_extensions(app)
    sql.init_app(app)
    errors.init_app(app)
    headers.init_app(app)
    cors.init_app(app)
    _register_blueprints(app)
    cli.init_app(app)
    webhooks.init_app(app)
    mail.init_app(app)
    _load_plugins(app)
    if app.config.get("SCREEN") is not None:
        register_screen(app, app.config["SCREEN"])
    return app


def _load_plugins(app: Flask) -> None:
    """Import each module named in PLUGINS and call its ``init_app(app)``.

    By name, not by import: the forum knows nothing of moderation, which plugs in its screen,
    blueprints, CLI and tables from here.
    """
    for name in app.config["PLUGINS"]:
        importlib.import_module(name).init_app(app)


def _register_blueprints(app: Flask) -> None:
    from forum import api, converters, health, openapi
    from forum.accounts.views import bp as accounts_bp
    from forum.articles.views import bp as articles_bp
    from forum.embed.views import bp as embed_bp
    from forum.following.views import init_app as init_following
    from forum.guidelines.views import bp as guidelines_bp
    from forum.notifications.views import init_app as init_notifications
    from forum.privacy.views import bp as privacy_bp
    from forum.reactions.views import bp as reactions_bp
    from forum.settings.views import init_app as init_settings
    from forum.threads.views import bp as threads_bp
    from forum.views import init_app as init_page_helpers

    converters.init_app(app)  # before any rule is added: the rules resolve their converters when added
    for bp in (health.bp, api.bp, openapi.bp, accounts_bp, articles_bp, threads_bp, reactions_bp,
               embed_bp, guidelines_bp, privacy_bp):
        app.register_blueprint(bp)
    init_following(app)
    init_notifications(app)
    init_settings(app)
    init_page_helpers(app)
