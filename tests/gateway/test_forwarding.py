"""What the gateway tells services about the caller: one client address, one namespace."""

import pytest
from starlette.requests import Request

from gateway.limits import limit_key
from gateway.proxy import _forward_headers
from servicekit.access import ANONYMOUS, Identity, Role


def request_from(client: str, *headers: tuple[bytes, bytes]) -> Request:
    return Request(
        {
            "type": "http",
            "method": "POST",
            "path": "/api/v1/citizen-feedback/ratings",
            "raw_path": b"/api/v1/citizen-feedback/ratings",
            "query_string": b"",
            "headers": [(b"host", b"gateway"), *headers],
            "client": (client, 50000),
        }
    )


def test_only_the_client_address_the_gateway_determined_is_forwarded() -> None:
    request = request_from(
        "198.51.100.1",
        (b"x-forwarded-for", b"203.0.113.9"),
        (b"X-Forwarded-For", b"203.0.113.10, 198.51.100.1"),
    )
    forwarded = [
        v for k, v in _forward_headers(request, "token") if k.lower() == b"x-forwarded-for"
    ]
    assert forwarded == [b"198.51.100.1"]


PERSON = Identity(subject="ip:127.0.0.1", role=Role.INSPECTOR)
SYSTEM = Identity(
    subject="client:qn-dvc", role=Role.PROVINCIAL_SYSTEM, unit_code="22", client_id="qn-dvc"
)


@pytest.mark.parametrize(
    ("caller", "key"),
    [
        (ANONYMOUS, "ip:127.0.0.1"),
        (PERSON, "person:ip:127.0.0.1"),
        (Identity(subject="client:qn-dvc", role=Role.ADMIN), "person:client:qn-dvc"),
        (SYSTEM, "client:qn-dvc"),
    ],
)
def test_rate_limit_keys_are_namespaced_by_kind(caller: Identity, key: str) -> None:
    assert limit_key(caller, "127.0.0.1") == key
