"""Each service's migrations build exactly the tables its models declare, on both databases.

`alembic check` compares the migrated database with the metadata the service's Alembic env
imports, in a process of its own (the models of other services stay out of it): a model
changed without its migration, or a migration that differs from its model, fails here.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import databases
from tests.support.databases import ROOT, SERVICES

ALEMBIC = Path(sys.executable).with_name("alembic")


def alembic(service: str, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ALEMBIC), "-c", str(ROOT / "services" / service / "alembic.ini"), *args],
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("service", SERVICES)
async def test_migrations_match_the_models(service: str, backend: str, tmp_path: Path) -> None:
    created = None
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/{service}.db"
    else:
        created, url = await databases.create_postgres_database()
    try:
        upgraded = alembic(service, url, "upgrade", "head")
        assert upgraded.returncode == 0, upgraded.stderr
        checked = alembic(service, url, "check")
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "No new upgrade operations detected" in checked.stdout + checked.stderr
    finally:
        if created is not None:
            await databases.drop_postgres_database(created)
