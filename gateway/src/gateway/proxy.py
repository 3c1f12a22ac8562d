"""Forwarding `/api/v1/<service>/...` to the service that owns it, for allowed callers."""

import asyncio
import logging
import math
import re
from collections.abc import AsyncIterator, Mapping
from typing import ClassVar
from urllib.parse import unquote

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from starlette.background import BackgroundTask
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from gateway import upstream
from gateway.authn import CLIENT_HEADER, SIGNATURE_HEADER
from gateway.config import Settings
from gateway.limits import limit_key
from gateway.state import GatewayState
from gateway.upstream import Answer, Forwarded
from servicekit.access import (
    ANONYMOUS,
    IDENTITY_HEADER,
    Identity,
    Policy,
    Unauthenticated,
    mint_identity_token,
    request_binding,
    request_target,
)
from servicekit.errors import DomainError, MethodNotAllowed, NotFound, problem_response
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
    # The client's address goes on as the gateway determined it, never as the caller says.
    b"x-forwarded-for",
    b"x-real-ip",
    b"forwarded",
    b"authorization",
    b"cookie",
    SIGNATURE_HEADER.encode(),
    CLIENT_HEADER.encode(),
    IDENTITY_HEADER.encode(),
    REQUEST_ID_HEADER.encode(),
}
_DROP_RESPONSE = {
    b"connection",
    b"keep-alive",
    b"te",
    b"trailer",
    b"transfer-encoding",
    b"upgrade",
    b"date",
    b"server",
    REQUEST_ID_HEADER.encode(),
}
# Letters, digits, "-", "_", "~" and "/": each segment decodes to itself, never to a dot one.
_PLAIN_PATH = re.compile(rb"[A-Za-z0-9_~/-]*")
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
# An answer up to this size, with a Content-Length, is read whole and sent in one piece;
# larger or unsized ones stream through.
WHOLE_BODY = 64 * 1024
IDEMPOTENT = {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}

router = APIRouter(include_in_schema=False)


class BodyTooLarge(DomainError):
    """The request body is over the configured cap."""

    status_code = 413
    # The rest of the body is not read: the connection ends with the answer.
    default_headers: ClassVar[dict[str, str] | None] = {"Connection": "close"}


class BodyTimeout(DomainError):
    """The request body did not arrive within BODY_TIMEOUT_S."""

    status_code = 408
    default_headers: ClassVar[dict[str, str] | None] = {"Connection": "close"}


class RateLimited(DomainError):
    """Too many requests from this caller for this operation."""

    status_code = 429


class UpstreamUnavailable(DomainError):
    """The service is down or its circuit is open."""

    status_code = 503


class GatewayTimeout(DomainError):
    """The service did not answer in time."""

    status_code = 504


class BadGateway(DomainError):
    """The connection to the service broke."""

    status_code = 502


async def _read_capped(request: Request, cap: int, timeout_s: float) -> bytes:
    """Read the body, refusing one over `cap` bytes or still arriving after `timeout_s`."""
    too_large = BodyTooLarge(
        f"The request body is over {cap} bytes.", vi=f"Nội dung yêu cầu vượt quá {cap} byte."
    )
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > cap:
        raise too_large
    body = bytearray()
    try:
        async with asyncio.timeout(timeout_s):
            async for chunk in request.stream():
                body += chunk
                if len(body) > cap:
                    raise too_large
    except TimeoutError:
        raise BodyTimeout(
            f"The request body did not arrive within {timeout_s:g} s.",
            vi=f"Nội dung yêu cầu không đến đủ trong {timeout_s:g} giây.",
        ) from None
    return bytes(body)


def _safe_path(raw_path: bytes) -> bool:
    """Refuse paths whose decoded segments would route differently upstream."""
    # Most paths are ids and words: nothing escaped, no dots, so nothing to decode.
    if _PLAIN_PATH.fullmatch(raw_path):
        return True
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
        raise Unauthenticated(
            "Send a bearer token or a signature, not both.",
            vi="Hãy gửi mã thông báo (bearer token) hoặc chữ ký, không gửi cả hai.",
        )
    if authorization is not None:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated(
                "Authorization must be 'Bearer <token>'.",
                vi="Authorization phải có dạng 'Bearer <token>'.",
            )
        return await state.bearer.verify(token.strip())
    if signature is not None:
        client = request.headers.get(CLIENT_HEADER, "")
        return await state.signatures.verify(
            client,
            signature,
            method=request.method,
            target=request_target(request.scope),
            body=body,
        )
    return ANONYMOUS


def _client_address(request: Request) -> str:
    """Return the caller's address: the peer's, or the one a trusted proxy (ingress) gave."""
    # uvicorn resolves X-Forwarded-For from FORWARDED_ALLOW_IPS only (servicekit.serve).
    return request.client.host if request.client is not None else "unknown"


def _forward_headers(request: Request, identity_token: str) -> list[tuple[bytes, bytes]]:
    headers = [(k, v) for k, v in request.headers.raw if k.lower() not in _DROP_REQUEST]
    headers.append((REQUEST_ID_HEADER.encode(), (current_request_id.get() or "").encode()))
    headers.append((IDENTITY_HEADER.encode(), identity_token.encode()))
    # Services tell citizens apart by this one address (their Idempotency-Keys).
    headers.append((b"x-forwarded-for", _client_address(request).encode("latin-1")))
    return headers


async def _check_limits(request: Request, state: GatewayState, name: str, caller: Identity) -> None:
    settings = state.settings
    anonymous = caller is ANONYMOUS
    key = limit_key(caller, _client_address(request))
    default = settings.public_rate_limit_per_minute if anonymous else settings.rate_limit_per_minute
    limit = settings.rate_limits.get(name, default)
    wait = await state.limiter.retry_after(caller=key, operation=name, limit=limit)
    if wait is not None:
        raise RateLimited(
            f"Over {limit} requests a minute for this operation; slow down.",
            vi=f"Vượt quá {limit} yêu cầu mỗi phút cho thao tác này; hãy gửi chậm lại.",
            headers={"Retry-After": str(wait)},
        )


def may_retry(method: str, headers: Mapping[str, str]) -> bool:
    """Tell whether a request may be sent twice: idempotent methods, or an Idempotency-Key."""
    return method in IDEMPOTENT or any(name.lower() == "idempotency-key" for name in headers)


async def _send(
    state: GatewayState,
    service: str,
    request: Forwarded | httpx.Request,
    *,
    may_retry: bool,
    deadline: float,
) -> Answer:
    """Send a request to a service by the deadline; an answer of known small size is read whole.

    Reading it here, not while answering, lets a body that breaks or stalls be a 502 or 504
    rather than a cut response, and frees the connection before the caller is answered.
    """
    breaker = state.breakers[service]
    settings: Settings = state.settings
    wait = breaker.retry_after()
    if wait is not None:
        raise UpstreamUnavailable(
            f"The {service} service is unavailable; try again shortly.",
            vi=f"Dịch vụ {service} tạm thời không sẵn sàng; hãy thử lại sau ít phút.",
            headers={"Retry-After": str(math.ceil(wait))},
        )
    attempts = 2 if may_retry else 1
    for attempt in range(1, attempts + 1):
        try:
            # The whole exchange, retries included, ends by the deadline (UPSTREAM_TIMEOUT_S).
            async with asyncio.timeout_at(deadline):
                answer = await upstream.send(state.clients[service], request)
                if answer.content_length is not None and answer.content_length <= WHOLE_BODY:
                    await answer.read()
        except (httpx.ConnectError, httpx.ConnectTimeout):
            if attempt < attempts:
                continue
            breaker.failed()
            log.warning("upstream %s unreachable", service)
            raise UpstreamUnavailable(
                f"The {service} service is not reachable; try again.",
                vi=f"Không kết nối được dịch vụ {service}; hãy thử lại.",
                headers={"Retry-After": str(settings.upstream_retry_after_s)},
            ) from None
        except (httpx.TimeoutException, TimeoutError):
            breaker.failed()
            raise GatewayTimeout(
                f"The {service} service did not answer in time.",
                vi=f"Dịch vụ {service} không trả lời kịp.",
            ) from None
        except httpx.TransportError:
            breaker.failed()
            # The request may have reached the service: the client must not assume it failed.
            log.warning("upstream %s broke the connection", service, exc_info=True)
            raise BadGateway(
                f"The {service} service gave no valid answer.",
                vi=f"Dịch vụ {service} không trả lời hợp lệ.",
            ) from None
        breaker.succeeded()
        return answer
    raise AssertionError("unreachable")


async def _body_until(answer: Answer, deadline: float, service: str) -> AsyncIterator[bytes]:
    """Stream the service's body; past the deadline, cut it (the status is already sent)."""
    try:
        async with asyncio.timeout_at(deadline):
            async for chunk in answer.chunks():
                yield chunk
    except TimeoutError:
        log.warning("upstream %s was still sending at the deadline; response cut", service)
        raise


async def forward(request: Request) -> Response:
    """Authenticate, authorise and limit the caller, then stream the service's answer back."""
    service: str = request.path_params["service"]
    state: GatewayState = request.app.state.gateway
    deadline = asyncio.get_running_loop().time() + state.settings.upstream_timeout_s
    policy = await _policy_of(request, service, deadline)
    operation = None if policy is None else policy.find(request.method, request.scope["path"])
    if operation is None:
        raise _unrouted(request, policy)
    name = operation.name
    settings = state.settings
    if operation.max_body_bytes is None:
        body = await _read_capped(request, settings.max_body_bytes, settings.body_timeout_s)
    else:
        # A file upload: the limit its service states, within the gateway's own, and time to
        # arrive over a field device's weak connection; the service then has its full time.
        cap = min(operation.max_body_bytes, settings.max_upload_bytes)
        body = await _read_capped(request, cap, settings.upload_timeout_s)
        deadline = asyncio.get_running_loop().time() + settings.upstream_timeout_s
    caller = await _authenticate(request, state, body)
    # Refused attempts count against the limit too: a refusal costs an audit record.
    await _check_limits(request, state, name, caller)
    if caller.role not in operation.roles:
        if caller is ANONYMOUS:
            raise Unauthenticated("Sign in to do this.", vi="Hãy đăng nhập để làm việc này.")
        refused = problem_response(
            request,
            status=403,
            detail="Your role may not do this.",
            vi="Vai trò của bạn không được làm việc này.",
        )
        if operation.audited:
            refused.background = BackgroundTask(
                state.refusals.refused,
                service=service,
                caller=caller,
                operation=operation,
                resource=request.url.path,
            )
        return refused
    target = request_target(request.scope)
    identity_token = mint_identity_token(
        caller,
        private_key=state.identity_key,
        service=service,
        binding=request_binding(request.method, target, body),
    )
    answer = await _send(
        state,
        service,
        Forwarded(request.method, target, _forward_headers(request, identity_token), body),
        may_retry=may_retry(request.method, request.headers),
        deadline=deadline,
    )
    # The service's header lines as bytes (names lowercased, as ASGI wants): nothing decoded
    # only to be encoded again. Its Content-Length stays, with the body it measures.
    headers = [(k, v) for k, v in answer.headers if k not in _DROP_RESPONSE]
    response: Response
    if answer.body is not None:
        response = Response(answer.body, status_code=answer.status_code)
    else:
        response = StreamingResponse(
            _body_until(answer, deadline, service),
            status_code=answer.status_code,
            background=BackgroundTask(answer.aclose),
        )
    response.raw_headers = headers
    return response


async def _policy_of(request: Request, service: str, deadline: float) -> Policy | None:
    """Return the policy of the service a request is for; None for no service or a bad path.

    Until the service has stated its policy once, asking for it is a call to the service
    like any other: bounded by the request's deadline and counted by its circuit breaker.
    """
    state: GatewayState = request.app.state.gateway
    raw_path: bytes = request.scope.get("raw_path") or request.url.path.encode()
    if service not in state.clients or not _safe_path(raw_path):
        return None
    if state.policies.known(service) is None:
        breaker = state.breakers[service]
        wait = breaker.retry_after()
        if wait is not None:
            raise UpstreamUnavailable(
                f"The {service} service is unavailable; try again shortly.",
                vi=f"Dịch vụ {service} tạm thời không sẵn sàng; hãy thử lại sau ít phút.",
                headers={"Retry-After": str(math.ceil(wait))},
            )
        try:
            async with asyncio.timeout_at(deadline):
                policy = await state.policies.of(service)
        except TimeoutError:
            breaker.failed()
            raise GatewayTimeout(
                f"The {service} service did not answer in time.",
                vi=f"Dịch vụ {service} không trả lời kịp.",
            ) from None
        if policy is None:
            breaker.failed()
            raise UpstreamUnavailable(
                f"The {service} service is not reachable; try again.",
                vi=f"Không kết nối được dịch vụ {service}; hãy thử lại.",
                headers={"Retry-After": str(state.settings.upstream_retry_after_s)},
            )
        breaker.succeeded()
        return policy
    return await state.policies.of(service)


def _unrouted(request: Request, policy: Policy | None) -> DomainError:
    """Return the refusal of a request no operation takes: 405 where the path has others.

    Decided by the path alone, never by what exists, so a sealed resource and a missing one
    answer alike; `Allow` lists every method of the path.
    """
    methods = [] if policy is None else policy.methods_of(request.scope["path"])
    if methods:
        return MethodNotAllowed.at(methods)
    return NotFound("No such resource.", vi="Không có tài nguyên này.")


class _OtherMethods:
    """Refuse the methods no operation uses (HEAD, OPTIONS, TRACE, ...), as above.

    An ASGI app rather than a function, so its route takes every method.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        state: GatewayState = request.app.state.gateway
        deadline = asyncio.get_running_loop().time() + state.settings.upstream_timeout_s
        policy = await _policy_of(request, request.path_params["service"], deadline)
        raise _unrouted(request, policy)


# A plain Starlette route: FastAPI's dependency solving would only hand over the request.
router.routes.append(Route("/api/v1/{service}/{path:path}", forward, methods=METHODS))
# Every method `forward` does not take; Starlette's own 405 would list METHODS everywhere.
router.routes.append(
    Route("/api/v1/{service}/{path:path}", _OtherMethods(), include_in_schema=False)
)
