"""Reports of attempts the gateway refuses, to the audit trail of the service that owns them.

The first refusal of a caller and operation is reported at once; repeats within the next
window are counted (in the shared store, so every replica counts) and reported as one
record with their count when the window ends. A caller hammering a forbidden operation
thus costs at most two records a window, and no refusal goes uncounted.
"""

import asyncio
import contextlib
import hashlib
import json
import logging
from typing import Any

import httpx

from gateway.stores import Store
from servicekit.access import (
    IDENTITY_HEADER,
    Identity,
    Operation,
    mint_identity_token,
    request_binding,
)
from servicekit.audit import MAX_REFUSAL_COUNT, REFUSALS_PATH, bounded_resource
from servicekit.requestid import HEADER as REQUEST_ID_HEADER
from servicekit.requestid import current_request_id

log = logging.getLogger(__name__)
# A flush runs this long after its window closed, so repeats counted at the very end are in.
_FLUSH_GRACE_S = 0.5


class RefusalReporter:
    """Tells services of refused attempts: the first at once, repeats as a count a window."""

    def __init__(
        self,
        *,
        clients: dict[str, httpx.AsyncClient],
        identity_key: Any,
        store: Store,
        window_s: int,
    ) -> None:
        self.clients = clients
        self.identity_key = identity_key
        self.store = store
        self.window_s = window_s
        self._flushes: set[asyncio.Task[None]] = set()
        self._closing = asyncio.Event()

    async def refused(
        self, *, service: str, caller: Identity, operation: Operation, resource: str
    ) -> None:
        """Record one refused attempt (called after the 403 went out)."""
        key = _key(caller, operation.name)
        try:
            if not await self.store.add(f"{key}:open", self.window_s):
                await self.store.incr(f"{key}:count", 3 * self.window_s)
                return
        except Exception:
            # The refusal stands; without the store it cannot be counted, and the log has it.
            log.warning("could not count a refused %s", operation.name, exc_info=True)
            return
        await self._report(
            service, caller, operation.name, resource, count=1, request_id=current_request_id.get()
        )
        task = asyncio.create_task(self._flush_later(service, caller, operation, key))
        self._flushes.add(task)
        task.add_done_callback(self._flushes.discard)

    async def close(self) -> None:
        """Report at once the counts still waiting for their window to end (at shutdown)."""
        self._closing.set()
        await asyncio.gather(*self._flushes, return_exceptions=True)

    async def _flush_later(
        self, service: str, caller: Identity, operation: Operation, key: str
    ) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), self.window_s + _FLUSH_GRACE_S)
        try:
            count = await self.store.take(f"{key}:count")
            # Closed early (this replica stops): the next refusal, on any replica, opens a
            # window of its own and schedules its own flush, so no count is left unreported.
            await self.store.take(f"{key}:open")
        except Exception:
            log.warning(
                "could not read the refusals of %s to report", operation.name, exc_info=True
            )
            return
        # The repeats may name different resources (ids): the record names the operation's.
        while count > 0:
            part = min(count, MAX_REFUSAL_COUNT)
            await self._report(
                service, caller, operation.name, operation.path, count=part, request_id=None
            )
            count -= part

    async def _report(
        self,
        service: str,
        caller: Identity,
        operation: str,
        resource: str,
        *,
        count: int,
        request_id: str | None,
    ) -> None:
        refusal = {
            "operation": operation,
            "resource": bounded_resource(resource),
            "status": 403,
            "count": count,
        }
        body = json.dumps(refusal).encode()
        token = mint_identity_token(
            caller,
            private_key=self.identity_key,
            service=service,
            binding=request_binding("POST", REFUSALS_PATH.encode(), body),
        )
        headers = {IDENTITY_HEADER: token, "content-type": "application/json"}
        if request_id is not None:
            headers[REQUEST_ID_HEADER] = request_id
        try:
            response = await self.clients[service].post(
                REFUSALS_PATH, content=body, headers=headers
            )
            response.raise_for_status()
        except httpx.HTTPError:
            # The refusals stand; only their audit record is missing, and the log has it.
            log.warning(
                "could not report %d refused %s to %s", count, operation, service, exc_info=True
            )


def _key(caller: Identity, operation: str) -> str:
    """Return the store key of one caller (all it claims) and operation, of bounded length."""
    digest = hashlib.sha256(caller.model_dump_json().encode()).hexdigest()[:32]
    return f"refused:{digest}:{operation}"
