"""Reporting periods: financial year, calendar year, rolling 12 months, and "the same point last year"."""

import datetime
from fractions import Fraction

from referrals.reporting import periods
from referrals.reporting.models import PeriodKind

D = datetime.date


def test_financial_year_runs_april_to_march():
    fy = periods.financial_year(2025)
    assert (fy.start, fy.end, fy.last_day) == (D(2025, 4, 1), D(2026, 4, 1), D(2026, 3, 31))
    assert fy.label == "2025/26"
    assert fy.year == 2025
    assert fy.previous() == periods.financial_year(2024)
    assert fy.months()[0] == D(2025, 4, 1) and fy.months()[-1] == D(2026, 3, 1)


def test_current_financial_year_turns_over_on_1_april():
    assert periods.period_for(PeriodKind.FINANCIAL_YEAR, None, D(2025, 3, 31)).label == "2024/25"
    assert periods.period_for(PeriodKind.FINANCIAL_YEAR, None, D(2025, 4, 1)).label == "2025/26"


def test_calendar_year():
    cy = periods.period_for(PeriodKind.CALENDAR_YEAR, None, D(2025, 6, 15))
    assert (cy.start, cy.end, cy.label) == (D(2025, 1, 1), D(2026, 1, 1), "2025")
    assert cy.previous().label == "2024"


def test_rolling_12_months_end_with_the_current_month():
    rolling = periods.period_for(PeriodKind.ROLLING_12, 2019, D(2025, 6, 15))  # the year is ignored
    assert (rolling.start, rolling.end) == (D(2024, 7, 1), D(2025, 7, 1))
    assert rolling.year is None
    assert rolling.label == "12 months to June 2025"
    assert (rolling.previous().start, rolling.previous().end) == (D(2023, 7, 1), D(2024, 7, 1))
    january = periods.rolling_12(D(2025, 1, 31))
    assert (january.start, january.end) == (D(2024, 2, 1), D(2025, 2, 1))


def test_elapsed_days_and_coverage():
    fy = periods.financial_year(2025)
    assert fy.days == 365
    assert fy.elapsed_days(D(2025, 3, 31)) == 0
    assert fy.elapsed_days(D(2025, 4, 1)) == 1
    assert fy.elapsed_days(D(2025, 6, 15)) == 30 + 31 + 15
    assert fy.elapsed_days(D(2026, 4, 1)) == 365
    assert fy.fraction_elapsed(D(2025, 6, 15)) == Fraction(76, 365)
    assert not fy.is_complete(D(2026, 3, 31)) and fy.is_complete(D(2026, 4, 1))


def test_same_point_of_the_previous_period():
    fy = periods.financial_year(2025)
    assert fy.same_point(D(2025, 6, 15)) == D(2024, 6, 16)  # exclusive: up to and including 15 June 2024
    assert fy.same_point(D(2026, 5, 1)) == D(2025, 4, 1)  # over: the whole previous period
    assert fy.same_point(D(2025, 1, 1)) == D(2024, 4, 1)  # not started: nothing
    leap = periods.calendar_year(2024)
    assert leap.same_point(D(2024, 2, 29)) == D(2023, 3, 1)


def test_month_arithmetic_and_midnights_follow_london_time():
    assert periods.add_months(D(2025, 11, 1), 3) == D(2026, 2, 1)
    assert periods.add_months(D(2025, 1, 1), -13) == D(2023, 12, 1)
    fy = periods.financial_year(2025)
    # 1 April 2025 began at 23:00 UTC on 31 March (British Summer Time).
    assert fy.start_at.astimezone(datetime.UTC) == datetime.datetime(2025, 3, 31, 23, tzinfo=datetime.UTC)
    assert periods.calendar_year(2025).start_at.astimezone(datetime.UTC).hour == 0


def test_year_choices_are_labelled_as_the_period_they_start():
    assert periods.year_choices(PeriodKind.FINANCIAL_YEAR, D(2025, 6, 1), back=1, ahead=1) == [
        ("2026", "2026/27"),
        ("2025", "2025/26"),
        ("2024", "2024/25"),
    ]
