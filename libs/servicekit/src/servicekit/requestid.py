"""Request ids: taken from `X-Request-ID` or made, echoed back, logged and put on events."""

import re
import uuid
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "x-request-id"
# A caller's id is kept only in a short, safe form (a UUID fits); anything else gets a fresh
# UUID, so what lands in logs, events and other services' audit trails stays bounded.
_VALID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)
# W3C trace context, passed on to the events a request causes.
current_traceparent: ContextVar[str | None] = ContextVar("current_traceparent", default=None)
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")


class RequestIdMiddleware:
    """Pure ASGI middleware, so the id is set for the whole request, streaming included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        given = headers.get(HEADER.encode(), b"").decode("latin-1")
        request_id = given if _VALID.fullmatch(given) else str(uuid.uuid4())
        traceparent = headers.get(b"traceparent", b"").decode("latin-1")
        token = current_request_id.set(request_id)
        trace_token = current_traceparent.set(
            traceparent if _TRACEPARENT.match(traceparent) else None
        )

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((HEADER.encode(), request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            current_request_id.reset(token)
            current_traceparent.reset(trace_token)
