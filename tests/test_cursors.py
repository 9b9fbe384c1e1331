"""A forged or damaged ``?cursor=`` answers 400 ``bad_cursor`` on every paged list and page, on both databases.

Each forgery puts a wrong value at one position of a cursor of the endpoint's own shape (a string
where a time is expected, a float, an integer beyond INTEGER, NaN, a bad or zoned time, nested
objects...), beside cursors that are not base64, not JSON, or not a list of the right length.
"""
import base64
import json

import pytest

from tests.factories import ANSWER, OPENING, PageActions

TIME = {"t": "2026-01-01T00:00:00"}
BAD = {
    "time": ["x", 1, 1.5, None, True, [1], {"t": "nope"}, {"t": "2026-13-01T00:00:00"},
             {"t": "2026-01-01T00:00:00+05:00"}, {"t": 5}, {**TIME, "x": 1}, {"a": {"b": {}}}, {"t": "9" * 40}],
    "int": ["1", 1.5, 2**31, 2**63, -2**63 - 1, 2**1100, True, None, TIME, [1], {"a": {"b": {}}}],
    "float": ["1", True, None, TIME, [1], 2**1100, {"a": {"b": {}}}],
}
GOOD = {"time": TIME, "int": 1, "float": 1.0}


def encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def forged(shape: tuple[str, ...]) -> list[str]:
    """Return cursors of ``shape`` with one wrong value each, and cursors damaged as a whole."""
    cursors = []
    for position, kind in enumerate(shape):
        for bad in BAD[kind]:
            values = [GOOD[k] for k in shape]
            values[position] = bad
            cursors.append(encode(json.dumps(values).encode()))
        nan = [json.dumps(GOOD[k]) for k in shape]
        nan[position] = "NaN"
        cursors.append(encode(f"[{','.join(nan)}]".encode()))
    cursors += [
        "garbage", "!!!!", "é", "\x00", "x" * 600,
        encode(json.dumps([GOOD[k] for k in shape] + [1]).encode()),  # one value too many
        encode(json.dumps([GOOD[k] for k in shape][:-1]).encode()),
        encode(json.dumps({"t": 1}).encode()), encode(b'"string"'), encode(b"\xff\xfe"), encode(b"[" * 300),
    ]
    return cursors


@pytest.fixture
def scene(api):
    """alice's comment with bob's reply, bob following alice, and the moderator mia."""
    api.article()
    alice, bob = api.reader("alice"), api.reader("bob")
    mine = api.comment(alice, OPENING)
    api.comment(bob, ANSWER, parent_id=mine["id"])
    assert api.client.put("/api/v1/users/alice/follow", headers=bob).status_code == 204
    return {"alice": alice, "bob": bob, "mia": api.staff("mia")}


API_LISTS = [
    ("/api/v1/articles/council-budget/comments", ("time", "int"), None),
    ("/api/v1/articles/council-budget/comments?sort=top", ("int", "int"), None),
    ("/api/v1/users/alice/comments", ("time", "int"), None),
    ("/api/v1/users/alice/followers", ("time", "int"), None),
    ("/api/v1/users/bob/following", ("time", "int"), None),
    ("/api/v1/feed", ("time", "int"), "bob"),
    ("/api/v1/notifications", ("int",), "alice"),
    ("/api/v1/moderation/queue", ("float", "int"), "mia"),
    ("/api/v1/moderation/log", ("time", "int"), "mia"),
]
PAGES = [
    ("/articles/council-budget", ("time", "int"), None),
    ("/articles/council-budget?sort=top", ("int", "int"), None),
    ("/users/alice", ("time", "int"), None),
    ("/users/alice/followers", ("time", "int"), None),
    ("/users/bob/following", ("time", "int"), None),
    ("/feed", ("time", "int"), "bob"),
    ("/notifications", ("int",), "alice"),
    ("/moderation", ("float", "int"), "mia"),
    ("/moderation/log", ("time", "int"), "mia"),
    ("/moderation/users/alice", ("time", "int"), "mia"),
]


def _with_cursor(path: str, cursor: str) -> tuple[str, dict]:
    base, _, query = path.partition("?")
    params = dict(p.split("=") for p in query.split("&")) if query else {}
    return base, {**params, "cursor": cursor}


@pytest.mark.parametrize("path, shape, who", API_LISTS)
def test_forged_cursors_are_400_on_every_api_list(api, scene, path, shape, who):
    headers = scene[who] if who else {}
    base, params = _with_cursor(path, "")
    assert api.client.get(base, query_string={k: v for k, v in params.items() if v}, headers=headers).status_code == 200
    for cursor in forged(shape):
        base, params = _with_cursor(path, cursor)
        response = api.client.get(base, query_string=params, headers=headers)
        assert response.status_code == 400, (cursor, response.get_json())
        assert response.get_json()["error"]["code"] == "bad_cursor", cursor


@pytest.mark.parametrize("path, shape, who", PAGES)
def test_forged_cursors_are_400_on_every_page(app, scene, path, shape, who):
    browser = PageActions(app)
    if who:
        browser.login(who)
    for cursor in forged(shape):
        base, params = _with_cursor(path, cursor)
        response = browser.client.get(base, query_string=params)
        assert response.status_code == 400, (cursor, response.get_data(as_text=True)[:300])
        assert "start again without it" in response.get_data(as_text=True)


def test_a_real_cursor_still_walks_the_list(api, scene):
    for n in range(3):
        api.comment(scene["alice"], f"Comment {n} on the bus budget.")
    first = api.client.get("/api/v1/users/alice/comments?limit=2").get_json()
    second = api.client.get("/api/v1/users/alice/comments", query_string={"limit": 2,
                                                                          "cursor": first["next_cursor"]})
    assert second.status_code == 200 and second.get_json()["comments"]
