"""Signed requests and bearer tokens, verified without a running gateway."""

import asyncio
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from pydantic import SecretStr

from devstack.keys import OIDC_KID, ensure_keys
from devstack.token import AUDIENCE, ISSUER, mint_token
from gateway.authn import BearerVerifier, SignatureVerifier, sign
from gateway.config import ProvincialClient, Settings
from gateway.stores import MemoryStore
from servicekit.access import Role, Unauthenticated

SECRETS = ("first-secret", "second-secret")
TARGET = b"/api/v1/citizen-feedback/ratings"
BODY = b'{"unit_id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e00", "score": 5}'


def verifier() -> SignatureVerifier:
    client = ProvincialClient(
        id="kiosks", province_code="22", secrets=[SecretStr(s) for s in SECRETS]
    )
    return SignatureVerifier(Settings(provincial_clients=[client]), MemoryStore())


def header(secret: str, at: int, method: str = "POST", target: bytes = TARGET) -> str:
    return f"t={at},v1={sign(secret, at, method, target, BODY)}"


def test_the_signature_covers_time_method_target_and_body() -> None:
    message = b"1700000000.POST./api/v1/citizen-feedback/ratings?x=1." + BODY
    expected = hmac.new(b"first-secret", message, hashlib.sha256).hexdigest()
    assert sign("first-secret", 1700000000, "POST", TARGET + b"?x=1", BODY) == expected


async def test_a_request_is_verified_against_what_it_targets() -> None:
    now = int(time.time())
    signatures = verifier()
    signed = header(SECRETS[0], now)
    for method, target in (("POST", TARGET + b"?x=1"), ("PUT", TARGET), ("POST", b"/other")):
        with pytest.raises(Unauthenticated, match="not valid"):
            await signatures.verify("kiosks", signed, method=method, target=target, body=BODY)
    identity = await signatures.verify("kiosks", signed, method="POST", target=TARGET, body=BODY)
    assert identity.client_id == "kiosks"


async def test_each_signature_is_accepted_once() -> None:
    now = int(time.time())
    signatures = verifier()
    old, new = (header(s, now) for s in SECRETS)
    # The same request in the same second from two systems, one on each secret.
    for signed in (old, new):
        await signatures.verify("kiosks", signed, method="POST", target=TARGET, body=BODY)
    for replayed in (old, new, f"{old},{new.split(',')[1]}"):
        with pytest.raises(Unauthenticated, match="already received"):
            await signatures.verify("kiosks", replayed, method="POST", target=TARGET, body=BODY)


async def test_a_replay_cannot_drop_one_of_two_signatures() -> None:
    now = int(time.time())
    signatures = verifier()
    old, new = (header(s, now) for s in SECRETS)
    both = f"{old},{new.split(',')[1]}"
    await signatures.verify("kiosks", both, method="POST", target=TARGET, body=BODY)
    for part in (old, new):
        with pytest.raises(Unauthenticated, match="already received"):
            await signatures.verify("kiosks", part, method="POST", target=TARGET, body=BODY)


@pytest.mark.parametrize(("length", "accepted"), [(255, True), (256, False), (5000, False)])
async def test_a_token_subject_is_at_most_255_characters(
    tmp_path: Path, length: int, accepted: bool
) -> None:
    ensure_keys(tmp_path)
    settings = Settings(oidc_jwks_file=tmp_path / "oidc-jwks.json")
    token = mint_token(Role.INSPECTOR, "22", keys_dir=tmp_path, subject="s" * length)
    async with httpx.AsyncClient() as http:
        bearer = BearerVerifier(settings, http)
        if accepted:
            assert (await bearer.verify(token)).subject == "s" * length
        else:
            with pytest.raises(Unauthenticated):
                await bearer.verify(token)


def _token(keys_dir: Path, role: Role, unit: str | None) -> str:
    """A token as the identity provider would sign it, unit claim or not."""
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": f"someone-{role.value}",
        "congvu_role": role.value,
        "congvu_unit": unit,
        "iat": now,
        "exp": now + 300,
    }
    key = (keys_dir / "oidc-private.pem").read_bytes()
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": OIDC_KID})


async def test_everyone_but_the_ministry_names_a_unit(tmp_path: Path) -> None:
    ensure_keys(tmp_path)
    settings = Settings(oidc_jwks_file=tmp_path / "oidc-jwks.json")
    async with httpx.AsyncClient() as http:
        bearer = BearerVerifier(settings, http)
        for role in (Role.ADMIN, Role.INSPECTORATE, Role.TEAM_LEADER, Role.INSPECTOR):
            with pytest.raises(Unauthenticated):
                await bearer.verify(_token(tmp_path, role, None))
            assert (await bearer.verify(_token(tmp_path, role, "22"))).unit_code == "22"
        national = await bearer.verify(_token(tmp_path, Role.NATIONAL, None))
        assert (national.role, national.unit_code) == (Role.NATIONAL, None)
    with pytest.raises(ValueError, match="unit"):
        mint_token(Role.ADMIN, None, keys_dir=tmp_path)


async def test_a_token_is_read_for_its_key_and_then_checked_whole(tmp_path: Path) -> None:
    ensure_keys(tmp_path)
    settings = Settings(oidc_jwks_file=tmp_path / "oidc-jwks.json")
    token = mint_token(Role.NATIONAL, None, keys_dir=tmp_path)
    header, payload, signature = token.split(".")
    not_json = "bm90IGpzb24"
    async with httpx.AsyncClient() as http:
        bearer = BearerVerifier(settings, http)
        for malformed in ("", "abc", f"{header}.{payload}", f"{token}.x", f"{not_json}.e30.e30"):
            with pytest.raises(Unauthenticated, match="malformed"):
                await bearer.verify(malformed)
        # The header only picks the key: jwt.decode checks the whole token again.
        for forged in (
            f"{header}.{payload[:-2]}.{signature}",
            f"{header}.{payload}.{signature[:-4]}",
        ):
            with pytest.raises(Unauthenticated, match="not valid"):
                await bearer.verify(forged)
        assert (await bearer.verify(token)).role == Role.NATIONAL


class CountingDecode:
    """Counts full token checks, so a test can tell a known token from a verified one."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        self._decode = jwt.decode
        monkeypatch.setattr(jwt, "decode", self)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self._decode(*args, **kwargs)


def _expiring(keys_dir: Path, lifetime_s: int) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "someone",
        "congvu_role": Role.NATIONAL.value,
        "iat": now,
        "exp": now + lifetime_s,
    }
    key = (keys_dir / "oidc-private.pem").read_bytes()
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": OIDC_KID})


async def test_a_verified_token_is_known_until_it_expires(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ensure_keys(tmp_path)
    settings = Settings(oidc_jwks_file=tmp_path / "oidc-jwks.json", oidc_leeway_s=0)
    token = _expiring(tmp_path, 2)
    decode = CountingDecode(monkeypatch)
    async with httpx.AsyncClient() as http:
        bearer = BearerVerifier(settings, http)
        for _ in range(3):
            assert (await bearer.verify(token)).subject == "someone"
        assert decode.calls == 1
        await asyncio.sleep(int(time.time()) + 2 - time.time() + 0.1)
        with pytest.raises(Unauthenticated, match="expired"):
            await bearer.verify(token)
        with pytest.raises(Unauthenticated, match="expired"):
            await bearer.verify(token)


async def test_only_the_exact_token_is_known(tmp_path: Path) -> None:
    ensure_keys(tmp_path)
    settings = Settings(oidc_jwks_file=tmp_path / "oidc-jwks.json")
    token = mint_token(Role.NATIONAL, None, keys_dir=tmp_path)
    header, payload, signature = token.split(".")
    async with httpx.AsyncClient() as http:
        bearer = BearerVerifier(settings, http)
        await bearer.verify(token)
        # The same claims under another signature are checked, and refused.
        with pytest.raises(Unauthenticated, match="not valid"):
            await bearer.verify(f"{header}.{payload}.{signature[:-4]}AAAA")


async def test_a_withdrawn_key_takes_its_known_tokens_with_it(tmp_path: Path) -> None:
    ensure_keys(tmp_path)
    jwks = tmp_path / "oidc-jwks.json"
    settings = Settings(oidc_jwks_file=jwks, oidc_jwks_cache_s=0.2)
    token = mint_token(Role.NATIONAL, None, keys_dir=tmp_path)
    async with httpx.AsyncClient() as http:
        bearer = BearerVerifier(settings, http)
        await bearer.verify(token)
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
        jwk = RSAAlgorithm.to_jwk(other, as_dict=True) | {"kid": "next", "use": "sig"}
        jwks.write_text(json.dumps({"keys": [jwk]}))
        await asyncio.sleep(0.3)
        with pytest.raises(Unauthenticated, match="known key"):
            await bearer.verify(token)


async def test_the_known_tokens_are_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ensure_keys(tmp_path)
    settings = Settings(oidc_jwks_file=tmp_path / "oidc-jwks.json", oidc_token_cache_size=2)
    first, second, third = (mint_token(Role.NATIONAL, None, keys_dir=tmp_path) for _ in "123")
    decode = CountingDecode(monkeypatch)
    async with httpx.AsyncClient() as http:
        bearer = BearerVerifier(settings, http)
        for token in (first, second, third, third, second):
            await bearer.verify(token)
        assert decode.calls == 3
        # The oldest went to make room.
        await bearer.verify(first)
        assert decode.calls == 4
