"""Forwarding `/api/v1/<service>/...` to the service that owns it, for allowed callers."""

import asyncio
import json
import logging
import math
from collections.abc import AsyncIterator, Mapping
from urllib.parse import unquote

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from starlette.background import BackgroundTask

from gateway.authn import CLIENT_HEADER, SIGNATURE_HEADER
from gateway.config import Settings
from gateway.state import GatewayState
from servicekit.access import (
    ANONYMOUS,
    IDENTITY_HEADER,
    Identity,
    Operation,
    Unauthenticated,
    find_operation,
    mint_identity_token,
    request_binding,
    request_target,
)
from servicekit.audit import REFUSALS_PATH
from servicekit.errors import DomainError, NotFound, problem_response
from servicekit.requestid import HEADER as REQUEST_ID_HEADER
from servicekit.requestid import current_request_id

log = logging.getLogger(__name__)

# Hop-by-hop headers (RFC 9110 §7.6.1), credentials the gateway consumes, and headers it sets.
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
    b"authorization",
    b"cookie",
    SIGNATURE_HEADER.encode(),
    CLIENT_HEADER.encode(),
    IDENTITY_HEADER.encode(),
    REQUEST_ID_HEADER.encode(),
}
_DROP_RESPONSE = {
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "date",
    "server",
    REQUEST_ID_HEADER,
}
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
IDEMPOTENT = {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}

router = APIRouter(include_in_schema=False)


class BodyTooLarge(DomainError):
    """The request body is over the configured cap."""

    status_code = 413
    title = "Content Too Large"


class RateLimited(DomainError):
    """Too many requests from this caller for this operation."""

    status_code = 429
    title = "Too Many Requests"


class UpstreamUnavailable(DomainError):
    """The service is down or its circuit is open."""

    status_code = 503
    title = "Service Unavailable"


class GatewayTimeout(DomainError):
    """The service did not answer in time."""

    status_code = 504
    title = "Gateway Timeout"


class BadGateway(DomainError):
    """The connection to the service broke."""

    status_code = 502
    title = "Bad Gateway"


async def _read_capped(request: Request, cap: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > cap:
        raise BodyTooLarge(f"The request body is over {cap} bytes.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > cap:
            raise BodyTooLarge(f"The request body is over {cap} bytes.")
    return bytes(body)


def _safe_path(raw_path: bytes) -> bool:
    """Refuse paths whose decoded segments would route differently upstream."""
    for segment in raw_path.decode("latin-1").split("/"):
        decoded = unquote(segment)
        if decoded in (".", "..") or any(c in decoded for c in "/?#\\"):
            return False
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in decoded):
            return False
    return True


async def _authenticate(request: Request, state: GatewayState, body: bytes) -> Identity:
    authorization = request.headers.get("authorization")
    signature = request.headers.get(SIGNATURE_HEADER)
    if authorization is not None and signature is not None:
        raise Unauthenticated("Send a bearer token or a signature, not both.")
    if authorization is not None:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("Authorization must be 'Bearer <token>'.")
        return await state.bearer.verify(token.strip())
    if signature is not None:
        client = request.headers.get(CLIENT_HEADER, "")
        return await state.signatures.verify(client, signature, body)
    return ANONYMOUS


def _forward_headers(request: Request, identity_token: str) -> list[tuple[bytes, bytes]]:
    headers = [(k, v) for k, v in request.headers.raw if k.lower() not in _DROP_REQUEST]
    headers.append((REQUEST_ID_HEADER.encode(), (current_request_id.get() or "").encode()))
    headers.append((IDENTITY_HEADER.encode(), identity_token.encode()))
    forwarded = [v for k, v in request.headers.raw if k.lower() == b"x-forwarded-for"]
    if request.client is not None:
        forwarded.append(request.client.host.encode())
    if forwarded:
        headers.append((b"x-forwarded-for", b", ".join(forwarded)))
    return headers


async def _check_limits(
    request: Request, state: GatewayState, name: str, operation: Operation, caller: Identity
) -> None:
    settings = state.settings
    anonymous = caller is ANONYMOUS
    key = f"ip:{request.client.host if request.client else '?'}" if anonymous else caller.subject
    default = settings.public_rate_limit_per_minute if anonymous else settings.rate_limit_per_minute
    limit = settings.rate_limits.get(name, default)
    wait = await state.limiter.retry_after(caller=key, operation=name, limit=limit)
    if wait is not None:
        raise RateLimited(
            f"Over {limit} requests a minute for this operation; slow down.",
            headers={"Retry-After": str(wait)},
        )


def may_retry(method: str, headers: Mapping[str, str]) -> bool:
    """Tell whether a request may be sent twice: idempotent methods, or an Idempotency-Key."""
    return method in IDEMPOTENT or any(name.lower() == "idempotency-key" for name in headers)


async def _send(
    state: GatewayState,
    service: str,
    request: httpx.Request,
    *,
    may_retry: bool,
    deadline: float,
) -> httpx.Response:
    breaker = state.breakers[service]
    settings: Settings = state.settings
    wait = breaker.retry_after()
    if wait is not None:
        raise UpstreamUnavailable(
            f"The {service} service is unavailable; try again shortly.",
            headers={"Retry-After": str(math.ceil(wait))},
        )
    attempts = 2 if may_retry else 1
    for attempt in range(1, attempts + 1):
        try:
            # The whole exchange, retries included, ends by the deadline (UPSTREAM_TIMEOUT_S).
            async with asyncio.timeout_at(deadline):
                response = await state.clients[service].send(request, stream=True)
        except (httpx.ConnectError, httpx.ConnectTimeout):
            if attempt < attempts:
                continue
            breaker.failed()
            log.warning("upstream %s unreachable", service)
            raise UpstreamUnavailable(
                f"The {service} service is not reachable; try again.",
                headers={"Retry-After": str(settings.upstream_retry_after_s)},
            ) from None
        except (httpx.TimeoutException, TimeoutError):
            breaker.failed()
            raise GatewayTimeout(f"The {service} service did not answer in time.") from None
        except httpx.TransportError:
            breaker.failed()
            # The request may have reached the service: the client must not assume it failed.
            log.warning("upstream %s broke the connection", service, exc_info=True)
            raise BadGateway(f"The {service} service gave no valid answer.") from None
        breaker.succeeded()
        return response
    raise AssertionError("unreachable")


async def _body_until(
    upstream: httpx.Response, deadline: float, service: str
) -> AsyncIterator[bytes]:
    """Stream the service's body; past the deadline, cut it (the status is already sent)."""
    try:
        async with asyncio.timeout_at(deadline):
            async for chunk in upstream.aiter_raw():
                yield chunk
    except TimeoutError:
        log.warning("upstream %s was still sending at the deadline; response cut", service)
        raise


async def _report_refusal(
    state: GatewayState, service: str, caller: Identity, operation: str, resource: str
) -> None:
    """Tell the owning service of a refused attempt, for its audit trail (after answering)."""
    body = json.dumps({"operation": operation, "resource": resource, "status": 403}).encode()
    token = mint_identity_token(
        caller,
        private_key=state.identity_key,
        service=service,
        binding=request_binding("POST", REFUSALS_PATH.encode(), body),
    )
    headers = {IDENTITY_HEADER: token, "content-type": "application/json"}
    if (request_id := current_request_id.get()) is not None:
        headers[REQUEST_ID_HEADER] = request_id
    try:
        response = await state.clients[service].post(REFUSALS_PATH, content=body, headers=headers)
        response.raise_for_status()
    except httpx.HTTPError:
        # The refusal itself stands; only its audit record is missing, and the log has it.
        log.warning("could not report a refused %s to %s", operation, service, exc_info=True)


@router.api_route("/api/v1/{service}/{path:path}", methods=METHODS)
async def forward(service: str, path: str, request: Request) -> Response:
    """Authenticate, authorise and limit the caller, then stream the service's answer back."""
    state: GatewayState = request.app.state.gateway
    deadline = asyncio.get_running_loop().time() + state.settings.upstream_timeout_s
    raw_path: bytes = request.scope.get("raw_path") or request.url.path.encode()
    found = find_operation(request.method, request.scope["path"])
    if service not in state.clients or not _safe_path(raw_path) or found is None:
        raise NotFound("No such resource.")
    name, operation = found
    body = await _read_capped(request, state.settings.max_body_bytes)
    caller = await _authenticate(request, state, body)
    if caller.role not in operation.roles:
        if caller is ANONYMOUS:
            raise Unauthenticated("Sign in to do this.")
        refused = problem_response(request, status=403, detail="Your role may not do this.")
        if operation.audited:
            refused.background = BackgroundTask(
                _report_refusal, state, service, caller, name, request.url.path
            )
        return refused
    await _check_limits(request, state, name, operation, caller)
    target = request_target(request.scope)
    identity_token = mint_identity_token(
        caller,
        private_key=state.identity_key,
        service=service,
        binding=request_binding(request.method, target, body),
    )
    client = state.clients[service]
    url = client.base_url.copy_with(raw_path=target)
    upstream_request = client.build_request(
        request.method, url, content=body, headers=_forward_headers(request, identity_token)
    )
    upstream = await _send(
        state,
        service,
        upstream_request,
        may_retry=may_retry(request.method, request.headers),
        deadline=deadline,
    )
    headers = [
        (k.encode("latin-1"), v.encode("latin-1"))
        for k, v in upstream.headers.multi_items()
        if k.lower() not in _DROP_RESPONSE
    ]
    response = StreamingResponse(
        _body_until(upstream, deadline, service),
        status_code=upstream.status_code,
        background=BackgroundTask(upstream.aclose),
    )
    response.raw_headers = [h for h in response.raw_headers if h[0] != b"content-type"]
    response.raw_headers.extend(headers)
    return response
