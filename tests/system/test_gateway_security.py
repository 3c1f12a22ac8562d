"""The front door under attack: forged tokens, signatures, scope, limits, breaker, CORS."""

import hashlib
import hmac
import json
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from gateway.authn import sign
from servicekit.access import IDENTITY_HEADER, Role
from servicekit.times import utcnow
from tests.support.directory import rate_when_known_sync
from tests.support.factories import create_rating_body, create_unit_body, create_visit_body
from tests.support.ports import free_port
from tests.support.stack import CLIENT_ID, CLIENT_SECRETS, Stack

pytestmark = pytest.mark.system
ORIGIN = "https://app.congvu.example"
# Quảng Ninh, the signed test client's province; Nghệ An, outside it.
QUANG_NINH, NGHE_AN = "22", "40"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = Stack(tmp_path_factory.mktemp("secure"), CORS_ALLOW_ORIGINS=json.dumps([ORIGIN]))
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture
def api(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.gateway_url, timeout=10) as client:
        yield client


def claims(**overrides: Any) -> dict[str, Any]:
    now = utcnow()
    base = {
        "iss": "congvu-embedded",
        "aud": "congvu-api",
        "sub": "tester",
        "congvu_role": "inspectorate",
        "congvu_unit": QUANG_NINH,
        "iat": now,
        "exp": now + timedelta(minutes=5),
    }
    return {k: v for k, v in (base | overrides).items() if v is not None}


def rs256(stack: Stack, payload: dict[str, Any], kid: str = "congvu-embedded-1") -> str:
    key = (stack.keys_dir / "oidc-private.pem").read_bytes()
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_valid_token_is_accepted(api: httpx.Client, stack: Stack) -> None:
    response = api.get("/api/v1/plans/units", headers=bearer(rs256(stack, claims())))
    assert response.status_code == 200
    # The Ministry alone acts without a unit: it reaches every province.
    ministry = claims(congvu_role="national", congvu_unit=None)
    response = api.get("/api/v1/plans/units", headers=bearer(rs256(stack, ministry)))
    assert response.status_code == 200


def hs256_with_public_key(stack: Stack) -> str:
    """The classic confusion: an HMAC token keyed with the RSA public key the server holds."""
    private = load_pem_private_key((stack.keys_dir / "oidc-private.pem").read_bytes(), None)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": "congvu-embedded-1"}
    signing_input = ".".join(
        jwt.utils.base64url_encode(json.dumps(part, default=str).encode()).decode()
        for part in (header, claims())
    )
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{jwt.utils.base64url_encode(mac).decode()}"


def bad_tokens(stack: Stack) -> dict[str, str]:
    now = utcnow()
    header_none = jwt.utils.base64url_encode(b'{"alg":"none","typ":"JWT"}').decode()
    body = jwt.utils.base64url_encode(json.dumps(claims(), default=str).encode()).decode()
    return {
        "alg none": f"{header_none}.{body}.",
        "HS256 keyed with the public key": hs256_with_public_key(stack),
        "wrong issuer": rs256(stack, claims(iss="https://evil.example")),
        "wrong audience": rs256(stack, claims(aud="another-api")),
        "expired": rs256(stack, claims(exp=now - timedelta(minutes=5))),
        "not yet valid": rs256(stack, claims(nbf=now + timedelta(minutes=5))),
        "no expiry": rs256(stack, claims(exp=None)),
        "unknown key": rs256(stack, claims(), kid="someone-else"),
        "no role": rs256(stack, claims(congvu_role=None)),
        "system role in a person's token": rs256(stack, claims(congvu_role="provincial_system")),
        "unit role without unit": rs256(stack, claims(congvu_role="unit_head", congvu_unit=None)),
        "province role without unit": rs256(stack, claims(congvu_unit=None)),
        "garbage": "not.a.token",
    }


def test_forged_and_invalid_tokens_are_401(api: httpx.Client, stack: Stack) -> None:
    for reason, token in bad_tokens(stack).items():
        response = api.get("/api/v1/plans/units", headers=bearer(token))
        assert response.status_code == 401, reason
        assert response.headers["content-type"] == "application/problem+json", reason
        assert "www-authenticate" in response.headers, reason


def test_missing_or_malformed_credentials_are_401(api: httpx.Client) -> None:
    assert api.get("/api/v1/plans/units").status_code == 401
    assert (
        api.get("/api/v1/plans/units", headers={"Authorization": "Basic YTpi"}).status_code == 401
    )


def test_an_identity_header_from_outside_is_ignored(api: httpx.Client, stack: Stack) -> None:
    # Even a genuine identity token, captured and replayed from outside, is stripped.
    response = api.get("/api/v1/plans/units", headers={IDENTITY_HEADER: "forged"})
    assert response.status_code == 401


def test_services_refuse_calls_that_bypass_the_gateway(stack: Stack) -> None:
    plans = f"http://127.0.0.1:{stack.ports['plans']}"
    response = httpx.post(f"{plans}/api/v1/plans/units", json=create_unit_body())
    assert response.status_code == 401
    assert httpx.get(f"{plans}/healthz").status_code == 200


def test_roles_are_enforced_and_refused_writes_have_no_effect(
    api: httpx.Client, stack: Stack
) -> None:
    body = create_unit_body()
    request_ids = {}
    for role in (Role.INSPECTOR, Role.UNIT_HEAD):
        request_ids[role] = f"refused-{role.value}-{uuid.uuid4()}"
        response = api.post(
            "/api/v1/plans/units",
            json=body,
            headers=stack.bearer(role, "22") | {"X-Request-ID": request_ids[role]},
        )
        assert response.status_code == 403
    # The Ministry, who sees every province, finds no trace of the unit.
    ministry = stack.bearer(Role.NATIONAL)
    found = api.get("/api/v1/plans/units", params={"code": body["code"]}, headers=ministry)
    assert found.json()["items"] == []
    # Refused at the gateway, the attempts still reach the audit trail, by request id.
    deadline = time.monotonic() + 30
    while True:
        trail = api.get(
            "/api/v1/reporting/audit-entries",
            params={"operation": "plans.units.register", "limit": 500},
            headers=ministry,
        ).json()["items"]
        mine = {e["request_id"]: e for e in trail if e["request_id"] in request_ids.values()}
        if len(mine) == 2 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    for role, request_id in request_ids.items():
        entry = mine[request_id]
        assert (entry["role"], entry["outcome"], entry["status"]) == (role.value, "refused", 403)
        assert entry["resource"] == "/api/v1/plans/units"
    # Ratings are personal data: the public may write them, only the inspectorate (of the
    # unit's province) and the Ministry read them.
    unit_id = quang_ninh_ward(api, stack)
    nghe_an_ward(api, stack)
    rating = rate_when_known_sync(
        lambda: api.post("/api/v1/citizen-feedback/ratings", json=create_rating_body(unit_id))
    )
    assert rating.status_code == 201
    location = rating.headers["location"]
    assert api.get(location).status_code == 401
    assert api.get(location, headers=stack.bearer(Role.UNIT_HEAD, QUANG_NINH)).status_code == 403
    readers = {
        "Quảng Ninh's inspectorate": (stack.bearer(Role.INSPECTORATE, QUANG_NINH), 200),
        "the Ministry": (ministry, 200),
        # Another province's rating answers as one that does not exist.
        "Nghệ An's inspectorate": (stack.bearer(Role.INSPECTORATE, NGHE_AN), 404),
    }
    for reader, (headers, status) in readers.items():
        assert api.get(location, headers=headers).status_code == status, reader


def wait_for_card(api: httpx.Client, stack: Stack, unit_id: str, **expected: object) -> None:
    deadline = time.monotonic() + 30
    ministry = stack.bearer(Role.NATIONAL)
    while time.monotonic() < deadline:
        response = api.get(f"/api/v1/reporting/units/{unit_id}", headers=ministry)
        if response.status_code == 200 and all(
            response.json()[k] == v for k, v in expected.items()
        ):
            return
        time.sleep(0.05)
    raise AssertionError(f"reporting never showed {expected}")


def test_cross_unit_reads_return_no_data(api: httpx.Client, stack: Stack) -> None:
    province = stack.province(QUANG_NINH, "Quảng Ninh")
    admin = stack.bearer(Role.ADMIN, QUANG_NINH)
    suffix = uuid.uuid4().hex[:6]
    mine, theirs = (
        api.post(
            "/api/v1/plans/units",
            json=create_unit_body(
                code=f"{letter}{suffix}", level="commune", parent_id=province["id"], valid_to=None
            ),
            headers=admin,
        ).json()
        for letter in "AB"
    )
    wait_for_card(api, stack, theirs["id"], code=f"B{suffix}")
    wait_for_card(api, stack, mine["id"], code=f"A{suffix}")
    staff = stack.bearer(Role.UNIT_STAFF, f"A{suffix}")
    for path in (
        f"/api/v1/plans/units/{theirs['id']}",
        f"/api/v1/reporting/units/{theirs['id']}",
    ):
        response = api.get(path, headers=staff)
        # 404, like a unit that does not exist: its existence is not the caller's business.
        assert response.status_code == 404, path
        assert f"B{suffix}" not in response.text
    for path in ("/api/v1/plans/units", "/api/v1/reporting/units"):
        listed = api.get(path, params={"limit": 500}, headers=staff).json()["items"]
        ids = {item.get("id") or item.get("unit_id") for item in listed}
        assert ids == {mine["id"]}, path
    # Unit staff read their own unit's sealed visits; any other visit answers as none does.
    assert api.get(f"/api/v1/visits/visits/{uuid.uuid4()}", headers=staff).status_code == 404
    listed = api.get("/api/v1/visits/visits", params={"unit_id": theirs["id"]}, headers=staff)
    assert listed.status_code == 200, listed.text
    assert listed.json()["items"] == []


def ward_of(api: httpx.Client, stack: Stack, province_code: str) -> str:
    """Register a ward beneath a province (the Ministry registering the province once, the
    province's admin the ward); return its id."""
    province = stack.province(province_code)
    admin = stack.bearer(Role.ADMIN, province_code)
    ward = create_unit_body(
        name="Phường Hạ Long", level="commune", parent_id=province["id"], valid_to=None
    )
    ward_id = str(api.post("/api/v1/plans/units", json=ward, headers=admin).json()["id"])
    # Reporting and citizen-feedback learn units from the same events: wait for the first.
    reader = stack.bearer(Role.INSPECTORATE, province_code)
    deadline = time.monotonic() + 30
    while api.get(f"/api/v1/reporting/units/{ward_id}", headers=reader).status_code != 200:
        assert time.monotonic() < deadline, "reporting never learnt of the ward"
        time.sleep(0.1)
    return ward_id


def quang_ninh_ward(api: httpx.Client, stack: Stack) -> str:
    """Return a ward of Quảng Ninh (22), the signed test client's province."""
    return ward_of(api, stack, QUANG_NINH)


def nghe_an_ward(api: httpx.Client, stack: Stack) -> str:
    """Return a ward of Nghệ An (40), outside the signed test client's province."""
    return ward_of(api, stack, NGHE_AN)


def signed(
    body: bytes,
    *,
    secret: str = CLIENT_SECRETS[0],
    at: int | None = None,
    method: str = "POST",
    target: str = "/api/v1/citizen-feedback/ratings",
) -> dict[str, str]:
    timestamp = int(time.time()) if at is None else at
    v1 = sign(secret, timestamp, method, target.encode(), body)
    return {
        "CongVu-Client": CLIENT_ID,
        "CongVu-Signature": f"t={timestamp},v1={v1}",
        "content-type": "application/json",
    }


def test_signed_requests_tampered_stale_replayed_are_401_and_have_no_effect(
    api: httpx.Client, stack: Stack
) -> None:
    unit_id = quang_ninh_ward(api, stack)
    body = json.dumps(create_rating_body(unit_id, score=4)).encode()
    # Each attempt is signed anew, a second later: the same signature twice is a replay.
    accepted = rate_when_known_sync(
        lambda: api.post("/api/v1/citizen-feedback/ratings", content=body, headers=signed(body)),
        every_s=1.1,
    )
    assert accepted.status_code == 201, accepted.text
    sent = accepted.request.headers
    headers = {name: sent[name] for name in ("CongVu-Client", "CongVu-Signature", "content-type")}
    # Another province's unit answers as one nobody registered.
    elsewhere = json.dumps(create_rating_body(nghe_an_ward(api, stack))).encode()
    refused = rate_when_known_sync(
        lambda: api.post(
            "/api/v1/citizen-feedback/ratings", content=elsewhere, headers=signed(elsewhere)
        ),
        timeout_s=3,
        every_s=1.1,
    )
    assert refused.status_code == 422

    tampered = body.replace(b'"score": 4', b'"score": 1')
    attempts = {
        "replayed": (body, headers),
        "tampered body": (tampered, headers),
        "stale": (body, signed(body, at=int(time.time()) - 310)),
        "from the future": (body, signed(body, at=int(time.time()) + 310)),
        "wrong secret": (body, signed(body, secret="guess")),
        "unknown client": (body, signed(body) | {"CongVu-Client": "someone"}),
        "malformed": (body, signed(body) | {"CongVu-Signature": "v1=abc"}),
        "token and signature": (body, signed(body) | stack.bearer(Role.ADMIN, QUANG_NINH)),
    }
    for reason, (content, attempt_headers) in attempts.items():
        response = api.post(
            "/api/v1/citizen-feedback/ratings", content=content, headers=attempt_headers
        )
        assert response.status_code == 401, reason

    rotated = api.post(
        "/api/v1/citizen-feedback/ratings",
        content=(second := json.dumps(create_rating_body(unit_id, score=5)).encode()),
        headers=signed(second, secret=CLIENT_SECRETS[1]),
    )
    assert rotated.status_code == 201
    wait_for_card(api, stack, unit_id, ratings_count=2, satisfaction_average=4.5)
    time.sleep(0.5)
    wait_for_card(api, stack, unit_id, ratings_count=2)


def test_rate_limit_answers_429_with_retry_after(stack: Stack) -> None:
    url = stack.start_extra_gateway(
        "limited", RATE_LIMIT_PER_MINUTE="3", RATE_LIMITS='{"reporting.units.list": 1}'
    )
    headers = stack.bearer(Role.INSPECTORATE, QUANG_NINH)
    # Limits count per clock minute: start well inside one, so all four requests share it.
    if time.time() % 60 > 50:
        time.sleep(61 - time.time() % 60)
    statuses = [
        httpx.get(f"{url}/api/v1/plans/units", headers=headers).status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    response = httpx.get(f"{url}/api/v1/plans/units", headers=headers)
    assert 1 <= int(response.headers["retry-after"]) <= 61
    assert response.headers["content-type"] == "application/problem+json"
    # Another operation has its own budget, here set for that operation alone.
    reporting = [
        httpx.get(f"{url}/api/v1/reporting/units", headers=headers).status_code for _ in range(2)
    ]
    assert reporting == [200, 429]
    stack.stop_app("limited")


def test_circuit_breaker_opens_and_closes(stack: Stack) -> None:
    url = stack.start_extra_gateway("breaker", BREAKER_FAILURES="2", BREAKER_OPEN_S="1")
    headers = stack.bearer(Role.INSPECTOR, QUANG_NINH)
    stack.stop_app("visits")
    try:
        for _ in range(2):
            response = httpx.post(
                f"{url}/api/v1/visits/visits",
                json=create_visit_body(str(uuid.uuid4())),
                headers=headers,
            )
            assert response.status_code == 503
        started = time.perf_counter()
        response = httpx.get(
            f"{url}/api/v1/visits/visits/{uuid.uuid4()}",
            headers={**headers, "Accept-Language": "en"},
        )
        assert response.status_code == 503
        assert "unavailable" in response.json()["detail"]
        assert time.perf_counter() - started < 0.5
    finally:
        stack.start_app("visits")
        stack.wait_ready(30)
    time.sleep(1.1)
    response = httpx.get(f"{url}/api/v1/visits/visits/{uuid.uuid4()}", headers=headers)
    assert response.status_code == 404
    stack.stop_app("breaker")


def test_cors_allows_only_the_configured_origins(api: httpx.Client) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization",
    }
    allowed = api.options("/api/v1/plans/units", headers={"Origin": ORIGIN} | preflight)
    assert allowed.headers["access-control-allow-origin"] == ORIGIN
    refused = api.options(
        "/api/v1/plans/units", headers={"Origin": "https://evil.example"} | preflight
    )
    assert "access-control-allow-origin" not in refused.headers


def test_openapi_documents_security(api: httpx.Client) -> None:
    document = api.get("/openapi.json").json()
    assert {"bearerAuth", "signedRequest"} <= set(document["components"]["securitySchemes"])
    register = document["paths"]["/api/v1/plans/units"]["post"]
    assert register["security"] == [{"bearerAuth": []}]
    # The Ministry registers provinces and units anywhere, a province's admin within it.
    assert register["x-congvu-access"]["roles"] == ["admin", "national"]
    assert "401" in register["responses"]
    rating = document["paths"]["/api/v1/citizen-feedback/ratings"]["post"]
    assert {} in rating["security"]
    assert {"signedRequest": []} in rating["security"]


def test_production_mode_verifies_against_the_providers_jwks_url(
    stack: Stack, tmp_path: Path
) -> None:
    """A stand-in identity provider serves the key set over HTTP, as a real one would."""
    (tmp_path / "jwks.json").write_text((stack.keys_dir / "oidc-jwks.json").read_text())
    port = free_port()
    provider = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = stack.start_extra_gateway(
            "production",
            RUNTIME_MODE="production",
            OIDC_JWKS_FILE="",
            OIDC_JWKS_URL=f"http://127.0.0.1:{port}/jwks.json",
        )
        valid = httpx.get(
            f"{url}/api/v1/plans/units", headers=stack.bearer(Role.INSPECTORATE, QUANG_NINH)
        )
        assert valid.status_code == 200
        for token in bad_tokens(stack).values():
            response = httpx.get(f"{url}/api/v1/plans/units", headers=bearer(token))
            assert response.status_code == 401
    finally:
        stack.stop_app("production")
        provider.terminate()
        provider.wait()


class StubUpstream:
    """A bare TCP server in a thread: reads a request, then stalls or drips a chunked body."""

    def __init__(self, *, drip: bool, document: bytes) -> None:
        self.drip = drip
        # The service's OpenAPI document, which it answers at once: the gateway learns the
        # service's policy from it.
        self.document = document
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.stopped = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        self.server.settimeout(0.2)
        while not self.stopped.is_set():
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:  # closed by close()
                return
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        with connection:
            head = connection.recv(65536)
            if head.startswith(b"GET /openapi.json "):
                connection.sendall(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                    + b"content-length: %d\r\n\r\n" % len(self.document)
                    + self.document
                )
                return
            if self.drip:
                connection.sendall(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                    b"transfer-encoding: chunked\r\n\r\n"
                )
            while not self.stopped.wait(0.2):
                if self.drip:
                    try:
                        connection.sendall(b"1\r\n \r\n")
                    except OSError:
                        return

    def close(self) -> None:
        self.stopped.set()
        self.server.close()


@pytest.mark.parametrize("drip", [False, True], ids=["no-answer", "endless-body"])
def test_a_slow_service_is_cut_off_at_the_total_timeout(stack: Stack, drip: bool) -> None:
    plans = httpx.get(f"http://127.0.0.1:{stack.ports['plans']}/openapi.json", timeout=10)
    upstream = StubUpstream(drip=drip, document=plans.content)
    name = f"deadline-{int(drip)}"
    url = stack.start_extra_gateway(
        name, PLANS_URL=f"http://127.0.0.1:{upstream.port}", UPSTREAM_TIMEOUT_S="1"
    )
    try:
        started = time.monotonic()
        try:
            response = httpx.get(
                f"{url}/api/v1/plans/units",
                headers=stack.bearer(Role.INSPECTORATE, QUANG_NINH),
                timeout=10,
            )
        except httpx.RemoteProtocolError:
            # The status went out before the deadline: the body is cut, the client sees it.
            assert drip
        else:
            assert not drip
            assert response.status_code == 504
            assert response.headers["content-type"] == "application/problem+json"
        assert time.monotonic() - started < 3
    finally:
        stack.stop_app(name)
        upstream.close()
