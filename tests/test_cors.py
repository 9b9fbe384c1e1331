"""CORS: the EMBED_ORIGINS, and nobody else, may call the JSON API from a browser."""
import pytest

from forum.extensions import db
from tests.factories import PASSWORD, ApiActions

# Which origins may call the API does not depend on the database: SQLite only.
pytestmark = pytest.mark.backend_independent

ALLOWED = "https://news.example.org"
OTHER = "https://partner.example.com:8443"
STRANGER = "https://evil.example.net"

CORS_HEADERS = ("Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers",
                "Access-Control-Allow-Credentials", "Access-Control-Max-Age", "Access-Control-Expose-Headers")


@pytest.fixture
def embed_app(make_app):
    return make_app(EMBED_ORIGINS=f"{ALLOWED}, {OTHER}")


@pytest.fixture
def client(embed_app):
    ApiActions(embed_app).article()
    return embed_app.test_client()


def preflight(client, path, method="POST", origin=ALLOWED, headers="authorization, content-type"):
    return client.options(path, headers={"Origin": origin, "Access-Control-Request-Method": method,
                                         "Access-Control-Request-Headers": headers})


@pytest.mark.parametrize("origin", [ALLOWED, OTHER])
def test_an_allowed_origin_is_echoed_exactly_without_credentials(client, origin):
    response = client.get("/api/v1/articles/council-budget", headers={"Origin": origin})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == origin
    assert "Origin" in response.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in response.headers


@pytest.mark.parametrize("origin", [STRANGER, "null", "https://news.example.org.evil.net", "http://news.example.org",
                                    "https://NEWS.example.org/", ""])
def test_any_other_origin_gets_no_cors_header(client, origin):
    response = client.get("/api/v1/articles/council-budget", headers={"Origin": origin})
    assert response.status_code == 200
    assert not [h for h in CORS_HEADERS if h in response.headers]
    assert "Origin" in response.headers["Vary"]


@pytest.mark.parametrize("path, method", [
    ("/api/v1/auth/sso", "POST"), ("/api/v1/auth/token", "POST"), ("/api/v1/articles/council-budget/comments", "POST"),
    ("/api/v1/comments/1", "PATCH"), ("/api/v1/comments/1", "DELETE"), ("/api/v1/comments/1/reactions", "POST"),
    ("/api/v1/me", "GET"),
])
def test_an_allowed_preflight_names_the_methods_and_headers(client, path, method):
    response = preflight(client, path, method)
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert method in response.headers["Access-Control-Allow-Methods"].split(", ")
    assert set(response.headers["Access-Control-Allow-Headers"].split(", ")) == {"Authorization", "Content-Type"}
    assert int(response.headers["Access-Control-Max-Age"]) > 0
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_a_stranger_s_preflight_gets_no_cors_header(client):
    response = preflight(client, "/api/v1/auth/sso", origin=STRANGER)
    assert response.status_code < 400
    assert not [h for h in CORS_HEADERS if h in response.headers]


def test_a_preflight_for_a_method_the_route_does_not_take_names_no_methods(client):
    response = preflight(client, "/api/v1/counts", "DELETE")
    assert "Access-Control-Allow-Methods" not in response.headers


def test_embed_origins_take_scheme_and_host_in_any_case(make_app):
    client = make_app(EMBED_ORIGINS="HTTPS://NEWS.Example.org").test_client()
    response = client.get("/api/v1/counts?article_ids=a", headers={"Origin": ALLOWED})
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_without_embed_origins_nobody_gets_cors(make_app):
    app = make_app()
    client = app.test_client()
    assert "Access-Control-Allow-Origin" not in client.get("/api/v1/counts?article_ids=a",
                                                           headers={"Origin": ALLOWED}).headers
    assert "Access-Control-Allow-Origin" not in preflight(client, "/api/v1/auth/token").headers


def test_pages_never_get_cors_headers(client):
    response = client.get("/", headers={"Origin": ALLOWED})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_an_error_answer_is_readable_by_an_allowed_origin(client):
    response = client.post("/api/v1/auth/token", json={"username": "nobody", "password": PASSWORD},
                           headers={"Origin": ALLOWED})
    assert response.status_code == 401
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_a_cross_origin_call_with_a_bearer_token_works_and_a_preflight_writes_nothing(embed_app, client):
    api = ApiActions(embed_app)
    alice = api.reader("alice")
    assert preflight(client, "/api/v1/articles/council-budget/comments").status_code == 204
    response = client.post("/api/v1/articles/council-budget/comments", json={"body": "From the news page"},
                           headers={**alice, "Origin": ALLOWED})
    assert response.status_code == 201
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    with embed_app.app_context():
        from forum.models import Comment

        assert db.session.query(Comment).count() == 1


def test_preflights_do_not_spend_the_login_budget(make_app):
    app = make_app(EMBED_ORIGINS=ALLOWED, RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="2 per minute")
    client = app.test_client()
    assert all(preflight(client, "/api/v1/auth/token").status_code == 204 for _ in range(5))
    wrong = {"username": "nobody", "password": PASSWORD}
    statuses = [client.post("/api/v1/auth/token", json=wrong, headers={"Origin": ALLOWED}).status_code
                for _ in range(3)]
    assert statuses == [401, 401, 429]


@pytest.mark.parametrize("configured", ["https://news.example.org:443", "HTTPS://News.Example.org:443/"])
def test_an_origin_written_with_its_default_port_matches_what_browsers_send(make_app, configured):
    # Browsers leave the default port out of Origin: "https://news.example.org:443" must still match.
    app = make_app(EMBED_ORIGINS=configured)
    assert app.config["EMBED_ORIGINS"] == (ALLOWED,)
    response = app.test_client().get("/api/v1/counts?article_ids=a", headers={"Origin": ALLOWED})
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
