"""What officials write on a plan: legal basis, issue date, signer; targets by category.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 09:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('inspection_plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legal_basis', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('issued_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('signer_position', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('signer_name', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('target_categories', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('scope_unit_id', sa.Uuid(), nullable=True))
        batch_op.create_foreign_key('fk_inspection_plans_scope_unit_id_units', 'units', ['scope_unit_id'], ['id'])

    with op.batch_alter_table('plan_targets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('category', sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('plan_targets', schema=None) as batch_op:
        batch_op.drop_column('category')

    with op.batch_alter_table('inspection_plans', schema=None) as batch_op:
        batch_op.drop_constraint('fk_inspection_plans_scope_unit_id_units', type_='foreignkey')
        batch_op.drop_column('scope_unit_id')
        batch_op.drop_column('target_categories')
        batch_op.drop_column('signer_name')
        batch_op.drop_column('signer_position')
        batch_op.drop_column('issued_on')
        batch_op.drop_column('legal_basis')
