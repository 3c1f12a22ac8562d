"""The audit trail: writes and reads of personal data, from every service, kept by reporting."""

import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from reporting.models import AuditEntry
from servicekit.access import Role
from tests.conftest import Broker, DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.directory import rate_when_known
from tests.support.factories import create_rating_body, create_unit_body, now
from tests.support.identity import as_
from tests.support.waiting import eventually


async def audit_entries(reporting: AppClient, **filters: str) -> list[dict[str, Any]]:
    response = await reporting.get(
        "/api/v1/reporting/audit-entries", params={"limit": 500, **filters}
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def wait_for_entries(
    reporting: AppClient, count: int, outcome: str | None = None, **filters: str
) -> list[dict[str, Any]]:
    async def enough() -> list[dict[str, Any]] | None:
        found = await audit_entries(reporting, **filters)
        matching = [e for e in found if outcome is None or e["outcome"] == outcome]
        return found if len(matching) >= count else None

    return await eventually(enough)


async def test_writes_refusals_and_personal_reads_are_recorded(
    broker: Broker, database: DatabaseFactory
) -> None:
    apps = {
        name: build_app(name, database_url=await database(name), bootstrap=broker.bootstrap)
        for name in ("plans", "citizen-feedback", "reporting")
    }
    async with (
        serve(apps["plans"]) as plans,
        serve(apps["citizen-feedback"]) as feedback,
        # The Ministry reads the trail: a citizen, and staff of a unit of no known province,
        # act for no province (what a province's inspectorate sees: test_tenancy).
        serve(apps["reporting"], Role.NATIONAL) as reporting,
    ):
        body = create_unit_body(valid_to=None)
        created = await plans.post(
            "/api/v1/plans/units", json=body, headers={"X-Request-ID": "req-audit-1"}
        )
        assert created.status_code == 201
        duplicate = await plans.post("/api/v1/plans/units", json=body)
        assert duplicate.status_code == 409
        refused = await plans.post(
            "/api/v1/plans/units",
            json=create_unit_body(),
            auth=as_(Role.UNIT_STAFF, "22"),
        )
        assert refused.status_code == 403
        assert (await plans.get("/api/v1/plans/units")).status_code == 200

        rating = await rate_when_known(
            lambda: feedback.post(
                "/api/v1/citizen-feedback/ratings",
                json=create_rating_body(created.json()["id"]),
            )
        )
        read = await feedback.get(rating.headers["location"], auth=as_(Role.INSPECTORATE))
        assert read.status_code == 200

        entries = [
            *await wait_for_entries(reporting, 3, operation="plans.units.register"),
            # Attempts before citizen-feedback learnt of the unit were refused (and recorded).
            *await wait_for_entries(
                reporting, 1, outcome="succeeded", operation="feedback.ratings.submit"
            ),
            *await wait_for_entries(reporting, 1, operation="feedback.ratings.read"),
            *await audit_entries(reporting, operation="plans.units.list"),
        ]
        by_outcome = {(e["operation"], e["outcome"], e["status"]): e for e in entries}
        registered = by_outcome[("plans.units.register", "succeeded", None)]
        assert registered["role"] == "admin"
        assert registered["resource"] == created.headers["location"]
        assert registered["request_id"] == "req-audit-1"
        assert registered["at"].endswith("+07:00")
        assert ("plans.units.register", "refused", 409) in by_outcome
        staff = by_outcome[("plans.units.register", "refused", 403)]
        assert (staff["role"], staff["unit_code"]) == ("unit_staff", "22")
        submitted = by_outcome[("feedback.ratings.submit", "succeeded", None)]
        assert submitted["role"] == "public"
        personal = by_outcome[("feedback.ratings.read", "succeeded", None)]
        assert personal["resource"] == rating.headers["location"]
        assert personal["role"] == "inspectorate"
        # Plain reads of non-personal data are not audited.
        assert not any(e["operation"] == "plans.units.list" for e in entries)

        only_reads = await audit_entries(reporting, operation="feedback.ratings.read")
        assert [e["entry_id"] for e in only_reads] == [personal["entry_id"]]
        # Reading the audit trail is itself recorded.
        await wait_for_entries(reporting, 1, operation="reporting.audit.list")


async def test_only_the_inspectorate_and_the_ministry_read_the_audit_trail(
    database: DatabaseFactory,
) -> None:
    app = build_app("reporting", database_url=await database("reporting"), bootstrap="127.0.0.1:1")
    async with serve(app) as reporting:
        for role in (Role.ADMIN, Role.INSPECTOR, Role.UNIT_HEAD):
            response = await reporting.get("/api/v1/reporting/audit-entries", auth=as_(role, "22"))
            assert response.status_code == 403, role
        assert (await reporting.get("/api/v1/reporting/audit-entries")).status_code == 200
        national = as_(Role.NATIONAL)
        assert (
            await reporting.get("/api/v1/reporting/audit-entries", auth=national)
        ).status_code == 200


async def test_the_database_refuses_to_change_audit_entries(database: DatabaseFactory) -> None:
    app = build_app("reporting", database_url=await database("reporting"), bootstrap="127.0.0.1:1")
    async with serve(app) as reporting:
        await reporting.get("/api/v1/reporting/audit-entries")
        async with app.state.sessionmaker() as session:
            session.add(
                AuditEntry(
                    entry_id=uuid.uuid4(),
                    service="plans",
                    operation="plans.units.register",
                    actor="someone",
                    resource="/api/v1/plans/units/x",
                    outcome="succeeded",
                    at=now(),
                )
            )
            await session.commit()
            for statement in ("UPDATE audit_entries SET actor = 'x'", "DELETE FROM audit_entries"):
                with pytest.raises(DBAPIError, match="append-only"):
                    await session.execute(text(statement))
                await session.rollback()


async def test_an_attempt_on_a_very_long_path_is_recorded_cut_and_marked(
    broker: Broker, database: DatabaseFactory
) -> None:
    apps = {
        name: build_app(name, database_url=await database(name), bootstrap=broker.bootstrap)
        for name in ("plans", "reporting")
    }
    async with serve(apps["plans"]) as plans, serve(apps["reporting"]) as reporting:
        # Reads of inspections are audited; a 3,000-character id is refused, and recorded.
        long_path = "/api/v1/plans/inspections/" + "a" * 3000
        assert (await plans.get(long_path)).status_code in (404, 422)
        [entry] = await wait_for_entries(reporting, 1, operation="plans.inspections.read")
        assert entry["outcome"] == "refused"
        assert entry["resource"].startswith("/api/v1/plans/inspections/aaa")
        assert entry["resource"].endswith("…[truncated]")
        assert len(entry["resource"]) <= 500
