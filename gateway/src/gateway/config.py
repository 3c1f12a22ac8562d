"""Settings of the gateway."""

import ipaddress
import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class ProvincialClient(BaseModel):
    """A provincial system allowed to post signed requests, and its scope."""

    id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._-]+$")
    province_code: str = Field(min_length=1, max_length=10)
    # Up to two secrets are active at once, so a client can rotate without downtime.
    secrets: list[SecretStr] = Field(min_length=1, max_length=2)


class Settings(BaseSettings):
    """Environment variables of the gateway; defaults match `make up`."""

    model_config = SettingsConfigDict(extra="ignore")

    service_name: str = "gateway"
    runtime_mode: Literal["embedded", "production"] = "embedded"
    plans_url: str = "http://127.0.0.1:8001"
    visits_url: str = "http://127.0.0.1:8002"
    citizen_feedback_url: str = "http://127.0.0.1:8003"
    reporting_url: str = "http://127.0.0.1:8004"
    upstream_connect_timeout_s: float = 2.0
    upstream_timeout_s: float = 15.0
    upstream_retry_after_s: int = 5
    max_body_bytes: int = 1024 * 1024
    # The most an operation that states its own body limit (a file upload) may take.
    max_upload_bytes: int = Field(default=50 * 1024 * 1024, ge=1)
    # An upload's body must arrive within this many seconds of the headers (408 otherwise).
    upload_timeout_s: float = Field(default=300.0, gt=0)
    # A request body must arrive within this many seconds of the headers (408 otherwise).
    body_timeout_s: float = Field(default=5.0, gt=0)
    # Request line and headers together; more is answered 431 before the app runs.
    max_header_bytes: int = Field(default=32 * 1024, ge=4096, le=64 * 1024)
    # Peers (addresses or networks) whose X-Forwarded-For is believed: the ingress in front of
    # the gateway. Empty trusts nobody: the client address is the connection's.
    forwarded_allow_ips: Annotated[list[str], NoDecode] = []
    openapi_cache_s: float = 30.0
    # How long the policy a service states in its OpenAPI document is used before it is
    # fetched again (in the background): a new route is routed within this time.
    policy_refresh_s: float = Field(default=60.0, gt=0)
    oidc_issuer: str = "congvu-embedded"
    oidc_audience: str = "congvu-api"
    oidc_jwks_url: str | None = None
    # Embedded mode only (`make up` sets it); production verifies against OIDC_JWKS_URL.
    oidc_jwks_file: Path | None = None
    oidc_algorithms: list[str] = ["RS256"]
    oidc_leeway_s: int = 30
    oidc_role_claim: str = "congvu_role"
    oidc_unit_claim: str = "congvu_unit"
    oidc_jwks_cache_s: float = 600.0
    # Bearer tokens known verified (until they expire, or the keys are fetched again); the
    # oldest goes when full. 0 verifies every token on every request.
    oidc_token_cache_size: int = Field(default=10_000, ge=0)
    identity_private_key: SecretStr | None = None
    identity_private_key_file: Path = Path("var/keys/identity-private.pem")
    provincial_clients: list[ProvincialClient] = []
    signature_tolerance_s: int = 300
    redis_url: str | None = None
    rate_limit_per_minute: int = 600
    public_rate_limit_per_minute: int = 60
    # Per-operation limits by operation name (operationId), e.g. {"feedback.ratings.submit":
    # 30}: they replace the two above for that operation.
    rate_limits: dict[str, int] = Field(default_factory=dict)
    # Refusals of one caller and operation after the first are reported as one count a window.
    refusal_report_window_s: int = Field(default=60, ge=1)
    breaker_failures: int = 5
    breaker_open_s: float = 10.0
    cors_allow_origins: list[str] = []
    log_level: str = "INFO"
    log_json: bool = True

    @field_validator("forwarded_allow_ips", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        # Like uvicorn's own setting: "10.0.0.0/8,192.168.1.2" (a JSON list works too).
        if isinstance(value, str):
            if value.strip().startswith("["):
                return json.loads(value)
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _addresses_or_networks(cls, value: list[str]) -> list[str]:
        networks = []
        for entry in value:
            if entry == "*":
                raise ValueError("FORWARDED_ALLOW_IPS=* would let any caller choose its address")
            # Strict, as uvicorn parses it: "10.0.0.1/8" would be silently trusted by nobody.
            network = ipaddress.ip_network(entry, strict=True)
            if network.prefixlen == 0:
                raise ValueError(f"FORWARDED_ALLOW_IPS={entry} would trust every address")
            networks.append(str(network) if "/" in entry else str(network.network_address))
        return networks

    @field_validator("oidc_jwks_file", "oidc_jwks_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _production_uses_the_identity_provider(self) -> "Settings":
        if self.runtime_mode == "production" and (self.oidc_jwks_file or not self.oidc_jwks_url):
            raise ValueError(
                "RUNTIME_MODE=production verifies tokens against OIDC_JWKS_URL only;"
                " unset OIDC_JWKS_FILE (the embedded key set behind `make token`)"
            )
        if any(a.upper().startswith("HS") or a.lower() == "none" for a in self.oidc_algorithms):
            raise ValueError("OIDC_ALGORITHMS must be asymmetric (RS*, PS*, ES*, EdDSA)")
        return self

    def upstreams(self) -> dict[str, str]:
        """Return the base URL of each service, by the path segment that routes to it."""
        return {
            "plans": self.plans_url,
            "visits": self.visits_url,
            "citizen-feedback": self.citizen_feedback_url,
            "reporting": self.reporting_url,
        }

    def identity_key_pem(self) -> bytes:
        """Return the Ed25519 private key that signs the caller forwarded to services."""
        if self.identity_private_key is not None:
            return self.identity_private_key.get_secret_value().encode()
        try:
            return self.identity_private_key_file.read_bytes()
        except FileNotFoundError:
            raise RuntimeError(
                f"no identity key at {self.identity_private_key_file}: run `make keys`"
                " (embedded mode) or set IDENTITY_PRIVATE_KEY"
            ) from None
