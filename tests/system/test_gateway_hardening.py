"""The front door under load and abuse: refusals, client addresses, signatures, limits, I/O."""

import hashlib
import hmac
import json
import socket
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from servicekit.access import Role
from tests.support.directory import rate_when_known_sync
from tests.support.factories import create_rating_body, create_unit_body
from tests.support.stack import CLIENT_ID, CLIENT_SECRETS, Stack
from tests.system.test_gateway_security import quang_ninh_ward

pytestmark = pytest.mark.system
RATINGS = "/api/v1/citizen-feedback/ratings"
REFUSAL_WINDOW_S = 2
BODY_TIMEOUT_S = 1
TRUNCATED = "…[truncated]"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = Stack(
        tmp_path_factory.mktemp("hardening"),
        RATE_LIMITS=json.dumps({"plans.units.register": 20}),
        REFUSAL_REPORT_WINDOW_S=str(REFUSAL_WINDOW_S),
        BODY_TIMEOUT_S=str(BODY_TIMEOUT_S),
    )
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture
def api(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.gateway_url, timeout=10) as client:
        yield client


def inside_one_minute(needed_s: float = 15) -> None:
    """Limits count per clock minute: start where the next `needed_s` share one."""
    if time.time() % 60 > 60 - needed_s:
        time.sleep(61 - time.time() % 60)


def audit_trail(api: httpx.Client, stack: Stack, **filters: str) -> list[dict[str, Any]]:
    """Return the audit trail as the Ministry reads it: every province's."""
    response = api.get(
        "/api/v1/reporting/audit-entries",
        params={"limit": 500, **filters},
        headers=stack.bearer(Role.NATIONAL),
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def wait_for_trail(
    api: httpx.Client, stack: Stack, done: Any, timeout_s: float = 30, **filters: str
) -> list[dict[str, Any]]:
    """Read the audit trail until `done(entries)` holds; return the entries."""
    deadline = time.monotonic() + timeout_s
    while True:
        entries = audit_trail(api, stack, **filters)
        if done(entries) or time.monotonic() > deadline:
            return entries
        time.sleep(0.2)


def test_refused_callers_are_rate_limited_and_their_refusals_coalesced(
    api: httpx.Client, stack: Stack
) -> None:
    subject = f"staff-{uuid.uuid4().hex[:8]}"
    staff = stack.bearer(Role.UNIT_STAFF, "22", subject=subject)
    inside_one_minute()
    responses = [api.post("/api/v1/plans/units", json=create_unit_body(), headers=staff)]
    responses += [
        api.post("/api/v1/plans/units", json=create_unit_body(), headers=staff) for _ in range(39)
    ]
    statuses = [r.status_code for r in responses]
    # The limit (20 a minute for this operation) counts refused attempts too.
    assert statuses == [403] * 20 + [429] * 20
    assert all(r.headers["content-type"] == "application/problem+json" for r in responses)

    def counted(entries: list[dict[str, Any]]) -> bool:
        return sum(int(e.get("count", 1)) for e in entries) >= 20

    entries = wait_for_trail(api, stack, counted, actor=subject, operation="plans.units.register")
    assert all((e["outcome"], e["status"]) == ("refused", 403) for e in entries)
    # Twenty refusals within one or two windows: the first at once, then one count per window.
    assert sum(e["count"] for e in entries) == 20
    assert 2 <= len(entries) <= 4
    first = min(entries, key=lambda e: e["at"])
    assert first["count"] == 1
    assert first["request_id"] == responses[0].headers["x-request-id"]
    assert first["resource"] == "/api/v1/plans/units"
    # No more arrive later: every refusal was counted once.
    time.sleep(REFUSAL_WINDOW_S + 1)
    again = audit_trail(api, stack, actor=subject, operation="plans.units.register")
    assert sum(e["count"] for e in again) == 20


def post_rating(url: str, unit_id: str, **headers: str) -> int:
    response = httpx.post(f"{url}{RATINGS}", json=create_rating_body(unit_id), headers=headers)
    return response.status_code


def test_a_forwarded_for_header_from_an_untrusted_peer_is_ignored(stack: Stack) -> None:
    url = stack.start_extra_gateway(
        "untrusted-peer", RATE_LIMITS=json.dumps({"feedback.ratings.submit": 2})
    )
    try:
        unit_id = str(uuid.uuid4())
        inside_one_minute()
        assert [post_rating(url, unit_id) for _ in range(2)] == [422, 422]
        # The caller cannot choose another address, its own bucket is spent.
        for spoofed in ("203.0.113.9", "203.0.113.9, 198.51.100.7", "127.0.0.2"):
            assert post_rating(url, unit_id, **{"X-Forwarded-For": spoofed}) == 429, spoofed
    finally:
        stack.stop_app("untrusted-peer")


def test_behind_a_trusted_proxy_each_citizen_has_their_own_bucket(stack: Stack) -> None:
    url = stack.start_extra_gateway(
        "behind-ingress",
        FORWARDED_ALLOW_IPS="127.0.0.1",
        RATE_LIMITS=json.dumps({"feedback.ratings.submit": 2}),
    )
    try:
        unit_id = str(uuid.uuid4())
        inside_one_minute()
        first = {"X-Forwarded-For": "198.51.100.1"}
        assert [post_rating(url, unit_id, **first) for _ in range(3)] == [422, 422, 429]
        # The right-most address the proxy did not add is the citizen's: a prefix is ignored.
        prefixed = {"X-Forwarded-For": "198.51.100.77, 198.51.100.1"}
        assert post_rating(url, unit_id, **prefixed) == 429
        second = {"X-Forwarded-For": "198.51.100.2"}
        assert post_rating(url, unit_id, **second) == 422
    finally:
        stack.stop_app("behind-ingress")


def signature(secret: str, timestamp: int, method: str, target: str, body: bytes) -> str:
    """HMAC-SHA256 over `<t>.<METHOD>.<path?query>.` and the raw body (API conventions)."""
    message = f"{timestamp}.{method}.{target}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_by_hand(
    body: bytes, *, secret: str, at: int, target: str = RATINGS, method: str = "POST"
) -> dict[str, str]:
    return {
        "CongVu-Client": CLIENT_ID,
        "CongVu-Signature": f"t={at},v1={signature(secret, at, method, target, body)}",
        "content-type": "application/json",
    }


def test_signatures_cover_the_method_and_target(api: httpx.Client, stack: Stack) -> None:
    unit_id = quang_ninh_ward(api, stack)
    body = json.dumps(create_rating_body(unit_id, score=3)).encode()
    target = f"{RATINGS}?kiosk=7"
    accepted = rate_when_known_sync(
        lambda: api.post(
            target,
            content=body,
            headers=signed_by_hand(
                body, secret=CLIENT_SECRETS[0], at=int(time.time()), target=target
            ),
        ),
        every_s=1.1,
    )
    assert accepted.status_code == 201, accepted.text
    now = int(time.time())
    bare = signed_by_hand(body, secret=CLIENT_SECRETS[0], at=now)
    # An unsigned query added to a signed request: not what was signed.
    assert api.post(f"{RATINGS}?x=1", content=body, headers=bare).status_code == 401
    assert (
        api.post(
            f"{RATINGS}?kiosk=8",
            content=body,
            headers=signed_by_hand(body, secret=CLIENT_SECRETS[0], at=now, target=target),
        ).status_code
        == 401
    )


def test_two_kiosks_may_send_the_same_rating_in_the_same_second(
    api: httpx.Client, stack: Stack
) -> None:
    unit_id = quang_ninh_ward(api, stack)
    body = json.dumps(create_rating_body(unit_id, score=2)).encode()
    warmed = rate_when_known_sync(
        lambda: api.post(
            RATINGS,
            content=(probe := json.dumps(create_rating_body(unit_id, score=1)).encode()),
            headers=signed_by_hand(probe, secret=CLIENT_SECRETS[0], at=int(time.time())),
        ),
        every_s=1.1,
    )
    assert warmed.status_code == 201, warmed.text
    now = int(time.time())
    # Two systems of the same client, mid-rotation: one holds each secret.
    old, new = (signed_by_hand(body, secret=s, at=now) for s in CLIENT_SECRETS)
    assert api.post(RATINGS, content=body, headers=old).status_code == 201
    assert api.post(RATINGS, content=body, headers=new).status_code == 201
    # Each signature is accepted once; so is a header carrying both, in any part.
    assert api.post(RATINGS, content=body, headers=old).status_code == 401
    assert api.post(RATINGS, content=body, headers=new).status_code == 401
    both = dict(old)
    both["CongVu-Signature"] = f"{old['CongVu-Signature']},{new['CongVu-Signature'].split(',')[1]}"
    assert api.post(RATINGS, content=body, headers=both).status_code == 401


def test_rate_limit_keys_of_people_systems_and_addresses_do_not_mix(stack: Stack) -> None:
    url = stack.start_extra_gateway(
        "namespaces", RATE_LIMITS=json.dumps({"feedback.ratings.submit": 2})
    )
    try:
        unit_id = str(uuid.uuid4())
        inside_one_minute()
        for subject in ("ip:127.0.0.1", f"client:{CLIENT_ID}", "anonymous"):
            person = stack.bearer(Role.INSPECTOR, "22", subject=subject)
            assert [post_rating(url, unit_id, **person) for _ in range(3)] == [422, 422, 429]
        # The citizen at 127.0.0.1 and the provincial system keep their own budgets.
        assert post_rating(url, unit_id) == 422
        body = json.dumps(create_rating_body(unit_id)).encode()
        response = httpx.post(
            f"{url}{RATINGS}",
            content=body,
            headers=signed_by_hand(body, secret=CLIENT_SECRETS[0], at=int(time.time())),
        )
        assert response.status_code == 422, response.text
    finally:
        stack.stop_app("namespaces")


def exchange(stack: Stack, data: bytes, *, close: bool = False, timeout_s: float = 5) -> bytes:
    """Send raw bytes to the gateway and return what it answers before closing (or timing out)."""
    with socket.create_connection(("127.0.0.1", stack.ports["gateway"]), timeout=timeout_s) as s:
        s.sendall(data)
        if close:
            return b""
        received = b""
        try:
            while chunk := s.recv(65536):
                received += chunk
                if b"\r\n\r\n" in received and b'"status"' in received:
                    break
        except TimeoutError:
            pass
        return received


def status_line(answer: bytes) -> bytes:
    return answer.split(b"\r\n", 1)[0]


def test_a_body_that_does_not_arrive_in_time_is_408(stack: Stack) -> None:
    head = (
        f"POST {RATINGS} HTTP/1.1\r\nHost: gateway\r\ncontent-type: application/json\r\n"
        "content-length: 1048576\r\n\r\n"
    ).encode()
    started = time.monotonic()
    answer = exchange(stack, head + b"{" + b" " * 1000)
    assert status_line(answer) == b"HTTP/1.1 408 Request Timeout", answer[:300]
    assert b"content-type: application/problem+json" in answer.lower()
    assert time.monotonic() - started < BODY_TIMEOUT_S + 2


def test_oversized_headers_are_431(stack: Stack) -> None:
    head = b"GET /api/v1/plans/units HTTP/1.1\r\nHost: gateway\r\n"
    big = b"X-Padding: " + b"a" * 100_000 + b"\r\n"
    # Still arriving, or complete: either way the gateway stops reading and answers 431.
    for data in (head + big, head + big + b"\r\n"):
        answer = exchange(stack, data)
        assert status_line(answer) == b"HTTP/1.1 431 Request Header Fields Too Large", answer[:300]
        assert b"content-type: application/problem+json" in answer.lower()
    # A long bearer token is fine.
    normal = head + b"X-Padding: " + b"a" * 8_000 + b"\r\nConnection: close\r\n\r\n"
    assert status_line(exchange(stack, normal)) == b"HTTP/1.1 401 Unauthorized"


def requests_by_status(stack: Stack) -> dict[str, float]:
    text = httpx.get(f"{stack.gateway_url}/metrics").text
    counts: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "congvu_http_requests_total" and sample.labels["method"] == "POST":
                status = sample.labels["status"]
                counts[status] = counts.get(status, 0) + sample.value
    return counts


def test_a_client_gone_mid_upload_is_logged_not_an_error(stack: Stack) -> None:
    log = stack.workdir / "gateway.log"
    before, offset = requests_by_status(stack), log.stat().st_size
    head = (
        f"POST {RATINGS} HTTP/1.1\r\nHost: gateway\r\ncontent-type: application/json\r\n"
        "content-length: 1048576\r\n\r\n"
    ).encode()
    exchange(stack, head + b"{" + b" " * 1000, close=True)
    deadline = time.monotonic() + 5
    while (after := requests_by_status(stack)) == before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert after.get("500", 0) == before.get("500", 0)
    assert after.get("499", 0) == before.get("499", 0) + 1
    with log.open("rb") as lines:
        lines.seek(offset)
        records = [json.loads(line) for line in lines if line.startswith(b"{")]
    assert not [r for r in records if r["level"] in ("ERROR", "CRITICAL")]
    assert any("disconnected" in r["message"] and r["level"] == "INFO" for r in records)


def test_a_refused_long_path_is_recorded_truncated(api: httpx.Client, stack: Stack) -> None:
    subject = f"staff-{uuid.uuid4().hex[:8]}"
    path = f"/api/v1/plans/units/{'x' * 2100}"
    response = api.patch(
        path, json={"name": "x"}, headers=stack.bearer(Role.UNIT_STAFF, "22", subject=subject)
    )
    assert response.status_code == 403
    entries = wait_for_trail(api, stack, bool, actor=subject, operation="plans.units.update")
    assert len(entries) == 1
    resource = entries[0]["resource"]
    assert resource.endswith(TRUNCATED)
    assert path.startswith(resource.removesuffix(TRUNCATED))
    assert len(resource) <= 500
    assert entries[0]["request_id"] == response.headers["x-request-id"]


@pytest.mark.parametrize(
    "given", ["a" * 100, "ids:with.colons", "x" * 65], ids=["long", "colons", "over-64"]
)
def test_a_request_id_out_of_the_safe_form_is_replaced(
    api: httpx.Client, stack: Stack, given: str
) -> None:
    subject = f"staff-{uuid.uuid4().hex[:8]}"
    response = api.post(
        "/api/v1/plans/units",
        json=create_unit_body(),
        headers=stack.bearer(Role.UNIT_STAFF, "22", subject=subject) | {"X-Request-ID": given},
    )
    assert response.status_code == 403
    replaced = response.headers["x-request-id"]
    assert replaced != given
    assert str(uuid.UUID(replaced)) == replaced
    entries = wait_for_trail(api, stack, bool, actor=subject, operation="plans.units.register")
    assert [e["request_id"] for e in entries] == [replaced]


def test_a_safe_request_id_is_kept(api: httpx.Client, stack: Stack) -> None:
    given = f"kiosk-7_{uuid.uuid4()}"
    subject = f"staff-{uuid.uuid4().hex[:8]}"
    response = api.post(
        "/api/v1/plans/units",
        json=create_unit_body(),
        headers=stack.bearer(Role.UNIT_STAFF, "22", subject=subject) | {"X-Request-ID": given},
    )
    assert response.headers["x-request-id"] == given
    entries = wait_for_trail(api, stack, bool, actor=subject, operation="plans.units.register")
    assert [e["request_id"] for e in entries] == [given]


def test_a_token_subject_over_255_characters_is_401(api: httpx.Client, stack: Stack) -> None:
    too_long = api.get(
        "/api/v1/plans/units", headers=stack.bearer(Role.ADMIN, "22", subject="s" * 256)
    )
    assert too_long.status_code == 401
    assert too_long.headers["content-type"] == "application/problem+json"
    longest = api.get(
        "/api/v1/plans/units", headers=stack.bearer(Role.ADMIN, "22", subject="s" * 255)
    )
    assert longest.status_code == 200
