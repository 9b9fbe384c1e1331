"""URL converters that accept only what can name a row: a path that breaks the rule is a 404.

An id beyond the INTEGER columns, an id in non-ASCII digits (Werkzeug's ``int`` takes ``١``), a username or an
article id with a NUL, a newline or any character outside their rule never reaches a query.
"""
from werkzeug.exceptions import NotFound
from werkzeug.routing import BaseConverter, IntegerConverter, ValidationError

from forum.validation import ID_MAX

USERNAME_PATH = "[A-Za-z0-9_]{1,30}"
ARTICLE_ID_PATH = "[A-Za-z0-9_-]{1,100}"


class IdConverter(IntegerConverter):
    """``<int:...>``: ASCII digits, from 1 to ``ID_MAX``."""

    regex = r"[0-9]{1,20}"

    def __init__(self, map, fixed_digits=0, min=1, max=ID_MAX, signed=False):  # noqa: A002  (Werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=False)
        self.regex = type(self).regex

    def to_python(self, value: str) -> int:
        """Return the id, or answer 404 for one out of range.

        A ``ValidationError`` would only skip this rule, and Werkzeug would then answer 405 because
        the same path matches another method's rule before its conversion is tried.
        """
        try:
            return super().to_python(value)
        except ValidationError:
            raise NotFound() from None


class UsernameConverter(BaseConverter):
    regex = USERNAME_PATH


class ArticleIdConverter(BaseConverter):
    regex = ARTICLE_ID_PATH


def init_app(app) -> None:
    """Register the converters; ``int`` is replaced, so every id route is bounded."""
    app.url_map.converters.update(int=IdConverter, username=UsernameConverter, article_id=ArticleIdConverter)
