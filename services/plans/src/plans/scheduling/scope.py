"""What plans and inspections both read of plans: which a caller owns, what each targets."""

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from plans.models import Plan, PlanTarget
from plans.tenancy import TREE
from servicekit.access import Identity


def owned_plans(caller: Identity) -> Any:
    """Return the condition selecting the plans of the caller's province."""
    return TREE.owned(caller, col(Plan.province_id))


async def plan_targets(
    session: AsyncSession, plan_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[PlanTarget]]:
    """Return each plan's target rows, in the plan's order."""
    rows = await session.scalars(
        select(PlanTarget)
        .where(col(PlanTarget.plan_id).in_(plan_ids))
        .order_by(col(PlanTarget.plan_id), col(PlanTarget.rank))
    )
    targets: dict[uuid.UUID, list[PlanTarget]] = defaultdict(list)
    for row in rows:
        targets[row.plan_id].append(row)
    return targets
