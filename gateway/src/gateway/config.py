"""Settings of the gateway."""

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Environment variables of the gateway; defaults match `make up`."""

    model_config = SettingsConfigDict(extra="ignore")

    service_name: str = "gateway"
    plans_url: str = "http://127.0.0.1:8001"
    visits_url: str = "http://127.0.0.1:8002"
    citizen_feedback_url: str = "http://127.0.0.1:8003"
    reporting_url: str = "http://127.0.0.1:8004"
    upstream_connect_timeout_s: float = 2.0
    upstream_timeout_s: float = 15.0
    upstream_retry_after_s: int = 5
    max_body_bytes: int = 1024 * 1024
    openapi_cache_s: float = 30.0
    log_level: str = "INFO"
    log_json: bool = True

    def upstreams(self) -> dict[str, str]:
        """Return the base URL of each service, by the path segment that routes to it."""
        return {
            "plans": self.plans_url,
            "visits": self.visits_url,
            "citizen-feedback": self.citizen_feedback_url,
            "reporting": self.reporting_url,
        }
