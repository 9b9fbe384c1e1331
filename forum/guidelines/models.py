"""The guidelines' text as the admins last saved it (no row: the shipped default)."""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db
from forum.models import utcnow


class SiteText(db.Model):
    """A text of the site that admins edit, by name (``guidelines``)."""

    __tablename__ = "site_texts"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
