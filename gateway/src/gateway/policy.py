"""The policy of each service, as the service states it in its own OpenAPI document.

Every operation of a service's document carries `x-congvu-access` (who may call it, whether
it is audited): the routes declare it, `servicekit.access.policy_of` writes it. The gateway
learns it when a service is first needed and again every `refresh_s`, so a route added to a
service is routed by the gateway without a change here, and refused alike by both.
"""

import asyncio
import logging
import time
from collections.abc import Mapping

import httpx

from servicekit.access import Policy

log = logging.getLogger(__name__)

# A service that did not answer for its policy is asked again this long after.
RETRY_S = 5.0


class Policies:
    """What each service says about its operations; one fetch at a time per service."""

    def __init__(self, clients: Mapping[str, httpx.AsyncClient], *, refresh_s: float) -> None:
        self.clients = clients
        self.refresh_s = refresh_s
        self._known: dict[str, tuple[float, Policy]] = {}
        self._fetches: dict[str, asyncio.Task[Policy | None]] = {}

    async def of(self, service: str) -> Policy | None:
        """Return the service's policy, or None while it has never answered for it.

        A policy past its `refresh_s` still answers while a fresh one is fetched beside it;
        a service that cannot be asked keeps the policy it last stated.
        """
        known = self._known.get(service)
        if known is not None:
            learned_at, policy = known
            if time.monotonic() - learned_at >= self.refresh_s:
                self._fetch(service)
            return policy
        return await asyncio.shield(self._fetch(service))

    def known(self, service: str) -> Policy | None:
        """Return the policy the service last stated, if it ever did, without asking again."""
        known = self._known.get(service)
        return None if known is None else known[1]

    def learned(self, service: str, policy: Policy) -> None:
        """Use `policy` for `service` as if the service had just stated it."""
        self._known[service] = (time.monotonic(), policy)

    def _fetch(self, service: str) -> "asyncio.Task[Policy | None]":
        running = self._fetches.get(service)
        if running is None:
            running = asyncio.create_task(self._learn(service))
            self._fetches[service] = running
            running.add_done_callback(lambda _: self._fetches.pop(service, None))
        return running

    async def _learn(self, service: str) -> Policy | None:
        try:
            response = await self.clients[service].get("/openapi.json")
            response.raise_for_status()
            document = response.json()
            prefix = f"/api/v1/{service}/"
            # A service speaks for its own paths only.
            paths = {
                p: item for p, item in document.get("paths", {}).items() if p.startswith(prefix)
            }
            policy = Policy.from_openapi({"paths": paths})
        except (httpx.HTTPError, ValueError, KeyError, TypeError, AttributeError):
            log.warning("could not learn the policy of %s", service, exc_info=True)
            known = self._known.get(service)
            if known is None:
                return None
            # Kept, and asked for again in RETRY_S rather than on every request.
            self._known[service] = (time.monotonic() - self.refresh_s + RETRY_S, known[1])
            return known[1]
        self.learned(service, policy)
        return policy

    async def close(self) -> None:
        """Stop the fetches still running (at shutdown)."""
        for task in list(self._fetches.values()):
            task.cancel()
        await asyncio.gather(*self._fetches.values(), return_exceptions=True)
