"""The banned and suspect word lists: stored in the database, compiled once per worker per version.

A banned term rejects a comment (``banned_word``), a suspect term holds it (``suspect_word``). The
lists live in moderation_wordlists, one row per list with a version that every change renews;
each worker (each app) keeps its compiled matchers with the versions they were built from and
checks them with one small query per screening, so a list edited on one worker is in force on
every worker from its next comment, without a restart.
"""
import uuid
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import JSON, String, select
from sqlalchemy.orm import Mapped, mapped_column

from forum.errors import Invalid
from forum.extensions import db
from forum.models import CommentStatus, HoldReason
from forum.screening import Submission
from forum.sql import upsert
from moderation.classifier import Highlight
from moderation.rules.hit import RuleHit
from moderation.rules.matching import Match, Matcher, term_key, tokens

BANNED, SUSPECT = "banned", "suspect"
LISTS = (BANNED, SUSPECT)
MAX_TERMS = 5000
MAX_TERM_LENGTH = 60
#: Words in one phrase: the matcher looks this far ahead at each word of a comment.
MAX_TERM_WORDS = 8
#: A banned word weighs as much as the model's strongest word; a suspect one, half.
WEIGHTS = {BANNED: 1.0, SUSPECT: 0.5}
_RULE_LENGTH = 200
_KEY = "parley.wordlists"


class Wordlist(db.Model):
    __tablename__ = "moderation_wordlists"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    terms: Mapped[list] = mapped_column(JSON)
    #: Renewed by every change, so a worker knows its compiled matcher is out of date.
    version: Mapped[str] = mapped_column(String(32))


def terms(name: str) -> list[str]:
    """Return the terms of list ``name`` as stored (empty when it was never set)."""
    return db.session.scalar(select(Wordlist.terms).where(Wordlist.name == name)) or []


def replace(name: str, new_terms: list[str]) -> list[str]:
    """Make ``new_terms`` list ``name`` (in the current transaction) and return them as stored.

    Terms that match the same words (after normalisation, e.g. "Scam" and "s.c.a.m") are kept once,
    as first written.

    :raise Invalid: a term has no letter or digit, or too many words.
    """
    kept, seen = [], set()
    for index, term in enumerate(new_terms):
        key = term_key(term)
        if not key or len(key) > MAX_TERM_WORDS:
            raise Invalid(f"terms[{index}] ({term!r}) must have 1 to {MAX_TERM_WORDS} words of letters or digits.",
                          code="invalid_terms", payload={"field": "terms"})
        if key not in seen:
            seen.add(key)
            kept.append(term)
    # An upsert: two first writes of a list at once both succeed (the later wins), where an INSERT
    # of each failed one on the primary key.
    upsert(Wordlist, name=name, terms=kept, version=uuid.uuid4().hex)
    return kept


@dataclass(frozen=True)
class Compiled:
    """Every list's matcher and the versions they were built from."""

    versions: dict
    matchers: dict

    def find(self, text: str) -> dict[str, list[Match]]:
        """Return each list's matches in ``text``."""
        words = tokens(text)
        return {name: matcher.find(words) for name, matcher in self.matchers.items()}

    def highlights(self, text: str) -> list[Highlight]:
        """Return the spans of ``text`` that the lists match, banned ones first."""
        return highlights(text, self.find(text))


def highlights(text: str, found: dict[str, list[Match]]) -> list[Highlight]:
    """Return the matches ``found`` in ``text`` as highlighted spans, banned ones first."""
    return [Highlight(m.start, m.end, text[m.start:m.end], WEIGHTS[name]) for name in LISTS for m in found[name]]


def compiled() -> Compiled:
    """Return the current app's matchers, rebuilt first if a list changed since they were built."""
    versions = dict(db.session.execute(select(Wordlist.name, Wordlist.version)).all())
    current = current_app.extensions.get(_KEY)
    if current is None or current.versions != versions:
        stored = dict(db.session.execute(select(Wordlist.name, Wordlist.terms)).all())
        current = Compiled(versions, {name: Matcher(stored.get(name) or ()) for name in LISTS})
        current_app.extensions[_KEY] = current
    return current


def screen_words(submission: Submission):
    """Reject a comment with a banned term, hold one with a suspect term; highlight every match."""
    lists = compiled()
    found = lists.find(submission.text)
    if not found[BANNED] and not found[SUSPECT]:
        return None
    spans = tuple(highlights(submission.text, found))
    if found[BANNED]:
        return RuleHit(CommentStatus.REJECTED, HoldReason.BANNED_WORD, describe(BANNED, found[BANNED]), spans)
    return RuleHit(CommentStatus.PENDING, HoldReason.SUSPECT_WORD, describe(SUSPECT, found[SUSPECT]), spans)


def describe(name: str, matches: list[Match]) -> str:
    """Return the rule in words, e.g. ``banned word: "scam"`` (cut to fit comments.hold_rule)."""
    found = list(dict.fromkeys(m.term for m in matches))
    rule = f"{name} word{'s' if len(found) > 1 else ''}: " + ", ".join(f'"{term}"' for term in found)
    return rule if len(rule) <= _RULE_LENGTH else rule[:_RULE_LENGTH - 1] + "…"
