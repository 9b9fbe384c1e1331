"""The migration that makes usernames unique in any letter case stops, naming them, on existing clashes."""
from datetime import datetime

from sqlalchemy import select, text

from forum.extensions import db
from forum.models import ApiToken

REVISION = "5e1f0c2a9b7d"
OLD_USER = ("INSERT INTO users (username, email, password_hash, display_name, role, created_at) "
            "VALUES (:name, :email, 'x', :name, 'reader', '2026-01-01 00:00:00')")


def _execute(app, sql, rows=({},)):
    with app.app_context():
        for row in rows:
            db.session.execute(text(sql), row)
        db.session.commit()


def test_upgrade_refuses_usernames_that_differ_only_in_case_until_renamed(runner, app):
    assert runner.invoke(args=["db", "downgrade", f"{REVISION}-1"]).exit_code == 0
    try:
        _execute(app, OLD_USER, [{"name": name, "email": f"{name}@example.org"} for name in ("Bob", "bob", "carol")])
        refused = runner.invoke(args=["db", "upgrade", REVISION])
        assert refused.exit_code != 0
        assert "differ only in letter case: bob. Rename all but one" in refused.output

        _execute(app, "UPDATE users SET username = 'bob2' WHERE username = 'bob'")
        _execute(app, "INSERT INTO api_tokens (user_id, token_hash, created_at) "
                      "SELECT id, 'old-token', '2026-11-01 12:00:00' FROM users WHERE username = 'carol'")
        assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
        with app.app_context():
            keys = db.session.execute(text("SELECT username_key FROM users ORDER BY username_key")).scalars().all()
            expires = db.session.scalars(select(ApiToken.expires_at)).all()
        assert keys == ["bob", "bob2", "carol"]
        # Tokens made before tokens expired get the default lifetime from when they were made.
        assert expires == [datetime(2026, 12, 1, 12, 0)]
    finally:
        # The PostgreSQL database is shared by the session's tests: leave it at the head.
        _execute(app, "DELETE FROM api_tokens")
        _execute(app, "DELETE FROM users")
        runner.invoke(args=["db", "upgrade"])
