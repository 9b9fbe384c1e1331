"""The desk's settings that admins change at run time (``/api/v1/admin/settings``), kept in the database.

Every worker reads the same rows, so a change takes effect everywhere without a restart. A setting
never written has its default here.
"""
from sqlalchemy import JSON, String, select
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db

DEFAULTS = {
    "report_hide_threshold": 3,
    "new_user_premoderation_count": 0,
    "new_user_link_hold": True,
    "repeat_post_hold": True,
}


class Setting(db.Model):
    __tablename__ = "moderation_settings"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)


def current() -> dict:
    """Return every setting: the stored value, or the default of one never set."""
    stored = dict(db.session.execute(select(Setting.name, Setting.value)).tuples().all())
    return {name: stored.get(name, default) for name, default in DEFAULTS.items()}


def get(name: str):
    """Return one setting's value (``name`` must be one of ``DEFAULTS``)."""
    value = db.session.scalar(select(Setting.value).where(Setting.name == name))
    return DEFAULTS[name] if value is None else value


def update(values: dict) -> dict:
    """Store ``values`` (validated names and values) in the current transaction; return every setting."""
    for name, value in values.items():
        setting = db.session.get(Setting, name) or Setting(name=name)
        setting.value = value
        db.session.add(setting)
    db.session.flush()
    return current()
