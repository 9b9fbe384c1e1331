"""The JSON API v1 (see API.md). Importing the modules registers their routes on ``bp``."""
from forum.api import (  # noqa: F401
    accounts,
    articles,
    comments,
    following,
    guidelines,
    notifications,
    privacy,
    reactions,
    webhooks,
)
from forum.api.base import bp

__all__ = ["bp"]
