"""Property-based tests of the merged OpenAPI: every check schemathesis has, none failing."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from servicekit.access import Role
from tests.support.stack import Stack

pytestmark = pytest.mark.system
# What the schema cannot say (ids that must exist, If-Match's ETag, opaque cursors).
CONFIG = Path(__file__).with_name("schemathesis.toml")
QUANG_NINH = "22"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = Stack(
        tmp_path_factory.mktemp("fuzz"),
        RATE_LIMIT_PER_MINUTE="100000",
        PUBLIC_RATE_LIMIT_PER_MINUTE="100000",
    )
    try:
        running.start()
        # The callers act for Quảng Ninh: the Ministry registers it first.
        running.province(QUANG_NINH, "Quảng Ninh")
        yield running
    finally:
        running.stop()


# Every check, stateful runs included, takes a few minutes per caller: `make test` gives each
# caller a time budget, `make fuzz` a longer one.
FUZZ_SECONDS = int(os.environ.get("CONGVU_FUZZ_SECONDS", "30"))


@pytest.mark.timeout(FUZZ_SECONDS + 300)
@pytest.mark.parametrize("role", [Role.ADMIN, Role.INSPECTOR])
def test_the_api_keeps_its_contract_under_generated_requests(
    stack: Stack, role: Role, tmp_path: Path
) -> None:
    authorization = stack.bearer(role, QUANG_NINH)["Authorization"]
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("schemathesis")),
            "--config-file",
            str(CONFIG),
            "run",
            f"{stack.gateway_url}/openapi.json",
            "--header",
            f"Authorization: {authorization}",
            "--checks",
            "all",
            "--max-examples",
            "25",
            "--max-time",
            str(FUZZ_SECONDS),
            "--report-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=FUZZ_SECONDS + 240,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
