"""Fixtures: a real broker per test, real databases (SQLite always, PostgreSQL where it answers)."""

import asyncio
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from devstack.broker import start_broker, stop_broker
from tests.support import databases
from tests.support.ports import free_port

DatabaseFactory = Callable[[str], Awaitable[str]]


class Broker:
    """A Tansu broker in its own process, on a free port; restart() empties it."""

    def __init__(self) -> None:
        self.port = free_port()
        self.advertised_port: int | None = None
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.advertised_port or self.port}"

    def start(self) -> None:
        self.process = start_broker(self.port, advertised_port=self.advertised_port, quiet=True)

    def stop(self) -> None:
        if self.process is not None:
            stop_broker(self.process)
            self.process = None

    def restart(self) -> None:
        """Stop and start again: the embedded broker comes back with no topics at all."""
        self.stop()
        self.start()


@pytest.fixture
def broker() -> Iterator[Broker]:
    """A fresh broker for one test, so tests share no topics or groups."""
    b = Broker()
    b.start()
    yield b
    b.stop()


@pytest.fixture
def broker_behind_proxy() -> Iterator[Broker]:
    """A broker whose advertised address is a proxy's port (the test runs the proxy)."""
    b = Broker()
    b.advertised_port = free_port()
    b.start()
    yield b
    b.stop()


def _backends() -> list[object]:
    return [
        "sqlite",
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(
                not databases.postgres_available() and not databases.postgres_required(),
                reason="PostgreSQL does not answer on 127.0.0.1:5432",
            ),
        ),
    ]


@pytest.fixture(params=_backends())
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend a test runs on: every DB test runs on SQLite and PostgreSQL."""
    return str(request.param)


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[databases.Templates]:
    """Each service's database, migrated and seeded once per test process."""
    made = databases.Templates(tmp_path_factory.mktemp("templates"))
    yield made
    asyncio.run(made.drop())


@pytest.fixture
async def database(
    backend: str, tmp_path: Path, templates: databases.Templates
) -> AsyncIterator[DatabaseFactory]:
    """Create migrated databases for services: `url = await database("plans")`."""
    created: list[str] = []

    async def make(service: str) -> str:
        if backend == "sqlite":
            return await templates.sqlite(service, tmp_path / f"{service}.db")
        name, url = await templates.postgres(service)
        created.append(name)
        return url

    yield make
    for name in created:
        await databases.drop_postgres_database(name)
