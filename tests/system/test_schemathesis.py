"""Property-based tests of the merged OpenAPI: no server errors, no schema violations."""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from servicekit.access import Role
from tests.support.stack import Stack

pytestmark = pytest.mark.system
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = Stack(
        tmp_path_factory.mktemp("fuzz"),
        RATE_LIMIT_PER_MINUTE="100000",
        PUBLIC_RATE_LIMIT_PER_MINUTE="100000",
    )
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.mark.parametrize("role", [Role.ADMIN, Role.INSPECTOR])
def test_the_api_keeps_its_contract_under_generated_requests(
    stack: Stack, role: Role, tmp_path: Path
) -> None:
    authorization = stack.bearer(role)["Authorization"]
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("schemathesis")),
            "run",
            f"{stack.gateway_url}/openapi.json",
            "--header",
            f"Authorization: {authorization}",
            "--checks",
            CHECKS,
            "--max-examples",
            "25",
            "--report-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
