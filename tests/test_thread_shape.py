"""Thread shape: depth capped at posting, no recursion however deep, replies paged however wide."""
import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Article, Comment, CommentStatus, User, utcnow
from tests.factories import OPENING, PageActions

ARTICLE_PAGE = "/articles/council-budget"
CONTINUE_RE = re.compile(r'<a href="([^"]+)">Continue this conversation')
MORE_RE = re.compile(r'<p class="more-replies"><a href="([^"]+)">\d+ more repl')


@pytest.fixture
def alice(api):
    api.article()
    return api.reader("alice")


def insert_replies(app, parent_id, bodies, *, chain=False) -> list[int]:
    """Insert published comments as rows that exist already (made before any cap): all replies to
    ``parent_id``, or with ``chain`` each a reply to the one before. Return their ids."""
    with app.app_context():
        article = db.session.scalar(select(Article))
        author = db.session.scalar(select(User).where(User.username == "alice"))
        parent = db.session.get(Comment, parent_id) if parent_id else None
        start, ids = utcnow(), []
        for n, body in enumerate(bodies):
            comment = Comment(article_id=article.id, author_id=author.id, body=body, status=CommentStatus.PUBLISHED,
                              parent_id=parent.id if parent else None,
                              root_id=(parent.root_id or parent.id) if parent else None,
                              depth=parent.depth + 1 if parent else 0, created_at=start + timedelta(milliseconds=n))
            db.session.add(comment)
            if chain or parent is None:
                db.session.flush()
                parent = comment if chain else parent
            ids.append(comment)
        db.session.commit()
        return [c.id for c in ids]


def test_a_reply_beyond_the_depth_cap_attaches_to_the_deepest_allowed_ancestor(api, app, alice, pages):
    app.config["THREAD_MAX_DEPTH"] = 3
    chain = [api.comment(alice, OPENING)["id"]]
    for level in range(1, 4):
        chain.append(api.comment(alice, f"Reply at depth {level}.", parent_id=chain[-1])["id"])
    capped = api.comment(alice, "One level too deep.", parent_id=chain[3])
    assert capped["parent_id"] == chain[2]
    pages.login("alice")
    response = pages.submit(f"{ARTICLE_PAGE}/comments", {"body": "From the page, too deep.", "parent_id": chain[3],
                                                          "submission_key": "deep-1"}, page=ARTICLE_PAGE)
    assert response.status_code == 302
    with app.app_context():
        from_page = db.session.scalar(select(Comment).where(Comment.body == "From the page, too deep."))
        assert (from_page.parent_id, from_page.depth) == (chain[2], 3)


def test_a_chain_hundreds_deep_renders_and_every_link_stays_reachable(api, app, alice):
    chain = insert_replies(app, None, [f"Link {n} of the chain." for n in range(400)], chain=True)
    assert app.test_client().get(ARTICLE_PAGE).status_code == 200
    assert api.thread()["comments"][0]["id"] == chain[0]
    # Without JavaScript: follow "Continue this conversation" down to the last link.
    client, path, visits = app.test_client(), ARTICLE_PAGE, 0
    while "Link 399 of the chain." not in (html := client.get(path).get_data(as_text=True)):
        path = unescape(CONTINUE_RE.findall(html)[-1])
        visits += 1
        assert visits < 200
    # Over the API: follow the deepest node that has more replies, by its replies endpoint.
    comments, seen, calls = api.thread()["comments"], set(), 0
    while chain[-1] not in seen and calls < 200:
        calls += 1
        node = comments[0]
        while node["replies"]:
            seen.add(node["id"])
            node = node["replies"][0]
        seen.add(node["id"])
        if node["more_replies"]:
            comments = api.client.get(f"/api/v1/comments/{node['id']}/replies").get_json()["comments"]
    assert seen == set(chain)


def test_a_reply_to_a_comment_deeper_than_the_cap_attaches_at_the_cap(api, app, alice):
    chain = insert_replies(app, None, [f"Old link {n}." for n in range(120)], chain=True)
    reply = api.comment(alice, "A reply to the deepest old link.", parent_id=chain[-1])
    assert reply["parent_id"] == chain[app.config["THREAD_MAX_DEPTH"] - 1]


def test_a_thread_page_is_bounded_by_its_limit_however_many_replies(api, app, alice):
    [root] = insert_replies(app, None, ["The opening comment."])
    replies = insert_replies(app, root, [f"Reply {n} to the opening." for n in range(400)])
    insert_replies(app, replies[0], [f"Answer {n} to the first reply." for n in range(400)])
    small = api.client.get("/api/v1/articles/council-budget/comments?limit=1").get_data()
    assert len(small) < 40 * 1000
    [top] = api.thread(limit=1)["comments"]
    assert top["reply_count"] == 400 and top["more_replies"] is True
    assert len(top["replies"]) == app.config["THREAD_REPLIES_SHOWN"]
    assert top["replies"][0]["reply_count"] == 400
    pages = PageActions(app)
    pages.login("alice")
    html = pages.client.get(ARTICLE_PAGE).get_data(as_text=True)
    assert len(html) < 300 * 1000
    assert "Reply 2 to the opening." in html and "Reply 3 to the opening." not in html


def test_every_reply_is_reached_once_through_the_replies_endpoint(api, app, alice):
    [root] = insert_replies(app, None, ["The opening comment."])
    replies = insert_replies(app, root, [f"Reply {n} to the opening." for n in range(250)])
    [top] = api.thread()["comments"]
    seen = [r["id"] for r in top["replies"]]
    cursor = top["replies_cursor"]
    while cursor is not None:
        page = api.client.get(f"/api/v1/comments/{root}/replies", query_string={"cursor": cursor, "limit": 100})
        assert page.status_code == 200
        seen += [c["id"] for c in page.get_json()["comments"]]
        cursor = page.get_json()["next_cursor"]
    assert seen == replies
    assert api.client.get(f"/api/v1/comments/{root}/replies?cursor=forged").status_code == 400
    assert api.client.get("/api/v1/comments/424242/replies").status_code == 404


def test_more_replies_links_work_without_javascript(api, app, alice):
    [root] = insert_replies(app, None, ["The opening comment."])
    insert_replies(app, root, [f"Reply {n} to the opening." for n in range(30)])
    client = app.test_client()
    html = client.get(ARTICLE_PAGE).get_data(as_text=True)
    assert "27 more replies" in html
    more = client.get(unescape(MORE_RE.search(html).group(1))).get_data(as_text=True)
    assert "Reply 3 to the opening." in more and "Reply 22 to the opening." in more
    assert "Reply 23 to the opening." not in more and "More replies" in more
    last = re.search(r'<a class="button secondary" href="([^"]+)">More replies', more).group(1)
    rest = client.get(unescape(last)).get_data(as_text=True)
    assert "Reply 29 to the opening." in rest and "More replies" not in rest


def test_the_migration_backfills_the_depth_of_existing_replies(api, app, alice, runner):
    chain = insert_replies(app, None, [f"Link {n}." for n in range(60)], chain=True)
    side = api.comment(alice, "A reply to link 5.", parent_id=chain[5])["id"]
    assert runner.invoke(args=["db", "downgrade", "13aa71b721ce"]).exit_code == 0
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        depths = dict(db.session.execute(select(Comment.id, Comment.depth)).all())
    assert [depths[i] for i in chain] == list(range(60)) and depths[side] == 6
