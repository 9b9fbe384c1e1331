"""Rate limits read from the configuration at request time, so tests and operators can change them."""
from flask import current_app


def limit(config_key: str):
    """Return a callable Flask-Limiter evaluates per request to read ``config_key``."""
    return lambda: current_app.config[config_key]
