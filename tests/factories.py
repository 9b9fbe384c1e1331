"""Test actions through the public interface: the JSON API, the HTML forms and the CLI; and what
the app sends its database meanwhile."""
import re
import threading
from contextlib import contextmanager

from sqlalchemy import event

from forum.extensions import db

PUBLISHER_KEY = "test-publisher-key"
PASSWORD = "correct-horse-battery"
CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')

ARTICLE = {
    "url": "https://news.example.org/2026/11/council-budget",
    "title": "City council approves a budget with more money for buses",
    "body": "The city council approved next year's budget on Tuesday. Bus services get 12 million more, "
            "paid for by a rise in parking fees in the centre. Opposition councillors said the fees "
            "would hurt shops.",
}


@contextmanager
def sql_sent(app):
    """Collect ``(statement, parameters)`` of each SQL statement ``app``'s engine sends in the block."""
    sent = []

    def record(_conn, _cursor, statement, parameters, *_args):
        sent.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def article_url(article_id: str) -> str:
    """Return the URL of article ``article_id`` (``council-budget``'s is ``ARTICLE["url"]``)."""
    return f"https://news.example.org/2026/11/{article_id}"


OPENING = "The bus money is welcome, but the parking fees will hurt the shops in the centre."
ANSWER = "The shops had the same worry in 2019 and footfall went up after the new routes opened."


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


class ApiActions:
    """Readers, moderators, articles and comments made the way a client would make them."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()

    def register(self, username, *, password=PASSWORD, email=None):
        return self.client.post("/api/v1/auth/register", json={
            "username": username, "email": email or f"{username}@example.org", "password": password})

    def login(self, username, password=PASSWORD) -> dict:
        response = self.client.post("/api/v1/auth/token", json={"username": username, "password": password})
        assert response.status_code == 200, response.get_json()
        return bearer(response.get_json()["token"])

    def reader(self, username) -> dict:
        """Register ``username`` and return its Authorization header."""
        assert self.register(username).status_code == 201
        return self.login(username)

    def staff(self, username, role="moderator") -> dict:
        """Create a moderator or admin with the CLI and return its Authorization header."""
        result = self.app.test_cli_runner().invoke(args=[
            "users", "create", username, "--email", f"{username}@example.org", "--password", PASSWORD,
            "--role", role])
        assert result.exit_code == 0, result.output
        return self.login(username)

    def article(self, article_id="council-budget", **fields):
        """Register or update an article; each id gets its own URL unless ``url`` is given."""
        fields.setdefault("url", article_url(article_id))
        response = self.client.put(f"/api/v1/articles/{article_id}", json={**ARTICLE, **fields},
                                   headers={"X-API-Key": PUBLISHER_KEY})
        assert response.status_code in (200, 201), response.get_json()
        return response.get_json()

    def post(self, headers, body, *, article_id="council-budget", parent_id=None):
        payload = {"body": body} if parent_id is None else {"body": body, "parent_id": parent_id}
        return self.client.post(f"/api/v1/articles/{article_id}/comments", json=payload, headers=headers)

    def comment(self, headers, body, **kwargs) -> dict:
        """Post and return the comment, which must have been created."""
        response = self.post(headers, body, **kwargs)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["comment"]

    def thread(self, article_id="council-budget", headers=None, **params):
        response = self.client.get(f"/api/v1/articles/{article_id}/comments", query_string=params,
                                   headers=headers or {})
        assert response.status_code == 200, response.get_json()
        return response.get_json()


class PageActions:
    """A browser without JavaScript: its own cookie jar, and forms sent with the page's CSRF token."""

    def __init__(self, app):
        self.client = app.test_client()

    def csrf(self, path="/") -> str:
        match = CSRF_RE.search(self.client.get(path).get_data(as_text=True))
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def submit(self, path, data, *, page="/", follow_redirects=False):
        return self.client.post(path, data={"csrf_token": self.csrf(page), **data},
                                follow_redirects=follow_redirects)

    def login(self, username, password=PASSWORD):
        response = self.submit("/login", {"username": username, "password": password}, page="/login")
        assert response.status_code == 302, response.get_data(as_text=True)
        return response


def run_together(*calls):
    """Run each call in its own thread, released at once; return their results in order."""
    barrier, results, errors = threading.Barrier(len(calls)), [None] * len(calls), []

    def run(index, call):
        barrier.wait()
        try:
            results[index] = call()
        except Exception as error:  # noqa: BLE001  (re-raised in the test's thread below)
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
