"""uvicorn's HTTP protocol with a cap on the request head, answered 431 like any problem.

httptools has no limit of its own on the request line and headers, and uvicorn answers a
parser error with a plain-text 400, so the cap lives here, at the protocol: headers still
arriving past the cap are not buffered further, and complete ones over it never reach an app.
"""

import json
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from servicekit.languages import HEADER as ACCEPT_LANGUAGE
from servicekit.languages import Language, negotiate
from servicekit.messages import title


class HeadersTooLarge(Exception):
    """The request line and headers are over the cap."""


class HeaderLimitedProtocol(HttpToolsProtocol):
    """Counts the bytes of each request head; over `max_header_bytes`, answers 431 and closes."""

    max_header_bytes = 32 * 1024

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = True
        self._received = 0
        self._parsed = 0
        self._too_large = False
        # The caller's Accept-Language, if it came before the cap: the refusal is in it.
        self._accept_language: str | None = None

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._received += len(data)
        super().data_received(data)
        # Still no end of the head after more bytes than the cap: stop reading now.
        if self._in_head and self._received > self.max_header_bytes and not self._too_large:
            self._refuse()

    def on_message_begin(self) -> None:
        self._parsed = 0
        self._accept_language = None
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)
        if name.lower() == ACCEPT_LANGUAGE.encode():
            self._accept_language = value.decode("latin-1")
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._in_head, self._received = True, 0
        super().on_message_complete()

    def send_400_response(self, msg: str) -> None:
        # The parser stops on the error a callback raised: the cap, or a malformed request.
        if self._too_large:
            self._refuse()
        else:
            super().send_400_response(msg)

    def _count(self, size: int) -> None:
        self._parsed += size
        if self._parsed > self.max_header_bytes:
            self._too_large = True
            raise HeadersTooLarge

    def _refuse(self) -> None:
        self._too_large = True
        if self.transport.is_closing():
            return
        self.logger.info("request head over %d bytes refused with 431", self.max_header_bytes)
        language = negotiate(self._accept_language)
        cap = self.max_header_bytes
        detail = (
            f"The request line and headers are over {cap} bytes."
            if language is Language.EN
            else f"Dòng yêu cầu và các trường đầu (header) vượt quá {cap} byte."
        )
        body = json.dumps(
            {"type": "about:blank", "title": title(431, language), "status": 431, "detail": detail}
        ).encode()
        head = [b"HTTP/1.1 431 Request Header Fields Too Large\r\n"]
        head += [
            name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers
        ]
        head += [
            b"content-type: application/problem+json\r\n",
            b"content-language: %s\r\n" % language.value.encode(),
            b"vary: Accept-Language\r\n",
            b"content-length: %d\r\n" % len(body),
            b"connection: close\r\n\r\n",
        ]
        self.transport.write(b"".join(head) + body)
        self.transport.close()


def header_limited(max_header_bytes: int) -> type[HeaderLimitedProtocol]:
    """Return the protocol class with that cap, for uvicorn's `http` setting."""
    return type(
        "HeaderLimitedProtocol", (HeaderLimitedProtocol,), {"max_header_bytes": max_header_bytes}
    )
