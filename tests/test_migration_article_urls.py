"""The migration that makes article URLs unique stops, naming them, on URLs several articles share."""
import hashlib

from sqlalchemy import text

from forum.extensions import db

REVISION = "6b2e1d0c9a8f"
OLD_ARTICLE = ("INSERT INTO articles (external_id, url, title, body, moderation_mode, created_at, updated_at) "
               "VALUES (:id, :url, 'A story', '', 'post', '2026-01-01 00:00:00', '2026-01-01 00:00:00')")
SHARED = "https://news.example.org/shared"
LONG = "https://news.example.org/" + "ü" * 1970  # about 4,000 bytes of UTF-8: too long for a plain index entry


def _execute(app, sql, rows=({},)):
    with app.app_context():
        for row in rows:
            db.session.execute(text(sql), row)
        db.session.commit()


def test_upgrade_refuses_shared_urls_until_fixed_then_hashes_every_url(runner, app):
    assert runner.invoke(args=["db", "downgrade", f"{REVISION}-1"]).exit_code == 0
    try:
        _execute(app, OLD_ARTICLE, [{"id": "one", "url": SHARED}, {"id": "two", "url": SHARED},
                                    {"id": "long", "url": LONG}])
        refused = runner.invoke(args=["db", "upgrade", REVISION])
        assert refused.exit_code != 0
        assert f"{SHARED} (one, two). Give all but one" in refused.output

        _execute(app, "UPDATE articles SET url = 'https://news.example.org/two' WHERE external_id = 'two'")
        assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
        with app.app_context():
            hashes = dict(db.session.execute(text("SELECT url, url_hash FROM articles")).all())
        assert hashes == {url: hashlib.sha256(url.encode()).hexdigest()
                          for url in (SHARED, "https://news.example.org/two", LONG)}
    finally:
        # The PostgreSQL database is shared by the session's tests: leave it at the head.
        _execute(app, "DELETE FROM articles")
        runner.invoke(args=["db", "upgrade"])


def test_downgrade_gives_sso_accounts_without_email_an_undeliverable_one(runner, app):
    client = app.test_client()
    assert client.post("/api/v1/auth/register", json={"username": "janet", "email": "jane@example.org",
                                                      "password": "correct-horse-battery"}).status_code == 201
    _execute(app, "INSERT INTO users (username, username_key, email, sso_id, password_hash, display_name, role, "
                  "created_at) VALUES ('jane', 'jane', NULL, 'np-1', '!', 'Jane', 'reader', '2026-01-01 00:00:00')")
    try:
        assert runner.invoke(args=["db", "downgrade", f"{REVISION}-1"]).exit_code == 0
        with app.app_context():
            emails = db.session.execute(text("SELECT email FROM users ORDER BY username")).scalars().all()
        assert emails[0].startswith("sso-") and emails[0].endswith("@users.invalid")
        assert emails[1] == "jane@example.org"
    finally:
        _execute(app, "DELETE FROM users")
        runner.invoke(args=["db", "upgrade"])


FOLD_REVISION = "d9e0f1a2b3c4"
ARTICLE_NOW = ("INSERT INTO articles (external_id, url, url_hash, title, body, moderation_mode, created_at, "
               "updated_at) VALUES (:id, :url, :hash, 'A story', '', 'post', '2026-01-01 00:00:00', "
               "'2026-01-01 00:00:00')")


def _article(external_id: str, url: str) -> dict:
    return {"id": external_id, "url": url, "hash": hashlib.sha256(url.encode()).hexdigest()}


def test_upgrade_folds_the_scheme_and_host_of_stored_urls_and_refuses_those_then_shared(runner, app):
    assert runner.invoke(args=["db", "downgrade", f"{FOLD_REVISION}-1"]).exit_code == 0
    try:
        _execute(app, ARTICLE_NOW, [_article("mixed", "https://News.Example.ORG/Path?Q=A"),
                                    _article("lower", "https://news.example.org/Path?Q=A"),
                                    _article("plain", "https://news.example.org/plain")])
        refused = runner.invoke(args=["db", "upgrade", FOLD_REVISION])
        assert refused.exit_code != 0
        assert "https://news.example.org/Path?Q=A (lower, mixed). Give all but one" in refused.output

        _execute(app, "DELETE FROM articles WHERE external_id = 'lower'")
        assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
        with app.app_context():
            stored = {row[0]: row[1:] for row in db.session.execute(
                text("SELECT external_id, url, url_hash FROM articles")).all()}
        assert stored == {key: (url, hashlib.sha256(url.encode()).hexdigest()) for key, url in
                          [("mixed", "https://news.example.org/Path?Q=A"), ("plain", "https://news.example.org/plain")]}
        # The folded digest is the one the API compares: the address is taken, in any case.
        response = app.test_client().put("/api/v1/articles/copy", headers={"X-API-Key": "test-publisher-key"},
                                         json={"url": "HTTPS://NEWS.example.org/Path?Q=A", "title": "Copy"})
        assert response.status_code == 409 and response.get_json()["error"]["article_id"] == "mixed"
    finally:
        _execute(app, "DELETE FROM articles")
        runner.invoke(args=["db", "upgrade"])
