"""Forwarding `/api/v1/<service>/...` to the service that owns it."""

import logging

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import Response

from gateway.config import Settings
from servicekit.errors import problem_response
from servicekit.requestid import HEADER as REQUEST_ID_HEADER
from servicekit.requestid import current_request_id

log = logging.getLogger(__name__)

# Hop-by-hop headers (RFC 9110 §7.6.1) and those the gateway sets itself.
_DROP_REQUEST = {
    "host",
    "connection",
    "keep-alive",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
    REQUEST_ID_HEADER,
}
_DROP_RESPONSE = {
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
    "content-encoding",
    "date",
    "server",
    REQUEST_ID_HEADER,
}
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]

router = APIRouter(include_in_schema=False)


class BodyTooLarge(Exception):
    """The request body is over the configured cap."""


async def _read_capped(request: Request, cap: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > cap:
        raise BodyTooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > cap:
            raise BodyTooLarge
    return bytes(body)


@router.api_route("/api/v1/{service}/{path:path}", methods=METHODS)
async def forward(service: str, path: str, request: Request) -> Response:
    """Send the request to its service and return the service's answer unchanged."""
    settings: Settings = request.app.state.settings
    clients: dict[str, httpx.AsyncClient] = request.app.state.clients
    client = clients.get(service)
    if client is None:
        return problem_response(request, status=404, detail=f"No service is called {service!r}.")
    try:
        body = await _read_capped(request, settings.max_body_bytes)
    except BodyTooLarge:
        return problem_response(
            request,
            status=413,
            detail=f"The request body is over {settings.max_body_bytes} bytes.",
        )
    headers = {k: v for k, v in request.headers.items() if k.lower() not in _DROP_REQUEST}
    headers[REQUEST_ID_HEADER] = current_request_id.get() or ""
    if request.client is not None:
        headers["x-forwarded-for"] = request.client.host
    try:
        upstream = await client.request(
            request.method,
            f"/api/v1/{service}/{path}",
            params=str(request.query_params),
            content=body,
            headers=headers,
        )
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError):
        log.warning("upstream %s unreachable", service)
        return problem_response(
            request,
            status=503,
            detail=f"The {service} service is not reachable; try again shortly.",
            headers={"Retry-After": str(settings.upstream_retry_after_s)},
        )
    except httpx.TimeoutException:
        return problem_response(
            request, status=504, detail=f"The {service} service did not answer in time."
        )
    return Response(
        content=upstream.content,
        status_code=upstream.status_code,
        headers={k: v for k, v in upstream.headers.items() if k.lower() not in _DROP_RESPONSE},
    )
