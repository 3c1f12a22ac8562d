"""Settings: production refuses embedded-only choices; the README documents every variable."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from gateway.config import Settings as GatewaySettings
from servicekit.config import ServiceSettings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_production_refuses_sqlite() -> None:
    with pytest.raises(ValidationError, match="PostgreSQL"):
        ServiceSettings(runtime_mode="production")
    ServiceSettings(runtime_mode="production", database_url="postgresql+asyncpg://db/plans")


@pytest.mark.parametrize("name", [*ServiceSettings.model_fields, *GatewaySettings.model_fields])
def test_every_setting_is_documented_in_the_readme(name: str) -> None:
    assert f"`{name.upper()}`" in README
