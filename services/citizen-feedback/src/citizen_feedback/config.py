"""Settings of the citizen-feedback service."""

from servicekit.config import ServiceSettings


class Settings(ServiceSettings):
    """Environment variables of the citizen-feedback service; defaults run embedded mode."""

    service_name: str = "citizen-feedback"
    database_url: str = "sqlite+aiosqlite:///var/citizen-feedback.db"
