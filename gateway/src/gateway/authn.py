"""Authentication at the front door: people by OIDC bearer token, systems by signature.

Both are verified here and only here; services receive the result as a signed identity.
"""

import base64
import hashlib
import hmac
import json
import logging
import time
from typing import Any

import httpx
import jwt

from contracts.text import MAX_SUBJECT_LENGTH, is_subject
from gateway.config import ProvincialClient, Settings
from gateway.stores import Store
from servicekit.access import Identity, Role, Unauthenticated

log = logging.getLogger(__name__)
# Roles a person's token may carry; systems and the public are never people.
PERSON_ROLES = frozenset(Role) - {Role.PROVINCIAL_SYSTEM, Role.PUBLIC}
SIGNATURE_HEADER = "congvu-signature"
CLIENT_HEADER = "congvu-client"


def unverified_header(token: str) -> dict[str, Any]:
    """Read a token's header alone, to choose its key; `jwt.decode` then checks all of it."""
    # Not jwt.get_unverified_header: it decodes every segment, which jwt.decode does again.
    segment = token.split(".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, RecursionError):
        header = None
    if token.count(".") != 2 or not isinstance(header, dict):
        raise Unauthenticated(
            "The bearer token is malformed.",
            vi="Mã thông báo (bearer token) sai cấu trúc.",
        )
    return header


class BearerVerifier:
    """Checks a JWT's signature against the identity provider's keys, then its claims."""

    def __init__(self, settings: Settings, http: httpx.AsyncClient) -> None:
        self.settings = settings
        self.http = http
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")
        # Tokens verified with the current keys, by the exact token: the person it names and
        # the Unix time from which it is refused (its exp plus the leeway). Oldest first.
        self._verified: dict[str, tuple[Identity, float]] = {}

    async def _load(self) -> None:
        if self.settings.oidc_jwks_url:
            response = await self.http.get(self.settings.oidc_jwks_url)
            response.raise_for_status()
            document: dict[str, Any] = response.json()
        elif self.settings.oidc_jwks_file is not None:
            document = json.loads(self.settings.oidc_jwks_file.read_text())
        else:
            document = {"keys": []}
        keys = jwt.PyJWKSet.from_dict(document).keys
        self._keys = {str(k.key_id): k for k in keys}
        self._fetched_at = time.monotonic()
        # A key the provider withdrew takes its tokens with it: verify each one again.
        self._verified.clear()

    async def _key(self, kid: str) -> jwt.PyJWK:
        age = time.monotonic() - self._fetched_at
        # Refresh on expiry, or once a minute at most when a token names an unknown key.
        if age > self.settings.oidc_jwks_cache_s or (kid not in self._keys and age > 60):
            try:
                await self._load()
            except (httpx.HTTPError, OSError, ValueError, jwt.PyJWKSetError) as exc:
                # Keep the old keys and wait a minute before asking again.
                self._fetched_at = time.monotonic() - self.settings.oidc_jwks_cache_s + 60
                log.warning("could not load the identity provider's keys: %r", exc)
        if kid not in self._keys:
            raise Unauthenticated(
                "The token was not signed by a known key.",
                vi="Mã thông báo (token) không được ký bằng khóa đã biết.",
            )
        return self._keys[kid]

    async def verify(self, token: str) -> Identity:
        """Return the person a bearer token names; raise Unauthenticated otherwise.

        A token verified before is known by its exact text until it expires, while the keys
        it was checked with are current; its expiry is checked on every request.
        """
        known = self._verified.get(token)
        if known is not None:
            identity, refused_from = known
            keys_age = time.monotonic() - self._fetched_at
            if time.time() < refused_from and keys_age <= self.settings.oidc_jwks_cache_s:
                return identity
            # Expired, or due for the keys' refresh: the full check says which.
            del self._verified[token]
        identity, refused_from = await self._verify(token)
        if self.settings.oidc_token_cache_size > 0:
            if len(self._verified) >= self.settings.oidc_token_cache_size:
                del self._verified[next(iter(self._verified))]
            self._verified[token] = (identity, refused_from)
        return identity

    async def _verify(self, token: str) -> tuple[Identity, float]:
        """Check a token whole; return the person and the Unix time it is refused from."""
        s = self.settings
        header = unverified_header(token)
        # The algorithm comes from settings; a token cannot choose it (no "none", no HS*).
        if header.get("alg") not in s.oidc_algorithms:
            raise Unauthenticated(
                "The token's algorithm is not accepted.",
                vi="Thuật toán ký của mã thông báo không được chấp nhận.",
            )
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise Unauthenticated(
                "The token names no signing key.",
                vi="Mã thông báo không ghi khóa ký.",
            )
        key = await self._key(kid)
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=s.oidc_algorithms,
                audience=s.oidc_audience,
                issuer=s.oidc_issuer,
                leeway=s.oidc_leeway_s,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("The token has expired.", vi="Mã thông báo đã hết hạn.") from None
        except jwt.ImmatureSignatureError:
            raise Unauthenticated(
                "The token is not valid yet.", vi="Mã thông báo chưa đến thời điểm có hiệu lực."
            ) from None
        except jwt.InvalidTokenError:
            raise Unauthenticated(
                "The token is not valid.", vi="Mã thông báo không hợp lệ."
            ) from None
        try:
            role = Role(str(claims.get(s.oidc_role_claim)))
        except ValueError:
            raise Unauthenticated(
                "The token carries no CongVu role.",
                vi="Mã thông báo không mang vai trò nào của CongVu.",
            ) from None
        unit = claims.get(s.oidc_unit_claim)
        if unit is not None and not isinstance(unit, str):
            raise Unauthenticated(
                "The token's unit is not valid.",
                vi="Đơn vị ghi trong mã thông báo không hợp lệ.",
            )
        # Everyone but the Ministry acts within a unit's province: a token names the unit.
        if role not in PERSON_ROLES or (role != Role.NATIONAL and not unit):
            raise Unauthenticated(
                "The token's role or unit is not valid.",
                vi="Vai trò hoặc đơn vị ghi trong mã thông báo không hợp lệ.",
            )
        subject = claims["sub"]
        # The services' rule for subjects, so no token passes here only to be refused there.
        if not is_subject(subject):
            raise Unauthenticated(
                f"The token's subject must be 1 to {MAX_SUBJECT_LENGTH} characters of plain"
                " text on one line.",
                vi=f"Định danh (subject) trong mã thông báo phải là văn bản một dòng, từ 1 đến"
                f" {MAX_SUBJECT_LENGTH} ký tự.",
            )
        # As PyJWT decides it: refused once `leeway` seconds past exp (which it required).
        refused_from = int(claims["exp"]) + s.oidc_leeway_s
        return Identity(subject=subject, role=role, unit_code=unit), refused_from


def parse_signature(header: str) -> tuple[int, list[str]]:
    """Split `t=<unix>,v1=<hex>[,v1=<hex>]` into the timestamp and the signatures."""
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isascii() and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif name == "v1" and value.isascii() and len(value) <= 128:
            signatures.append(value.lower())
    if timestamp is None or not signatures:
        raise Unauthenticated(
            "CongVu-Signature must be t=<unix time>,v1=<hex>.",
            vi="CongVu-Signature phải có dạng t=<thời điểm unix>,v1=<hex>.",
        )
    return timestamp, signatures


def sign(secret: str, timestamp: int, method: str, target: bytes, body: bytes) -> str:
    """Return the v1 signature: HMAC-SHA256 over `<t>.<METHOD>.<path?query>.` and the raw body."""
    message = b".".join([str(timestamp).encode(), method.encode(), target, body])
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


class SignatureVerifier:
    """Checks signed requests from provincial systems: secret, freshness, no replay."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.clients: dict[str, ProvincialClient] = {c.id: c for c in settings.provincial_clients}
        self.tolerance_s = settings.signature_tolerance_s
        self.store = store

    async def verify(
        self, client_id: str, header: str, *, method: str, target: bytes, body: bytes
    ) -> Identity:
        """Return the provincial system that signed this request; raise Unauthenticated otherwise.

        `target` is the raw path and query as sent: a signature covers them, the method and
        the body, so it is good for that one request only.
        """
        client = self.clients.get(client_id)
        timestamp, given = parse_signature(header)
        if client is None:
            raise Unauthenticated("The signature is not valid.", vi="Chữ ký không hợp lệ.")
        if abs(time.time() - timestamp) > self.tolerance_s:
            raise Unauthenticated(
                "The signature is too old or from the future; sign again.",
                vi="Chữ ký đã quá cũ hoặc mang thời điểm tương lai; hãy ký lại.",
            )
        expected = [
            sign(s.get_secret_value(), timestamp, method, target, body) for s in client.secrets
        ]
        # Compare every pair in constant time, so timing tells nothing about the secrets.
        verified = [e for e in expected if any([hmac.compare_digest(e, g) for g in given])]
        if not verified:
            raise Unauthenticated("The signature is not valid.", vi="Chữ ký không hợp lệ.")
        # Each verified signature is accepted once: a replay with one of two dropped is one too.
        fresh = [
            await self.store.add(f"sig:{client.id}:{v}", 2 * self.tolerance_s) for v in verified
        ]
        if not all(fresh):
            raise Unauthenticated(
                "This signed request was already received.",
                vi="Yêu cầu có chữ ký này đã được nhận trước đó.",
            )
        return Identity(
            subject=f"client:{client.id}",
            role=Role.PROVINCIAL_SYSTEM,
            unit_code=client.province_code,
            client_id=client.id,
        )
