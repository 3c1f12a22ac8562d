"""A small HTTP/1.1 keep-alive load generator on asyncio streams.

httpx spends about 3 ms of CPU a request on this machine class, so it measures itself;
this client spends a fraction of that, leaving the CPU to the servers being measured.
"""

import asyncio
import time
from collections.abc import Callable, Mapping


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    if b"content-length" in headers:
        await reader.readexactly(int(headers[b"content-length"]))
    elif headers.get(b"transfer-encoding") == b"chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


async def load(
    *,
    port: int,
    path: str,
    headers: Mapping[str, str],
    requests: int,
    concurrency: int,
    host: str = "127.0.0.1",
    each: Callable[[], Mapping[str, str]] | None = None,
) -> tuple[list[float], float]:
    """GET `path` `requests` times over `concurrency` connections; return latencies, seconds."""

    def head(extra: Mapping[str, str]) -> bytes:
        return (
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\n"
            + "".join(f"{k}: {v}\r\n" for k, v in {**headers, **extra}.items())
            + "\r\n"
        ).encode()

    # Headers that differ per request (a single-use identity token) are made before the clock.
    heads = [head(each()) for _ in range(requests)] if each else [head({})] * requests
    latencies: list[float] = []

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while heads:
                request = heads.pop()
                started = time.perf_counter()
                writer.write(request)
                await writer.drain()
                status = await _read_response(reader)
                latencies.append(time.perf_counter() - started)
                if status != 200:
                    raise RuntimeError(f"GET {path} answered {status}")
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return latencies, time.perf_counter() - started
