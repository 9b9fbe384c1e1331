"""The thread pages without JavaScript: forms with CSRF tokens, errors shown, nothing lost."""
import re
from datetime import timedelta

from sqlalchemy import select

from forum.extensions import db
from forum.models import Comment

ARTICLE_PAGE = "/articles/council-budget"


def submission_key(page_html: str) -> str:
    return re.search(r'name="submission_key" value="([^"]+)"', page_html).group(1)


def bodies(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Comment.body).order_by(Comment.id)))


def test_post_a_comment_and_a_reply(pages, api, app):
    api.article()
    api.register("alice")
    pages.login("alice")
    html = pages.client.get(ARTICLE_PAGE).get_data(as_text=True)
    response = pages.submit(f"{ARTICLE_PAGE}/comments", {"body": "More buses please.",
                                                          "submission_key": submission_key(html)},
                            page=ARTICLE_PAGE, follow_redirects=True)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "More buses please." in text and "Your comment is published." in text
    parent = bodies(app).index("More buses please.") + 1
    response = pages.submit(f"{ARTICLE_PAGE}/comments", {"body": "Agreed.", "parent_id": parent},
                            page=ARTICLE_PAGE, follow_redirects=True)
    assert "Agreed." in response.get_data(as_text=True)
    with app.app_context():
        reply = db.session.scalar(select(Comment).where(Comment.body == "Agreed."))
        assert reply.parent_id == parent


def test_replayed_form_posts_once(pages, api, app):
    api.article()
    api.register("alice")
    pages.login("alice")
    key = submission_key(pages.client.get(ARTICLE_PAGE).get_data(as_text=True))
    for _ in range(2):
        response = pages.submit(f"{ARTICLE_PAGE}/comments", {"body": "Only once.", "submission_key": key},
                                page=ARTICLE_PAGE)
        assert response.status_code == 302
    assert bodies(app) == ["Only once."]


def test_missing_csrf_token_is_refused(pages, api, app):
    api.article()
    api.register("alice")
    pages.login("alice")
    response = pages.client.post(f"{ARTICLE_PAGE}/comments", data={"body": "No token."})
    assert response.status_code == 400
    assert "expired or was already used" in response.get_data(as_text=True)
    assert bodies(app) == []


def test_errors_are_shown_and_the_text_is_kept(pages, api, app):
    api.article()
    api.register("alice")
    pages.login("alice")
    response = pages.submit(f"{ARTICLE_PAGE}/comments", {"body": "x" * 5001}, page=ARTICLE_PAGE)
    assert response.status_code == 413
    assert "the limit is 5,000" in response.get_data(as_text=True)
    response = pages.submit(f"{ARTICLE_PAGE}/comments", {"body": "   "}, page=ARTICLE_PAGE)
    assert response.status_code == 422 and "The comment is empty" in response.get_data(as_text=True)
    assert bodies(app) == []


def test_anonymous_post_goes_to_login(pages, api, app):
    api.article()
    response = pages.submit(f"{ARTICLE_PAGE}/comments", {"body": "Hello"}, page=ARTICLE_PAGE)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert bodies(app) == []


def test_edit_and_delete_on_the_pages(pages, api, app):
    api.article()
    comment = api.comment(api.reader("alice"), "First version.")
    pages.login("alice")
    edit_page = f"/comments/{comment['id']}/edit"
    response = pages.submit(edit_page, {"body": "Second version."}, page=edit_page, follow_redirects=True)
    assert "Second version." in response.get_data(as_text=True)
    response = pages.submit(f"/comments/{comment['id']}/delete", {}, page=ARTICLE_PAGE, follow_redirects=True)
    assert "Your comment is deleted." in response.get_data(as_text=True)
    assert "Second version." not in pages.client.get(ARTICLE_PAGE).get_data(as_text=True)


def test_edit_page_after_the_window(pages, api, app):
    api.article()
    comment = api.comment(api.reader("alice"), "First version.")
    with app.app_context():
        db.session.get(Comment, comment["id"]).created_at -= timedelta(hours=1)
        db.session.commit()
    pages.login("alice")
    edit_page = f"/comments/{comment['id']}/edit"
    assert "The edit window for this comment is over" in pages.client.get(edit_page).get_data(as_text=True)
    response = pages.submit(edit_page, {"body": "Too late."}, page=edit_page)
    assert response.status_code == 409
    assert bodies(app) == ["First version."]


def test_someone_elses_edit_page_is_403(pages, api):
    api.article()
    comment = api.comment(api.reader("alice"), "Mine.")
    api.register("bob")
    pages.login("bob")
    assert pages.client.get(f"/comments/{comment['id']}/edit").status_code == 403


def test_deep_replies_stay_reachable(pages, api, app):
    api.article()
    alice = api.reader("alice")
    parent = api.comment(alice, "Level 1")["id"]
    for level in range(2, 8):
        parent = api.comment(alice, f"Level {level}", parent_id=parent)["id"]
    page = pages.client.get(ARTICLE_PAGE).get_data(as_text=True)
    assert "Level 4" in page and "Level 7" not in page and "Continue this conversation" in page
    conversation = pages.client.get(f"/comments/{parent}").get_data(as_text=True)
    assert "Level 7" in conversation
