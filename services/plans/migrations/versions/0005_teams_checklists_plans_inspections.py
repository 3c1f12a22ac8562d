"""Inspection teams, checklist templates and versions, plans and their inspections.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 06:30:53.479528
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import servicekit.sqltypes

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('checklists',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('current_version', sa.Integer(), nullable=False),
    sa.Column('created_at', servicekit.sqltypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', servicekit.sqltypes.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('teams',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('decision_number', sa.String(length=100), nullable=False),
    sa.Column('decision_date', sa.Date(), nullable=False),
    sa.Column('decision_issuer', sa.String(length=255), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('created_at', servicekit.sqltypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', servicekit.sqltypes.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('checklist_versions',
    sa.Column('checklist_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('published_by', sa.String(length=255), nullable=False),
    sa.Column('published_at', servicekit.sqltypes.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['checklist_id'], ['checklists.id'], ),
    sa.PrimaryKeyConstraint('checklist_id', 'version')
    )
    op.create_table('inspection_plans',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('issuer', sa.String(length=255), nullable=False),
    sa.Column('issuer_unit_id', sa.Uuid(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('objectives', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_by', sa.String(length=255), nullable=False),
    sa.Column('created_at', servicekit.sqltypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', servicekit.sqltypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('approved_by', sa.String(length=255), nullable=True),
    sa.Column('approved_at', servicekit.sqltypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.String(length=255), nullable=True),
    sa.Column('closed_at', servicekit.sqltypes.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['issuer_unit_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('issuer', 'number', 'year')
    )
    with op.batch_alter_table('inspection_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_plans_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_plans_year'), ['year'], unique=False)

    op.create_table('team_members',
    sa.Column('team_id', sa.Uuid(), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('full_name', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('position', sa.String(length=255), nullable=True),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], ),
    sa.PrimaryKeyConstraint('team_id', 'subject')
    )
    with op.batch_alter_table('team_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_members_subject'), ['subject'], unique=False)

    op.create_table('inspections',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('plan_id', sa.Uuid(), nullable=False),
    sa.Column('series_id', sa.Uuid(), nullable=False),
    sa.Column('occurrence', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('target_unit_id', sa.Uuid(), nullable=False),
    sa.Column('window_start', servicekit.sqltypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('window_end', servicekit.sqltypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('team_id', sa.Uuid(), nullable=False),
    sa.Column('checklist_id', sa.Uuid(), nullable=False),
    sa.Column('checklist_version', sa.Integer(), nullable=False),
    sa.Column('topic', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('sealed', sa.Boolean(), nullable=False),
    sa.Column('history', sa.JSON(), nullable=False),
    sa.Column('visit_id', sa.Uuid(), nullable=True),
    sa.Column('started_at', servicekit.sqltypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.String(length=255), nullable=False),
    sa.Column('created_at', servicekit.sqltypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', servicekit.sqltypes.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['checklist_id'], ['checklists.id'], ),
    sa.ForeignKeyConstraint(['plan_id'], ['inspection_plans.id'], ),
    sa.ForeignKeyConstraint(['target_unit_id'], ['units.id'], ),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspections_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspections_sealed'), ['sealed'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspections_series_id'), ['series_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspections_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspections_target_unit_id'), ['target_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspections_team_id'), ['team_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspections_window_start'), ['window_start'], unique=False)

    op.create_table('plan_targets',
    sa.Column('plan_id', sa.Uuid(), nullable=False),
    sa.Column('unit_id', sa.Uuid(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['inspection_plans.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('plan_id', 'unit_id')
    )
    with op.batch_alter_table('plan_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_targets_unit_id'), ['unit_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('plan_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_targets_unit_id'))

    op.drop_table('plan_targets')
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspections_window_start'))
        batch_op.drop_index(batch_op.f('ix_inspections_team_id'))
        batch_op.drop_index(batch_op.f('ix_inspections_target_unit_id'))
        batch_op.drop_index(batch_op.f('ix_inspections_status'))
        batch_op.drop_index(batch_op.f('ix_inspections_series_id'))
        batch_op.drop_index(batch_op.f('ix_inspections_sealed'))
        batch_op.drop_index(batch_op.f('ix_inspections_plan_id'))

    op.drop_table('inspections')
    with op.batch_alter_table('team_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_members_subject'))

    op.drop_table('team_members')
    with op.batch_alter_table('inspection_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_plans_year'))
        batch_op.drop_index(batch_op.f('ix_inspection_plans_status'))

    op.drop_table('inspection_plans')
    op.drop_table('checklist_versions')
    op.drop_table('teams')
    op.drop_table('checklists')
