"""DELETE /api/v1/me, DELETE /api/v1/moderation/users/{username} and the /settings/data delete form:
everything of the reader goes at once, counts stay right, and the name is held back for a while."""
from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy import func, select, update

from forum.extensions import db
from forum.models import (
    AccountToken,
    AccountTokenPurpose,
    ApiToken,
    Comment,
    Follow,
    Mute,
    Notification,
    Reaction,
    RetiredUsername,
    User,
    UserSession,
    utcnow,
)
from moderation.classifier import DIMENSIONS
from moderation.embeddings import CommentVector, store_comment_vector
from moderation.models import ModerationDecision, Report, Sanction
from moderation.readers.models import ReaderAudit, ReaderFlag, ReaderNote
from tests import account_scene
from tests.factories import CSRF_RE, PASSWORD, ApiActions, PageActions, bearer
from tests.test_account_export import export
from tests.test_sso import SECRET, mint
from tests.test_webhooks import drain

TAKEN = "That username or email cannot be used. Choose another username, or log in if you already have an account."


@pytest.fixture
def scene(api):
    return account_scene.build(api)


def delete_me(api, headers, body=None):
    return api.client.delete("/api/v1/me", json={"password": PASSWORD} if body is None else body, headers=headers)


def user_id(app, username) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


def rows(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def comment(api, headers, comment_id) -> dict:
    response = api.client.get(f"/api/v1/comments/{comment_id}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["comment"]


def article_count(api) -> int:
    return api.client.get("/api/v1/articles/council-budget").get_json()["comment_count"]


def profile(api, username) -> dict:
    return api.client.get(f"/api/v1/users/{username}").get_json()


def test_deleting_ends_every_token_and_session_and_a_second_delete_is_401(app, api, scene):
    pages = PageActions(app)
    pages.login("alice")
    assert delete_me(api, scene.alice).status_code == 204
    assert api.client.get("/api/v1/me", headers=scene.alice).status_code == 401
    assert delete_me(api, scene.alice).status_code == 401
    assert pages.client.get("/settings/data").status_code == 302
    login = api.client.post("/api/v1/auth/token", json={"username": "alice", "password": PASSWORD})
    assert login.status_code == 401
    alice = _id_of_deleted(app)
    assert rows(app, ApiToken, ApiToken.user_id == alice) == rows(app, UserSession, UserSession.user_id == alice) == 0


def _id_of_deleted(app) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.deleted_at.is_not(None)))


def test_the_row_stays_emptied_and_its_pages_are_404(app, api, scene):
    alice = user_id(app, "alice")
    with app.app_context():
        db.session.add(AccountToken(user_id=alice, purpose=AccountTokenPurpose.PASSWORD_RESET, token_hash="0" * 64,
                                    email="alice@example.org", expires_at=utcnow() + timedelta(hours=1)))
        db.session.commit()
    assert delete_me(api, scene.alice).status_code == 204
    with app.app_context():
        row = db.session.get(User, alice)
        assert (row.username, row.email, row.sso_id, row.display_name) == (f"deleted-{alice}", None, None, "[deleted]")
        assert not row.has_password and row.deleted_at is not None and row.role == "reader"
        assert (row.mail_reply, row.mail_decision, row.mail_followed) == (False, False, False)
        assert row.suspended_until is None and row.sanction_reason is None
    assert rows(app, AccountToken, AccountToken.user_id == alice) == 0
    for path in ("/api/v1/users/alice", "/api/v1/users/alice/comments", "/api/v1/users/alice/followers",
                 f"/api/v1/users/deleted-{alice}", "/users/alice", "/users/alice/followers"):
        assert api.client.get(path).status_code == 404, path


def test_comments_go_and_placeholders_stay_only_where_there_are_replies(app, api, scene):
    ids = scene.ids
    before = article_count(api)
    assert delete_me(api, scene.alice).status_code == 204
    # Three of Alice's comments on the story were published: the one Bob answered, the lonely one, her reply.
    assert (before, article_count(api)) == (5, 2)
    top = {c["id"]: c for c in api.thread()["comments"]}
    assert ids["lonely"] not in top and ids["held"] not in top and ids["rejected"] not in top
    placeholder = top[ids["published"]]
    assert placeholder["status"] == "deleted" and placeholder["body"] == "" and placeholder["author"] is None
    [bob] = placeholder["replies"]
    assert bob["id"] == ids["bob"] and bob["body"] == account_scene.BOB_SAYS
    # Alice's reply to Bob had no replies of its own: it is gone, and Bob's comment counts none.
    assert bob["reply_count"] == 0 and bob["replies"] == []
    with app.app_context():
        bodies = db.session.scalars(select(Comment.body).where(Comment.author_id == _id_of_deleted(app)))
        assert set(bodies) == {""}


def test_likes_follows_mutes_reports_and_notifications_go_and_the_counts_follow(app, api, scene):
    ids = scene.ids
    alice = user_id(app, "alice")
    assert comment(api, scene.bob, ids["bob"])["reaction_count"] == 1
    assert profile(api, "bob")["follower_count"] == 1 and profile(api, "carol")["following_count"] == 1
    assert delete_me(api, scene.alice).status_code == 204
    assert comment(api, scene.bob, ids["bob"])["reaction_count"] == 0
    assert profile(api, "bob")["follower_count"] == 0 and profile(api, "carol")["following_count"] == 0
    with app.app_context():
        assert db.session.get(Comment, ids["carol"]).report_count == 0
    assert rows(app, Reaction, Reaction.user_id == alice) == 0
    assert rows(app, Follow, (Follow.follower_id == alice) | (Follow.followed_id == alice)) == 0
    assert rows(app, Mute, (Mute.muter_id == alice) | (Mute.muted_id == alice)) == 0
    assert rows(app, Notification, (Notification.recipient_id == alice) | (Notification.actor_id == alice)) == 0
    assert rows(app, Report, Report.reporter_id == alice) == 0
    assert rows(app, Sanction, Sanction.user_id == alice) == 0
    # Bob keeps his like of Alice's comment (his data), on its placeholder.
    assert rows(app, Reaction, Reaction.comment_id == ids["published"]) == 1
    queue = api.client.get("/api/v1/moderation/queue?reason=reported", headers=scene.mia).get_json()
    assert ids["carol"] not in [item["comment"]["id"] for item in queue["items"]]


def test_the_comments_stored_vectors_go_with_them(app, api, scene):
    with app.app_context():
        for key in ("published", "lonely", "bob"):
            store_comment_vector(scene.ids[key], np.ones(DIMENSIONS, dtype=np.int8), "test-encoder")
        db.session.commit()
    assert delete_me(api, scene.alice).status_code == 204
    with app.app_context():
        assert set(db.session.scalars(select(CommentVector.comment_id))) == {scene.ids["bob"]}


def test_the_decision_log_keeps_the_row_without_the_text_or_the_name(app, api, scene):
    held = scene.ids["held"]
    assert delete_me(api, scene.alice).status_code == 204
    [entry] = api.client.get(f"/api/v1/moderation/log?comment_id={held}", headers=scene.mia).get_json()["decisions"]
    assert (entry["action"], entry["reason"], entry["moderator"], entry["note"]) == ("reject", "abusive", "mia", None)
    assert comment(api, scene.mia, held)["body"] == ""
    pages = PageActions(api.app)
    pages.login("mia")
    html = pages.client.get("/moderation/log").get_data(as_text=True)
    assert "a deleted account" in html and account_scene.HELD not in html and "@alice" not in html
    with app.app_context():
        assert db.session.scalar(select(ModerationDecision.note)) is None


def test_a_wrong_password_is_403_and_changes_nothing(app, api, scene):
    response = delete_me(api, scene.alice, {"password": "not-the-password"})
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "wrong_password"
    assert api.client.get("/api/v1/me", headers=scene.alice).get_json()["user"]["username"] == "alice"
    assert comment(api, scene.alice, scene.ids["lonely"])["body"] == account_scene.LONELY
    assert profile(api, "bob")["follower_count"] == 1
    assert rows(app, RetiredUsername) == 0


@pytest.mark.parametrize("body, status, code", [
    ({}, 422, "password_required"),
    ({"password": None}, 422, "password_required"),
    ({"password": 12345678}, 422, "invalid_password"),
    ({"password": ["correct-horse-battery"]}, 422, "invalid_password"),
    ({"password": "x" * 1001}, 422, "too_long"),
    ({"password": "x" * 70_000}, 413, "too_large"),
    ({"password": "bad\x00password"}, 422, "control_characters"),
    ({"confirm": "DELETE"}, 422, "password_required"),
    ({"password": PASSWORD, "confirm": "delete"}, 422, "invalid_confirm"),
    ({"password": PASSWORD, "confirm": True}, 422, "invalid_confirm"),
    ([PASSWORD], 400, "invalid_json"),
])
def test_bad_bodies_are_refused_and_change_nothing(app, api, scene, body, status, code):
    response = delete_me(api, scene.alice, body)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["code"] == code
    assert api.client.get("/api/v1/me", headers=scene.alice).status_code == 200
    assert rows(app, User, User.deleted_at.is_not(None)) == 0


def test_a_body_that_is_not_json_is_400(api, scene):
    response = api.client.delete("/api/v1/me", data="password=x", headers=scene.alice,
                                 content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_json"


def test_the_name_is_taken_during_the_cooling_off_and_free_after(app, api, scene):
    assert delete_me(api, scene.alice).status_code == 204
    with app.app_context():
        retired = db.session.get(RetiredUsername, "alice")
        assert abs(retired.free_at - (utcnow() + timedelta(days=30))) < timedelta(minutes=1)
    again = api.register("Alice", email="new-alice@example.org")
    assert again.status_code == 409 and again.get_json()["error"] == {"code": "account_exists", "message": TAKEN}
    page = PageActions(app).submit("/register", {"username": "alice", "email": "new-alice@example.org",
                                                 "password": PASSWORD}, page="/register")
    assert page.status_code == 409 and "cannot be used" in page.get_data(as_text=True)
    with app.app_context():
        db.session.execute(update(RetiredUsername).values(free_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    fresh = api.register("alice", email="new-alice@example.org")
    assert fresh.status_code == 201
    assert api.client.get("/api/v1/users/alice").get_json()["follower_count"] == 0


def test_the_cooling_off_is_configurable(make_app):
    from tests.factories import ApiActions

    api = ApiActions(make_app(ACCOUNT_NAME_COOLING_OFF_DAYS=0))
    assert delete_me(api, api.reader("alice")).status_code == 204
    assert api.register("alice", email="again@example.org").status_code == 201


def test_the_cooling_off_days_come_from_the_environment(make_app, monkeypatch):
    monkeypatch.setenv("FLASK_ACCOUNT_NAME_COOLING_OFF_DAYS", "7")
    assert make_app().config["ACCOUNT_NAME_COOLING_OFF_DAYS"] == 7


@pytest.fixture
def sso_api(make_app):
    from tests.factories import ApiActions

    return ApiActions(make_app(SSO_SECRET=SECRET))


def sso(api, token):
    response = api.client.post("/api/v1/auth/sso", json={"token": token})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_an_sso_account_is_deleted_without_a_body_and_a_later_sign_in_makes_a_new_account(app, sso_api):
    # API.md: DELETE /api/v1/me takes a password, "not for SSO accounts": such a request has no body.
    signed_in = sso(sso_api, mint())
    headers = bearer(signed_in["token"])
    assert signed_in["user"]["username"] == "jane_doe"
    refused = delete_me(sso_api, headers, {"password": PASSWORD})
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "confirmation_required"
    assert sso_api.client.get("/api/v1/me", headers=headers).status_code == 200
    assert sso_api.client.delete("/api/v1/me", headers=headers).status_code == 204
    assert sso_api.client.get("/api/v1/me", headers=headers).status_code == 401
    again = sso(sso_api, mint())
    # The link to the newsroom's id went with the account: this is a new one, and the old name is held back.
    assert again["user"]["username"] != "jane_doe" and again["user"]["username"].startswith("jane_doe")
    with sso_api.app.app_context():
        accounts = db.session.scalars(select(User).order_by(User.id)).all()
        assert [u.sso_id for u in accounts] == [None, "np-1001"] and accounts[0].deleted_at is not None


@pytest.mark.parametrize("body", [{}, {"confirm": "DELETE"}])
def test_an_sso_account_may_send_an_empty_object_or_the_confirmation(sso_api, body):
    headers = bearer(sso(sso_api, mint())["token"])
    assert delete_me(sso_api, headers, body).status_code == 204
    assert sso_api.client.get("/api/v1/me", headers=headers).status_code == 401


def test_an_account_with_a_password_sending_no_body_is_asked_for_it(app, api, scene):
    response = api.client.delete("/api/v1/me", headers=scene.alice)
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "password_required"
    assert api.client.get("/api/v1/me", headers=scene.alice).status_code == 200


def test_the_page_asks_an_sso_account_to_type_the_confirmation(sso_api):
    headers = bearer(sso(sso_api, mint())["token"])
    html = sso_api.client.get("/settings/data", headers=headers).get_data(as_text=True)
    assert 'name="confirm"' in html and 'name="password"' not in html
    csrf = CSRF_RE.search(html).group(1)
    wrong = sso_api.client.post("/settings/data/delete", data={"csrf_token": csrf, "confirm": "delete"},
                                headers=headers)
    assert wrong.status_code == 422 and "Type DELETE in capitals" in wrong.get_data(as_text=True)
    done = sso_api.client.post("/settings/data/delete", data={"csrf_token": csrf, "confirm": "DELETE"},
                               headers=headers)
    assert done.status_code == 302
    assert sso_api.client.get("/api/v1/me", headers=headers).status_code == 401


def mod_delete(api, headers, username):
    return api.client.delete(f"/api/v1/moderation/users/{username}", headers=headers)


def test_a_moderator_deletes_a_readers_account_with_an_audit_entry(app, api, scene):
    alice = user_id(app, "alice")
    api.client.put("/api/v1/moderation/users/alice/premoderation", headers=scene.mia)
    api.client.post("/api/v1/moderation/users/alice/notes", json={"text": "Insults again"}, headers=scene.mia)
    assert mod_delete(api, scene.mia, "alice").status_code == 204
    assert api.client.get("/api/v1/me", headers=scene.alice).status_code == 401
    assert profile(api, "bob")["follower_count"] == 0
    deletions = api.client.get("/api/v1/moderation/deletions", headers=scene.mia).get_json()
    [entry] = deletions["deletions"]
    assert (entry["account"], entry["former_username"], entry["moderator"]) == (f"deleted-{alice}", "alice", "mia")
    assert deletions["next_cursor"] is None
    assert rows(app, ReaderNote, ReaderNote.user_id == alice) == rows(app, ReaderFlag, ReaderFlag.user_id == alice) == 0
    # The desk's earlier entries on the account stay, beside the deletion's.
    assert rows(app, ReaderAudit, ReaderAudit.user_id == alice) == 2
    assert mod_delete(api, scene.mia, "alice").status_code == 404
    assert api.register("alice", email="new-alice@example.org").status_code == 409


def test_only_admins_delete_staff_and_nobody_deletes_themselves_on_the_desk(api, scene):
    admin = api.staff("ada", role="admin")
    api.staff("max")
    for headers, username, code in ((scene.mia, "max", "staff_deletion"), (scene.mia, "ada", "staff_deletion"),
                                    (scene.mia, "mia", "self_deletion"), (admin, "ada", "self_deletion")):
        response = mod_delete(api, headers, username)
        assert response.status_code == 403 and response.get_json()["error"]["code"] == code
    assert mod_delete(api, admin, "max").status_code == 204
    assert api.client.post("/api/v1/auth/token", json={"username": "max", "password": PASSWORD}).status_code == 401


def test_readers_cannot_use_the_desks_route(api, scene):
    for path in ("/api/v1/moderation/users/bob", "/api/v1/moderation/deletions"):
        method = api.client.delete if path.endswith("bob") else api.client.get
        assert method(path, headers=scene.alice).status_code == 403
        assert method(path).status_code == 401
    assert api.client.get("/api/v1/me", headers=scene.bob).status_code == 200


def test_an_unknown_user_is_404(api, scene):
    assert mod_delete(api, scene.mia, "nobody").status_code == 404
    assert mod_delete(api, scene.mia, "deleted-1").status_code == 404


def test_the_page_deletes_with_the_password_and_its_csrf_token(app, api, scene):
    pages = PageActions(app)
    pages.login("alice")
    page = pages.client.get("/settings/data").get_data(as_text=True)
    assert 'action="/settings/data/delete"' in page and 'name="password"' in page
    no_token = pages.client.post("/settings/data/delete", data={"password": PASSWORD})
    assert no_token.status_code == 400
    wrong = pages.submit("/settings/data/delete", {"password": "not-the-password"}, page="/settings/data")
    assert wrong.status_code == 403 and "That is not your password" in wrong.get_data(as_text=True)
    empty = pages.submit("/settings/data/delete", {"password": ""}, page="/settings/data")
    assert empty.status_code == 422 and "Send your password" in empty.get_data(as_text=True)
    huge = pages.submit("/settings/data/delete", {"password": "x" * 5000}, page="/settings/data")
    assert huge.status_code == 422
    assert api.client.get("/api/v1/me", headers=scene.alice).status_code == 200
    done = pages.submit("/settings/data/delete", {"password": PASSWORD}, page="/settings/data")
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert "Your account is deleted" in pages.client.get("/").get_data(as_text=True)
    assert pages.client.get("/settings/data").status_code == 302
    assert api.client.get("/api/v1/me", headers=scene.alice).status_code == 401


def test_an_export_after_deletion_is_401_and_a_survivors_export_is_unchanged_but_for_alice(api, scene):
    assert delete_me(api, scene.alice).status_code == 204
    assert api.client.get("/api/v1/me/export", headers=scene.alice).status_code == 401
    bob = export(api, scene.bob).get_json()
    assert bob["follows"]["followers"] == [] and bob["reactions"] == [
        {"comment_id": scene.ids["published"], "created_at": bob["reactions"][0]["created_at"]}]


class FailingHolder:
    """A plugin whose part of the deletion fails, after the desk's part was written."""

    def export(self, user):
        return {}

    def erase(self, user):
        raise RuntimeError("the holder's store is down")


def test_a_failure_half_way_rolls_the_whole_deletion_back(make_app):
    from forum.privacy.holders import register_holder
    from tests.factories import ApiActions

    app = make_app(PROPAGATE_UNEXPECTED=False)
    register_holder(app, FailingHolder())
    api = ApiActions(app)
    scene = account_scene.build(api)
    assert delete_me(api, scene.alice).status_code == 500
    assert api.client.get("/api/v1/me", headers=scene.alice).status_code == 200
    assert comment(api, scene.alice, scene.ids["lonely"])["body"] == account_scene.LONELY
    assert comment(api, scene.bob, scene.ids["bob"])["reaction_count"] == 1
    assert rows(app, Report) == rows(app, Sanction) == 1 and rows(app, RetiredUsername) == 0


def test_a_moderator_deleting_from_a_page_session_stays_signed_in(app, api, scene):
    pages = PageActions(app)
    pages.login("mia")
    csrf = pages.csrf("/moderation")
    response = pages.client.delete("/api/v1/moderation/users/alice", headers={"X-CSRFToken": csrf})
    assert response.status_code == 204, response.get_json()
    assert pages.client.get("/moderation").status_code == 200


def test_mail_still_waiting_for_the_deleted_address_is_not_sent(make_app, mail_server):
    app = make_app(MAIL_URL=mail_server.url)
    api = ApiActions(app)
    alice = api.reader("alice")
    api.reader("bob")  # each confirmation mail waits in the outbox
    assert delete_me(api, alice).status_code == 204
    drain(app)
    assert [m["To"] for m in mail_server.messages] == ["bob@example.org"]
