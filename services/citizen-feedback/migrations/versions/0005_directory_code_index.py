"""The unit directory is searched by official code: who a caller is comes as a unit code.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 02:50:00.000000
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('unit_directory', schema=None) as batch_op:
        batch_op.create_index('ix_unit_directory_code', ['code'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('unit_directory', schema=None) as batch_op:
        batch_op.drop_index('ix_unit_directory_code')
