"""Unit successors as a list: a merger names one, a split (a district into communes) several.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 09:00:00
"""
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNITS = sa.table(
    'units',
    sa.column('id', sa.Uuid()),
    sa.column('successor_id', sa.Uuid()),
    sa.column('successor_ids', sa.JSON()),
)


def upgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('successor_ids', sa.JSON(), server_default='[]', nullable=False))
    bind = op.get_bind()
    linked = sa.select(UNITS.c.id, UNITS.c.successor_id).where(UNITS.c.successor_id.is_not(None))
    for unit_id, successor_id in bind.execute(linked).all():
        bind.execute(
            UNITS.update().where(UNITS.c.id == unit_id).values(successor_ids=[str(successor_id)])
        )
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_constraint('fk_units_successor_id_units', type_='foreignkey')
        batch_op.drop_column('successor_id')


def downgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('successor_id', sa.Uuid(), nullable=True))
        batch_op.create_foreign_key('fk_units_successor_id_units', 'units', ['successor_id'], ['id'])
    bind = op.get_bind()
    # A split keeps only its first successor: the old column holds one.
    for unit_id, successors in bind.execute(sa.select(UNITS.c.id, UNITS.c.successor_ids)).all():
        if successors:
            bind.execute(
                UNITS.update().where(UNITS.c.id == unit_id).values(successor_id=uuid.UUID(successors[0]))
            )
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_column('successor_ids')
