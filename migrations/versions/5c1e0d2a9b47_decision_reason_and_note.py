"""A decision keeps its reason code and the moderator's note apart.

Today's ``reason`` holds "code: note" (or free text, kept as "other: text"). The note moves to its own
column and ``reason`` keeps only the code, with the contract's codes ("abuse" becomes "abusive").
Text that starts with no known code becomes "other" with the whole text as the note. Only a
rejection has a reason; an approval or an escalation keeps what was written as its note.

Revision ID: 5c1e0d2a9b47
Revises: 13aa71b721ce
Create Date: 2026-12-01 11:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = "5c1e0d2a9b47"
down_revision = "13aa71b721ce"
branch_labels = None
depends_on = None

#: The codes of the rows written so far, and the contract's codes, as this revision knows them.
TO_CODE = {"abuse": "abusive", "abusive": "abusive", "threat": "threat", "hate": "hate", "spam": "spam",
           "off_topic": "off_topic", "personal_information": "personal_information", "other": "other"}
FROM_CODE = {"abusive": "abuse"}

decisions = sa.table("moderation_decisions", sa.column("id", sa.Integer), sa.column("action", sa.String),
                     sa.column("reason", sa.String), sa.column("note", sa.String))


def split(action: str, text: str) -> tuple[str | None, str | None]:
    """Return the (code, note) of an old ``"code: note"`` reason; only a rejection keeps a code."""
    head, _, rest = text.partition(":")
    code = TO_CODE.get(head.strip())
    note = (rest.strip() or None) if code is not None else (text.strip() or None)
    if action != "reject":
        return None, note
    return code or "other", note


def join(code: str | None, note: str | None) -> str | None:
    """Return the old single ``reason`` text of a (code, note) pair."""
    code = FROM_CODE.get(code, code)
    return f"{code}: {note}" if code and note else code or note


def upgrade():
    op.add_column("moderation_decisions", sa.Column("note", sa.String(length=1000), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.select(decisions.c.id, decisions.c.action, decisions.c.reason)
                        .where(decisions.c.reason.is_not(None))).all()
    for row in rows:
        code, note = split(row.action, row.reason)
        bind.execute(decisions.update().where(decisions.c.id == row.id).values(reason=code, note=note))
    with op.batch_alter_table("moderation_decisions", schema=None) as batch_op:
        batch_op.alter_column("reason", existing_type=sa.String(length=500), type_=sa.String(length=30),
                              existing_nullable=True)


def downgrade():
    bind = op.get_bind()
    rows = bind.execute(sa.select(decisions.c.id, decisions.c.reason, decisions.c.note)
                        .where(sa.or_(decisions.c.reason.is_not(None), decisions.c.note.is_not(None)))).all()
    with op.batch_alter_table("moderation_decisions", schema=None) as batch_op:
        batch_op.alter_column("reason", existing_type=sa.String(length=30), type_=sa.String(length=500),
                              existing_nullable=True)
    for row in rows:
        bind.execute(decisions.update().where(decisions.c.id == row.id)
                     .values(reason=join(row.reason, row.note)[:500]))
    with op.batch_alter_table("moderation_decisions", schema=None) as batch_op:
        batch_op.drop_column("note")
