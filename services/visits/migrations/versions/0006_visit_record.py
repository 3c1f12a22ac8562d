"""The on-site record: attendance, checklist results, violations, sealing and amendments.

Visits gain their team, checklist, location, a version, the no-access outcome and the
digest they are sealed under; the inspections, teams, checklist versions and staffing the
plans service announces are kept here too.

Revision ID: 0006_visit_record
Revises: 0005
Create Date: 2026-12-06 22:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import servicekit.sqltypes

revision: str = '0006_visit_record'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = servicekit.sqltypes.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('team_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('started_by', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('justification', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('latitude', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('longitude', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('accuracy_m', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('checklist_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('checklist_version', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('no_access_reason', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('no_access_at', UTC_TIME, nullable=True))
        batch_op.add_column(sa.Column('no_access_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('submitted_by', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('submitted_at', UTC_TIME, nullable=True))
        batch_op.add_column(sa.Column('digest', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('updated_at', UTC_TIME, nullable=True))
        batch_op.create_index(batch_op.f('ix_visits_team_id'), ['team_id'], unique=False)

    op.create_table(
        'visit_attendance',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('visit_id', sa.Uuid(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('office_name', sa.String(length=255), nullable=False),
        sa.Column('office_key', sa.String(length=255), nullable=False),
        sa.Column('office_unit_id', sa.Uuid(), nullable=True),
        sa.Column('observed_at', UTC_TIME, nullable=True),
        sa.Column('headcounts', sa.JSON(), nullable=False),
        sa.Column('recorded_by', sa.String(length=255), nullable=False),
        sa.Column('recorded_at', UTC_TIME, nullable=False),
        sa.Column('updated_at', UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(['visit_id'], ['visits.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('visit_id', 'office_key'),
    )
    with op.batch_alter_table('visit_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_attendance_visit_id'), ['visit_id'], unique=False)

    op.create_table(
        'visit_results',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('visit_id', sa.Uuid(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('criterion_code', sa.String(length=30), nullable=False),
        sa.Column('outcome', sa.String(length=20), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('recorded_by', sa.String(length=255), nullable=False),
        sa.Column('recorded_at', UTC_TIME, nullable=False),
        sa.Column('updated_at', UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(['visit_id'], ['visits.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('visit_id', 'criterion_code'),
    )
    with op.batch_alter_table('visit_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_results_visit_id'), ['visit_id'], unique=False)

    op.create_table(
        'visit_violations',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('visit_id', sa.Uuid(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Uuid(), nullable=False),
        sa.Column('category_code', sa.String(length=30), nullable=False),
        sa.Column('criterion_code', sa.String(length=30), nullable=True),
        sa.Column('severity', sa.String(length=30), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('observed_at', UTC_TIME, nullable=True),
        sa.Column('person_key', sa.String(length=255), nullable=True),
        sa.Column('repeat_of', sa.JSON(), nullable=False),
        sa.Column('recorded_by', sa.String(length=255), nullable=False),
        sa.Column('recorded_at', UTC_TIME, nullable=False),
        sa.Column('updated_at', UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(['visit_id'], ['visits.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('visit_violations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_violations_visit_id'), ['visit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_violations_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(
            batch_op.f('ix_visit_violations_category_code'), ['category_code'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_visit_violations_person_key'), ['person_key'], unique=False
        )

    op.create_table(
        'visit_violation_people',
        sa.Column('violation_id', sa.Uuid(), nullable=False),
        sa.Column('full_name', sa.String(length=255), nullable=False),
        sa.Column('position', sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(['violation_id'], ['visit_violations.id']),
        sa.PrimaryKeyConstraint('violation_id'),
    )

    op.create_table(
        'visit_amendments',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('visit_id', sa.Uuid(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('target', sa.String(length=20), nullable=False),
        sa.Column('target_id', sa.Uuid(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('changes', sa.JSON(), nullable=False),
        sa.Column('corrected', sa.JSON(), nullable=False),
        sa.Column('amended_by', sa.String(length=255), nullable=False),
        sa.Column('amended_at', UTC_TIME, nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['visit_id'], ['visits.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('visit_amendments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_amendments_visit_id'), ['visit_id'], unique=False)

    op.create_table(
        'inspection_directory',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('plan_id', sa.Uuid(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('team_id', sa.Uuid(), nullable=False),
        sa.Column('checklist_id', sa.Uuid(), nullable=True),
        sa.Column('checklist_version', sa.Integer(), nullable=True),
        sa.Column('sealed', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('target_unit_id', sa.Uuid(), nullable=True),
        sa.Column('window_start', UTC_TIME, nullable=True),
        sa.Column('window_end', UTC_TIME, nullable=True),
        sa.Column('started_visit_id', sa.Uuid(), nullable=True),
        sa.Column('updated_at', UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('inspection_directory', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_directory_team_id'), ['team_id'], unique=False)

    op.create_table(
        'team_directory',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=False),
        sa.Column('valid_to', sa.Date(), nullable=True),
        sa.Column('announced_at', UTC_TIME, nullable=False),
        sa.Column('updated_at', UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'team_member_directory',
        sa.Column('team_id', sa.Uuid(), nullable=False),
        sa.Column('subject', sa.String(length=255), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(['team_id'], ['team_directory.id']),
        sa.PrimaryKeyConstraint('team_id', 'subject'),
    )
    with op.batch_alter_table('team_member_directory', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_member_directory_subject'), ['subject'], unique=False)

    op.create_table(
        'checklist_directory',
        sa.Column('checklist_id', sa.Uuid(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('categories', sa.JSON(), nullable=False),
        sa.Column('published_at', UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint('checklist_id', 'version'),
    )
    op.create_table(
        'staffing_directory',
        sa.Column('unit_id', sa.Uuid(), nullable=False),
        sa.Column('category', sa.String(length=30), nullable=False),
        sa.Column('on_roll', sa.Integer(), nullable=False),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('recorded_at', UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint('unit_id', 'category'),
    )


def downgrade() -> None:
    op.drop_table('staffing_directory')
    op.drop_table('checklist_directory')
    with op.batch_alter_table('team_member_directory', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_member_directory_subject'))
    op.drop_table('team_member_directory')
    op.drop_table('team_directory')
    with op.batch_alter_table('inspection_directory', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_directory_team_id'))
    op.drop_table('inspection_directory')
    with op.batch_alter_table('visit_amendments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_amendments_visit_id'))
    op.drop_table('visit_amendments')
    op.drop_table('visit_violation_people')
    with op.batch_alter_table('visit_violations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_violations_person_key'))
        batch_op.drop_index(batch_op.f('ix_visit_violations_category_code'))
        batch_op.drop_index(batch_op.f('ix_visit_violations_unit_id'))
        batch_op.drop_index(batch_op.f('ix_visit_violations_visit_id'))
    op.drop_table('visit_violations')
    with op.batch_alter_table('visit_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_results_visit_id'))
    op.drop_table('visit_results')
    with op.batch_alter_table('visit_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_attendance_visit_id'))
    op.drop_table('visit_attendance')
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visits_team_id'))
        for column in (
            'updated_at',
            'digest',
            'submitted_at',
            'submitted_by',
            'no_access_note',
            'no_access_at',
            'no_access_reason',
            'checklist_version',
            'checklist_id',
            'accuracy_m',
            'longitude',
            'latitude',
            'justification',
            'started_by',
            'team_id',
            'version',
        ):
            batch_op.drop_column(column)
