"""A request head over the cap is refused with a 431 problem in the caller's language."""

import asyncio
import json
from typing import Any

import pytest
from uvicorn.config import Config
from uvicorn.server import ServerState

from servicekit.headerlimit import header_limited


class Transport(asyncio.Transport):
    """Keeps what the protocol writes."""

    def __init__(self) -> None:
        super().__init__()
        self.written = b""
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += bytes(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}.get(
            name, default
        )

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def app(scope: Any, receive: Any, send: Any) -> None:
    raise AssertionError("an oversized request never reaches the app")


@pytest.mark.parametrize(
    ("language", "content_language", "title", "detail"),
    [
        (b"", b"vi", "Phần đầu yêu cầu quá lớn", "vượt quá 1024 byte"),
        (b"Accept-Language: en-US\r\n", b"en", "Request Header Fields Too Large", "over 1024"),
    ],
)
async def test_oversized_headers_are_refused_in_the_callers_language(
    language: bytes, content_language: bytes, title: str, detail: str
) -> None:
    config = Config(app=app, http=header_limited(1024), log_level="error")
    config.load()
    protocol = config.http_protocol_class(config=config, server_state=ServerState(), app_state={})
    transport = Transport()
    protocol.connection_made(transport)
    protocol.data_received(
        b"GET / HTTP/1.1\r\nHost: gateway\r\n"
        + language
        + b"X-Padding: "
        + b"a" * 2000
        + b"\r\n\r\n"
    )
    head, _, body = transport.written.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 431 Request Header Fields Too Large")
    assert b"\r\ncontent-language: " + content_language + b"\r\n" in head
    assert b"\r\nvary: Accept-Language\r\n" in head
    problem = json.loads(body)
    assert problem["title"] == title
    assert detail in problem["detail"]
    assert transport.closed
