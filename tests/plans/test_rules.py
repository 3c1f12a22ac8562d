"""Pure scheduling rules: recurrence windows and the plan year, judged in Vietnam."""

from datetime import UTC, datetime, timedelta, timezone

from plans.scheduling.rules import in_year, occurrences

VN = timezone(timedelta(hours=7))


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=VN)


def test_one_window_without_recurrence() -> None:
    assert occurrences(at(2021, 2, 22, 8), at(2021, 2, 22, 11), None, 1) == [
        (at(2021, 2, 22, 8), at(2021, 2, 22, 11))
    ]


def test_monthly_keeps_wall_clock_and_clamps_to_month_end() -> None:
    windows = occurrences(at(2024, 1, 31, 8), at(2024, 2, 1, 17), "monthly", 4)
    assert [(s.isoformat(), e.isoformat()) for s, e in windows] == [
        ("2024-01-31T08:00:00+07:00", "2024-02-01T17:00:00+07:00"),
        ("2024-02-29T08:00:00+07:00", "2024-03-01T17:00:00+07:00"),
        ("2024-03-31T08:00:00+07:00", "2024-04-01T17:00:00+07:00"),
        ("2024-04-30T08:00:00+07:00", "2024-05-01T17:00:00+07:00"),
    ]


def test_weekly_and_quarterly_steps() -> None:
    weekly = occurrences(at(2021, 12, 20, 8), at(2021, 12, 20, 9), "weekly", 3)
    assert [s.date().isoformat() for s, _ in weekly] == ["2021-12-20", "2021-12-27", "2022-01-03"]
    quarterly = occurrences(at(2021, 11, 30, 8), at(2021, 11, 30, 9), "quarterly", 2)
    assert [s.date().isoformat() for s, _ in quarterly] == ["2021-11-30", "2022-02-28"]


def test_input_in_utc_is_shifted_in_vietnam_time() -> None:
    start = datetime(2021, 1, 31, 17, 30, tzinfo=UTC)  # 1 Feb 00:30 in Vietnam
    [_, second] = occurrences(start, start + timedelta(hours=1), "monthly", 2)
    assert second[0].isoformat() == "2021-03-01T00:30:00+07:00"


def test_year_is_judged_in_vietnam() -> None:
    new_year_eve_utc = datetime(2021, 12, 31, 18, 0, tzinfo=UTC)
    assert in_year(new_year_eve_utc, 2022)
    assert not in_year(new_year_eve_utc, 2021)
