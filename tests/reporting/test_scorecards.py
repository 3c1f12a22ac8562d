"""The slice in one process: units, visits and ratings in; scorecards out of reporting."""

import uuid

import httpx

from servicekit.access import Role
from tests.conftest import Broker, DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.directory import rate_when_known, unit_unknown
from tests.support.factories import create_rating_body, create_unit_body, create_visit_body
from tests.support.identity import As, as_
from tests.support.reporting import wait_for_scorecard
from tests.support.waiting import eventually


async def start_when_known(visits: AppClient, unit_id: str, auth: As) -> httpx.Response:
    """Start a visit once the unit's registration has reached the visits service."""
    body = create_visit_body(unit_id)

    async def attempt() -> httpx.Response | None:
        response = await visits.post("/api/v1/visits/visits", json=body, auth=auth)
        return None if unit_unknown(response) else response

    return await eventually(attempt, timeout_s=30.0, every_s=0.1)


async def test_scorecard_counts_what_every_service_reported(
    broker: Broker, database: DatabaseFactory
) -> None:
    apps = {
        name: build_app(name, database_url=await database(name), bootstrap=broker.bootstrap)
        for name in ("plans", "visits", "citizen-feedback", "reporting")
    }
    async with (
        serve(apps["plans"]) as plans,
        serve(apps["visits"]) as visits,
        serve(apps["citizen-feedback"]) as feedback,
        serve(apps["reporting"]) as reporting,
    ):
        # The Ministry registers a province; the province's own people do the rest.
        registered = await plans.post(
            "/api/v1/plans/units",
            json=create_unit_body(name="Tỉnh Nghệ An", level="province", valid_to=None),
            auth=as_(Role.NATIONAL),
        )
        assert registered.status_code == 201, registered.text
        province = registered.json()
        admin = as_(Role.ADMIN, province["code"])
        inspector = as_(Role.INSPECTOR, province["code"])
        # The province's inspectorate reads its scorecards.
        reporting.auth = as_(Role.INSPECTORATE, province["code"])
        registered = await plans.post(
            "/api/v1/plans/units",
            json=create_unit_body(name="Huyện Kỳ Sơn", parent_id=province["id"], valid_to=None),
            auth=admin,
        )
        assert registered.status_code == 201, registered.text
        district = registered.json()
        for _ in range(2):
            created = await start_when_known(visits, district["id"], inspector)
            assert created.status_code == 201, created.text
        for score in (5, 4, 2):
            created = await rate_when_known(
                lambda score=score: feedback.post(
                    "/api/v1/citizen-feedback/ratings",
                    json=create_rating_body(district["id"], score=score),
                )
            )
            assert created.status_code == 201

        # An official's rating counts apart: the citizens' average stays theirs.
        official = await feedback.post(
            "/api/v1/citizen-feedback/ratings",
            json=create_rating_body(district["id"], score=1),
            auth=inspector,
        )
        assert official.status_code == 201

        card = await wait_for_scorecard(
            reporting,
            district["id"],
            name="Huyện Kỳ Sơn",
            visits_started=2,
            ratings_count=3,
            official_ratings_count=1,
        )
        assert card["satisfaction_average"] == 3.67
        assert card["official_satisfaction_average"] == 1.0
        # The province's figures are its units' figures.
        province_card = await wait_for_scorecard(
            reporting, province["id"], visits_started=2, ratings_count=3, official_ratings_count=1
        )
        assert province_card["satisfaction_average"] == 3.67
        assert province_card["own"]["visits_started"] == 0
        assert card["parent_id"] == province["id"]
        assert card["level_label"].startswith("Huyện")
        assert card["updated_at"].endswith("+07:00")

        children = await reporting.get(
            "/api/v1/reporting/units", params={"parent_id": province["id"]}
        )
        assert [c["unit_id"] for c in children.json()["items"]] == [district["id"]]
        renamed = await plans.patch(
            f"/api/v1/plans/units/{district['id']}",
            json={"name": "Huyện Kỳ Sơn (đã sáp nhập)", "valid_to": "2025-06-30"},
            headers={"If-Match": "*"},
            auth=admin,
        )
        assert renamed.status_code == 200
        await wait_for_scorecard(
            reporting, district["id"], name="Huyện Kỳ Sơn (đã sáp nhập)", visits_started=2
        )
        missing = await reporting.get(f"/api/v1/reporting/units/{uuid.uuid4()}")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
