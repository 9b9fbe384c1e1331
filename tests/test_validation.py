"""Hostile input, class by class, through every body, query string, form and path: a clear 4xx, nothing written.

Wrong types, integers out of range, non-ASCII digits, NUL, lone surrogates and other control
characters, strings longer than their column, JSON nested thousands deep, invisible text and
bidirectional overrides. Every test runs on SQLite and PostgreSQL (the ``app`` fixture).
"""
import json

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Article, Comment, Follow, Notification, User
from moderation.models import ModerationDecision, Report, Sanction
from tests.factories import ANSWER, ARTICLE, OPENING, PASSWORD, PUBLISHER_KEY
from tests.moderation_actions import held, premod_article

TABLES = (User, Article, Comment, Report, Follow, Notification, ModerationDecision, Sanction)


def snapshot(app) -> dict:
    """Count the rows of every table a request could write to."""
    with app.app_context():
        return {t.__tablename__: db.session.scalar(select(func.count()).select_from(t)) for t in TABLES}


@pytest.fixture
def scene(api):
    """Readers alice and bob, the moderator mia, a published comment and a held one."""
    api.article()
    premod_article(api)
    alice, bob = api.reader("alice"), api.reader("bob")
    published = api.comment(alice, OPENING)
    return {"alice": alice, "bob": bob, "mia": api.staff("mia"), "published": published["id"],
            "held": held(api, alice)["id"], "publisher": {"X-API-Key": PUBLISHER_KEY}}


# (method, path, who, a valid body): every JSON body the API takes.
BODIES = [
    ("POST", "/api/v1/auth/register", None, {"username": "carol", "email": "carol@example.org", "password": PASSWORD}),
    ("POST", "/api/v1/auth/token", None, {"username": "alice", "password": PASSWORD}),
    ("PUT", "/api/v1/articles/new-story", "publisher", {**ARTICLE, "url": "https://news.example.org/new"}),
    ("POST", "/api/v1/articles/council-budget/comments", "bob", {"body": ANSWER, "parent_id": "{published}"}),
    ("PATCH", "/api/v1/comments/{published}", "alice", {"body": ANSWER}),
    ("POST", "/api/v1/comments/{published}/reports", "bob", {"reason": "spam", "note": "An advert."}),
    ("POST", "/api/v1/notifications/read", "alice", {"all": True}),
    ("POST", "/api/v1/moderation/comments/{held}/decision", "mia", {"action": "reject", "reason": "spam"}),
    ("POST", "/api/v1/moderation/users/bob/suspension", "mia", {"days": 3, "reason": "Insults"}),
    ("POST", "/api/v1/moderation/score", "mia", {"text": "Fine words.", "article_id": "council-budget"}),
]


def fill(scene, value):
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and value[1:-1] in scene:
        return scene[value[1:-1]]
    if isinstance(value, str):
        return value.format(**scene)
    return value


def send(api, scene, method, path, who, body=None, *, data=None, content_type=None):
    headers = scene[who] if who else {}
    path = fill(scene, path)
    if data is not None:
        return api.client.open(path, method=method, data=data, content_type=content_type, headers=headers)
    return api.client.open(path, method=method, json={k: fill(scene, v) for k, v in body.items()},
                           headers=headers)


MALFORMED = ["{not json", "[1, 2]", "null", '"text"', "42", "", '{"body": NaN}', "[" * 5000 + "]" * 5000,
             '{"a":' * 3000 + "1" + "}" * 3000, b"\xff\xfe{}"]


@pytest.mark.backend_independent
@pytest.mark.parametrize("method, path, who, body", BODIES)
def test_malformed_or_non_object_json_is_400(api, app, scene, method, path, who, body):
    before = snapshot(app)
    for raw in MALFORMED:
        response = send(api, scene, method, path, who, data=raw, content_type="application/json")
        assert response.status_code == 400, (raw[:20], response.get_json())
        assert response.get_json()["error"]["code"] == "invalid_json"
    response = send(api, scene, method, path, who, data=json.dumps(body), content_type="text/plain")
    assert response.status_code == 400
    assert snapshot(app) == before


def _fields(body: dict) -> list:
    return [(field, value) for field, value in body.items()]


# Values that never fit a scalar text or integer field.
WRONG_TYPES = [["a list"], {"an": "object"}, True, 1.5]
HOSTILE_TEXT = ["nul \x00 byte", "lone \ud800 surrogate", "bell \x07", "escape \x1b[31m", "del \x7f", "c1 \x85"]


@pytest.mark.backend_independent
@pytest.mark.parametrize("method, path, who, body", BODIES)
def test_wrong_types_in_any_field_are_422_naming_it(api, app, scene, method, path, who, body):
    for field, _ in _fields(body):
        for wrong in WRONG_TYPES:
            if field == "all" and wrong is True:
                continue
            before = snapshot(app)
            response = send(api, scene, method, path, who, {**body, field: wrong})
            assert response.status_code == 422, (field, wrong, response.get_json())
            assert response.get_json()["error"]["field"] == field, (field, wrong)
            assert snapshot(app) == before


TEXT_FIELDS = [(m, p, w, b, f) for m, p, w, b in BODIES for f, v in b.items() if isinstance(v, str)
               and not v.startswith("{")]


@pytest.mark.parametrize("method, path, who, body, field", TEXT_FIELDS)
def test_control_characters_and_surrogates_in_any_text_field_are_refused(api, app, scene, method, path, who,
                                                                          body, field):
    for text in HOSTILE_TEXT:
        before = snapshot(app)
        # json.dumps writes the lone surrogate as the escape \ud800, as a hostile client would.
        raw = json.dumps({k: fill(scene, v) for k, v in {**body, field: text}.items()})
        response = send(api, scene, method, path, who, data=raw, content_type="application/json")
        assert response.status_code in (401, 422), (field, text, response.get_json())
        if response.status_code == 422:
            assert response.get_json()["error"]["field"] == field
        else:  # a login is refused with the same answer as a wrong password, or before it
            assert field in ("username", "password") and "token" in path
        assert snapshot(app) == before


@pytest.mark.parametrize("method, path, who, body, field, value", [
    ("POST", "/api/v1/articles/council-budget/comments", "bob", {"body": ANSWER}, "parent_id", 2**63),
    ("POST", "/api/v1/articles/council-budget/comments", "bob", {"body": ANSWER}, "parent_id", 2**31),
    ("POST", "/api/v1/articles/council-budget/comments", "bob", {"body": ANSWER}, "parent_id", 0),
    ("POST", "/api/v1/articles/council-budget/comments", "bob", {"body": ANSWER}, "parent_id", -1),
    ("POST", "/api/v1/moderation/users/bob/suspension", "mia", {"reason": "x"}, "days", 2**63),
    ("POST", "/api/v1/moderation/users/bob/suspension", "mia", {"reason": "x"}, "days", 10**30),
    ("POST", "/api/v1/moderation/score", "mia", {"text": "Fine."}, "parent_id", 2**63),
    ("POST", "/api/v1/notifications/read", "alice", {}, "ids", [2**63]),
    ("POST", "/api/v1/notifications/read", "alice", {}, "ids", [2**31]),
])
def test_integers_out_of_range_in_bodies_are_422(api, app, scene, method, path, who, body, field, value):
    before = snapshot(app)
    response = send(api, scene, method, path, who, {**body, field: value})
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["field"] == field
    assert snapshot(app) == before


ID_ROUTES = [("GET", "/api/v1/comments/{n}"), ("PATCH", "/api/v1/comments/{n}"),
             ("DELETE", "/api/v1/comments/{n}"), ("POST", "/api/v1/comments/{n}/reactions"),
             ("POST", "/api/v1/comments/{n}/reports"), ("POST", "/api/v1/moderation/comments/{n}/decision"),
             ("GET", "/comments/{n}"), ("GET", "/comments/{n}/edit")]


@pytest.mark.parametrize("n", [str(2**31), str(2**63), str(2**64), "9" * 40, "0", "١", "²", "1²", "-1"])
def test_ids_out_of_range_or_in_other_digits_in_paths_are_404(api, scene, n):
    for method, path in ID_ROUTES:
        response = api.client.open(path.format(n=n), method=method, json={}, headers=scene["mia"])
        assert response.status_code == 404, (method, path, response.status_code)


NAMED_ROUTES = ["/api/v1/users/{name}", "/api/v1/users/{name}/comments", "/users/{name}", "/users/{name}/followers",
                "/moderation/users/{name}", "/api/v1/articles/{name}", "/api/v1/articles/{name}/comments",
                "/articles/{name}"]


@pytest.mark.parametrize("name", ["alice%00", "alice%0A", "alice%0D", "%00", "alice%E2%80%AE", "council-budget%0A",
                                  "alice%ED%A0%80", "x" * 101])
def test_control_characters_in_path_segments_are_404(api, scene, name):
    for path in NAMED_ROUTES:
        assert api.client.get(path.format(name=name), headers=scene["mia"]).status_code == 404, path


@pytest.mark.parametrize("article_id", ["bob%0A", "bob%00", "bob%20", "b%C3%B6b"])
def test_an_article_id_must_match_its_rule_in_full(api, app, scene, article_id):
    before = snapshot(app)
    response = api.client.put(f"/api/v1/articles/{article_id}", json=ARTICLE, headers=scene["publisher"])
    assert response.status_code == 404
    assert snapshot(app) == before


QUERIES = [
    ("/api/v1/articles/council-budget/comments", None, "limit", str(2**63)),
    ("/api/v1/articles/council-budget/comments", None, "limit", "0"),
    ("/api/v1/articles/council-budget/comments", None, "limit", "101"),
    ("/api/v1/articles/council-budget/comments", None, "limit", "١"),
    ("/api/v1/articles/council-budget/comments", None, "limit", "²"),
    ("/api/v1/articles/council-budget/comments", None, "limit", "1.5"),
    ("/api/v1/articles/council-budget/comments", None, "sort", "new\x00est"),
    ("/api/v1/users/alice/comments", None, "limit", "\x00"),
    ("/api/v1/notifications", "alice", "unread", "²"),
    ("/api/v1/notifications", "alice", "unread", "\x00"),
    ("/api/v1/moderation/queue", "mia", "article_id", "council\x00budget"),
    ("/api/v1/moderation/queue", "mia", "article_id", "council-budget\n"),
    ("/api/v1/moderation/queue", "mia", "reason", "abuse\x00"),
    ("/api/v1/moderation/queue", "mia", "limit", "١٠"),
]


def test_bad_query_values_are_422_naming_the_parameter(api, scene):
    for path, who, param, value in QUERIES:
        response = api.client.get(path, query_string={param: value}, headers=scene[who] if who else {})
        assert response.status_code == 422, (path, param, value, response.get_json())
        assert response.get_json()["error"]["field"] == param


def test_bad_query_values_on_pages_are_422(pages, scene):
    for path in ("/articles/council-budget?limit=²", "/articles/council-budget?sort=%00", "/users/alice?limit=١"):
        assert pages.client.get(path).status_code == 422, path
    pages.login("mia")
    for path in ("/notifications?unread=²", "/moderation?article_id=%00", "/moderation?limit=²",
                 "/moderation/log?limit=١"):
        assert pages.client.get(path).status_code == 422, path


# Impersonation ------------------------------------------------------------------------------------

def test_usernames_must_match_their_rule_in_full(api, app, scene):
    before = snapshot(app)
    for username in ["alice\n", "alice\r\n", "bob\n", "carol\x00", "carol\u200b", "cаrol", " ", "ab", "x" * 31]:
        response = api.client.post("/api/v1/auth/register", json={
            "username": username, "email": "carol@example.org", "password": PASSWORD})
        assert response.status_code == 422 and response.get_json()["error"]["field"] == "username", username
    assert snapshot(app) == before


def test_the_registration_form_refuses_a_trailing_newline_too(pages, app, scene):
    before = snapshot(app)
    response = pages.submit("/register", {"username": "alice\n", "email": "a2@example.org", "password": PASSWORD},
                            page="/register")
    assert response.status_code == 422
    assert snapshot(app) == before


def test_display_names_need_a_visible_character_and_no_bidi_override(api, app, scene):
    refused = ["Carol \u202eloraC", "\u2066Carol\u2069", "Carol\u202a", "Carol\u202d", "\u2067x", "\u200b\u200d",
               "\u3164", "\u2800", "\u0301\u0301", "x" * 61, "Carol\x00"]
    for n, name in enumerate([*refused, "Carol de Vries", "Zoë ✓", "كارول"]):
        response = api.client.post("/api/v1/auth/register", json={
            "username": f"carol{n}", "email": f"carol{n}@example.org", "password": PASSWORD, "display_name": name})
        if name in refused:
            assert response.status_code == 422 and response.get_json()["error"]["field"] == "display_name", name
        else:
            assert response.status_code == 201 and response.get_json()["user"]["display_name"] == name


INVISIBLE = ["\u200b", "\u200b\u200c\u200d\u2060", "\ufeff", "\u0301\u0308", "\u3164", "\u115f\u1160", "\uffa0",
             "\u2800\u2800", "\u180e", "\u2061\u2062", "\U000e0041", "\u00a0\u2003"]


def test_a_comment_with_no_visible_character_is_refused(api, app, scene):
    before = snapshot(app)
    for body in INVISIBLE:
        response = api.post(scene["bob"], body)
        assert response.status_code == 422 and response.get_json()["error"]["code"] == "empty_body", repr(body)
        edit = api.client.patch(f"/api/v1/comments/{scene['published']}", json={"body": body},
                                headers=scene["alice"])
        assert edit.status_code == 422
    assert snapshot(app) == before
    for body in ["\u200bHello", "e\u0301", "👍", "٣"]:
        assert api.post(scene["bob"], body).status_code == 201, repr(body)


# Forms --------------------------------------------------------------------------------------------

NON_ASCII_NUMBERS = ["١", "²", "³", "1²", str(2**63), str(2**31), "1.0", "x", "\x00"]


def test_reader_forms_refuse_non_ascii_digits_and_hostile_text(pages, app, scene):
    pages.login("bob")
    before = snapshot(app)
    for parent_id in NON_ASCII_NUMBERS:
        response = pages.submit("/articles/council-budget/comments", {"body": ANSWER, "parent_id": parent_id},
                                page="/articles/council-budget")
        assert response.status_code == 422, parent_id
    for body in ["\x00", "\u200b", "ok \x1b[0m", "\u3164"]:
        response = pages.submit("/articles/council-budget/comments", {"body": body}, page="/articles/council-budget")
        assert response.status_code == 422, repr(body)
    for form in ({"reason": "spam", "note": "\x00"}, {"reason": "spam", "note": "x" * 1001}, {"reason": "spam\x00"},
                 {"reason": "spam", "note": "\x85"}):
        pages.submit(f"/comments/{scene['published']}/report", form, page=f"/comments/{scene['published']}")
    assert snapshot(app) == before


def test_edit_and_notification_forms_refuse_hostile_input(pages, app, scene):
    pages.login("alice")
    before = snapshot(app)
    for body in ["\x00", "\u200b\u200d", "ok \x1b[0m"]:
        response = pages.submit(f"/comments/{scene['published']}/edit", {"body": body},
                                page=f"/comments/{scene['published']}/edit")
        assert response.status_code == 422, repr(body)
    for note_id in NON_ASCII_NUMBERS:
        assert pages.submit("/notifications/read", {"id": note_id}, page="/notifications").status_code == 422
    assert snapshot(app) == before


def test_moderation_forms_refuse_non_ascii_digits(pages, app, scene):
    pages.login("mia")
    before = snapshot(app)
    for days in [*NON_ASCII_NUMBERS, "0", "-3"]:
        response = pages.submit("/moderation/users/bob/sanction", {"kind": "suspend", "days": days, "reason": "x"},
                                page="/moderation/users/bob", follow_redirects=True)
        assert response.status_code == 200 and "whole number from 1 to" in response.get_data(as_text=True), days
    for ids in (["²"], ["١"], [str(2**63)], [str(scene["held"]), "²"]):
        response = pages.submit("/moderation/bulk", {"action": "approve", "ids": ids}, page="/moderation",
                                follow_redirects=True)
        assert response.status_code == 200
    assert snapshot(app) == before


def test_login_form_refuses_control_characters(pages, scene):
    for form in ({"username": "alice\x00", "password": PASSWORD}, {"username": "alice", "password": "pass\x7fword"}):
        assert pages.submit("/login", form, page="/login").status_code == 422


# Columns ------------------------------------------------------------------------------------------

def test_a_decision_note_always_fits_its_column(api, app, scene):
    """The moderator's note is String(1000) on PostgreSQL: a longer one is refused, not cut or a 500."""
    too_long = api.client.post(f"/api/v1/moderation/comments/{scene['held']}/decision",
                               json={"action": "reject", "note": "y" * 1001}, headers=scene["mia"])
    assert too_long.status_code == 422 and too_long.get_json()["error"]["code"] == "too_long"
    fits = api.client.post(f"/api/v1/moderation/comments/{scene['held']}/decision",
                           json={"action": "reject", "note": "y" * 1000}, headers=scene["mia"])
    assert fits.status_code == 200 and fits.get_json()["decision"]["note"] == "y" * 1000


@pytest.mark.parametrize("field, length", [("username", 31), ("email", 255), ("display_name", 61),
                                           ("password", 201)])
def test_registration_fields_longer_than_their_column_are_422(api, app, scene, field, length):
    body = {"username": "carol", "email": "carol@example.org", "password": PASSWORD}
    value = "a" * (length - len("@example.org")) + "@example.org" if field == "email" else "a" * length
    response = api.client.post("/api/v1/auth/register", json={**body, field: value})
    assert response.status_code == 422 and response.get_json()["error"]["field"] == field


@pytest.mark.parametrize("field, length", [("url", 2001), ("title", 501)])
def test_article_fields_longer_than_their_column_are_422(api, scene, field, length):
    value = "https://news.example.org/" + "a" * (length - 25) if field == "url" else "a" * length
    response = api.client.put("/api/v1/articles/long-one", json={**ARTICLE, field: value}, headers=scene["publisher"])
    assert response.status_code == 422 and response.get_json()["error"]["field"] == field


def test_a_next_with_control_characters_goes_home(pages, api, scene):
    """A CR or LF in ?next= reached the Location header, which Werkzeug refuses with a 500."""
    token = pages.csrf("/login")
    response = pages.client.post("/login?next=/feed%0d%0aSet-Cookie:x=1",
                                 data={"csrf_token": token, "username": "alice", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    response = pages.submit(f"/comments/{scene['published']}/like", {"next": "/\r\nX: 1"},
                            page=f"/comments/{scene['published']}")
    assert response.status_code == 302 and response.headers["Location"].startswith(f"/comments/{scene['published']}")
