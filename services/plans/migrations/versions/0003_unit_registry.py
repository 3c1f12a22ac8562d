"""Unit registry: kind, successor links, search by name without diacritics.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 05:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import servicekit.sqltypes
from servicekit.text import fold

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_search', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('kind', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('successor_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('updated_at', servicekit.sqltypes.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key('fk_units_successor_id_units', 'units', ['successor_id'], ['id'])
    units = sa.table('units', sa.column('id', sa.Uuid()), sa.column('name', sa.String()), sa.column('name_search', sa.String()))
    bind = op.get_bind()
    for unit_id, name in bind.execute(sa.select(units.c.id, units.c.name)).all():
        bind.execute(units.update().where(units.c.id == unit_id).values(name_search=fold(name)))
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.alter_column('name_search', existing_type=sa.String(length=255), nullable=False)
        batch_op.create_index(batch_op.f('ix_units_name_search'), ['name_search'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_constraint('fk_units_successor_id_units', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_units_name_search'))
        batch_op.drop_column('updated_at')
        batch_op.drop_column('successor_id')
        batch_op.drop_column('kind')
        batch_op.drop_column('name_search')
