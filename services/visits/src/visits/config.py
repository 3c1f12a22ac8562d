"""Settings of the visits service."""

from servicekit.config import ServiceSettings


class Settings(ServiceSettings):
    """Environment variables of the visits service; defaults run embedded mode."""

    service_name: str = "visits"
    database_url: str = "sqlite+aiosqlite:///var/visits.db"
