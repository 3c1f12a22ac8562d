"""Plan numbers: unique per issuer and year whatever their case and spacing.

Each plan gets `number_key` (issuer and number, case-folded, spaces collapsed); a unique index
on year and key replaces the unique constraint on the exact issuer, number and year. Plans
recorded before, which differ only in case or spacing, all stay: the earliest keeps the plain
key, each later one a key that adds its id.

Revision ID: 0009_plan_number_key
Revises: 0008
Create Date: 2026-12-01 22:10:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from plans.scheduling.rules import number_key

revision: str = '0009_plan_number_key'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLANS = sa.table(
    'inspection_plans',
    sa.column('id', sa.Uuid()),
    sa.column('issuer', sa.String()),
    sa.column('number', sa.String()),
    sa.column('year', sa.Integer()),
    sa.column('number_key', sa.Text()),
)
EXACT = ['issuer', 'number', 'year']
# SQLite keeps the constraint unnamed; batch mode names it by this convention to drop it.
NAMING = {'uq': 'uq_%(table_name)s_%(column_0_N_name)s'}
UNNAMED = 'uq_inspection_plans_issuer_number_year'


def _exact_constraint_name() -> str:
    for constraint in sa.inspect(op.get_bind()).get_unique_constraints('inspection_plans'):
        if constraint['column_names'] == EXACT:
            return constraint['name'] or UNNAMED
    raise RuntimeError('inspection_plans has no unique constraint on issuer, number, year')


def upgrade() -> None:
    with op.batch_alter_table('inspection_plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number_key', sa.Text(), nullable=True))

    bind = op.get_bind()
    taken: set[tuple[int, str]] = set()
    rows = bind.execute(
        sa.select(PLANS.c.id, PLANS.c.issuer, PLANS.c.number, PLANS.c.year).order_by(
            PLANS.c.id  # time-ordered: the earliest plan keeps the plain key
        )
    )
    for plan_id, issuer, number, year in rows.all():
        key = number_key(issuer, number)
        if (year, key) in taken:
            key = f'{key}\n{plan_id}'
        taken.add((year, key))
        bind.execute(PLANS.update().where(PLANS.c.id == plan_id).values(number_key=key))

    exact = _exact_constraint_name()
    with op.batch_alter_table(
        'inspection_plans', schema=None, naming_convention=NAMING
    ) as batch_op:
        batch_op.alter_column('number_key', existing_type=sa.Text(), nullable=False)
        batch_op.drop_constraint(exact, type_='unique')
        batch_op.create_index(
            'ix_inspection_plans_number_key', ['year', 'number_key'], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table(
        'inspection_plans', schema=None, naming_convention=NAMING
    ) as batch_op:
        batch_op.drop_index('ix_inspection_plans_number_key')
        batch_op.create_unique_constraint(
            'inspection_plans_issuer_number_year_key'
            if op.get_bind().dialect.name == 'postgresql'
            else UNNAMED,
            EXACT,
        )
        batch_op.drop_column('number_key')
