"""Import the official provinces and communes/wards: `python -m plans.registry_import`.

The source is the PyPI package vietnam-provinces (34 provinces and 3,321 communes, wards
and special zones since 1 July 2025). Safe to re-run: units are matched by official code;
new ones are registered, changed ones updated, each with its event; the rest is untouched.
Pre-2025 districts are not in the source: register them through the API with `valid_to`.

Communes, wards and the 23 provinces formed by merger are valid from 1 July 2025. The 11
provinces the reform left as they were (Resolution 202/2025/QH15) existed before it and have
no start date, so the pre-2025 districts beneath them fit within their validity.
"""

import asyncio
import json
import time
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select
from vietnam_provinces import NESTED_DIVISIONS_JSON_PATH, __data_version__

from eventbus import outbox
from plans.config import Settings
from plans.models import Unit
from plans.units.service import changed_event, registered_event
from servicekit.db import create_engine, create_sessionmaker
from servicekit.text import fold
from servicekit.times import utcnow

TWO_TIER_SINCE = date(2025, 7, 1)
# Hà Nội, Cao Bằng, Điện Biên, Lai Châu, Sơn La, Lạng Sơn, Quảng Ninh, Thanh Hóa, Nghệ An,
# Hà Tĩnh, Huế: not merged on 1 July 2025.
UNCHANGED_PROVINCES = frozenset({"01", "04", "11", "12", "14", "20", "22", "38", "40", "42", "46"})
KINDS = {
    "tỉnh": "province",
    "thành phố trung ương": "centrally_run_city",
    "phường": "ward",
    "xã": "commune",
    "đặc khu": "special_zone",
}


@dataclass(frozen=True)
class ImportResult:
    """What an import did."""

    created: int
    changed: int
    unchanged: int


@dataclass(frozen=True)
class OfficialUnit:
    """One entry of the official list."""

    code: str
    name: str
    level: str
    kind: str
    parent_code: str | None


def official_units() -> list[OfficialUnit]:
    """Return provinces, then their communes and wards, with official codes as text."""
    provinces: list[dict[str, Any]] = json.loads(NESTED_DIVISIONS_JSON_PATH.read_text("utf-8"))
    units: list[OfficialUnit] = []
    for province in provinces:
        code = f"{province['code']:02d}"
        units.append(
            OfficialUnit(code, province["name"], "province", KINDS[province["division_type"]], None)
        )
        units.extend(
            OfficialUnit(
                f"{ward['code']:05d}", ward["name"], "commune", KINDS[ward["division_type"]], code
            )
            for ward in province["wards"]
        )
    return units


async def import_official_units(session: AsyncSession) -> ImportResult:
    """Register or update every official unit in one transaction owned by the caller."""
    entries = official_units()
    existing = {
        unit.code: unit
        for unit in (
            await session.scalars(select(Unit).where(col(Unit.code).in_([e.code for e in entries])))
        ).all()
    }
    created = changed = 0
    now = utcnow()
    for entry in entries:
        parent_id = existing[entry.parent_code].id if entry.parent_code else None
        wanted: dict[str, Any] = {
            "name": entry.name,
            "name_search": fold(entry.name),
            "level": entry.level,
            "kind": entry.kind,
            "parent_id": parent_id,
            "valid_from": None if entry.code in UNCHANGED_PROVINCES else TWO_TIER_SINCE,
        }
        unit = existing.get(entry.code)
        if unit is None:
            unit = Unit(code=entry.code, created_at=now, **wanted)
            session.add(unit)
            existing[entry.code] = unit
            outbox.add(session, registered_event(unit))
            created += 1
        elif any(getattr(unit, k) != v for k, v in wanted.items()):
            for key, value in wanted.items():
                setattr(unit, key, value)
            unit.updated_at = now
            outbox.add(session, changed_event(unit))
            changed += 1
    return ImportResult(created, changed, len(entries) - created - changed)


async def main() -> None:
    """Import into the database named by DATABASE_URL and print what happened."""
    settings = Settings()
    engine = create_engine(settings.database_url)
    started = time.perf_counter()
    try:
        sessionmaker = create_sessionmaker(engine, event_source=settings.event_source)
        async with sessionmaker() as session, session.begin():
            result = await import_official_units(session)
    finally:
        await engine.dispose()
    print(
        f"official units ({__data_version__}): {result.created} registered, "
        f"{result.changed} updated, {result.unchanged} unchanged "
        f"in {time.perf_counter() - started:.2f} s"
    )


if __name__ == "__main__":
    asyncio.run(main())
