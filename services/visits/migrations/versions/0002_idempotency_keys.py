"""Idempotency keys: the answer each caller's key got, kept 24 hours.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 05:32:26.101362
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import servicekit.sqltypes

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('idempotency_keys',
    sa.Column('owner', sa.String(length=255), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Integer(), nullable=True),
    sa.Column('headers', sa.JSON(), nullable=True),
    sa.Column('body', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', servicekit.sqltypes.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('owner', 'key')
    )


def downgrade() -> None:
    op.drop_table('idempotency_keys')
