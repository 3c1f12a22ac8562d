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
from starlette.types import Message

from devstack.keys import ensure_keys
from devstack.token import mint_token
from gateway import upstream
from gateway.config import Settings
from gateway.main import create_app
from gateway.upstream import Forwarded, upstream_client
from servicekit.access import Role
from tests.support.gateway import service_apps
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
        # The stub answers every request alike: the policy is the real plans service's.
        app.state.gateway.policies.learned("plans", service_apps()["plans"].state.policy)
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


def answer(body: bytes, *, length: bool = True) -> Behaviour:
    """Answer 200 with `body`, sized by Content-Length or, without one, chunked."""
    sized = b"content-length: %d\r\n\r\n%s" % (len(body), body)
    chunked = b"transfer-encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)

    async def behaves(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n")
        writer.write(sized if length else chunked)
        await writer.drain()

    return behaves


def stops_sending(declared: int, sent: bytes, then: Behaviour) -> Behaviour:
    """Declare `declared` bytes, send `sent` of them, then stall or hang up."""

    async def behaves(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (declared, sent))
        await writer.drain()
        await then(reader, writer)

    return behaves


async def read_unit(
    app: FastAPI, client: httpx.AsyncClient, sent: list[Message] | None = None
) -> list[Message]:
    """Read a unit through the app itself: what it sends, message by message (ASGI)."""
    path = "/api/v1/plans/units/0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e00"
    authorization = client.headers["authorization"].encode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"gateway"), (b"authorization", authorization)],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    received = False
    sent = [] if sent is None else sent

    async def receive() -> Message:
        nonlocal received
        if not received:
            received = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # the caller stays connected
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


def header_values(start: Message, name: bytes) -> list[bytes]:
    return [value for key, value in start["headers"] if key == name]


async def test_a_small_answer_goes_back_whole_with_the_services_length(keys: Path) -> None:
    async with (
        StubService(answer(b"x" * 1000)) as service,
        gateway(keys, service.url) as (app, client),
    ):
        start, *bodies = await read_unit(app, client)
    assert start["status"] == 200
    assert header_values(start, b"content-length") == [b"1000"]
    assert header_values(start, b"content-type") == [b"text/plain"]
    assert [(b["body"], b.get("more_body", False)) for b in bodies] == [(b"x" * 1000, False)]


@pytest.mark.parametrize("length", [True, False], ids=["large", "unsized"])
async def test_a_large_or_unsized_answer_streams(keys: Path, length: bool) -> None:
    body = bytes(range(256)) * 1024  # 256 KiB: past what is read whole
    async with (
        StubService(answer(body, length=length)) as service,
        gateway(keys, service.url) as (app, client),
    ):
        start, *bodies = await read_unit(app, client)
    assert start["status"] == 200
    assert header_values(start, b"content-length") == ([b"%d" % len(body)] if length else [])
    assert b"".join(b["body"] for b in bodies) == body
    assert len(bodies) > 1
    assert bodies[0]["more_body"] is True


async def test_the_deadline_cuts_a_large_body_that_stalls(keys: Path) -> None:
    async with (
        StubService(stops_sending(1024 * 1024, b"x" * 1000, stalls)) as service,
        gateway(keys, service.url, upstream_timeout_s=0.5) as (app, client),
    ):
        started = asyncio.get_running_loop().time()
        sent: list[Message] = []
        # The status is on its way: the only thing left is to cut the response.
        with pytest.raises(TimeoutError):
            await read_unit(app, client, sent)
        assert asyncio.get_running_loop().time() - started < 2
    start, *bodies = sent
    assert (start["status"], header_values(start, b"content-length")) == (200, [b"1048576"])
    assert b"".join(b["body"] for b in bodies) == b"x" * 1000


@pytest.mark.parametrize(
    ("then", "status"), [(stalls, 504), (hangs_up, 502)], ids=["stalls", "hangs-up"]
)
async def test_a_small_body_that_does_not_arrive_whole_is_refused(
    keys: Path, then: Behaviour, status: int
) -> None:
    async with (
        StubService(stops_sending(10, b"{}", then)) as service,
        gateway(keys, service.url, upstream_timeout_s=0.5) as (app, client),
    ):
        response = await client.get("/api/v1/plans/units")
        assert response.status_code == status
        assert response.headers["content-type"] == "application/problem+json"
        assert failures(app) == 1


async def test_a_forwarded_request_goes_out_byte_for_byte_with_nothing_added() -> None:
    target = b"/api/v1/plans/units/%7Eab%2fc?q=h%c3%a0&x=[1]&y=a+b%2B"
    headers = [(b"accept-language", b"vi"), (b"accept-language", b"en"), (b"x-a", b"1")]
    async with StubService(answers) as service, client_for(service.url) as c:
        answer = await upstream.send(c, Forwarded("POST", target, headers, b'{"a": 1}'))
        await answer.read()
        assert (answer.status_code, answer.body) == (200, b"{}")
    request_line, *lines = service.heads[0].rstrip(b"\r\n").split(b"\r\n")
    assert request_line == b"POST " + target + b" HTTP/1.1"
    # Only what HTTP needs beside the given lines: no Accept, User-Agent or Content-Type.
    names = sorted(line.split(b":")[0].lower() for line in lines)
    assert names == [b"accept-language", b"accept-language", b"content-length", b"host", b"x-a"]
    assert service.bodies == [b'{"a": 1}']
