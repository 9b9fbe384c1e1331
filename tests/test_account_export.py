"""GET /api/v1/me/export and /settings/data/export: everything Parley holds about the caller, and only theirs."""
import json

import pytest

from tests import account_scene
from tests.factories import PageActions


@pytest.fixture
def scene(api):
    return account_scene.build(api)


def export(api, headers):
    response = api.client.get("/api/v1/me/export", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def test_the_export_is_a_download_named_after_the_reader(api, scene):
    response = export(api, scene.alice)
    assert response.headers["Content-Disposition"] == 'attachment; filename="parley-export-alice.json"'
    assert response.mimetype == "application/json" and response.headers["Cache-Control"] == "no-store"
    assert json.loads(response.get_data(as_text=True))["format"] == "parley-export/1"


def test_the_export_holds_the_account(api, scene):
    account = export(api, scene.alice).get_json()["account"]
    assert account["username"] == "alice" and account["email"] == "alice@example.org"
    assert account["display_name"] == "alice" and account["role"] == "reader"
    assert account["status"] == "suspended" and account["created_at"].endswith("Z")
    assert account["email_verified_at"] is None
    assert account["email_notifications"] == {"reply": True, "decision": True, "followed": False}
    assert account["signs_in_with_newsroom"] is False and account["has_password"] is True


def test_the_export_holds_comments_in_every_status_with_their_scores(api, scene):
    comments = {c["id"]: c for c in export(api, scene.alice).get_json()["comments"]}
    ids = scene.ids
    assert set(comments) == {ids[k] for k in ("published", "lonely", "held", "rejected", "waiting", "reply")}
    assert {c["status"] for c in comments.values()} == {"published", "pending", "rejected"}
    held = comments[ids["held"]]
    assert held["body"] == account_scene.HELD and held["status"] == "rejected" and held["hold_reason"] == "abuse"
    assert held["scores"]["abuse"] == pytest.approx(0.9) and held["scores"]["off_topic"] is not None
    waiting = comments[ids["waiting"]]
    assert waiting["status"] == "pending" and waiting["hold_reason"] == "premoderation"
    assert waiting["article"] == {"id": "premod-story", "title": waiting["article"]["title"],
                                  "url": "https://news.example.org/2026/11/premod-story"}
    assert comments[ids["reply"]]["parent_id"] == ids["bob"]
    assert comments[ids["published"]]["reaction_count"] == 1 and comments[ids["published"]]["edited_at"] is None


def test_the_export_holds_likes_follows_mutes_and_notifications(api, scene):
    document = export(api, scene.alice).get_json()
    assert [r["comment_id"] for r in document["reactions"]] == [scene.ids["bob"]]
    assert [f["username"] for f in document["follows"]["following"]] == ["bob"]
    assert [f["username"] for f in document["follows"]["followers"]] == ["carol"]
    # Whom Alice mutes, never who mutes her (Carol does: that is Carol's to know).
    assert [m["username"] for m in document["mutes"]] == ["carol"]
    kinds = {(n["kind"], n["comment_id"], n["actor"]) for n in document["notifications"]}
    assert ("reply", scene.ids["bob"], "bob") in kinds
    assert ("decision", scene.ids["held"], "mia") in kinds


def test_the_export_holds_reports_sanctions_and_decisions_without_the_desks_notes(api, scene):
    document = export(api, scene.alice).get_json()
    [filed] = document["reports"]
    assert filed["comment_id"] == scene.ids["carol"] and filed["reason"] == "spam"
    assert filed["note"] == "Carol posts this everywhere"
    [sanction] = document["sanctions"]
    assert sanction["kind"] == "suspend" and sanction["reason"] == account_scene.SUSPENSION_REASON
    assert sanction["until"] and sanction["lifted_at"] is None
    [decision] = document["decisions"]
    assert decision == {"comment_id": scene.ids["held"], "action": "reject", "reason": "abusive",
                        "created_at": decision["created_at"]}
    assert account_scene.DECISION_NOTE not in json.dumps(document)


def test_the_export_holds_nothing_of_another_reader(api, scene):
    alice = json.dumps(export(api, scene.alice).get_json())
    assert account_scene.BOB_SAYS not in alice and account_scene.CAROL_SAYS not in alice
    assert "bob@example.org" not in alice and "carol@example.org" not in alice
    bob = export(api, scene.bob).get_json()
    text = json.dumps(bob)
    assert bob["account"]["username"] == "bob"
    assert "alice@example.org" not in text and account_scene.PUBLISHED not in text
    assert account_scene.SUSPENSION_REASON not in text and "Carol posts this everywhere" not in text
    assert [c["id"] for c in bob["comments"]] == [scene.ids["bob"]]
    assert bob["reports"] == bob["sanctions"] == bob["decisions"] == [] and bob["mutes"] == []


def test_there_is_no_way_to_ask_for_another_readers_export(api, scene):
    for path in ("/api/v1/me/export?username=bob", "/api/v1/users/bob/export", "/api/v1/me/export/bob"):
        response = api.client.get(path, headers=scene.alice)
        assert response.status_code == 404 or response.get_json()["account"]["username"] == "alice"


def test_the_export_needs_a_valid_token(api, scene):
    assert api.client.get("/api/v1/me/export").status_code == 401
    assert api.client.get("/api/v1/me/export", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_the_page_download_is_the_same_document(app, api, scene):
    pages = PageActions(app)
    pages.login("alice")
    page = pages.client.get("/settings/data")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Download my data" in html and 'href="/settings/data/export"' in html
    download = pages.client.get("/settings/data/export")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == 'attachment; filename="parley-export-alice.json"'
    from_page, from_api = download.get_json(), export(api, scene.alice).get_json()
    del from_page["exported_at"], from_api["exported_at"]
    assert from_page == from_api


def test_the_page_and_its_download_need_a_sign_in(client):
    for path in ("/settings/data", "/settings/data/export"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
