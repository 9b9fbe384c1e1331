"""Every moderation page and endpoint: 401 for anonymous visitors, 403 for readers, open to staff.

A page an anonymous visitor opens (a GET) sends them to sign in instead, and back after it.

Admin-only routes (role changes) also answer 403 to moderators. A route added without a row here
fails ``test_every_moderation_route_is_covered``.

Who may use a route does not depend on the database, and what each route does is tested on both
backends in its own module (test_queue, test_sanctions), so this matrix runs on SQLite only.
"""
import re
from urllib.parse import quote

import pytest

from tests.factories import PageActions
from tests.moderation_actions import held, premod_article

pytestmark = pytest.mark.backend_independent

# (method, path, body, who may use it); {comment} is a queued comment's id, rex a reader.
API_ROUTES = [
    ("GET", "/api/v1/moderation/queue", None, "moderator"),
    ("POST", "/api/v1/moderation/comments/{comment}/decision", {"action": "approve"}, "moderator"),
    ("POST", "/api/v1/moderation/users/rex/suspension", {"days": 3, "reason": "Insults"}, "moderator"),
    ("DELETE", "/api/v1/moderation/users/rex/suspension", None, "moderator"),
    ("PUT", "/api/v1/moderation/users/rex/role", {"role": "moderator"}, "admin"),
    ("POST", "/api/v1/moderation/score", {"text": "The buses are late again."}, "moderator"),
    ("GET", "/api/v1/moderation/log", None, "moderator"),
    ("GET", "/api/v1/moderation/stats", None, "moderator"),
    ("PATCH", "/api/v1/moderation/articles/premod-story", {"moderation_mode": "pre"}, "moderator"),
    ("PUT", "/api/v1/moderation/users/rex/premoderation", None, "moderator"),
    ("DELETE", "/api/v1/moderation/users/rex/premoderation", None, "moderator"),
    ("GET", "/api/v1/moderation/users/rex/premoderation", None, "moderator"),
    ("POST", "/api/v1/moderation/users/rex/notes", {"text": "Warned once."}, "moderator"),
    ("GET", "/api/v1/moderation/users/rex/notes", None, "moderator"),
    ("GET", "/api/v1/moderation/wordlists/banned", None, "moderator"),
    ("PUT", "/api/v1/moderation/wordlists/banned", {"terms": ["scam"]}, "moderator"),
    ("POST", "/api/v1/moderation/articles/premod-story/users/rex/rejection", {"reason": "spam"}, "moderator"),
    ("DELETE", "/api/v1/moderation/users/rex", None, "moderator"),
    ("GET", "/api/v1/moderation/deletions", None, "moderator"),
]
#: The routes whose success is not a 200.
SUCCESS = {("PUT", "/api/v1/moderation/users/rex/premoderation"): 204,
           ("DELETE", "/api/v1/moderation/users/rex/premoderation"): 204,
           ("POST", "/api/v1/moderation/users/rex/notes"): 201,
           ("DELETE", "/api/v1/moderation/users/rex"): 204}
PAGE_ROUTES = [
    ("GET", "/moderation", None, "moderator"),
    ("POST", "/moderation/comments/{comment}/decision", {"action": "approve"}, "moderator"),
    ("POST", "/moderation/bulk", {"action": "approve", "ids": "{comment}"}, "moderator"),
    ("GET", "/moderation/log", None, "moderator"),
    ("GET", "/moderation/stats", None, "moderator"),
    ("GET", "/moderation/users/rex", None, "moderator"),
    ("POST", "/moderation/users/rex/sanction", {"kind": "suspend", "days": "3", "reason": "Insults"}, "moderator"),
    ("POST", "/moderation/users/rex/lift", {}, "moderator"),
    ("POST", "/moderation/users/rex/role", {"role": "moderator"}, "admin"),
    ("POST", "/moderation/users/rex/notes", {"text": "Warned once."}, "moderator"),
    ("POST", "/moderation/users/rex/premoderation", {}, "moderator"),
    ("POST", "/moderation/users/rex/premoderation/release", {}, "moderator"),
    ("POST", "/moderation/thread/comments/{comment}/decision", {"action": "approve", "seen_decision": "0"},
     "moderator"),
    ("POST", "/moderation/thread/articles/premod-story/users/rex/rejection", {"reason": "spam"}, "moderator"),
]
ROLES = ["anonymous", "reader", "moderator", "admin"]


def expected(role: str, allowed: str, success: int) -> int:
    if role == "anonymous":
        return 401
    if role == "reader" or (role == "moderator" and allowed == "admin"):
        return 403
    return success


@pytest.fixture
def scene(api):
    """A queued comment by the reader rex, and one account per role; returns the comment id."""
    premod_article(api)
    rex = api.reader("rex")
    api.reader("reggie")
    api.staff("mia")
    api.staff("ada", "admin")
    return held(api, rex)["id"]


def fill(value, comment_id):
    return value.replace("{comment}", str(comment_id)) if isinstance(value, str) else value


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, path, body, allowed", API_ROUTES)
def test_api_route(api, scene, role, method, path, body, allowed):
    headers = {} if role == "anonymous" else api.login({"reader": "reggie", "moderator": "mia", "admin": "ada"}[role])
    response = api.client.open(fill(path, scene), method=method, json=body, headers=headers)
    assert response.status_code == expected(role, allowed, SUCCESS.get((method, path), 200)), response.get_json()
    if response.status_code >= 400:
        assert response.get_json()["error"]["code"] in ("unauthorized", "forbidden")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, path, body, allowed", PAGE_ROUTES)
def test_page_route(app, scene, role, method, path, body, allowed):
    browser = PageActions(app)
    if role != "anonymous":
        browser.login({"reader": "reggie", "moderator": "mia", "admin": "ada"}[role])
    if method == "GET":
        response = browser.client.get(fill(path, scene))
    else:
        response = browser.submit(fill(path, scene), {k: fill(v, scene) for k, v in body.items()})
    if role == "anonymous" and method == "GET":
        assert response.status_code == 302
        assert response.headers["Location"] == f"/login?next={quote(fill(path, scene), safe='')}"
        return
    assert response.status_code == expected(role, allowed, 200 if method == "GET" else 302)


def test_every_moderation_route_is_covered(app):
    listed = {(m, re.sub(r"\{comment\}", "<int:comment_id>", p).replace("/rex", "/<username:username>")
              .replace("/premod-story", "/<article_id:article_id>")
              .replace("/wordlists/banned", "/wordlists/<any(banned, suspect):name>"))
              for m, p, _, _ in API_ROUTES + PAGE_ROUTES}
    routes = {(m, rule.rule) for rule in app.url_map.iter_rules()
              if rule.rule.startswith(("/moderation", "/api/v1/moderation"))
              for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == listed


def sanction_staff(api, username, role, status) -> None:
    """Have an admin take ``username``'s role, suspend or ban them, and give the role back."""
    root = api.staff("root", "admin")
    steps = [("PUT", f"/api/v1/moderation/users/{username}/role", {"role": "reader"}),
             ("POST", f"/api/v1/moderation/users/{username}/suspension",
              {"reason": "Leaked a reader's address"} | ({"days": 7} if status == "suspended" else {})),
             ("PUT", f"/api/v1/moderation/users/{username}/role", {"role": role})]
    for method, path, body in steps:
        response = api.client.open(path, method=method, json=body, headers=root)
        assert response.status_code == 200, response.get_json()


SANCTIONED = [("moderator", "suspended"), ("admin", "banned")]


@pytest.mark.parametrize("role, status", SANCTIONED)
@pytest.mark.parametrize("method, path, body, allowed", API_ROUTES)
def test_a_sanctioned_moderator_or_admin_cannot_use_the_api(api, scene, role, status, method, path, body, allowed):
    username = {"moderator": "mia", "admin": "ada"}[role]
    headers = api.login(username)
    sanction_staff(api, username, role, status)
    response = api.client.open(fill(path, scene), method=method, json=body, headers=headers)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] in ("forbidden", status)


@pytest.mark.parametrize("role, status", SANCTIONED)
@pytest.mark.parametrize("method, path, body, allowed", PAGE_ROUTES)
def test_a_sanctioned_moderator_or_admin_cannot_use_the_desk(api, app, scene, role, status, method, path, body,
                                                             allowed):
    username = {"moderator": "mia", "admin": "ada"}[role]
    browser = PageActions(app)
    browser.login(username)
    sanction_staff(api, username, role, status)
    if method == "GET":
        response = browser.client.get(fill(path, scene))
    else:
        response = browser.submit(fill(path, scene), {k: fill(v, scene) for k, v in body.items()})
    assert response.status_code == 403
    assert 'href="/moderation"' not in browser.client.get("/").get_data(as_text=True)
