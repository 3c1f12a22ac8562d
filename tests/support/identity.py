"""Callers for tests: identity tokens as the gateway signs them, with a key made per run."""

import uuid
from collections.abc import Generator

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from servicekit.access import (
    IDENTITY_HEADER,
    PROVINCE_SCOPED,
    Identity,
    Role,
    mint_identity_token,
    request_binding,
)

PRIVATE_KEY = ed25519.Ed25519PrivateKey.generate()
PUBLIC_PEM = (
    PRIVATE_KEY.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)


# The province tests act in unless they say otherwise: every plans test database has it
# (`tests.support.databases.seed`), and units registered without a parent lie beneath it.
HOME_CODE = "HOME"
HOME_ID = uuid.UUID("0193a5d2-0000-7000-8000-0000000000a1")
# Another province, for tests that one province's people find nothing of another's.
AWAY_CODE = "AWAY"
AWAY_ID = uuid.UUID("0193a5d2-0000-7000-8000-0000000000a2")


def caller(role: Role, unit: str | None = None) -> Identity:
    """Return an identity with that role and unit; province roles act for HOME by default."""
    if unit is None and role in PROVINCE_SCOPED:
        unit = HOME_CODE
    return Identity(subject=f"{role.value}-{uuid.uuid4().hex[:6]}", role=role, unit_code=unit)


class As(httpx.Auth):
    """Signs each request for one caller, bound to that request, as the gateway does."""

    requires_request_body = True

    def __init__(self, identity: Identity, key: ed25519.Ed25519PrivateKey = PRIVATE_KEY) -> None:
        self.identity = identity
        self.key = key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        service = request.url.path.split("/")[3] if request.url.path.startswith("/api/") else ""
        request.headers[IDENTITY_HEADER] = mint_identity_token(
            self.identity,
            private_key=self.key,
            service=service,
            binding=request_binding(request.method, request.url.raw_path, request.content),
        )
        yield request


def as_(role: Role, unit: str | None = None) -> As:
    """Return the auth of a caller with that role: pass it as `auth=`."""
    return As(caller(role, unit))
