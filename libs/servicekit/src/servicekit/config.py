"""Settings every CongVu service shares; each service subclasses them in its config.py."""

from pathlib import Path
from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Read from the environment; the defaults run the embedded mode on one machine."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    service_name: str = "congvu"
    # "production" refuses embedded-only choices (SQLite) at start-up.
    runtime_mode: Literal["embedded", "production"] = "embedded"
    database_url: str = "sqlite+aiosqlite:///var/congvu.db"
    database_pool_size: int = 10
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_topic_partitions: int = 3
    kafka_replication_factor: int = 1
    # Tansu (embedded mode) refuses InitProducerId; real Kafka should turn this on.
    kafka_enable_idempotence: bool = False
    # Small enough that a consumer group forms in ~1.5 s on the embedded broker, which holds
    # a join for half the session timeout; clusters set 10000/3000 (see deploy/).
    kafka_session_timeout_ms: int = 3_000
    kafka_heartbeat_interval_ms: int = 500
    # How long the broker may hold an empty fetch; bounds idle consume latency.
    kafka_fetch_max_wait_ms: int = 100
    relay_batch_size: int = 200
    relay_poll_interval_s: float = 1.0
    relay_probe_interval_s: float = 2.0
    outbox_retention_hours: int = 24 * 7
    consumer_max_attempts: int = 5
    consumer_retry_backoff_s: float = 0.2
    log_level: str = "INFO"
    log_json: bool = True
    # The gateway's Ed25519 public key, to verify the caller it forwards (PEM text or file).
    identity_public_key: str | None = None
    identity_public_key_file: Path = Path("var/keys/identity-public.pem")
    # Where identity tokens already used are kept until they expire: unset, in this process's
    # memory (one replica); set, in Redis, shared by every replica of the service.
    redis_url: str | None = None

    @model_validator(mode="after")
    def _production_needs_postgres(self) -> "ServiceSettings":
        if self.runtime_mode == "production" and self.database_url.startswith("sqlite"):
            raise ValueError("RUNTIME_MODE=production needs a PostgreSQL DATABASE_URL")
        return self

    @property
    def event_source(self) -> str:
        """Return the CloudEvents `source` of the events the service stages: `/congvu/<name>`."""
        return f"/congvu/{self.service_name}"

    def identity_key_pem(self) -> str:
        """Return the gateway's identity public key in PEM form."""
        if self.identity_public_key:
            return self.identity_public_key
        try:
            return self.identity_public_key_file.read_text()
        except FileNotFoundError:
            raise RuntimeError(
                f"no identity public key at {self.identity_public_key_file}: run `make keys`"
                " (embedded mode) or set IDENTITY_PUBLIC_KEY"
            ) from None

    def sqlite_path(self) -> Path | None:
        """Return the SQLite file behind `database_url`, or None for other databases."""
        prefix = "sqlite+aiosqlite:///"
        if not self.database_url.startswith(prefix):
            return None
        return Path(self.database_url.removeprefix(prefix))
