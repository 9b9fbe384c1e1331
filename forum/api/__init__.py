"""The JSON API v1 (see API.md). Importing the modules registers their routes on ``bp``."""
from forum.api import accounts, articles, comments, following, notifications, reactions, webhooks  # noqa: F401
from forum.api.base import bp

__all__ = ["bp"]
