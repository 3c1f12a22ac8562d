"""Prometheus metrics: request counts and latencies by route template, served at /metrics."""

import time

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUESTS = Counter(
    "congvu_http_requests_total", "HTTP requests handled", ["service", "method", "route", "status"]
)
LATENCY = Histogram(
    "congvu_http_request_seconds", "HTTP request latency", ["service", "method", "route"]
)

# The status nginx logs for a client that closed the connection before the answer.
CLIENT_CLOSED_REQUEST = 499

router = APIRouter(include_in_schema=False)


@router.get("/metrics")
async def metrics() -> Response:
    """Expose every metric of this process in Prometheus text format."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


class MetricsMiddleware:
    """Counts requests by route template, so ids in paths do not explode the label set."""

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service

    @staticmethod
    def _route(scope: Scope) -> str:
        # The router leaves the route it chose in the scope: no second match per request.
        # Matching again here also labelled every route "other": the app's routes are the
        # included routers, which have no path of their own.
        route = scope.get("route")
        return str(getattr(route, "path", "other")) if route is not None else "unmatched"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        # An error before any answer is a 500; a return without one, a client that hung up.
        status: int | None = None
        failed = True

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
            failed = False
        finally:
            route = self._route(scope)
            if status is None:
                status = 500 if failed else CLIENT_CLOSED_REQUEST
            REQUESTS.labels(self.service, scope["method"], route, str(status)).inc()
            LATENCY.labels(self.service, scope["method"], route).observe(
                time.perf_counter() - started
            )
