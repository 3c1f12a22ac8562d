"""Evidence: the files (photos, PDFs) attached to visits, by their SHA-256.

The bytes live in the evidence store (a folder, or an S3-compatible bucket); this table
says which visit holds which file, its type by content, and what its EXIF gave.

Revision ID: 0007_evidence
Revises: 0006_visit_record
Create Date: 2026-12-06 23:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import servicekit.sqltypes

revision: str = '0007_evidence'
down_revision: str | None = '0006_visit_record'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = servicekit.sqltypes.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'visit_evidence',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('visit_id', sa.Uuid(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('media_type', sa.String(length=50), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('captured_at', UTC_TIME, nullable=True),
        sa.Column('captured_at_from_exif', sa.Boolean(), nullable=False),
        sa.Column('captured_offset_assumed', sa.Boolean(), nullable=False),
        sa.Column('latitude', sa.Float(), nullable=True),
        sa.Column('longitude', sa.Float(), nullable=True),
        sa.Column('gps_from_exif', sa.Boolean(), nullable=False),
        sa.Column('uploaded_by', sa.String(length=255), nullable=False),
        sa.Column('uploaded_at', UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(['visit_id'], ['visits.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('visit_id', 'sha256'),
    )
    with op.batch_alter_table('visit_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_evidence_visit_id'), ['visit_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('visit_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_evidence_visit_id'))
    op.drop_table('visit_evidence')
