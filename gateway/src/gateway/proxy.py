"""Forwarding `/api/v1/<service>/...` to the service that owns it."""

import logging
from urllib.parse import unquote

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
    b"host",
    b"connection",
    b"keep-alive",
    b"proxy-authorization",
    b"te",
    b"trailer",
    b"transfer-encoding",
    b"upgrade",
    b"content-length",
    b"x-forwarded-for",
    REQUEST_ID_HEADER.encode(),
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


def _safe_path(raw_path: bytes) -> bool:
    """Refuse paths whose decoded segments would route differently upstream."""
    for segment in raw_path.decode("latin-1").split("/"):
        decoded = unquote(segment)
        if decoded in (".", "..") or any(c in decoded for c in "/?#\\"):
            return False
    return True


def _forward_headers(request: Request) -> list[tuple[bytes, bytes]]:
    headers = [(k, v) for k, v in request.headers.raw if k.lower() not in _DROP_REQUEST]
    headers.append((REQUEST_ID_HEADER.encode(), (current_request_id.get() or "").encode()))
    forwarded = [v for k, v in request.headers.raw if k.lower() == b"x-forwarded-for"]
    if request.client is not None:
        forwarded.append(request.client.host.encode())
    if forwarded:
        headers.append((b"x-forwarded-for", b", ".join(forwarded)))
    return headers


@router.api_route("/api/v1/{service}/{path:path}", methods=METHODS)
async def forward(service: str, path: str, request: Request) -> Response:
    """Send the request to its service and return the service's answer unchanged."""
    settings: Settings = request.app.state.settings
    clients: dict[str, httpx.AsyncClient] = request.app.state.clients
    client = clients.get(service)
    raw_path: bytes = request.scope.get("raw_path") or request.url.path.encode()
    if client is None or not _safe_path(raw_path):
        return problem_response(request, status=404, detail="No such resource.")
    try:
        body = await _read_capped(request, settings.max_body_bytes)
    except BodyTooLarge:
        return problem_response(
            request,
            status=413,
            detail=f"The request body is over {settings.max_body_bytes} bytes.",
        )
    query: bytes = request.scope.get("query_string", b"")
    url = client.base_url.copy_with(raw_path=raw_path + (b"?" + query if query else b""))
    upstream_request = client.build_request(
        request.method, url, content=body, headers=_forward_headers(request)
    )
    try:
        upstream = await client.send(upstream_request)
    except (httpx.ConnectError, httpx.ConnectTimeout):
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
    except httpx.TransportError:
        # The request may have reached the service: the client must not assume it failed.
        log.warning("upstream %s broke the connection", service, exc_info=True)
        return problem_response(
            request, status=502, detail=f"The {service} service gave no valid answer."
        )
    response = Response(content=upstream.content, status_code=upstream.status_code)
    for name, value in upstream.headers.multi_items():
        if name.lower() not in _DROP_RESPONSE:
            response.headers.append(name, value)
    return response
