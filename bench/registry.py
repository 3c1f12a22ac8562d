"""Unit registry: official import time, and unit search latency over the full registry.

`python bench/registry.py [--requests 2000] [--concurrency 8]` migrates a fresh SQLite
database (and a PostgreSQL one when 127.0.0.1:5432 answers), times the import command
twice (the second run changes nothing), then serves the plans service alone on a free port
and sends diacritics-insensitive searches (`GET /api/v1/plans/units?q=...`) over the 3,355
units, printing p50/p99 and requests per second for each database.
"""

import argparse
import asyncio
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import asyncpg
import httpx
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from rawload import load

from devstack.keys import ensure_keys
from servicekit.access import (
    IDENTITY_HEADER,
    Identity,
    Role,
    mint_identity_token,
    request_binding,
)

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ["ha long", "phuong", "xa muong", "dac khu", "thanh pho", "hong gai", "nghe", "an"]


def free_port() -> int:
    """Return a port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(command: list[str], env: dict[str, str]) -> str:
    """Run a command from the repository root and return its output."""
    done = subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return done.stdout.strip()


async def search(port: int, keys: Path, requests: int, concurrency: int) -> None:
    """Send the searches and print the figures."""
    key = load_pem_private_key((keys / "identity-private.pem").read_bytes(), None)
    # The Ministry searches the whole registry (a province's people search their province).
    caller = Identity(subject="bench", role=Role.NATIONAL)
    latencies: list[float] = []
    seconds = 0.0
    for query in QUERIES:
        path = f"/api/v1/plans/units?q={quote(query)}&limit=50"
        binding = request_binding("GET", path.encode(), b"")

        def identity(binding: str = binding) -> dict[str, str]:
            # The service accepts an identity token once: each request carries its own.
            token = mint_identity_token(caller, private_key=key, service="plans", binding=binding)
            return {IDENTITY_HEADER: token}

        found, took = await load(
            port=port,
            path=path,
            headers={},
            requests=requests // len(QUERIES),
            concurrency=concurrency,
            each=identity,
        )
        latencies += found
        seconds += took
    ms = sorted(x * 1000 for x in latencies)
    q = statistics.quantiles(ms, n=100, method="inclusive")
    print(
        f"  search: {len(ms)} requests, {len(QUERIES)} queries: p50 {q[49]:.2f} ms, "
        f"p99 {q[98]:.2f} ms, {len(ms) / seconds:.0f} requests/s"
    )


def measure(url: str, keys: Path, requests: int, concurrency: int) -> None:
    """Import into `url`, then serve it and search."""
    env = os.environ | {
        "DATABASE_URL": url,
        "IDENTITY_PUBLIC_KEY_FILE": str(keys / "identity-public.pem"),
        "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1",
        "LOG_LEVEL": "ERROR",
    }
    run(
        [sys.executable, "-m", "alembic", "-c", "services/plans/alembic.ini", "upgrade", "head"],
        env,
    )
    for attempt in ("first", "again"):
        started = time.perf_counter()
        output = run([sys.executable, "-m", "plans.registry_import"], env)
        print(f"  import ({attempt}): {time.perf_counter() - started:.2f} s wall; {output}")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "servicekit.serve", "plans", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        asyncio.run(search(port, keys, requests, concurrency))
    finally:
        server.terminate()
        server.wait(30)


async def postgres_database() -> str | None:
    """Create a fresh PostgreSQL database if a server answers; return its URL."""
    try:
        conn = await asyncpg.connect(host="127.0.0.1", user="postgres", database="postgres")
    except OSError:
        return None
    name = f"congvu_bench_{uuid.uuid4().hex[:8]}"
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    return f"postgresql+asyncpg://postgres@127.0.0.1/{name}"


def main() -> None:
    """Run on SQLite, then PostgreSQL where available."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        keys = Path(tmp) / "keys"
        ensure_keys(keys)
        print("SQLite:")
        measure(f"sqlite+aiosqlite:///{tmp}/plans.db", keys, args.requests, args.concurrency)
        url = asyncio.run(postgres_database())
        if url is not None:
            print("PostgreSQL:")
            measure(url, keys, args.requests, args.concurrency)


if __name__ == "__main__":
    main()
