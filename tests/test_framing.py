"""Who may frame which page: the EMBED_ORIGINS frame threads and sign-in pages; nobody frames the desk."""
import pytest

from tests.factories import ApiActions, PageActions

ORIGINS = "https://news.example.org, https://partner.example.com:8443"
EMBEDDERS = ["'self'", "https://news.example.org", "https://partner.example.com:8443"]


def _frame_ancestors(response) -> list[str]:
    directives = dict(d.strip().split(" ", 1) for d in response.headers["Content-Security-Policy"].split(";"))
    return directives["frame-ancestors"].split()


@pytest.fixture
def embed_app(make_app):
    app = make_app(EMBED_ORIGINS=ORIGINS)
    api = ApiActions(app)
    api.article()
    api.staff("mod")
    return app


@pytest.fixture
def moderator(embed_app):
    pages = PageActions(embed_app)
    pages.login("mod")
    return pages.client


@pytest.mark.parametrize("path", ["/moderation", "/moderation/log", "/moderation/stats", "/moderation/users/mod",
                                  "/moderation/no-such-page"])
def test_no_page_of_the_desk_may_be_framed(moderator, path):
    response = moderator.get(path)
    assert _frame_ancestors(response) == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_the_desk_refuses_framing_to_anonymous_visitors_too(embed_app):
    response = embed_app.test_client().get("/moderation")
    assert response.status_code in (302, 401)
    assert _frame_ancestors(response) == ["'none'"] and response.headers["X-Frame-Options"] == "DENY"


def test_a_desk_form_post_answer_is_not_framable(embed_app, moderator):
    pages = PageActions(embed_app)
    pages.client = moderator
    response = pages.submit("/moderation/comments/999/decision", {"action": "approve"}, page="/moderation")
    assert _frame_ancestors(response) == ["'none'"]


@pytest.mark.parametrize("path", ["/", "/articles/council-budget", "/login", "/register"])
def test_threads_and_sign_in_pages_may_be_framed_by_the_embed_origins_only(moderator, path):
    response = moderator.get(path)
    assert response.status_code == 200
    assert _frame_ancestors(response) == EMBEDDERS
    assert "X-Frame-Options" not in response.headers


def test_without_embed_origins_only_parley_frames_its_pages_and_never_the_desk(make_app):
    client = make_app().test_client()
    assert _frame_ancestors(client.get("/login")) == ["'self'"]
    assert _frame_ancestors(client.get("/moderation")) == ["'none'"]
