"""Parley: comment threads under news articles, and the moderation desk behind them."""
import logging
import os
from pathlib import Path

from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config=None) -> Flask:
    """Build the app. ``config`` (a mapping) overrides the defaults and the environment."""
    from forum import cli, errors, models  # noqa: F401  (models: the tables Alembic compares)
    from forum.config import load_config
    from forum.extensions import init_extensions
    from moderation import models as moderation_models  # noqa: F401

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
    errors.init_app(app)
    _register_blueprints(app)
    cli.init_app(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from forum import api, converters, health, openapi
    from forum.accounts.views import bp as accounts_bp
    from forum.articles.views import bp as articles_bp
    from forum.following.views import init_app as init_following
    from forum.notifications.views import init_app as init_notifications
    from forum.reactions.views import bp as reactions_bp
    from forum.threads.views import bp as threads_bp
    from forum.views import init_app as init_page_helpers
    from moderation.queue import init_app as init_moderation_queue

    converters.init_app(app)  # before any rule is added: the rules resolve their converters when added
    for bp in (health.bp, api.bp, openapi.bp, accounts_bp, articles_bp, threads_bp, reactions_bp):
        app.register_blueprint(bp)
    init_following(app)
    init_notifications(app)
    init_moderation_queue(app)
    init_page_helpers(app)
