"""The transport to the services, against real sockets: failures as the gateway maps them.

Each stub service is an asyncio server that answers, stalls, hangs up or garbles on cue, so
aiohttp's own errors reach the gateway, and the gateway's statuses are the ones it gave over
httpx's default transport: 503 refused, 504 no answer in time, 502 broken or garbled.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from fastapi import FastAPI

from devstack.keys import ensure_keys
from devstack.token import mint_token
from gateway.config import Settings
from gateway.main import create_app
from gateway.upstream import upstream_client
from servicekit.access import Role
from tests.support.identity import PRIVATE_KEY
from tests.support.ports import free_port

Behaviour = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
OK = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"


class StubService:
    """A loopback HTTP/1.1 server: records each request head and connection, then `behaves`."""

    def __init__(self, behaves: Behaviour) -> None:
        self.behaves = behaves
        self.connections = 0
        self.heads: list[bytes] = []
        self.bodies: list[bytes] = []
        self._handlers: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> "StubService":
        self.server = await asyncio.start_server(self._connected, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.server.close()
        # A stalled handler holds its connection: the server's close does not end it.
        for handler in self._handlers:
            handler.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)

    async def _connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                self.heads.append(head)
                length = next(
                    (
                        int(line.split(b":", 1)[1])
                        for line in head.lower().split(b"\r\n")
                        if line.startswith(b"content-length:")
                    ),
                    0,
                )
                self.bodies.append(await reader.readexactly(length))
                await self.behaves(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def answers(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(OK)
    await writer.drain()


async def stalls(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await asyncio.sleep(30)


async def hangs_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    raise ConnectionError("closed on purpose")


async def garbles(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"NOT HTTP AT ALL\r\n\r\n")
    await writer.drain()
    raise ConnectionError("closed on purpose")


async def sets_a_cookie(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(
        b"HTTP/1.1 200 OK\r\nset-cookie: session=someone-else; Path=/\r\n"
        b"x-part: a\r\nx-part: b\r\ncontent-length: 5\r\n\r\nhello"
    )
    await writer.drain()


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    ensure_keys(tmp_path)
    return tmp_path


@asynccontextmanager
async def gateway(
    keys: Path, plans_url: str, *, upstream_timeout_s: float = 15.0
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """Run a gateway whose plans service is at `plans_url`; its client signs in as national."""
    pem = PRIVATE_KEY.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    settings = Settings(
        identity_private_key=pem,
        oidc_jwks_file=keys / "oidc-jwks.json",
        plans_url=plans_url,
        upstream_timeout_s=upstream_timeout_s,
        log_json=False,
    )
    app = create_app(settings)
    token = mint_token(Role.NATIONAL, None, keys_dir=keys)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://gateway",
            headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
            timeout=10,
        ) as client,
    ):
        yield app, client


def failures(app: FastAPI) -> int:
    """Return the plans circuit breaker's count of failures in a row."""
    consecutive: int = app.state.gateway.breakers["plans"]._consecutive
    return consecutive


async def test_a_dead_service_is_503_and_counts_against_its_breaker(keys: Path) -> None:
    async with gateway(keys, f"http://127.0.0.1:{free_port()}") as (app, client):
        response = await client.get("/api/v1/plans/units")
        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        assert response.headers["content-type"] == "application/problem+json"
        assert "not reachable" in response.json()["detail"]
        assert failures(app) == 1


async def test_a_service_that_does_not_answer_in_time_is_504(keys: Path) -> None:
    async with (
        StubService(stalls) as service,
        gateway(keys, service.url, upstream_timeout_s=0.5) as (app, client),
    ):
        started = asyncio.get_running_loop().time()
        response = await client.get("/api/v1/plans/units")
        assert response.status_code == 504
        assert asyncio.get_running_loop().time() - started < 2
        assert failures(app) == 1
    # It may have received the request: it is not sent again.
    assert service.connections == 1


@pytest.mark.parametrize("behaves", [hangs_up, garbles], ids=["hangs-up", "garbles"])
async def test_a_broken_answer_to_a_post_is_502_and_the_post_is_sent_once(
    keys: Path, behaves: Behaviour
) -> None:
    async with StubService(behaves) as service, gateway(keys, service.url) as (app, client):
        response = await client.post("/api/v1/plans/units", json={"code": "X"})
        assert response.status_code == 502
        assert response.headers["content-type"] == "application/problem+json"
        assert failures(app) == 1
    assert len(service.heads) == 1


async def test_a_read_whose_connection_closes_unanswered_is_sent_again_once(keys: Path) -> None:
    # RFC 9112 9.3.1, as aiohttp does it: a keep-alive connection the service closed just as
    # it was reused costs no error; an idempotent request goes once more, then it is a 502.
    async with StubService(hangs_up) as service, gateway(keys, service.url) as (_, client):
        response = await client.get("/api/v1/plans/units")
        assert response.status_code == 502
    assert len(service.heads) == 2


async def test_answers_stream_through_over_one_kept_alive_connection(keys: Path) -> None:
    async with StubService(answers) as service, gateway(keys, service.url) as (app, client):
        for _ in range(3):
            response = await client.get("/api/v1/plans/units")
            assert (response.status_code, response.content) == (200, b"{}")
        assert failures(app) == 0
    assert service.connections == 1


def client_for(url: str, timeout: httpx.Timeout | None = None) -> httpx.AsyncClient:
    """Return the gateway's kind of client for one service."""
    return upstream_client(
        base_url=url,
        timeout=timeout or httpx.Timeout(5, connect=1),
        limits=httpx.Limits(max_connections=10),
    )


async def test_the_target_goes_out_byte_for_byte() -> None:
    # The identity token is bound to the raw target: re-quoting it would break the binding.
    target = b"/api/v1/plans/units/%7Eab%2fc?q=h%c3%a0&x=[1]&y=a+b%2B"
    async with StubService(answers) as service, client_for(service.url) as c:
        url = c.base_url.copy_with(raw_path=target)
        response = await c.send(c.build_request("GET", url))
        assert response.status_code == 200
    assert service.heads[0].split(b"\r\n")[0] == b"GET " + target + b" HTTP/1.1"


async def test_headers_and_body_go_out_as_given() -> None:
    async with StubService(answers) as service, client_for(service.url) as c:
        request = c.build_request(
            "POST",
            "/units",
            content=b'{"a": 1}',
            headers=[(b"accept-language", b"vi"), (b"accept-language", b"en")],
        )
        await c.send(request)
    head = service.heads[0].lower()
    assert head.count(b"\r\naccept-language: ") == 2
    # The caller sent no Content-Type: none is made up on the way (aiohttp would add one).
    assert b"content-type" not in head
    assert service.bodies == [b'{"a": 1}']


async def test_no_cookie_is_kept_from_one_answer_for_the_next_request() -> None:
    async with StubService(sets_a_cookie) as service, client_for(service.url) as c:
        first = await c.get("/units")
        await c.get("/units")
    assert first.headers.get_list("x-part") == ["a", "b"]
    assert first.content == b"hello"
    assert b"cookie" not in service.heads[1].lower()


@pytest.mark.parametrize(
    ("behaves", "error"),
    [
        (stalls, httpx.ReadTimeout),
        (hangs_up, httpx.RemoteProtocolError),
        (garbles, httpx.RemoteProtocolError),
    ],
)
async def test_aiohttp_failures_arrive_as_httpx_errors(
    behaves: Behaviour, error: type[httpx.TransportError]
) -> None:
    async with StubService(behaves) as service, client_for(service.url, httpx.Timeout(0.3)) as c:
        with pytest.raises(error):
            await c.get("/units")


async def test_a_refused_connection_is_a_connect_error() -> None:
    async with client_for(f"http://127.0.0.1:{free_port()}") as c:
        with pytest.raises(httpx.ConnectError):
            await c.get("/units")
