"""Pure rules of scheduling: recurrence windows, years, plan numbers and who sees what."""

import calendar
from datetime import datetime, timedelta

from plans.auth import PLANNERS
from servicekit.access import Role
from servicekit.text import nfc
from servicekit.times import VN_TZ

# Who sees every inspection of their province, sealed or not: the approvers and the
# inspectorate; the Ministry sees those of every province.
SEES_ALL = PLANNERS | {Role.NATIONAL}
# Inspectors see unsealed inspections, and the sealed ones of teams they are on.
TEAM_ROLES = frozenset({Role.TEAM_LEADER, Role.INSPECTOR})
MONTHS = {"monthly": 1, "quarterly": 3}


def _add_months(moment: datetime, months: int) -> datetime:
    local = moment.astimezone(VN_TZ)
    index = local.month - 1 + months
    year, month = local.year + index // 12, index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day)


def shift(moment: datetime, frequency: str, steps: int) -> datetime:
    """Return `moment` moved on by `steps` periods, keeping Vietnam's wall-clock time."""
    if frequency == "weekly":
        return moment.astimezone(VN_TZ) + timedelta(weeks=steps)
    # The 31st becomes the last day of shorter months.
    return _add_months(moment, MONTHS[frequency] * steps)


def occurrences(
    start: datetime, end: datetime, frequency: str | None, count: int
) -> list[tuple[datetime, datetime]]:
    """Return the windows of a recurring inspection, the first one as given."""
    if frequency is None:
        return [(start, end)]
    length = end - start
    windows = []
    for step in range(count):
        moved = shift(start, frequency, step)
        windows.append((moved, moved + length))
    return windows


def in_year(moment: datetime, year: int) -> bool:
    """Tell whether `moment` falls in `year` in Vietnam (+07:00)."""
    return moment.astimezone(VN_TZ).year == year


def number_key(issuer: str, number: str) -> str:
    """Return what makes a plan number unique in a year: issuer and number, case and spaces aside.

    Diacritics count: in Vietnamese they tell words apart. Neither text holds a line break.
    """
    return "\n".join(" ".join(nfc(text.casefold()).split()) for text in (issuer, number))
