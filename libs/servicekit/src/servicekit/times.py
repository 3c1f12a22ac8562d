"""Times: stored in UTC, shown with Vietnam's offset (+07:00), refused outside plausible years."""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator, GetCoreSchemaHandler, PlainSerializer
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

# Vietnam has used UTC+7 since 13 June 1975; the tz database's Asia/Ho_Chi_Minh gives earlier
# times the offset of their day (+07:06:30 before 1911, +08:00 or +09:00 in years between 1943
# and 1975), which shifts their clock. CongVu shows every time, however early, in today's offset.
VN_TZ = timezone(timedelta(hours=7))
EARLIEST_YEAR = 1900
LATEST_YEAR = 2200

# Pydantic would read a number, or a string of digits, as seconds since 1970, and a date
# from a time at midnight; a client gives a time as RFC 3339 text and a date as YYYY-MM-DD.
_TIME_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")
_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")


def utcnow() -> datetime:
    """Return the current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def to_vn(value: datetime) -> datetime:
    """Return `value` with Vietnam's offset, +07:00, whatever its year."""
    return value.astimezone(VN_TZ)


def within_years(value: date, first: int = EARLIEST_YEAR, last: int = LATEST_YEAR) -> bool:
    """Tell whether a date, or an aware time once in UTC, falls in the years `first`..`last`."""
    if not isinstance(value, datetime):
        return first <= value.year <= last
    try:
        return first <= value.astimezone(UTC).year <= last
    except OverflowError:  # 9999-12-31T23:00-05:00 has no UTC time
        return False


@dataclass(frozen=True)
class Years:
    """Refuse times outside the years `first` to `last` in UTC, and dates outside them."""

    first: int
    last: int

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        schema = handler(source)
        # A field narrowing the years of `Instant` or `Day` replaces their bounds, so that
        # an error names the field's own.
        if schema["type"] == "function-after" and isinstance(
            getattr(schema["function"]["function"], "__self__", None), Years
        ):
            schema = schema["schema"]
        return core_schema.no_info_after_validator_function(self._check, schema)

    def _check(self, value: date) -> date:
        if within_years(value, self.first, self.last):
            return value
        if isinstance(value, datetime):
            raise PydanticCustomError(
                "datetime_range",
                "Time should be in the years {first} to {last} (UTC)",
                {"first": self.first, "last": self.last},
            )
        raise PydanticCustomError(
            "date_range",
            "Date should be in the years {first} to {last}",
            {"first": self.first, "last": self.last},
        )


def _time_text(value: Any) -> Any:
    if isinstance(value, datetime) or (isinstance(value, str) and _TIME_TEXT.match(value)):
        return value
    raise PydanticCustomError(
        "datetime_type",
        "Input should be an RFC 3339 time with an offset, e.g. 2024-02-19T07:30:00+07:00",
    )


def _date_text(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATE_TEXT.fullmatch(value):
        return value
    raise PydanticCustomError("date_type", "Input should be a date as YYYY-MM-DD")


# Input type for every time a client gives: RFC 3339 text with an offset, in plausible years.
# A field narrows them with `Annotated[Instant, Years(2000, 2100)]`.
Instant = Annotated[AwareDatetime, BeforeValidator(_time_text), Years(EARLIEST_YEAR, LATEST_YEAR)]
# Input type for every date a client gives: YYYY-MM-DD, in plausible years; narrowed alike.
Day = Annotated[date, BeforeValidator(_date_text), Years(EARLIEST_YEAR, LATEST_YEAR)]

# What CongVu schedules and records as it happens (inspections, visits): 2000 to 2100.
WORK_YEARS = Years(2000, 2100)
# Records older than CongVu (team decisions, a unit's founding) go back to 1945.
RECORD_YEARS = Years(1945, 2100)

# Output type for Vietnamese-facing resources: serialised with +07:00.
VnDatetime = Annotated[
    AwareDatetime, PlainSerializer(lambda v: to_vn(v).isoformat(), return_type=str)
]
