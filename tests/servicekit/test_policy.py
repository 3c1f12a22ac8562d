"""A route's policy is declared beside it, collected by the app and stated in its OpenAPI."""

from typing import Annotated

import pytest
from fastapi import APIRouter, Depends

from servicekit.access import ACCESS_EXTENSION, PEOPLE, Identity, Policy, Role, allow, policy_of
from tests.support.gateway import service_apps

Caller = Annotated[Identity, Depends(allow(PEOPLE))]


def test_a_route_without_a_policy_stops_the_app() -> None:
    router = APIRouter(prefix="/api/v1/plans")

    @router.get("/unguarded", operation_id="plans.unguarded")
    async def unguarded() -> None: ...

    with pytest.raises(RuntimeError, match="unguarded"):
        policy_of([router])


def test_a_route_without_a_name_stops_the_app() -> None:
    router = APIRouter(prefix="/api/v1/plans")

    @router.get("/unnamed")
    async def unnamed(caller: Caller) -> None: ...

    with pytest.raises(RuntimeError, match="unnamed"):
        policy_of([router])


def test_two_routes_with_one_name_stop_the_app() -> None:
    router = APIRouter(prefix="/api/v1/plans")

    @router.get("/a", operation_id="plans.same")
    async def first(caller: Caller) -> None: ...

    @router.get("/b", operation_id="plans.same")
    async def second(caller: Caller) -> None: ...

    with pytest.raises(ValueError, match=r"plans\.same"):
        policy_of([router])


def test_routes_outside_the_api_need_no_policy() -> None:
    router = APIRouter()

    @router.get("/healthz-like")
    async def free() -> None: ...

    assert len(policy_of([router])) == 0


def test_roles_and_groups_of_roles_combine() -> None:
    router = APIRouter(prefix="/api/v1/visits")

    @router.get("/x", operation_id="visits.x")
    async def x(
        caller: Annotated[Identity, Depends(allow(Role.INSPECTOR, {Role.ADMIN}))],
    ) -> None: ...

    (operation,) = policy_of([router])
    assert operation.roles == {Role.INSPECTOR, Role.ADMIN}
    assert not operation.audited
    with pytest.raises(ValueError, match="at least one role"):
        allow()


@pytest.mark.parametrize("service", ["plans", "visits", "citizen-feedback", "reporting"])
def test_each_service_states_its_policy_in_its_openapi_document(service: str) -> None:
    app = service_apps()[service]
    document = app.openapi()
    stated = Policy.from_openapi(document)
    own: Policy = app.state.policy
    assert len(own) > 0
    assert {(o.name, o.method, o.path, o.roles, o.personal_data) for o in stated} == {
        (o.name, o.method, o.path, o.roles, o.personal_data) for o in own
    }
    for path, item in document["paths"].items():
        for spec in item.values() if path.startswith("/api/") else ():
            assert ACCESS_EXTENSION in spec, spec["operationId"]
            assert spec["operationId"].split(".")[0] in (service, "feedback")
