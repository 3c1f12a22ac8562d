"""How the gateway reaches the services: aiohttp's connection pool, with httpx's API over it.

A caller's request goes out through `UpstreamClient.forward`, straight to aiohttp: httpx's
client, request and response layers cost about twice aiohttp's whole exchange (building the
target's URL alone about 40 µs), and its own pool (httpcore) more again under concurrency
(encode/httpx#3215). The gateway's own calls (readiness, refusal reports, the services'
OpenAPI documents) keep httpx's API on the same client, through `AiohttpTransport` over the
same pool.

A forwarded request keeps what a proxy needs: the target exactly as received (the identity
token is bound to it), every header line and none made up, no cookies kept between callers.
Failures arrive as httpx's errors either way, split by whether the request can have reached
the service. httpx-aiohttp was not used for the transport: as released (0.2.0) it re-quotes
the target, merges repeated headers, adds a Content-Type, and maps a dropped connection to
ConnectTimeout. Like any aiohttp client, it sends an idempotent request (GET, PUT, DELETE)
once more when the connection closes before an answer (RFC 9112 §9.3.1); a POST or PATCH
goes once.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Protocol

import aiohttp
import httpx
from yarl import URL

# Response heads as large as the request heads the gateway accepts (MAX_HEADER_BYTES).
MAX_HEADER_LINE_BYTES = 64 * 1024
# Headers aiohttp would make up when a request has none: a request goes on with the ones it
# was given, or none (a body without Content-Type goes without; a service asked for no
# encoding sends none). httpx's API gives its own defaults.
_NOT_MADE_UP = ("Accept", "Accept-Encoding", "Content-Type", "User-Agent")


@dataclass(frozen=True, slots=True)
class Forwarded:
    """A caller's request as it goes to a service: the target and header lines as bytes."""

    method: str
    target: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes


class Answer(Protocol):
    """A service's answer: its status and header lines (names lowercased), then its body."""

    status_code: int
    headers: list[tuple[bytes, bytes]]
    content_length: int | None
    # The whole body, once `read`.
    body: bytes | None

    async def read(self) -> None:
        """Read the whole body into `body`; the connection goes back to the pool."""

    def chunks(self) -> AsyncIterator[bytes]:
        """Yield the body as it arrives."""

    async def aclose(self) -> None:
        """Give the connection back, or close it if the body was not read to its end."""


def upstream_client(
    *, base_url: str = "", timeout: httpx.Timeout, limits: httpx.Limits
) -> httpx.AsyncClient:
    """Return the client for one service: it sends over aiohttp and keeps no cookies."""
    return UpstreamClient(base_url=base_url, timeout=timeout, limits=limits)


class UpstreamClient(httpx.AsyncClient):
    """An httpx client over aiohttp that also forwards callers' requests without httpx."""

    def __init__(self, *, base_url: str, timeout: httpx.Timeout, limits: httpx.Limits) -> None:
        self._aiohttp = AiohttpTransport(limits=limits)
        super().__init__(
            base_url=base_url,
            timeout=timeout,
            transport=self._aiohttp,
            # A Set-Cookie from one caller's answer must never ride on the next caller's request.
            cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
        )
        # A forwarded target replaces the base URL's path, as httpx's `copy_with(raw_path=)`.
        self._origin = str(URL(str(self.base_url)).origin()) if base_url else ""
        self._forward_timeout = self._aiohttp.timeout(timeout.pool, timeout.connect, timeout.read)

    async def forward(self, request: Forwarded) -> Answer:
        """Send a caller's request as given; return the answer once its head has arrived."""
        # As given: yarl would otherwise re-quote the path and query.
        url = URL(self._origin + request.target.decode("latin-1"), encoded=True)
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers]
        try:
            response = await self._aiohttp.session().request(
                request.method,
                url,
                headers=headers,
                data=request.body or None,
                allow_redirects=False,
                timeout=self._forward_timeout,
            )
        except aiohttp.ClientError as exc:
            raise transport_error(exc) from exc
        return _AiohttpAnswer(response)


class _AiohttpAnswer:
    """A service's answer as aiohttp received it."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response
        self.status_code = response.status
        self.headers = [(k.lower(), v) for k, v in response.raw_headers]
        self.content_length = response.content_length
        self.body: bytes | None = None

    async def read(self) -> None:
        try:
            self.body = await self._response.read()
        except aiohttp.ClientError as exc:
            raise transport_error(exc) from exc

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_any():
                yield chunk
        except aiohttp.ClientError as exc:
            raise transport_error(exc) from exc

    async def aclose(self) -> None:
        # A body not read to its end closes its connection rather than going back.
        self._response.release()


class _HttpxAnswer:
    """A service's answer through httpx's API, from a client of any other kind.

    Its body is as httpx reads it: an answer a mock made whole has no raw stream left.
    """

    def __init__(self, response: httpx.Response) -> None:
        self._response = response
        self.status_code = response.status_code
        self.headers = [(k.lower(), v) for k, v in response.headers.raw]
        length = response.headers.get("content-length", "")
        self.content_length = int(length) if length.isdigit() else None
        self.body: bytes | None = None

    async def read(self) -> None:
        self.body = await self._response.aread()

    def chunks(self) -> AsyncIterator[bytes]:
        return self._response.aiter_bytes()

    async def aclose(self) -> None:
        await self._response.aclose()


async def send(client: httpx.AsyncClient, request: Forwarded | httpx.Request) -> Answer:
    """Send `request` to a service; return its answer once the head has arrived.

    The gateway's own clients forward through aiohttp alone; any other httpx client (an app
    served in process, a mock) gets the request through httpx's API.
    """
    if isinstance(request, Forwarded):
        if isinstance(client, UpstreamClient):
            return await client.forward(request)
        url = client.base_url.copy_with(raw_path=request.target)
        request = client.build_request(
            request.method, url, content=request.body, headers=request.headers
        )
    return _HttpxAnswer(await client.send(request, stream=True))


class AiohttpTransport(httpx.AsyncBaseTransport):
    """Send httpx requests with one aiohttp session, created on first use in the event loop."""

    def __init__(self, *, limits: httpx.Limits) -> None:
        self._limits = limits
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[tuple[float | None, ...], aiohttp.ClientTimeout] = {}

    def session(self) -> aiohttp.ClientSession:
        """Return the pool's session, opened in the running event loop on first use."""
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=self._limits.max_connections or 0,
                keepalive_timeout=self._limits.keepalive_expiry,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=False,
                skip_auto_headers=_NOT_MADE_UP,
                max_line_size=MAX_HEADER_LINE_BYTES,
                max_field_size=MAX_HEADER_LINE_BYTES,
            )
        return self._session

    def timeout(
        self, pool: float | None, connect: float | None, read: float | None
    ) -> aiohttp.ClientTimeout:
        """Return aiohttp's timeout for httpx's pool, connect and read timeouts."""
        key = (pool, connect, read)
        if key not in self._timeouts:
            # aiohttp's `connect` covers waiting for a pooled connection, like httpx's `pool`.
            self._timeouts[key] = aiohttp.ClientTimeout(
                total=None, connect=pool, sock_connect=connect, sock_read=read
            )
        return self._timeouts[key]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        given = request.extensions.get("timeout", {})
        body = await request.aread()
        try:
            response = await self.session().request(
                request.method,
                # As given: yarl would otherwise re-quote the path and query.
                URL(str(request.url), encoded=True),
                headers=request.headers.multi_items(),
                data=body or None,
                allow_redirects=False,
                timeout=self.timeout(given.get("pool"), given.get("connect"), given.get("read")),
            )
        except aiohttp.ClientError as exc:
            raise transport_error(exc, request) from exc
        return httpx.Response(
            status_code=response.status,
            headers=response.raw_headers,
            stream=_ResponseBody(response, request),
            request=request,
            extensions={
                "http_version": b"HTTP/1.1",
                "reason_phrase": (response.reason or "").encode(),
            },
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class _ResponseBody(httpx.AsyncByteStream):
    """The service's body as it arrives; closing it gives the connection back to the pool."""

    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_any():
                yield chunk
        except aiohttp.ClientError as exc:
            raise transport_error(exc, self._request) from exc

    async def aclose(self) -> None:
        # A body not read to its end closes its connection rather than going back.
        self._response.release()


def transport_error(
    exc: aiohttp.ClientError, request: httpx.Request | None = None
) -> httpx.TransportError:
    """Return httpx's error for an aiohttp failure: Connect* only if nothing was sent."""
    message = str(exc) or type(exc).__name__
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(message, request=request)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return httpx.ConnectError(message, request=request)
    if isinstance(exc, aiohttp.ServerTimeoutError):
        return httpx.ReadTimeout(message, request=request)
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientResponseError):
        return httpx.RemoteProtocolError(message, request=request)
    return httpx.ReadError(message, request=request)
