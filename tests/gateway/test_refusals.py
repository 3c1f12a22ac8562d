"""Refusal reports: the first at once, repeats coalesced into one count per window."""

import asyncio
import json
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric import ed25519

from gateway.refusals import RefusalReporter
from gateway.stores import MemoryStore
from servicekit.access import Identity, Operation, Role
from servicekit.audit import TRUNCATED_MARK

STAFF = Identity(subject="staff-1", role=Role.UNIT_STAFF, unit_code="22")
PATH = "/api/v1/plans/units"
OPERATION = Operation("plans.units.register", "POST", PATH, frozenset({Role.ADMIN}))


class Service:
    """Records each refusal reported to it."""

    def __init__(self) -> None:
        self.reports: list[dict[str, Any]] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/internal/refusals"
        self.reports.append(json.loads(request.content))
        return httpx.Response(204)


def reporter_for(service: Service, window_s: int = 1) -> RefusalReporter:
    client = httpx.AsyncClient(transport=httpx.MockTransport(service), base_url="http://plans")
    return RefusalReporter(
        clients={"plans": client},
        identity_key=ed25519.Ed25519PrivateKey.generate(),
        store=MemoryStore(),
        window_s=window_s,
    )


async def refuse(reporter: RefusalReporter, caller: Identity = STAFF, path: str = PATH) -> None:
    await reporter.refused(service="plans", caller=caller, operation=OPERATION, resource=path)


async def test_the_first_is_reported_at_once_and_repeats_once_a_window() -> None:
    service = Service()
    reporter = reporter_for(service)
    for _ in range(5):
        await refuse(reporter)
    assert service.reports == [
        {"operation": OPERATION.name, "resource": PATH, "status": 403, "count": 1}
    ]
    await asyncio.sleep(1.6)
    assert service.reports[1:] == [
        {"operation": OPERATION.name, "resource": PATH, "status": 403, "count": 4}
    ]
    # A new window starts with a report of its own.
    await refuse(reporter)
    assert len(service.reports) == 3
    await reporter.close()
    assert sum(r["count"] for r in service.reports) == 6


async def test_other_callers_are_reported_apart_and_counts_are_flushed_at_shutdown() -> None:
    service = Service()
    reporter = reporter_for(service, window_s=60)
    other = Identity(subject="staff-1", role=Role.UNIT_HEAD, unit_code="22")
    for caller in (STAFF, STAFF, other, STAFF):
        await refuse(reporter, caller)
    assert [r["count"] for r in service.reports] == [1, 1]
    await reporter.close()
    assert [r["count"] for r in service.reports] == [1, 1, 2]


async def test_a_long_resource_is_cut_and_marked() -> None:
    service = Service()
    reporter = reporter_for(service)
    await refuse(reporter, path=f"{PATH}/{'x' * 3000}")
    resource = service.reports[0]["resource"]
    assert len(resource) == 500
    assert resource.endswith(TRUNCATED_MARK)
    assert resource.startswith(f"{PATH}/xxx")
    await reporter.close()
