"""Working days in England and Wales: weekends and bank holidays, from govuk-bank-holidays' bundled data.

No network at run time: `use_cached_holidays=True` reads the JSON file shipped inside the package (it covers
2012 to the end of 2028; a package upgrade extends it). Deadlines land at the end of the working day
(SVD_WORKING_DAY_END, 17:00 London time by default).
"""

from __future__ import annotations

import datetime
from functools import cache

from django.conf import settings
from django.utils import timezone
from govuk_bank_holidays.bank_holidays import BankHolidays

DIVISION = BankHolidays.ENGLAND_AND_WALES


@cache
def _bank_holidays() -> BankHolidays:
    return BankHolidays(use_cached_holidays=True)


@cache
def bank_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(h["date"] for h in _bank_holidays().get_holidays(division=DIVISION, year=year))


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date `days` working days after `start` (0 gives `start` itself if it is a working day, or the
    next working day). Counting starts the day after `start`, as "within 2 working days" is read."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    if days == 0:
        while not is_working_day(current):
            current += datetime.timedelta(days=1)
        return current
    remaining = days
    while remaining:
        current += datetime.timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after `start` up to and including `end` (0 if end is not after start)."""
    count, current = 0, start
    while current < end:
        current += datetime.timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count


def end_of_working_day(day: datetime.date) -> datetime.datetime:
    hour = getattr(settings, "SVD_WORKING_DAY_END_HOUR", 17)
    return datetime.datetime.combine(day, datetime.time(hour, 0), tzinfo=timezone.get_default_timezone())


def deadline_after(moment: datetime.datetime, days: int) -> datetime.datetime:
    """The end of the working day `days` working days after `moment` (in London time)."""
    local = timezone.localtime(moment)
    return end_of_working_day(add_working_days(local.date(), days))


def subtract_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date `days` working days before `start` (0 gives `start` itself if it is a working day, or the
    working day before). Used for "remind N working days before the review date"."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    if days == 0:
        while not is_working_day(current):
            current -= datetime.timedelta(days=1)
        return current
    remaining = days
    while remaining:
        current -= datetime.timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def start_of_working_day(day: datetime.date) -> datetime.datetime:
    hour = getattr(settings, "SVD_WORKING_DAY_START_HOUR", 9)
    return datetime.datetime.combine(day, datetime.time(hour, 0), tzinfo=timezone.get_default_timezone())
