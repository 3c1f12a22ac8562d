"""Settings of the reporting service."""

from servicekit.config import ServiceSettings


class Settings(ServiceSettings):
    """Environment variables of the reporting service; defaults run embedded mode."""

    service_name: str = "reporting"
    database_url: str = "sqlite+aiosqlite:///var/reporting.db"
