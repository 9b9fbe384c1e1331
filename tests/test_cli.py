"""``seed-demo`` builds a working demo, once."""
import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Comment, CommentStatus
from tests.factories import ApiActions


def test_seed_demo_prints_accounts_and_builds_a_thread(runner, app):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "maria" in result.output and "steel-beams-4" in result.output and "X-API-Key" in result.output
    api = ApiActions(app)
    thread = api.thread("riverside-bridge-reopens")
    assert len(thread["comments"]) >= 3
    assert any(c["replies"] for c in thread["comments"])
    for username, password, role in (("mod", "steel-beams-4", "moderator"), ("editor", "night-desk-27", "admin")):
        assert f"{username} " in result.output and password in result.output
        headers = api.login(username, password)
        assert api.client.get("/api/v1/me", headers=headers).get_json()["user"]["role"] == role
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0
    assert len(api.thread("riverside-bridge-reopens")["comments"]) == len(thread["comments"])


@pytest.mark.real_model
def test_seed_demo_without_a_model_holds_the_conversation_and_succeeds(make_app, tmp_path):
    # No model holds every comment for review, and nobody can reply to a held comment: the demo's
    # replies are left out rather than the command failing with a traceback.
    app = make_app(MODERATION_MODEL_PATH=str(tmp_path / "absent.skops"))
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "maria" in result.output and "X-API-Key" in result.output
    with app.app_context():
        statuses = db.session.scalars(select(Comment.status)).all()
    assert statuses and set(statuses) == {CommentStatus.PENDING}
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
