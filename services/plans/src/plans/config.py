"""Settings of the plans service."""

from servicekit.config import ServiceSettings


class Settings(ServiceSettings):
    """Environment variables of the plans service; defaults run embedded mode."""

    service_name: str = "plans"
    database_url: str = "sqlite+aiosqlite:///var/plans.db"
