"""Suspensions and bans: who can be sanctioned, what it stops, how it shows, and lifting it."""
from datetime import timedelta

import pytest
from sqlalchemy import update

from forum.extensions import db
from forum.models import User, utcnow
from tests.factories import PageActions
from tests.moderation_actions import CIVIL, held, premod_article, queue, report


@pytest.fixture
def scene(api):
    """The reader rex with a published comment, the reader bob, and the moderator mia."""
    api.article()
    rex = api.reader("rex")
    comment = api.comment(rex, CIVIL)
    return {"rex": rex, "bob": api.reader("bob"), "mia": api.staff("mia"), "comment": comment}


def suspend(api, headers, username="rex", **body):
    return api.client.post(f"/api/v1/moderation/users/{username}/suspension", json=body, headers=headers)


def me(api, headers) -> dict:
    return api.client.get("/api/v1/me", headers=headers).get_json()["user"]


def test_a_suspended_reader_cannot_post_react_or_report_and_is_told_until_when(api, scene):
    response = suspend(api, scene["mia"], days=7, reason="Repeated insults")
    assert response.status_code == 200
    user = response.get_json()["user"]
    assert user["status"] == "suspended" and user["sanction_reason"] == "Repeated insults"
    assert me(api, scene["rex"])["status"] == "suspended"
    bob_comment = api.comment(scene["bob"], "A remark by bob on the bus budget.")
    for response in (api.post(scene["rex"], "Let me back in."),
                     api.client.post(f"/api/v1/comments/{bob_comment['id']}/reactions", headers=scene["rex"]),
                     report(api, scene["rex"], bob_comment["id"])):
        assert response.status_code == 403
        error = response.get_json()["error"]
        assert error["code"] == "suspended"
        assert "suspended until" in error["message"] and "Repeated insults" in error["message"]
        assert error["until"] == user["suspended_until"]


def test_a_ban_has_no_end_and_the_queue_shows_it(api, scene):
    premod_article(api)
    comment = held(api, scene["rex"])
    response = suspend(api, scene["mia"], reason="Threats")
    assert response.status_code == 200 and response.get_json()["user"]["status"] == "banned"
    refused = api.post(scene["rex"], "Still here.")
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "banned"
    [item] = queue(api, scene["mia"])["items"]
    assert item["comment"]["id"] == comment["id"]
    assert item["author"]["status"] == "banned" and item["author"]["sanction_reason"] == "Threats"


def test_lifting_lets_the_reader_take_part_again(api, scene):
    suspend(api, scene["mia"], days=3, reason="Insults")
    response = api.client.delete("/api/v1/moderation/users/rex/suspension", headers=scene["mia"])
    assert response.status_code == 200 and response.get_json()["user"]["status"] == "active"
    assert api.post(scene["rex"], "Back, and civil.").status_code == 201
    again = api.client.delete("/api/v1/moderation/users/rex/suspension", headers=scene["mia"])
    assert again.status_code == 200


def test_a_suspension_ends_by_itself(api, app, scene):
    suspend(api, scene["mia"], days=1, reason="Insults")
    with app.app_context():
        db.session.execute(update(User).where(User.username == "rex")
                           .values(suspended_until=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    assert me(api, scene["rex"])["status"] == "active"
    assert api.post(scene["rex"], "The suspension is over.").status_code == 201


@pytest.mark.parametrize("body, code", [
    ({"days": 0, "reason": "x"}, "invalid_days"),
    ({"days": -2, "reason": "x"}, "invalid_days"),
    ({"days": "3", "reason": "x"}, "invalid_days"),
    ({"days": True, "reason": "x"}, "invalid_days"),
    ({"days": 3651, "reason": "x"}, "invalid_days"),
    ({"days": 3}, "missing_field"),
    ({"days": 3, "reason": "   "}, "missing_field"),
    ({"days": 3, "reason": "x" * 501}, "too_long"),
])
def test_bad_sanctions_are_refused_and_change_nothing(api, scene, body, code):
    response = suspend(api, scene["mia"], **body)
    assert response.status_code == 422 and response.get_json()["error"]["code"] == code
    assert me(api, scene["rex"])["status"] == "active"


def test_staff_and_yourself_cannot_be_sanctioned(api, scene):
    api.staff("max")
    for username, code in (("max", "staff_sanction"), ("mia", "self_sanction")):
        response = suspend(api, scene["mia"], username, days=3, reason="x")
        assert response.status_code == 403 and response.get_json()["error"]["code"] == code
    assert suspend(api, scene["mia"], "nobody", days=3, reason="x").status_code == 404


def test_sanction_and_lift_from_the_author_page(api, pages, scene):
    pages.login("mia")
    page = "/moderation/users/rex"
    response = pages.submit(f"{page}/sanction", {"kind": "suspend", "days": "5", "reason": "Insults"}, page=page,
                            follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "rex is suspended for 5 days." in html and "Suspended until" in html
    response = pages.submit(f"{page}/sanction", {"kind": "ban", "reason": "Threats"}, page=page,
                            follow_redirects=True)
    assert "rex is banned." in response.get_data(as_text=True)
    response = pages.submit(f"{page}/lift", {}, page=page, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "rex can take part again." in html and "(ended" in html
    assert me(api, scene["rex"])["status"] == "active"


def test_a_bad_sanction_form_shows_the_error(api, pages, scene):
    pages.login("mia")
    page = "/moderation/users/rex"
    response = pages.submit(f"{page}/sanction", {"kind": "suspend", "days": "soon", "reason": "Insults"},
                            page=page, follow_redirects=True)
    assert "&#39;days&#39; must be a whole number" in response.get_data(as_text=True)
    assert me(api, scene["rex"])["status"] == "active"


def test_admins_manage_roles(api, pages, scene):
    admin = api.staff("ada", "admin")
    response = api.client.put("/api/v1/moderation/users/bob/role", json={"role": "moderator"}, headers=admin)
    assert response.status_code == 200 and response.get_json()["user"]["role"] == "moderator"
    assert api.client.get("/api/v1/moderation/queue", headers=scene["bob"]).status_code == 200
    bad = api.client.put("/api/v1/moderation/users/bob/role", json={"role": "king"}, headers=admin)
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "invalid_role"
    self_demotion = api.client.put("/api/v1/moderation/users/ada/role", json={"role": "reader"}, headers=admin)
    assert self_demotion.status_code == 403
    pages.login("ada")
    response = pages.submit("/moderation/users/bob/role", {"role": "reader"}, page="/moderation/users/bob",
                            follow_redirects=True)
    assert "bob is now reader." in response.get_data(as_text=True)
    assert api.client.get("/api/v1/moderation/queue", headers=scene["bob"]).status_code == 403


def test_a_sanctioned_reader_is_told_on_every_page_until_when_and_why(api, app, scene):
    pages = PageActions(app)
    pages.login("rex")
    assert "sanction-notice" not in pages.client.get("/").get_data(as_text=True)
    suspend(api, scene["mia"], days=7, reason="Repeated insults")
    until = (utcnow() + timedelta(days=7)).strftime("%d %B %Y")
    page = pages.client.get("/articles/council-budget").get_data(as_text=True)
    assert f"Your account is suspended until {until}" in page and "(Repeated insults)" in page
    assert 'href="/guidelines"' in page
    suspend(api, scene["mia"], reason="Threats")
    assert "Your account is banned (Threats)" in pages.client.get("/").get_data(as_text=True)
