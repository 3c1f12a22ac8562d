"""Roles and unit scope, enforced by the plans service itself."""

import json
from collections.abc import AsyncIterator, Generator

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import select

from contracts.topics import AUDIT
from eventbus.outbox import OutboxMessage
from servicekit.access import IDENTITY_HEADER, Role, mint_identity_token, request_binding
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.factories import NO_BROKER, create_unit_body
from tests.support.identity import HOME_ID, PRIVATE_KEY, As, as_, caller


class NoAuth(httpx.Auth):
    """Sends the request as given, without the identity the test client adds."""


@pytest.fixture
async def plans(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app("plans", database_url=await database("plans"), bootstrap=NO_BROKER)
    async with serve(app, language="en") as client:
        yield client


async def register(plans: AppClient, **fields: object) -> dict[str, object]:
    # The Ministry keeps the registry: it registers provinces and units in any of them.
    response = await plans.post(
        "/api/v1/plans/units", json=create_unit_body(**fields), auth=as_(Role.NATIONAL)
    )
    assert response.status_code == 201, response.text
    unit: dict[str, object] = response.json()
    return unit


async def test_requests_without_a_gateway_identity_are_401(plans: AppClient) -> None:
    response = await plans.get("/api/v1/plans/units", auth=NoAuth())
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    forged = As(caller(Role.ADMIN), key=ed25519.Ed25519PrivateKey.generate())
    response = await plans.post("/api/v1/plans/units", json=create_unit_body(), auth=forged)
    assert response.status_code == 401


async def test_an_identity_token_works_only_for_the_request_it_was_made_for(
    plans: AppClient,
) -> None:
    body = create_unit_body()
    signed = plans.build_request("GET", "/api/v1/plans/units")
    token = next(as_(Role.ADMIN).auth_flow(signed)).headers[IDENTITY_HEADER]
    for method, path, payload in (
        ("POST", "/api/v1/plans/units", body),
        ("GET", "/api/v1/plans/units?level=province", None),
    ):
        response = await plans.request(
            method, path, json=payload, headers={IDENTITY_HEADER: token}, auth=NoAuth()
        )
        assert response.status_code == 401, (method, path)
    for service in ("visits", "reporting"):
        other = plans.build_request("GET", f"/api/v1/{service}/units")
        foreign = next(as_(Role.ADMIN).auth_flow(other)).headers[IDENTITY_HEADER]
        response = await plans.get(
            "/api/v1/plans/units", headers={IDENTITY_HEADER: foreign}, auth=NoAuth()
        )
        assert response.status_code == 401
    same = await plans.get("/api/v1/plans/units", headers={IDENTITY_HEADER: token}, auth=NoAuth())
    assert same.status_code == 200


async def test_only_admin_registers_units(plans: AppClient) -> None:
    for role in (Role.INSPECTORATE, Role.UNIT_HEAD, Role.PUBLIC, Role.PROVINCIAL_SYSTEM):
        response = await plans.post(
            "/api/v1/plans/units", json=create_unit_body(), auth=as_(role, "22")
        )
        assert response.status_code == 403, role
    listed = await plans.get("/api/v1/plans/units")
    assert [u["id"] for u in listed.json()["items"]] == [str(HOME_ID)]


async def test_unit_staff_see_only_their_unit_and_beneath(plans: AppClient) -> None:
    province = await register(plans, code="S22", level="province", valid_to=None)
    ward = await register(plans, code="S6688", level="commune", parent_id=province["id"])
    office = await register(plans, code="S6688-1", level="office", parent_id=ward["id"])
    other = await register(plans, code="S40", level="province", valid_to=None)

    staff = as_(Role.UNIT_STAFF, "S6688")
    listed = await plans.get("/api/v1/plans/units", auth=staff)
    assert {u["id"] for u in listed.json()["items"]} == {ward["id"], office["id"]}
    assert (await plans.get(f"/api/v1/plans/units/{office['id']}", auth=staff)).status_code == 200
    for outside in (province, other):
        response = await plans.get(f"/api/v1/plans/units/{outside['id']}", auth=staff)
        assert response.status_code == 404
        assert outside["code"] not in response.text
    head = as_(Role.UNIT_HEAD, "S22")
    listed = await plans.get("/api/v1/plans/units", params={"limit": 500}, auth=head)
    assert {u["id"] for u in listed.json()["items"]} == {province["id"], ward["id"], office["id"]}
    # The province's inspectorate sees its province, whatever unit of it its token names.
    for unit in ("S22", "S6688-1"):
        inspectorate = await plans.get("/api/v1/plans/units", auth=as_(Role.INSPECTORATE, unit))
        assert {u["id"] for u in inspectorate.json()["items"]} == {
            province["id"],
            ward["id"],
            office["id"],
        }
    national = await plans.get("/api/v1/plans/units", auth=as_(Role.NATIONAL))
    assert {province["id"], other["id"], str(HOME_ID)} <= {
        u["id"] for u in national.json()["items"]
    }


async def test_unit_staff_without_a_known_unit_see_nothing(plans: AppClient) -> None:
    await register(plans)
    for unit in ("NOPE", None):
        listed = await plans.get("/api/v1/plans/units", auth=as_(Role.UNIT_STAFF, unit))
        assert listed.json()["items"] == []


class ForPlans(httpx.Auth):
    """Signs a request to the plans service's internal routes, as the gateway does."""

    requires_request_body = True

    def __init__(self, role: Role) -> None:
        self.identity = caller(role, "22" if role in (Role.UNIT_HEAD, Role.UNIT_STAFF) else None)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[IDENTITY_HEADER] = mint_identity_token(
            self.identity,
            private_key=PRIVATE_KEY,
            service="plans",
            binding=request_binding(request.method, request.url.raw_path, request.content),
        )
        yield request


async def test_refusals_the_gateway_reports_reach_the_audit_trail(plans: AppClient) -> None:
    refusal = {
        "operation": "plans.units.register",
        "resource": "/api/v1/plans/units",
        "status": 403,
    }
    unsigned = await plans.post("/internal/refusals", json=refusal, auth=NoAuth())
    assert unsigned.status_code == 401
    elsewhere = refusal | {"operation": "feedback.ratings.submit"}
    wrong = await plans.post("/internal/refusals", json=elsewhere, auth=ForPlans(Role.INSPECTOR))
    assert wrong.status_code == 422
    reported = await plans.post("/internal/refusals", json=refusal, auth=ForPlans(Role.INSPECTOR))
    assert reported.status_code == 204
    async with plans.app.state.sessionmaker() as session:
        rows = (
            await session.scalars(select(OutboxMessage).where(OutboxMessage.topic == AUDIT))
        ).all()
    records = [json.loads(row.payload) for row in rows]
    refused = [r for r in records if r["operation"] == "plans.units.register"]
    assert [(r["outcome"], r["status"], r["role"]) for r in refused] == [
        ("refused", 403, "inspector")
    ]
