"""Provinces kept apart: teams, checklists and plans belong to a province.

Each gets `province_id`, the unit at the top of the registry above it. Plans recorded before
take the province of their scope, else of their issuing unit, else of their first target;
teams and checklists that of the first plan whose inspections used them. What cannot be
placed keeps none: only the Ministry sees such a team or plan, and a checklist without a
province is a national one every province may use. Plan numbers become unique within a
province.

Revision ID: 0010_province_tenancy
Revises: 0009_plan_number_key
Create Date: 2026-12-04 02:40:00.000000
"""
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010_province_tenancy'
down_revision: str | None = '0009_plan_number_key'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNITS = sa.table('units', sa.column('id', sa.Uuid()), sa.column('parent_id', sa.Uuid()))
PLANS = sa.table(
    'inspection_plans',
    sa.column('id', sa.Uuid()),
    sa.column('scope_unit_id', sa.Uuid()),
    sa.column('issuer_unit_id', sa.Uuid()),
    sa.column('province_id', sa.Uuid()),
)
TARGETS = sa.table(
    'plan_targets',
    sa.column('plan_id', sa.Uuid()),
    sa.column('unit_id', sa.Uuid()),
    sa.column('rank', sa.Integer()),
)
INSPECTIONS = sa.table(
    'inspections',
    sa.column('plan_id', sa.Uuid()),
    sa.column('team_id', sa.Uuid()),
    sa.column('checklist_id', sa.Uuid()),
    sa.column('created_at', sa.DateTime()),
)
TEAMS = sa.table('teams', sa.column('id', sa.Uuid()), sa.column('province_id', sa.Uuid()))
CHECKLISTS = sa.table(
    'checklists', sa.column('id', sa.Uuid()), sa.column('province_id', sa.Uuid())
)
# The Ministry's default checklist (plans.checklists.defaults) stays national.
DEFAULT_CHECKLIST_ID = uuid.UUID('0193a5d2-0000-7000-8000-00000000c001')
OWNED = ('teams', 'checklists', 'inspection_plans')


def _root(parents: dict[uuid.UUID, uuid.UUID | None], unit_id: uuid.UUID | None) -> uuid.UUID | None:
    seen: set[uuid.UUID] = set()
    while unit_id is not None and unit_id in parents and unit_id not in seen:
        seen.add(unit_id)
        parent = parents[unit_id]
        if parent is None:
            return unit_id
        unit_id = parent
    return None


def _backfill() -> None:
    bind = op.get_bind()
    parents = dict(bind.execute(sa.select(UNITS.c.id, UNITS.c.parent_id)).all())
    first_target = {}
    for plan_id, unit_id in bind.execute(
        sa.select(TARGETS.c.plan_id, TARGETS.c.unit_id).order_by(TARGETS.c.rank.desc())
    ):
        first_target[plan_id] = unit_id
    provinces: dict[uuid.UUID, uuid.UUID] = {}
    for plan_id, scope, issuer in bind.execute(
        sa.select(PLANS.c.id, PLANS.c.scope_unit_id, PLANS.c.issuer_unit_id)
    ):
        for unit_id in (scope, issuer, first_target.get(plan_id)):
            province = _root(parents, unit_id)
            if province is not None:
                provinces[plan_id] = province
                bind.execute(
                    PLANS.update().where(PLANS.c.id == plan_id).values(province_id=province)
                )
                break
    teams: dict[uuid.UUID, uuid.UUID] = {}
    checklists: dict[uuid.UUID, uuid.UUID] = {}
    for plan_id, team_id, checklist_id in bind.execute(
        sa.select(
            INSPECTIONS.c.plan_id, INSPECTIONS.c.team_id, INSPECTIONS.c.checklist_id
        ).order_by(INSPECTIONS.c.created_at)
    ):
        if plan_id in provinces:
            teams.setdefault(team_id, provinces[plan_id])
            if checklist_id != DEFAULT_CHECKLIST_ID:
                checklists.setdefault(checklist_id, provinces[plan_id])
    for team_id, province in teams.items():
        bind.execute(TEAMS.update().where(TEAMS.c.id == team_id).values(province_id=province))
    for checklist_id, province in checklists.items():
        bind.execute(
            CHECKLISTS.update().where(CHECKLISTS.c.id == checklist_id).values(province_id=province)
        )


def upgrade() -> None:
    for table in OWNED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('province_id', sa.Uuid(), nullable=True))
            batch_op.create_foreign_key(
                f'fk_{table}_province_id_units', 'units', ['province_id'], ['id']
            )
            batch_op.create_index(f'ix_{table}_province_id', ['province_id'], unique=False)
    _backfill()
    with op.batch_alter_table('inspection_plans', schema=None) as batch_op:
        batch_op.drop_index('ix_inspection_plans_number_key')
        batch_op.create_index(
            'ix_inspection_plans_number_key',
            ['province_id', 'year', 'number_key'],
            unique=True,
        )


def downgrade() -> None:
    with op.batch_alter_table('inspection_plans', schema=None) as batch_op:
        batch_op.drop_index('ix_inspection_plans_number_key')
        batch_op.create_index(
            'ix_inspection_plans_number_key', ['year', 'number_key'], unique=True
        )
    for table in OWNED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f'ix_{table}_province_id')
            batch_op.drop_constraint(f'fk_{table}_province_id_units', type_='foreignkey')
            batch_op.drop_column('province_id')
