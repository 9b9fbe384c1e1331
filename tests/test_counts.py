"""Counts of published comments: GET /api/v1/counts for a page listing many stories, and the "N
comments" of one article (its API, its embed and its page), which the database keeps in
``articles.published_count`` (triggers on comments) through every change of a comment's status."""
import re

import pytest
from sqlalchemy import text

from forum.extensions import db
from tests.factories import ANSWER, OPENING, PASSWORD, ApiActions, sql_sent
from tests.moderation_actions import decide, report


@pytest.fixture
def stories(api):
    """Three articles: two published comments and a held one on the first, one on the second, none on the third."""
    alice, bob = api.reader("alice"), api.reader("bob")
    api.article("first")
    api.article("second")
    api.article("third")
    api.comment(alice, "The bus money is welcome.", article_id="first")
    api.comment(bob, "Parking fees will hurt the shops.", article_id="first")
    api.comment(alice, "The bridge should have reopened sooner.", article_id="second")
    api.article("held", moderation_mode="pre")
    api.comment(alice, "A comment that waits for a moderator.", article_id="held")
    return api


def counts(client, ids, **headers):
    return client.get("/api/v1/counts", query_string={"article_ids": ids}, headers=headers)


def test_counts_published_comments_per_article_with_unknown_ids_zero(stories):
    response = counts(stories.client, "first,second,third,held,no-such-story")
    assert response.status_code == 200
    assert response.get_json() == {"counts": {"first": 2, "second": 1, "third": 0, "held": 0, "no-such-story": 0}}
    assert "public" in response.headers["Cache-Control"] and "max-age" in response.headers["Cache-Control"]


def test_duplicates_are_fine_and_no_key_or_token_is_needed(stories):
    response = counts(stories.client, "first,first,second")
    assert response.get_json() == {"counts": {"first": 2, "second": 1}}


def test_one_hundred_ids_take_one_query(app, stories):
    ids = ",".join(["first", "second"] + [f"story-{i}" for i in range(98)])
    with sql_sent(app) as sent:
        response = counts(app.test_client(), ids)
    assert response.status_code == 200 and len(response.get_json()["counts"]) == 100
    assert len([statement for statement, _ in sent if "articles" in statement]) == 1
    assert not [statement for statement, _ in sent if "comments" in statement]


@pytest.mark.parametrize("ids", [
    ",".join(f"s{i}" for i in range(101)),
    "", "first,,second", "first,", "has space", "first,böb", "x" * 101, "first;second", "a\nb",
])
def test_bad_ids_are_422_naming_the_field(api, ids):
    response = counts(api.client, ids)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["field"] == "article_ids"


def test_a_missing_parameter_is_422(api):
    response = api.client.get("/api/v1/counts")
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "article_ids"


def test_counts_are_readable_from_an_embed_origin(make_app):
    app = make_app(EMBED_ORIGINS="https://news.example.org")
    ApiActions(app).article()
    response = app.test_client().get("/api/v1/counts?article_ids=council-budget",
                                     headers={"Origin": "https://news.example.org"})
    assert response.get_json() == {"counts": {"council-budget": 0}}
    assert response.headers["Access-Control-Allow-Origin"] == "https://news.example.org"


# The count one article shows, as its comments come and go.

#: The heading of the thread on the article's page and in its embed.
HEADING = re.compile(r'<h2 id="(?:comments-title|count)">(\d+) comments?</h2>')
HELD = "The councillors are idiots about parking."  # one insult: held for a moderator
REJECTED = "Idiots and morons, the lot of them."  # two: rejected outright


def shown(api, article_id="council-budget") -> int:
    """Return the count of published comments the article shows: its API, the counts endpoint, its
    page and its embed must all say the same."""
    seen = {"api": api.client.get(f"/api/v1/articles/{article_id}").get_json()["comment_count"],
            "counts": counts(api.client, article_id).get_json()["counts"][article_id]}
    for path in (f"/articles/{article_id}", f"/embed/articles/{article_id}"):
        seen[path] = int(HEADING.search(api.client.get(path).get_data(as_text=True)).group(1))
    assert len(set(seen.values())) == 1, seen
    return seen["api"]


@pytest.fixture
def story(api):
    """The article, Alice and Bob (readers) and Mia (a moderator)."""
    api.article()
    return {"alice": api.reader("alice"), "bob": api.reader("bob"), "mia": api.staff("mia")}


def test_a_published_comment_counts_and_a_held_one_once_approved(api, story):
    assert shown(api) == 0
    api.comment(story["alice"], OPENING)
    held = api.comment(story["bob"], HELD)
    assert held["status"] == "pending" and shown(api) == 1
    assert decide(api, story["mia"], held["id"], "approve").status_code == 200
    assert shown(api) == 2


def test_held_then_rejected_and_rejected_outright_never_count(api, story):
    held = api.comment(story["bob"], HELD)
    assert api.comment(story["bob"], REJECTED)["status"] == "rejected"
    assert decide(api, story["mia"], held["id"], "reject", "abusive").status_code == 200
    assert shown(api) == 0


def test_a_moderator_rejecting_published_comments_takes_them_off(api, story):
    for body in (OPENING, ANSWER):
        api.comment(story["alice"], body)
    api.comment(story["bob"], "The route 31 buses were late again this week.")
    response = api.client.post("/api/v1/moderation/articles/council-budget/users/alice/rejection",
                               json={"reason": "spam"}, headers=story["mia"])
    assert response.get_json() == {"rejected": 2, "left_for_admins": 0}
    assert shown(api) == 1


def test_enough_reports_hide_a_comment_until_a_moderator_approves_it(api, story):
    reported = api.comment(story["alice"], OPENING)
    for reader in ("carol", "dave", "erin"):
        assert report(api, api.reader(reader), reported["id"]).status_code == 201
    assert shown(api) == 0
    assert decide(api, story["mia"], reported["id"], "approve").status_code == 200
    assert shown(api) == 1


def test_an_edit_that_is_held_takes_the_comment_off(api, story):
    edited = api.comment(story["alice"], OPENING)
    response = api.client.patch(f"/api/v1/comments/{edited['id']}", json={"body": HELD}, headers=story["alice"])
    assert response.get_json()["comment"]["status"] == "pending"
    assert shown(api) == 0


def test_a_deleted_comment_leaves_the_count_and_its_replies_stay(api, story):
    answered = api.comment(story["alice"], OPENING)
    api.comment(story["bob"], ANSWER, parent_id=answered["id"])
    lonely = api.comment(story["alice"], "The route 31 buses were late again this week.")
    for comment in (answered, lonely):
        assert api.client.delete(f"/api/v1/comments/{comment['id']}", headers=story["alice"]).status_code == 204
    [placeholder] = api.thread()["comments"]
    assert placeholder["status"] == "deleted" and len(placeholder["replies"]) == 1
    assert shown(api) == 1


def _sql(app, statement: str, **parameters) -> None:
    with app.app_context():
        db.session.execute(text(statement), parameters)
        db.session.commit()


def _raw_comments(app, statuses: list[str]) -> None:
    """Insert comments by Alice with ``statuses`` into the article in one statement of raw SQL, past the app."""
    values = ", ".join(f"(1, 1, 0, 'Comment {i}', '{status}', 0, 0, '2026-11-02 10:00:00')"
                       for i, status in enumerate(statuses))
    _sql(app, "INSERT INTO comments (article_id, author_id, depth, body, status, reaction_count, report_count, "
              f"created_at) VALUES {values}")


def test_comments_inserted_updated_and_deleted_in_bulk_by_raw_sql_count(app, api, story):
    _raw_comments(app, ["published"] * 3 + ["pending"] * 2 + ["deleted"])
    assert shown(api) == 3
    _sql(app, "UPDATE comments SET status = 'published' WHERE status = 'pending'")
    assert shown(api) == 5
    _sql(app, "DELETE FROM comments WHERE id IN (1, 4, 6)")  # two published, one deleted
    assert shown(api) == 3


def test_likes_reports_and_edits_do_not_write_the_article_s_row(app, api, story, backend):
    """A comment's other changes leave its article alone: on PostgreSQL the row a POST then updates
    is locked until commit, and a like on the hot story would wait for it."""
    if backend != "postgresql":
        pytest.skip("SQLite locks the whole database for any write; PostgreSQL's row versions show the writes")
    comment = api.comment(story["alice"], OPENING)

    def version():
        with app.app_context():
            return db.session.scalar(text("SELECT xmin::text FROM articles WHERE external_id = 'council-budget'"))

    before = version()
    assert api.client.post(f"/api/v1/comments/{comment['id']}/reactions", headers=story["bob"]).status_code == 200
    assert report(api, story["bob"], comment["id"]).status_code == 201
    edited = api.client.patch(f"/api/v1/comments/{comment['id']}", json={"body": ANSWER}, headers=story["alice"])
    assert edited.get_json()["comment"]["status"] == "published"
    assert version() == before
    api.comment(story["bob"], ANSWER)
    assert version() != before


def test_after_every_kind_of_change_each_stored_count_is_a_fresh_count(app, api, story):
    for article_id in ("second-story", "third-story"):
        api.article(article_id)
    carol = api.reader("carol")
    first = api.comment(story["alice"], OPENING)
    api.comment(story["bob"], ANSWER, parent_id=first["id"])
    api.comment(carol, "The route 31 buses were late again this week.", parent_id=first["id"])
    held = api.comment(carol, HELD, article_id="second-story")
    api.comment(story["bob"], REJECTED, article_id="second-story")
    api.comment(story["alice"], ANSWER, article_id="second-story")
    api.comment(story["bob"], OPENING, article_id="third-story")
    decide(api, story["mia"], held["id"], "approve")
    api.client.delete(f"/api/v1/comments/{first['id']}", headers=story["alice"])
    assert api.client.post("/api/v1/moderation/users/bob/suspension", json={"reason": "Flooding"},
                           headers=story["mia"]).status_code == 200  # a ban leaves his comments as they were
    assert api.client.delete("/api/v1/me", json={"password": PASSWORD}, headers=carol).status_code == 204
    _raw_comments(app, ["published", "pending", "published"])
    _sql(app, "UPDATE comments SET article_id = 3 WHERE id = (SELECT max(id) FROM comments)")
    with app.app_context():
        stored_and_counted = db.session.execute(text(
            "SELECT external_id, published_count, (SELECT count(*) FROM comments "
            "WHERE article_id = articles.id AND status = 'published') FROM articles ORDER BY id")).all()
    assert [(a, stored) for a, stored, _ in stored_and_counted] == [
        ("council-budget", 2), ("second-story", 1), ("third-story", 2)]
    assert all(stored == counted for _, stored, counted in stored_and_counted), stored_and_counted
