"""What the event bus benchmarks share: a broker, migrated databases, CongVu's topics."""

import asyncio
import os
import platform
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg

from devstack.broker import start_broker, stop_broker
from eventbus.topics import PROBE_TOPIC, all_topics, ensure_topics

ROOT = Path(__file__).resolve().parents[1]
PARTITIONS = 3


def free_port() -> int:
    """Return a port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_answers() -> bool:
    """Tell whether PostgreSQL answers on 127.0.0.1:5432."""
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            return True
    except OSError:
        return False


def machine() -> str:
    """Describe where the figures come from."""
    return f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs"


@asynccontextmanager
async def broker() -> AsyncIterator[str]:
    """Run an embedded broker with CongVu's topics; yield its bootstrap address."""
    port = free_port()
    process = start_broker(port, quiet=True)
    bootstrap = f"127.0.0.1:{port}"
    try:
        await ensure_topics(
            bootstrap, [*all_topics(), PROBE_TOPIC], partitions=PARTITIONS, replication_factor=1
        )
        yield bootstrap
    finally:
        stop_broker(process)


@asynccontextmanager
async def databases(service: str) -> AsyncIterator[list[tuple[str, str]]]:
    """Yield (backend, URL) of fresh databases migrated for `service`, dropped afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        found = [("SQLite", f"sqlite+aiosqlite:///{tmp}/{service}.db")]
        created: list[str] = []
        if postgres_answers():
            name = f"congvu_bench_{uuid.uuid4().hex[:12]}"
            await _postgres(f'CREATE DATABASE "{name}"')
            created.append(name)
            found.append(("PostgreSQL", f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"))
        try:
            for _, url in found:
                await asyncio.to_thread(_migrate, service, url)
            yield found
        finally:
            for name in created:
                await _postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _postgres(statement: str) -> None:
    conn = await asyncpg.connect(host="127.0.0.1", port=5432, user="postgres", database="postgres")
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def _migrate(service: str, url: str) -> None:
    config = f"services/{service}/alembic.ini"
    subprocess.run(
        [sys.executable, "-m", "alembic", "-c", config, "upgrade", "head"],
        cwd=ROOT,
        env=os.environ | {"DATABASE_URL": url},
        check=True,
        capture_output=True,
    )
