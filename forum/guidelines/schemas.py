"""The guidelines over JSON and in the admins' form."""
from datetime import datetime

from forum.guidelines.service import MAX_LENGTH
from forum.schemas import Answer
from forum.validation import Schema, Text


class GuidelinesBody(Schema):
    """An admin's new guidelines: plain text, paragraphs apart by a blank line."""

    text: Text(MAX_LENGTH, multiline=True)


class GuidelinesOut(Answer):
    text: str
    #: When an admin last changed them; null while the shipped default is in force.
    updated_at: datetime | None
