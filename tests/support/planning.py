"""A province ready to schedule inspections in: units, a team, a checklist, an approved plan."""

import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from contracts.topics import AUDIT
from eventbus.outbox import OutboxMessage
from tests.support.apps import AppClient
from tests.support.factories import (
    create_checklist_body,
    create_inspection_body,
    create_plan_body,
    create_team_body,
    create_unit_body,
)
from tests.support.identity import HOME_ID


@dataclass
class Province:
    """Ids of what `prepare` created; the district sits beneath the province."""

    province: dict[str, Any]
    district: dict[str, Any]
    team: dict[str, Any]
    checklist: dict[str, Any]
    plan: dict[str, Any]

    def inspection(self, **overrides: Any) -> dict[str, Any]:
        """Return a body scheduling a surprise inspection of the district."""
        body = create_inspection_body(
            plan_id=self.plan["id"],
            target_unit_id=self.district["id"],
            team_id=self.team["id"],
            checklist_id=self.checklist["id"],
        )
        return body | overrides


async def created(client: AppClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST `body` and return the created resource, failing loudly on anything but 201."""
    response = await client.post(path, json=body)
    assert response.status_code == 201, response.text
    resource: dict[str, Any] = response.json()
    return resource


async def plan_naming_a_unit(client: AppClient, **overrides: Any) -> dict[str, Any]:
    """Register a district and return a plan body that names it: a plan ready to approve."""
    unit = await created(client, "/api/v1/plans/units", create_unit_body(valid_to=None))
    return create_plan_body(target_unit_ids=[unit["id"]], **overrides)


async def approved(client: AppClient, plan: dict[str, Any]) -> dict[str, Any]:
    """Approve a draft plan and return it."""
    etag = (await client.get(f"/api/v1/plans/plans/{plan['id']}")).headers["etag"]
    response = await client.post(
        f"/api/v1/plans/plans/{plan['id']}/approval", headers={"If-Match": etag}
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def prepare(client: AppClient, *, team_members: tuple[str, ...] = ("leader-1",)) -> Province:
    """Register a district of HOME, found a team, create a checklist, approve a plan of HOME."""
    response = await client.get(f"/api/v1/plans/units/{HOME_ID}")
    assert response.status_code == 200, response.text
    province: dict[str, Any] = response.json()
    district = await created(
        client,
        "/api/v1/plans/units",
        create_unit_body(name="Huyện Kỳ Sơn", parent_id=province["id"], valid_to=None),
    )
    team = await created(client, "/api/v1/plans/teams", create_team_body(*team_members))
    checklist = await created(client, "/api/v1/plans/checklists", create_checklist_body())
    plan = await created(
        client, "/api/v1/plans/plans", create_plan_body(target_unit_ids=[province["id"]])
    )
    return Province(province, district, team, checklist, await approved(client, plan))


async def staged(client: AppClient) -> list[tuple[str, dict[str, Any]]]:
    """Return the domain events the app staged in its outbox: type and payload, in order."""
    async with client.app.state.sessionmaker() as session:
        query = (
            select(OutboxMessage)
            .where(col(OutboxMessage.topic) != AUDIT)
            .order_by(col(OutboxMessage.seq))
        )
        rows = (await session.scalars(query)).all()
    return [(row.event_type, json.loads(row.payload)) for row in rows]
