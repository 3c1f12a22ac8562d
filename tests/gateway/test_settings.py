"""Gateway settings refuse what production must never run with."""

import pytest
from pydantic import ValidationError

from gateway.config import Settings

PROVIDER = "https://sso.quangninh.gov.vn/realms/congvu/protocol/openid-connect/certs"


def test_embedded_defaults_are_valid() -> None:
    assert Settings().runtime_mode == "embedded"


def test_production_needs_the_providers_key_set_url() -> None:
    with pytest.raises(ValidationError, match="OIDC_JWKS_URL"):
        Settings(runtime_mode="production")


def test_production_refuses_a_local_key_set() -> None:
    with pytest.raises(ValidationError, match="OIDC_JWKS_FILE"):
        Settings(
            runtime_mode="production", oidc_jwks_url=PROVIDER, oidc_jwks_file="var/keys/x.json"
        )


def test_production_with_the_provider_is_valid() -> None:
    assert Settings(runtime_mode="production", oidc_jwks_url=PROVIDER).oidc_jwks_file is None


@pytest.mark.parametrize("algorithms", [["HS256"], ["none"], ["RS256", "HS512"]])
def test_symmetric_or_no_algorithms_are_refused(algorithms: list[str]) -> None:
    with pytest.raises(ValidationError, match="asymmetric"):
        Settings(oidc_algorithms=algorithms)


@pytest.mark.parametrize(
    "value",
    [
        "*",
        "10.0.0.0/8,*",
        "not-an-address",
        # Host bits set: uvicorn would read it as a name and trust nobody.
        "10.0.0.1/8",
        # Every address: the same as "*".
        "0.0.0.0/0",
        "10.0.0.0/8,::/0",
    ],
)
def test_forwarded_allow_ips_must_name_addresses(value: str) -> None:
    with pytest.raises(ValidationError):
        Settings(forwarded_allow_ips=value)


def test_forwarded_allow_ips_are_handed_on_as_uvicorn_reads_them() -> None:
    settings = Settings(forwarded_allow_ips="10.0.0.0/8, 192.168.1.2,fd00::/8")
    assert settings.forwarded_allow_ips == ["10.0.0.0/8", "192.168.1.2", "fd00::/8"]
