"""Reporting periods: a financial year (April to March), a calendar year, or the rolling 12 months.

Every period is 12 whole months, as London dates: `start` is the first day, `end` the day after the last.
The rolling 12 months end with the current month (so far), so the latest referrals always count; its
"previous period" is the 12 months before it, as for the other kinds.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from fractions import Fraction

from django.utils import timezone

from referrals.reporting.models import PeriodKind

MONTH_NAMES = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The first of the month `months` after `day`'s month (day must be a first of the month)."""
    index = day.year * 12 + (day.month - 1) + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def london_midnight(day: datetime.date) -> datetime.datetime:
    """The aware moment a London date begins (handles the clocks changing)."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_default_timezone())


def month_label(day: datetime.date, *, short: bool = False) -> str:
    name = MONTH_NAMES[day.month - 1]
    return f"{name[:3]} {day.year}" if short else f"{name} {day.year}"


@dataclass(frozen=True)
class Period:
    kind: str
    start: datetime.date
    end: datetime.date  # exclusive

    # --- what it is called ---------------------------------------------------------------------------

    @property
    def year(self) -> int | None:
        """The year a target for this period is stored under (None for the rolling 12 months)."""
        if self.kind == PeriodKind.ROLLING_12:
            return None
        return self.start.year

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.FINANCIAL_YEAR:
            return f"{self.start.year}/{str(self.start.year + 1)[-2:]}"
        if self.kind == PeriodKind.CALENDAR_YEAR:
            return str(self.start.year)
        return f"12 months to {month_label(self.last_day)}"

    @property
    def long_label(self) -> str:
        first, last = month_label(self.start), month_label(self.last_day)
        if self.kind == PeriodKind.FINANCIAL_YEAR:
            return f"financial year {self.label} ({first} to {last})"
        if self.kind == PeriodKind.CALENDAR_YEAR:
            return f"calendar year {self.label}"
        return f"the 12 months {first} to {last}"

    @property
    def last_day(self) -> datetime.date:
        return self.end - datetime.timedelta(days=1)

    # --- arithmetic ----------------------------------------------------------------------------------

    def previous(self) -> Period:
        return Period(self.kind, add_months(self.start, -12), add_months(self.end, -12))

    def months(self) -> list[datetime.date]:
        return [add_months(self.start, n) for n in range(12)]

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def elapsed_days(self, today: datetime.date) -> int:
        """Whole days of the period up to and including today (0 before it starts; all of it once ended)."""
        if today < self.start:
            return 0
        if today >= self.end:
            return self.days
        return (today - self.start).days + 1

    def is_complete(self, today: datetime.date) -> bool:
        return today >= self.end

    def has_started(self, today: datetime.date) -> bool:
        return today >= self.start

    def fraction_elapsed(self, today: datetime.date) -> Fraction:
        return Fraction(self.elapsed_days(today), self.days)

    def same_point(self, today: datetime.date) -> datetime.date:
        """The exclusive end of the previous period's like-for-like stretch: as far into it as we are into
        this one (the whole previous period once this one is over)."""
        if self.is_complete(today):
            return self.previous().end
        if not self.has_started(today):
            return self.previous().start
        day = today
        try:
            shifted = day.replace(year=day.year - 1)
        except ValueError:  # 29 February
            shifted = day.replace(year=day.year - 1, day=28)
        return shifted + datetime.timedelta(days=1)

    @property
    def start_at(self) -> datetime.datetime:
        return london_midnight(self.start)

    @property
    def end_at(self) -> datetime.datetime:
        return london_midnight(self.end)


def financial_year(year: int) -> Period:
    return Period(PeriodKind.FINANCIAL_YEAR, datetime.date(year, 4, 1), datetime.date(year + 1, 4, 1))


def calendar_year(year: int) -> Period:
    return Period(PeriodKind.CALENDAR_YEAR, datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1))


def rolling_12(today: datetime.date) -> Period:
    end = add_months(month_start(today), 1)
    return Period(PeriodKind.ROLLING_12, add_months(end, -12), end)


def current_year_for(kind: str, today: datetime.date) -> int:
    if kind == PeriodKind.FINANCIAL_YEAR:
        return today.year if today.month >= 4 else today.year - 1
    return today.year


def period_for(kind: str, year: int | None, today: datetime.date) -> Period:
    """The period of this kind starting in `year` (the current one when year is None)."""
    if kind == PeriodKind.ROLLING_12:
        return rolling_12(today)
    if year is None:
        year = current_year_for(kind, today)
    if kind == PeriodKind.CALENDAR_YEAR:
        return calendar_year(year)
    return financial_year(year)


def year_choices(kind: str, today: datetime.date, *, back: int = 5, ahead: int = 1) -> list[tuple[str, str]]:
    """Years to offer in a select, newest first, labelled as the period they start."""
    current = current_year_for(kind, today)
    years = range(current + ahead, current - back - 1, -1)
    if kind == PeriodKind.CALENDAR_YEAR:
        return [(str(y), str(y)) for y in years]
    return [(str(y), f"{y}/{str(y + 1)[-2:]}") for y in years]
