"""The SQL an app runs: to show two answers cost the same work."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from tests.support.apps import AppClient


@contextmanager
def statements(client: AppClient) -> Iterator[list[str]]:
    """Collect the SQL statements the app runs inside the block."""
    seen: list[str] = []
    engine = client.app.state.engine.sync_engine

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
