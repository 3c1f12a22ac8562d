"""Reading what reporting shows, over its HTTP API."""

from typing import Any

from prometheus_client import REGISTRY

from tests.support.apps import AppClient
from tests.support.waiting import eventually


async def scorecard(reporting: AppClient, unit_id: str) -> dict[str, Any] | None:
    """Return the unit's scorecard, or None while reporting has nothing about it."""
    response = await reporting.get(f"/api/v1/reporting/units/{unit_id}")
    if response.status_code == 404:
        return None
    response.raise_for_status()
    card: dict[str, Any] = response.json()
    return card


async def wait_for_scorecard(
    reporting: AppClient, unit_id: str, *, timeout_s: float = 20.0, **expected: Any
) -> dict[str, Any]:
    """Wait until the unit's scorecard shows every `expected` field value."""

    async def matches() -> dict[str, Any] | None:
        card = await scorecard(reporting, unit_id)
        if card is not None and all(card.get(k) == v for k, v in expected.items()):
            return card
        return None

    return await eventually(matches, timeout_s=timeout_s)


def consumed(consumer: str, outcome: str) -> float:
    """Return how many events `consumer` has had with `outcome` in this process."""
    value = REGISTRY.get_sample_value(
        "congvu_consumer_events_total", {"consumer": consumer, "outcome": outcome}
    )
    return value or 0.0
