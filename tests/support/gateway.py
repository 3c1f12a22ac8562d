"""The gateway app for tests: signing identities with the tests' key, reached over ASGI."""

from cryptography.hazmat.primitives import serialization
from fastapi import FastAPI

from gateway.config import Settings
from gateway.main import create_app
from tests.support.identity import PRIVATE_KEY


def gateway_app() -> FastAPI:
    """Return a gateway that signs identity tokens the services under test accept."""
    pem = PRIVATE_KEY.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return create_app(Settings(identity_private_key=pem, log_json=False))
