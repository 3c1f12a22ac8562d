"""Scorecards roll up the units beneath, count officials' ratings apart, and each inspection once.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 11:02:37.905114
"""
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import servicekit.sqltypes

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OWN = ('visits_started', 'inspections_started', 'ratings_count', 'ratings_score_sum')
ADDED = ('official_ratings_count', 'official_ratings_score_sum')
TOTALS = tuple(f'total_{figure}' for figure in OWN + ADDED)


def upgrade() -> None:
    with op.batch_alter_table('unit_scores', schema=None) as batch_op:
        for name in ADDED + TOTALS:
            batch_op.add_column(sa.Column(name, sa.Integer(), server_default='0', nullable=False))
    op.create_table('started_inspections',
    sa.Column('inspection_id', sa.Uuid(), nullable=False),
    sa.Column('unit_id', sa.Uuid(), nullable=False),
    sa.Column('started_at', servicekit.sqltypes.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('inspection_id')
    )
    with op.batch_alter_table('started_inspections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_started_inspections_unit_id'), ['unit_id'], unique=False)
    _roll_up_existing_figures()


def _roll_up_existing_figures() -> None:
    """Give every unit its totals: its own figures plus those of every unit beneath it."""
    scores = sa.table(
        'unit_scores',
        sa.column('unit_id', sa.Uuid()),
        sa.column('parent_id', sa.Uuid()),
        *(sa.column(name, sa.Integer()) for name in OWN + TOTALS),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(scores.c.unit_id, scores.c.parent_id, *(scores.c[f] for f in OWN)))
    parents, owns = {}, {}
    for unit_id, parent_id, *own in rows:
        parents[unit_id], owns[unit_id] = parent_id, own
    totals = {unit_id: list(own) for unit_id, own in owns.items()}
    # A parent whose registration has not arrived yet gets the row the handlers would give it.
    placeholders = set()
    for unit_id, own in owns.items():
        parent_id, seen = parents[unit_id], {unit_id}
        while parent_id is not None and parent_id not in seen and any(own):
            seen.add(parent_id)
            if parent_id not in totals:
                placeholders.add(parent_id)
                parents[parent_id], totals[parent_id] = None, [0] * len(OWN)
            totals[parent_id] = [t + o for t, o in zip(totals[parent_id], own, strict=True)]
            parent_id = parents[parent_id]
    if placeholders:
        placeholder = sa.table(
            'unit_scores',
            sa.column('unit_id', sa.Uuid()),
            sa.column('updated_at', servicekit.sqltypes.UTCDateTime(timezone=True)),
            *(sa.column(name, sa.Integer()) for name in OWN),
        )
        now = datetime.now(UTC)
        op.bulk_insert(
            placeholder,
            [{'unit_id': u, 'updated_at': now, **dict.fromkeys(OWN, 0)} for u in placeholders],
        )
    for unit_id, values in totals.items():
        if any(values):
            bind.execute(
                scores.update()
                .where(scores.c.unit_id == unit_id)
                .values({f'total_{f}': v for f, v in zip(OWN, values, strict=True)})
            )


def downgrade() -> None:
    with op.batch_alter_table('started_inspections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_started_inspections_unit_id'))

    op.drop_table('started_inspections')
    with op.batch_alter_table('unit_scores', schema=None) as batch_op:
        for name in reversed(ADDED + TOTALS):
            batch_op.drop_column(name)
