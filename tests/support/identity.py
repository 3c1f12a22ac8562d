"""Callers for tests: identity tokens as the gateway signs them, with a key made per run."""

import uuid

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from servicekit.access import IDENTITY_HEADER, Identity, Role, mint_identity_token

PRIVATE_KEY = ed25519.Ed25519PrivateKey.generate()
PUBLIC_PEM = (
    PRIVATE_KEY.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)


def caller(role: Role, unit: str | None = None) -> Identity:
    """Return an identity with that role (and unit, for unit-scoped roles)."""
    return Identity(subject=f"{role.value}-{uuid.uuid4().hex[:6]}", role=role, unit_code=unit)


def as_(role: Role, unit: str | None = None) -> dict[str, str]:
    """Return the headers the gateway would add for a caller with that role."""
    token = mint_identity_token(caller(role, unit), private_key=PRIVATE_KEY, request_id="test")
    return {IDENTITY_HEADER: token}
