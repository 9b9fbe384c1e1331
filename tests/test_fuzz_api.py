"""schemathesis fuzzes every operation of GET /api/v1/openapi.json against a live server on PostgreSQL.

The server is a real HTTP server on a free loopback port, with an article, a reader's comment, a
reader's and a moderator's bearer tokens and the publisher's key, so that authenticated operations
are reached. Each operation gets positive and negative cases; every answer must be no 5xx, a
documented status, a documented content type and the documented shape.
"""
import os
import threading
import uuid

import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.serving import make_server

from forum import create_app
from forum.extensions import db
from tests.conftest import PG_ADMIN_URL, _migrate, _postgres_reachable, base_config
from tests.factories import PUBLISHER_KEY, ApiActions

#: Cases per operation and generation mode: ~90 s for the whole run on a 2-core machine.
EXAMPLES = int(os.environ.get("PARLEY_FUZZ_EXAMPLES", "12"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                    phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, base_model_path):
    """Serve Parley on PostgreSQL on a free loopback port; yield its base URL and credentials."""
    if not _postgres_reachable():
        pytest.skip("PostgreSQL is not reachable (set PARLEY_REQUIRE_POSTGRES=1 to make this an error)")
    name = f"parley_fuzz_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + name
    _migrate(url)
    # The real classifier screens the fuzzed posts, as in production: hostile text must not break it.
    app = create_app({**base_config(url, str(base_model_path)), "PROPAGATE_UNEXPECTED": False})
    actions = ApiActions(app)
    actions.article()
    credentials = {"reader": actions.reader("rex"), "moderator": actions.staff("mia"), "actions": actions}
    actions.comment(credentials["reader"], "The bus money is welcome, but the parking fees will hurt the shops.")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", credentials
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _headers(operation, credentials) -> dict:
    """Return the credentials an operation needs to be reached past its authentication."""
    path, method = operation.path, operation.method.upper()
    if path == "/api/v1/articles/{article_id}" and method == "PUT":
        return {"X-API-Key": PUBLISHER_KEY}
    if path == "/api/v1/auth/token" and method == "DELETE":
        # Revoking the token it is sent with: each case gets a fresh one, so the others keep working.
        return credentials["actions"].login("rex")
    return credentials["moderator" if path.startswith("/api/v1/moderation/") else "reader"]


def _fuzz(operation, mode, base_url, credentials) -> int:
    """Run the checks on ``operation``'s generated cases; return how many cases ran."""
    ran = 0

    @SETTINGS
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        nonlocal ran
        ran += 1
        case.call_and_validate(base_url=base_url, headers=_headers(operation, credentials), checks=CHECKS,
                               timeout=30)

    run()
    return ran


def test_every_operation_holds_under_fuzzing(live_server, record_property):
    base_url, credentials = live_server
    schema = schemathesis.openapi.from_url(f"{base_url}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30
    cases, failures = 0, []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                cases += _fuzz(operation, mode, base_url, credentials)
            except Unsatisfiable:
                if mode != GenerationMode.NEGATIVE:
                    raise
                # An operation that takes nothing (no parameter, body or credentials) has no invalid input.
            except Exception as error:  # noqa: BLE001  (collect every operation's failure, then fail once)
                failures.append(f"{operation.method.upper()} {operation.path} [{mode.value}]: {error}")
    record_property("fuzz_cases", cases)
    print(f"schemathesis: {cases} generated cases over {len(operations)} operations: "
          + ", ".join(f"{o.method.upper()} {o.path}" for o in operations))
    assert not failures, "\n\n".join(failures)
