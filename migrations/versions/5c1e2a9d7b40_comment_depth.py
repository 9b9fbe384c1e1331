"""comment depth, and an index for a page of one comment's replies

Revision ID: 5c1e2a9d7b40
Revises: 13aa71b721ce
Create Date: 2026-12-01 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1e2a9d7b40'
down_revision = '5e1f0c2a9b7d'
branch_labels = None
depends_on = None

BATCH = 1000


def _depths(rows) -> dict[int, int]:
    """Return each comment's depth from (id, parent_id) pairs, walking up without recursion."""
    parents = dict(rows)
    depths: dict[int, int] = {}
    for start in parents:
        chain, node = [], start
        while node is not None and node not in depths:
            chain.append(node)
            node = parents.get(node)
        depth = depths[node] if node is not None else -1
        for comment_id in reversed(chain):
            depth += 1
            depths[comment_id] = depth
    return depths


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('depth', sa.Integer(), nullable=False, server_default='0'))
        batch_op.drop_index(batch_op.f('ix_comments_parent_id'))
        batch_op.create_index('ix_comments_replies', ['parent_id', 'created_at', 'id'], unique=False)
    conn = op.get_bind()
    comments = sa.table('comments', sa.column('id', sa.Integer), sa.column('parent_id', sa.Integer),
                        sa.column('depth', sa.Integer))
    rows = conn.execute(sa.select(comments.c.id, comments.c.parent_id)).all()
    deep = [{"comment_id": i, "d": d} for i, d in _depths(rows).items() if d > 0]
    stmt = comments.update().where(comments.c.id == sa.bindparam("comment_id")).values(depth=sa.bindparam("d"))
    for start in range(0, len(deep), BATCH):
        conn.execute(stmt, deep[start:start + BATCH])


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_replies')
        batch_op.create_index(batch_op.f('ix_comments_parent_id'), ['parent_id'], unique=False)
        batch_op.drop_column('depth')
