"""articles.published_count: the number of the article's published comments, kept by triggers on comments

The thread page, the embed and the article API counted an article's published comments on every
read: at 100,000 comments in one article that COUNT was the part of the HTML page that grew
(bench/growth.py). A comment's status changes in many places (posting, the desk's decisions,
reports, the reader's and the account's deletion, bulk loads in raw SQL), so the database keeps
the count itself, and no code path can forget it. Each trigger fires only when a comment's
published-ness or article changes: a comment's edit, reactions or reports do not write (nor, on
PostgreSQL, lock) the article's row.

Revision ID: c8d9e0f1a2b3
Revises: b7c8d9e0f1a2
Create Date: 2026-12-03 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "c8d9e0f1a2b3"
down_revision = "b7c8d9e0f1a2"
branch_labels = None
depends_on = None

#: The count of every article from its comments, once: from then on the triggers keep it.
BACKFILL = ("UPDATE articles SET published_count = (SELECT count(*) FROM comments "
           "WHERE comments.article_id = articles.id AND comments.status = 'published')")

#: When an UPDATE of a comment changes the count of its article (or of two articles, if it moved).
CHANGES_COUNT = ("(OLD.status = 'published') <> (NEW.status = 'published') "
                 "OR (NEW.status = 'published' AND OLD.article_id <> NEW.article_id)")
SUBTRACT_OLD = "UPDATE articles SET published_count = published_count - 1 WHERE id = OLD.article_id"
ADD_NEW = "UPDATE articles SET published_count = published_count + 1 WHERE id = NEW.article_id"

TRIGGERS = ("comments_published_count_insert", "comments_published_count_delete", "comments_published_count_update")
SQLITE_TRIGGERS = (
    f"CREATE TRIGGER comments_published_count_insert AFTER INSERT ON comments "
    f"WHEN NEW.status = 'published' BEGIN {ADD_NEW}; END",
    f"CREATE TRIGGER comments_published_count_delete AFTER DELETE ON comments "
    f"WHEN OLD.status = 'published' BEGIN {SUBTRACT_OLD}; END",
    f"CREATE TRIGGER comments_published_count_update AFTER UPDATE OF status, article_id ON comments "
    f"WHEN {CHANGES_COUNT} BEGIN "
    f"{SUBTRACT_OLD} AND OLD.status = 'published'; "
    f"{ADD_NEW} AND NEW.status = 'published'; "
    f"END",
)
#: PostgreSQL counts an INSERT's or a DELETE's comments once per statement (from the rows it
#: changed), not once per row: a row's trigger updates the article's row again for each of the
#: statement's comments, and each update of a row the transaction has already updated walks all its
#: earlier versions, so a COPY of 100,000 comments into one article took many minutes.
POSTGRESQL_FUNCTIONS = (
    """CREATE FUNCTION comments_published_count_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE articles SET published_count = published_count
        + CASE TG_OP WHEN 'INSERT' THEN counted.published ELSE -counted.published END
    FROM (SELECT article_id, count(*) AS published FROM changed WHERE status = 'published'
          GROUP BY article_id) AS counted
    WHERE articles.id = counted.article_id;
    RETURN NULL;
END
$$""",
    f"""CREATE FUNCTION comments_published_count_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'published' THEN
        {SUBTRACT_OLD};
    END IF;
    IF NEW.status = 'published' THEN
        {ADD_NEW};
    END IF;
    RETURN NULL;
END
$$""",
)
POSTGRESQL_TRIGGERS = (
    "CREATE TRIGGER comments_published_count_insert AFTER INSERT ON comments "
    "REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION comments_published_count_statement()",
    "CREATE TRIGGER comments_published_count_delete AFTER DELETE ON comments "
    "REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION comments_published_count_statement()",
    f"CREATE TRIGGER comments_published_count_update AFTER UPDATE OF status, article_id ON comments "
    f"FOR EACH ROW WHEN ({CHANGES_COUNT}) EXECUTE FUNCTION comments_published_count_row()",
)


def upgrade():
    op.add_column("articles", sa.Column("published_count", sa.Integer(), nullable=False, server_default="0"))
    op.execute(BACKFILL)
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRESQL_FUNCTIONS + POSTGRESQL_TRIGGERS if postgresql else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON comments" if postgresql else f"DROP TRIGGER {name}")
    if postgresql:
        op.execute("DROP FUNCTION comments_published_count_statement(), comments_published_count_row()")
    with op.batch_alter_table("articles") as batch_op:
        batch_op.drop_column("published_count")
