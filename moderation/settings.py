"""The desk's settings that admins change at run time (``/api/v1/admin/settings``), kept in the database.

Every worker reads the same rows, so a change takes effect everywhere without a restart. A setting
never written has its default here, or the app's config where one names it (``CONFIG_DEFAULTS``).
"""
from flask import current_app
from sqlalchemy import JSON, String, select
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db

DEFAULTS = {
    "report_hide_threshold": 3,
    "new_user_premoderation_count": 0,
    "new_user_link_hold": True,
    "repeat_post_hold": True,
    # A reader with this many rejections within ``auto_premoderation_days`` days is put on
    # pre-moderation automatically; 0 turns the rule off.
    "auto_premoderation_rejections": 0,
    "auto_premoderation_days": 30,
    # Moderator alerts (webhook events): more than this many comments wait, the oldest has waited
    # more than this many minutes; 0 turns each off.
    "alert_queue_size": 0,
    "alert_wait_minutes": 0,
    # A comment its story's pre-moderation would hold is published at once when the model scores it
    # below this on both abuse and off-topic (moderation.policy.decide); 0 turns it off.
    "auto_approve_below": 0.0,
    # Moderators and admins without two-factor sign-in are kept off the desk (moderation.access).
    "require_staff_two_factor": False,
    # Local accounts confirm their address before commenting (moderation.access); the config's
    # REQUIRE_VERIFIED_EMAIL forces this on whatever the setting says.
    "require_verified_email": False,
}

#: Settings whose default is a config key, so a deployment's config still sets them until an admin does.
CONFIG_DEFAULTS = {"report_hide_threshold": "REPORT_HIDE_THRESHOLD", "repeat_post_hold": "MODERATION_REPEAT_POST_HOLD"}


def default(name: str):
    """Return the value ``name`` has while no admin has set it."""
    key = CONFIG_DEFAULTS.get(name)
    if key is not None and key in current_app.config:
        return current_app.config[key]
    return DEFAULTS[name]


class Setting(db.Model):
    __tablename__ = "moderation_settings"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)


def current() -> dict:
    """Return every setting: the stored value, or the default of one never set."""
    stored = dict(db.session.execute(select(Setting.name, Setting.value)).tuples().all())
    return {name: stored[name] if name in stored else default(name) for name in DEFAULTS}


def get(name: str):
    """Return one setting's value (``name`` must be one of ``DEFAULTS``)."""
    value = db.session.scalar(select(Setting.value).where(Setting.name == name))
    return default(name) if value is None else value


def update(values: dict) -> dict:
    """Store ``values`` (validated names and values) in the current transaction; return every setting."""
    for name, value in values.items():
        setting = db.session.get(Setting, name) or Setting(name=name)
        setting.value = value
        db.session.add(setting)
    db.session.flush()
    return current()
