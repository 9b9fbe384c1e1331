"""The desk's settings that admins change at run time (``/api/v1/admin/settings``), kept in the database.

Every worker reads the same rows, so a change takes effect everywhere without a restart. A setting
never written has its default here, or the app's config where one names it (``CONFIG_DEFAULTS``).
"""
from flask import current_app, g, has_request_context
from sqlalchemy import JSON, String, select
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db
from forum.sql import upsert

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

#: Where a request keeps the settings it read (``current``).
_READ = "parley_moderation_settings"

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


def _read() -> dict:
    stored = dict(db.session.execute(select(Setting.name, Setting.value)).tuples().all())
    return {name: stored[name] if name in stored else default(name) for name in DEFAULTS}


def _values() -> dict:
    """Return every setting, read once per request: one query however many rules ask (a POST's
    policy and rules ask for three or four), and one snapshot for all of them. Outside a request (the CLI,
    an outbox worker's periodic checks, which run for hours) every call reads them."""
    if not has_request_context():
        return _read()
    if _READ not in g:
        setattr(g, _READ, _read())
    return getattr(g, _READ)


def current() -> dict:
    """Return every setting: the stored value, or the default of one never set."""
    return dict(_values())


def get(name: str):
    """Return one setting's value (``name`` must be one of ``DEFAULTS``)."""
    return _values()[name]


def update(values: dict) -> dict:
    """Store ``values`` (validated names and values) in the current transaction; return every setting."""
    for name, value in values.items():
        # An upsert: two admins first setting one name at once both succeed (the later wins), where an
        # INSERT of each failed one on the primary key.
        upsert(Setting, name=name, value=value)
    g.pop(_READ, None)
    return current()


def _forget_read(_exc) -> None:
    g.pop(_READ, None)


def init_app(app) -> None:
    """Forget the settings a request read when it ends: requests may share one app context, and so
    ``g`` (a test's requests inside ``app.app_context()`` do)."""
    app.teardown_request(_forget_read)
