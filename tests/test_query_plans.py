"""A thread's hot statements walk an index in order and stop, whatever the thread's size.

The statements are the ones real requests run (captured as they go to the database): a page of an
article's comments in every sort, a page of a comment's replies, and the screen's context of a new
comment and of a reply. Each is explained on a thread large enough, and analyzed, for the planner
to choose as it would in production: an index read in the statement's order, no sort of the
thread, and on PostgreSQL no subplan hashed from the whole table; nor does any statement of the
article's page read more than a few pages of comments there (the count it shows is stored). The
statistics themselves: an upgrade analyzes SQLite, and the app refreshes them as a thread grows
(forum.sql).
"""
import json
import re
import sqlite3
from datetime import timedelta
from functools import partial

import pytest
from sqlalchemy import insert, text

from forum import sql
from forum.extensions import db
from forum.models import Comment, utcnow
from tests.factories import ApiActions, sql_sent

THREAD_SIZE = 20_000
#: What a walk of a page may read of comments: a page of 20 and the next one, the placeholders
#: checked between them, with room to spare; the thread is a hundred times more.
ROWS_READ_AT_MOST = 200
#: A page's walk and the screen's context: statements on comments that order and stop. (A level of
#: first replies ranks a few rows with a window function and sorts those; it is not one of them.)
WALK = re.compile(r"^SELECT .*? FROM comments WHERE .* ORDER BY .* LIMIT ")


def _backend(app) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0].split("+")[0]


def build_thread(app, api) -> dict:
    """Fill article ``council-budget`` with ``THREAD_SIZE`` comments by ten readers, then another
    article with half as many newer ones, and return the ids the checks need. Three in ten of the
    thread's comments reply to one of the 200 before them (five levels deep at most); one in twenty
    is held, and one in a hundred deleted (a placeholder when it has replies)."""
    api.article()
    api.article("other-story")
    headers = {"alice": api.reader("alice"), "moderator": api.staff("mod")}
    for name in ("bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan"):
        api.reader(name)
    with app.app_context():
        authors = list(db.session.scalars(text("SELECT id FROM users WHERE username <> 'mod' ORDER BY id")))
        thread, other = (db.session.scalar(text("SELECT id FROM articles WHERE external_id = :e"), {"e": e})
                         for e in ("council-budget", "other-story"))
        start = utcnow() - timedelta(days=10)
        rows, depth, root = [], {}, {}
        for i in range(1, THREAD_SIZE * 3 // 2 + 1):
            parent = i - 1 - (i * 7919 % 200) if 200 < i <= THREAD_SIZE and i % 10 < 3 else None
            if parent and depth[parent] >= 5:
                parent = root[parent]
            depth[i] = depth[parent] + 1 if parent else 0
            root[i] = (root[parent] or parent) if parent else None
            status = "deleted" if i % 100 == 7 else "pending" if i % 20 == 3 else "published"
            rows.append({"id": i, "article_id": thread if i <= THREAD_SIZE else other, "parent_id": parent,
                         "author_id": authors[i % len(authors)], "root_id": root[i], "depth": depth[i],
                         "body": f"Comment {i}", "status": status, "reaction_count": i * 31 % 17, "report_count": 0,
                         "created_at": start + timedelta(seconds=i)})
        # The table's INSERT with RETURNING goes in multi-row statements of a thousand (the ORM's
        # splits the rows by the columns they leave empty, psycopg's sends one statement a row), and
        # on PostgreSQL each statement's trigger updates the article's row: thousands of updates of
        # one row in one transaction are quadratic (31 s for this thread, against 8 s).
        db.session.execute(insert(Comment.__table__).returning(Comment.id), rows)
        if _backend(app) == "postgresql":
            db.session.execute(text("SELECT setval(pg_get_serial_sequence('comments', 'id'), :last)"),
                               {"last": len(rows)})
        db.session.commit()
        most = "SELECT {0} FROM comments WHERE {0} IS NOT NULL GROUP BY {0} ORDER BY count(*) DESC, {0} LIMIT 1"
        replied, conversation = (db.session.scalar(text(most.format(column))) for column in ("parent_id", "root_id"))
    return {"headers": headers, "replied": replied, "conversation": conversation}


def analyze(app) -> None:
    """Leave the statistics as the database keeps them: SQLite as forum.sql does, PostgreSQL as its
    autovacuum does (which also marks the loaded pages all-visible)."""
    with app.app_context(), db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("ANALYZE" if _backend(app) == "sqlite" else "VACUUM ANALYZE comments")


def walks_of(app, request) -> list[tuple[str, object]]:
    """Run ``request()`` and return the statements it sent that walk comments in order."""
    with sql_sent(app) as sent:
        response = request()
    seen = [(statement, parameters) for statement, parameters in sent if WALK.match(" ".join(statement.split()))]
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    return seen


def plan_nodes(connection, statement, parameters) -> list[dict]:
    """Return the nodes of PostgreSQL's plan of ``statement``, as run."""
    (document,), = connection.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters).all()
    nodes, pending = [], [(json.loads(document) if isinstance(document, str) else document)[0]["Plan"]]
    while pending:
        nodes.append(pending.pop())
        pending += nodes[-1].get("Plans", [])
    return nodes


def over_reads(nodes: list[dict]) -> list[str]:
    """Return the nodes of a plan that read more of comments than a few pages' worth."""
    faults = []
    for node in nodes:
        read = (node["Actual Rows"] + node.get("Rows Removed by Filter", 0)) * node["Actual Loops"]
        if node.get("Relation Name") == "comments" and read > ROWS_READ_AT_MOST:
            faults.append(f"{node['Node Type']} read {read} comments")
    return faults


def plan_faults(app, statement, parameters, index: str | None) -> list[str]:
    """Return what is wrong with the plan of ``statement``, which must read comments by ``index``
    (None: by some index).

    SQLite: any sort (a temporary b-tree), scan of the table or multi-index OR. PostgreSQL, from
    the plan as run: a subplan hashed from the table, or a node that read more of comments than a
    few pages' worth (so a sort can only be of the rows a page needs, never of the thread).
    """
    with app.app_context():
        connection = db.session.connection()
        if _backend(app) == "sqlite":
            steps = [row[3] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
            faults = [s for s in steps if "TEMP B-TREE" in s or re.match(r"SCAN comments\b", s) or "MULTI-INDEX" in s]
            if not any(re.match(rf"SEARCH comments USING (COVERING )?INDEX {index or 'ix_'}", s) for s in steps):
                faults.append(f"no read of comments by {index}: {steps}")
            return faults
        nodes = plan_nodes(connection, statement, parameters)
    faults = over_reads(nodes)
    for node in nodes:
        if node.get("Subplan Name", "").startswith("hashed"):
            faults.append(node["Subplan Name"])
    if not any(node.get("Index Name", "").startswith(index or "") for node in nodes):
        faults.append(f"no read of comments by {index}")
    return faults


def assert_walks(app, request, label: str, *indexes: str | None) -> None:
    """Run ``request()``: it must send one walk of comments for each of ``indexes``, in turn, each
    reading by its index (None: by some index)."""
    statements = walks_of(app, request)
    assert len(statements) == len(indexes), (label, [s for s, _ in statements])
    for (statement, parameters), index in zip(statements, indexes, strict=True):
        faults = plan_faults(app, statement, parameters, index)
        assert not faults, (label, " ".join(statement.split()), faults)


SORT_INDEX = {"newest": "ix_comments_thread", "oldest": "ix_comments_thread", "top": "ix_comments_article_top"}


def check_thread_pages(app, thread: dict) -> None:
    """Every sort's first page, a second page and a page of replies, for each kind of viewer: two
    walks each, of the comments the viewer sees, by the index in the page's order, then of the
    placeholders among them (over a range that small, the planner may take another index)."""
    client = app.test_client()
    for viewer, headers in {"anonymous": {}, **thread["headers"]}.items():
        get = partial(client.get, headers=headers)
        for sort, index in SORT_INDEX.items():
            assert_walks(app, partial(get, f"/api/v1/articles/council-budget/comments?sort={sort}"),
                         f"{viewer}, {sort}", index, None)
        assert_walks(app, partial(get, "/articles/council-budget?sort=top"), f"{viewer}, the page",
                     "ix_comments_article_top", None)
        cursor = get("/api/v1/articles/council-budget/comments?sort=oldest").get_json()["next_cursor"]
        assert_walks(app, partial(get, f"/api/v1/articles/council-budget/comments?sort=oldest&cursor={cursor}"),
                     f"{viewer}, a second page", "ix_comments_thread", None)
        assert_walks(app, partial(get, f"/api/v1/comments/{thread['replied']}/replies"), f"{viewer}, replies",
                     "ix_comments_replies", None)


def check_page_reads(app, thread: dict) -> None:
    """On PostgreSQL, no statement of the article's page as readers see it reads more than a few
    pages' worth of comments: its "N comments" is stored (``articles.published_count``), not
    counted. (SQLite's plans do not say how many rows a statement read. The staff's page also
    counts what each author on it has left to reject in the story, which grows with the authors.)"""
    if _backend(app) != "postgresql":
        return
    client = app.test_client()
    for viewer, headers in {"anonymous": {}, "alice": thread["headers"]["alice"]}.items():
        with sql_sent(app) as sent:
            assert client.get("/articles/council-budget", headers=headers).status_code == 200
        with app.app_context():
            connection = db.session.connection()
            faults = {" ".join(statement.split()): read for statement, parameters in sent
                      if statement.lstrip().startswith("SELECT")
                      and (read := over_reads(plan_nodes(connection, statement, parameters)))}
        assert not faults, (viewer, faults)


def check_contexts(app, thread: dict) -> None:
    """The screen's context: the article's latest comments, and a conversation's."""
    api = ApiActions(app)
    alice = thread["headers"]["alice"]
    assert_walks(app, partial(api.post, alice, "The route 31 buses were late again this week."),
                 "a comment", "ix_comments_article_status")
    assert_walks(app, partial(api.post, alice, "They were on time on Monday.", parent_id=thread["conversation"]),
                 "a reply", "ix_comments_root_status")


def test_thread_statements_walk_an_index_and_stop(app):
    thread = build_thread(app, ApiActions(app))
    analyze(app)
    check_thread_pages(app, thread)
    check_page_reads(app, thread)
    check_contexts(app, thread)


def _statistics(app) -> list[str]:
    with app.app_context():
        path = db.engine.url.database
    connection = sqlite3.connect(path)
    try:
        if not connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchall():
            return []
        return [row[0] for row in connection.execute("SELECT idx FROM sqlite_stat1 WHERE tbl = 'comments'")]
    finally:
        connection.close()


def _sqlite_only(app) -> None:
    if _backend(app) != "sqlite":
        pytest.skip("SQLite's statistics; PostgreSQL's autovacuum analyzes")


def _a_small_thread(app) -> None:
    api = ApiActions(app)
    api.article()
    alice = api.reader("alice")
    for n in range(3):
        api.comment(alice, f"Comment {n} on the bus routes.")


def test_an_upgrade_analyzes_sqlite(app, runner):
    _sqlite_only(app)
    _a_small_thread(app)
    assert runner.invoke(args=["db", "downgrade", "f5a6b7c8d9e0"]).exit_code == 0
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "ix_comments_thread" in _statistics(app)


def test_sqlite_statistics_come_when_the_connection_closes(app):
    _sqlite_only(app)
    _a_small_thread(app)
    assert app.test_client().get("/api/v1/articles/council-budget/comments").status_code == 200
    assert _statistics(app) == []  # a new database has none, and its connection is still open
    with app.app_context():
        db.engine.dispose()
    assert "ix_comments_thread" in _statistics(app)


def test_sqlite_statistics_come_hourly_on_a_connection_that_stays(app, monkeypatch):
    _sqlite_only(app)
    monkeypatch.setattr(sql, "STATISTICS_CHECK_SECONDS", 0)
    _a_small_thread(app)
    assert app.test_client().get("/api/v1/articles/council-budget/comments").status_code == 200
    assert "ix_comments_thread" in _statistics(app)


def _setting(app, name: str) -> str:
    with app.app_context():
        return db.session.scalar(text(f"SHOW {name}"))


def test_postgresql_connections_plan_without_jit(make_app):
    app = make_app()
    if _backend(app) != "postgresql":
        pytest.skip("a PostgreSQL setting")
    assert _setting(app, "jit") == "off"
    assert _setting(app, "statement_timeout") == "15s"


def test_the_operators_connection_options_are_kept_and_win(make_app):
    url = make_app().config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        pytest.skip("PostgreSQL's connection options")
    app = make_app(SQLALCHEMY_DATABASE_URI=url + "?options=-c%20application_name%3Dnewsroom",
                   SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"options": "-c jit=on"}})
    assert _setting(app, "application_name") == "newsroom"
    assert _setting(app, "jit") == "on"
    assert _setting(app, "statement_timeout") == "15s"
    assert app.test_client().get("/api/v1/articles/council-budget").status_code == 404
