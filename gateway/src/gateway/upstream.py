"""How the gateway reaches the services: httpx's API over aiohttp's connection pool.

httpx's own pool (httpcore) costs more CPU per request than the services' one-row reads
under concurrency (encode/httpx#3215), so the requests the gateway builds with httpx go out
through aiohttp. The transport keeps what a proxy needs: the target exactly as received (the
identity token is bound to it), every header line, no cookies kept between callers, and
failures as httpx's errors, split by whether the request can have reached the service.
httpx-aiohttp was not used for it: as released (0.2.0) it re-quotes the target, merges
repeated headers, adds a Content-Type, and maps a dropped connection to ConnectTimeout.
Like any aiohttp client, it sends an idempotent request (GET, PUT, DELETE) once more when the
connection closes before an answer (RFC 9112 §9.3.1); a POST or PATCH goes once.
"""

from collections.abc import AsyncIterator
from http.cookiejar import CookieJar, DefaultCookiePolicy

import aiohttp
import httpx
from yarl import URL

# Response heads as large as the request heads the gateway accepts (MAX_HEADER_BYTES).
MAX_HEADER_LINE_BYTES = 64 * 1024


def upstream_client(
    *, base_url: str = "", timeout: httpx.Timeout, limits: httpx.Limits
) -> httpx.AsyncClient:
    """Return an httpx client that sends over aiohttp and keeps no cookies."""
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=timeout,
        transport=AiohttpTransport(limits=limits),
        # A Set-Cookie from one caller's answer must never ride on the next caller's request.
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
    )


class AiohttpTransport(httpx.AsyncBaseTransport):
    """Send httpx requests with one aiohttp session, created on first use in the event loop."""

    def __init__(self, *, limits: httpx.Limits) -> None:
        self._limits = limits
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[tuple[float | None, ...], aiohttp.ClientTimeout] = {}

    def _open(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=self._limits.max_connections or 0,
            keepalive_timeout=self._limits.keepalive_expiry,
        )
        return aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
            # A body without Content-Type goes on without one, as the caller sent it.
            skip_auto_headers=("Content-Type",),
            max_line_size=MAX_HEADER_LINE_BYTES,
            max_field_size=MAX_HEADER_LINE_BYTES,
        )

    def _timeout(self, request: httpx.Request) -> aiohttp.ClientTimeout:
        given = request.extensions.get("timeout", {})
        key = (given.get("pool"), given.get("connect"), given.get("read"))
        if key not in self._timeouts:
            # aiohttp's `connect` covers waiting for a pooled connection, like httpx's `pool`.
            pool, connect, read = key
            self._timeouts[key] = aiohttp.ClientTimeout(
                total=None, connect=pool, sock_connect=connect, sock_read=read
            )
        return self._timeouts[key]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._session is None:
            self._session = self._open()
        body = await request.aread()
        try:
            response = await self._session.request(
                request.method,
                # As given: yarl would otherwise re-quote the path and query.
                URL(str(request.url), encoded=True),
                headers=request.headers.multi_items(),
                data=body or None,
                allow_redirects=False,
                timeout=self._timeout(request),
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


def transport_error(exc: aiohttp.ClientError, request: httpx.Request) -> httpx.TransportError:
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
