"""Which units a caller reaches: one rule, applied by every service to its copy of the registry.

- `national` (the Ministry of Home Affairs) reaches every unit;
- the province roles (admin, inspectorate, team leaders, inspectors, provincial systems)
  reach the province their token's unit lies in: the unit at the top of its parent chain,
  and everything beneath it;
- unit heads and staff reach their unit and everything beneath it;
- anyone else, or a scoped caller whose token names no unit the registry knows, reaches
  nothing.

Each service holds the registry as the plans service announces it (plans holds the registry
itself); `UnitTree` names the columns of that table, so the rule is written once.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import CTE, ColumnElement, Select, false, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.access import PROVINCE_SCOPED, UNIT_SCOPED, Forbidden, Identity, Role


def reaches_all(caller: Identity) -> bool:
    """Tell whether the caller sees every province."""
    return caller.role == Role.NATIONAL


@dataclass(frozen=True)
class UnitTree:
    """A service's registry table: its id, parent and official code columns."""

    id: Any
    parent_id: Any
    code: Any

    def _chain(self, code: str) -> CTE:
        """Return the unit with official `code` and every unit above it."""
        start = select(self.id.label("id"), self.parent_id.label("parent_id")).where(
            self.code == code
        )
        chain = start.cte("chain", recursive=True)
        step = select(self.id, self.parent_id).join(chain, self.id == chain.c.parent_id)
        # UNION, not UNION ALL: a loop in the registry ends the walk instead of running on.
        return chain.union(step)

    def province_of(self, code: str) -> Select[tuple[uuid.UUID]]:
        """Return a query for the id of the province the unit with `code` lies in."""
        chain = self._chain(code)
        return select(chain.c.id).where(chain.c.parent_id.is_(None))

    def subtree(self, roots: Select[Any]) -> Select[tuple[uuid.UUID]]:
        """Return a query for the ids `roots` selects and those of every unit beneath them."""
        start = roots.cte("reach", recursive=True)
        step = select(self.id).join(start, self.parent_id == start.c[0])
        tree = start.union(step)
        return select(tree.c[0])

    def root_of(self, caller: Identity) -> Select[tuple[uuid.UUID]] | None:
        """Return a query for the unit at the top of the caller's reach; None for national.

        The query finds nothing for a caller who reaches nothing.
        """
        if reaches_all(caller):
            return None
        code = caller.unit_code
        if code is None or caller.role not in PROVINCE_SCOPED | UNIT_SCOPED:
            return select(self.id).where(false())
        if caller.role in UNIT_SCOPED:
            return select(self.id).where(self.code == code)
        return self.province_of(code)

    def reach(self, caller: Identity) -> Select[tuple[uuid.UUID]] | None:
        """Return a query for the ids of the units the caller reaches; None for every unit."""
        root = self.root_of(caller)
        return None if root is None else self.subtree(root)

    def within(self, caller: Identity, column: Any) -> ColumnElement[bool]:
        """Return the condition that `column` names a unit the caller reaches."""
        reach = self.reach(caller)
        if reach is None:
            return true()
        condition: ColumnElement[bool] = column.in_(reach)
        return condition

    async def province_id(self, session: AsyncSession, caller: Identity) -> uuid.UUID | None:
        """Return the id of the caller's province, if the caller has one the registry knows."""
        if caller.unit_code is None or caller.role not in PROVINCE_SCOPED | UNIT_SCOPED:
            return None
        found: uuid.UUID | None = await session.scalar(self.province_of(caller.unit_code))
        return found

    def owned(self, caller: Identity, column: Any) -> ColumnElement[bool]:
        """Return the condition that `column`, a province id, is the caller's province."""
        if reaches_all(caller):
            return true()
        if caller.unit_code is None or caller.role not in PROVINCE_SCOPED | UNIT_SCOPED:
            return false()
        condition: ColumnElement[bool] = column.in_(self.province_of(caller.unit_code))
        return condition


class NoProvince(Forbidden):
    """A province role whose token names a unit the registry does not know."""


async def home_province(session: AsyncSession, tree: UnitTree, caller: Identity) -> uuid.UUID:
    """Return the id of the province the caller acts for, refusing a caller without one."""
    province = await tree.province_id(session, caller)
    if province is None:
        raise NoProvince(
            f"Your account's unit ({caller.unit_code or 'none'}) is not in the registry, so"
            " CongVu cannot tell which province you act for.",
            vi=f"Đơn vị trong tài khoản của bạn ({caller.unit_code or 'không có'}) không có"
            " trong danh mục đơn vị, nên không xác định được bạn làm việc cho tỉnh nào.",
        )
    return province
