"""URL converters that accept only what can name a row: a path that breaks the rule is a 404.

An id beyond BIGINT, an id in non-ASCII digits (Werkzeug's ``int`` takes ``١``), a username or an
article id with a NUL, a newline or any character outside their rule never reaches a query.
"""
from werkzeug.routing import BaseConverter, IntegerConverter

from forum.validation import ID_MAX

USERNAME_PATH = "[A-Za-z0-9_]{1,30}"
ARTICLE_ID_PATH = "[A-Za-z0-9_-]{1,100}"


class IdConverter(IntegerConverter):
    """``<int:...>``: ASCII digits, from 1 to 2**63 - 1."""

    regex = r"[0-9]{1,19}"

    def __init__(self, map, fixed_digits=0, min=1, max=ID_MAX, signed=False):  # noqa: A002  (Werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=False)
        self.regex = type(self).regex


class UsernameConverter(BaseConverter):
    regex = USERNAME_PATH


class ArticleIdConverter(BaseConverter):
    regex = ARTICLE_ID_PATH


def init_app(app) -> None:
    """Register the converters; ``int`` is replaced, so every id route is bounded."""
    app.url_map.converters.update(int=IdConverter, username=UsernameConverter, article_id=ArticleIdConverter)
