"""Initial schema: domain tables, outbox, inbox and relay marker.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 04:26:03.743095
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import servicekit.sqltypes

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('inbox',
    sa.Column('consumer', sa.String(length=100), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('event_type', sa.String(length=200), nullable=False),
    sa.Column('processed_at', servicekit.sqltypes.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('consumer', 'event_id')
    )
    op.create_table('outbox',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('event_type', sa.String(length=200), nullable=False),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('created_at', servicekit.sqltypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_at', servicekit.sqltypes.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('seq'),
    sa.UniqueConstraint('event_id')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_published_at'), ['published_at'], unique=False)

    op.create_table('relay_marker',
    sa.Column('relay', sa.String(length=100), nullable=False),
    sa.Column('partition', sa.Integer(), nullable=False),
    sa.Column('offset', sa.BigInteger(), nullable=False),
    sa.Column('nonce', sa.String(length=36), nullable=False),
    sa.Column('written_at', servicekit.sqltypes.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('relay')
    )
    op.create_table('unit_scores',
    sa.Column('unit_id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('level', sa.String(length=20), nullable=True),
    sa.Column('parent_id', sa.Uuid(), nullable=True),
    sa.Column('visits_started', sa.Integer(), nullable=False),
    sa.Column('ratings_count', sa.Integer(), nullable=False),
    sa.Column('ratings_score_sum', sa.Integer(), nullable=False),
    sa.Column('updated_at', servicekit.sqltypes.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('unit_id')
    )
    with op.batch_alter_table('unit_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_scores_parent_id'), ['parent_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('unit_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_scores_parent_id'))

    op.drop_table('unit_scores')
    op.drop_table('relay_marker')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_published_at'))

    op.drop_table('outbox')
    op.drop_table('inbox')
