import datetime

import pytest

from svd_portal.lib.working_days import (
    add_working_days,
    deadline_after,
    is_working_day,
    subtract_working_days,
    working_days_between,
)

D = datetime.date


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (D(2026, 11, 27), 1, D(2026, 11, 30)),  # Friday + 1 -> Monday
        (D(2026, 11, 27), 2, D(2026, 12, 1)),
        (D(2026, 12, 24), 1, D(2026, 12, 29)),  # Christmas Day and the Boxing Day substitute (Mon 28th)
        (D(2026, 12, 23), 2, D(2026, 12, 29)),
        (D(2026, 12, 31), 1, D(2027, 1, 4)),  # New Year's Day (Fri) and the weekend
        (D(2026, 12, 31), 2, D(2027, 1, 5)),
        (D(2026, 11, 28), 0, D(2026, 11, 30)),  # a Saturday, 0 days -> the next working day
        (D(2026, 4, 2), 1, D(2026, 4, 7)),  # Good Friday and Easter Monday 2026
    ],
)
def test_add_working_days(start, days, expected):
    assert add_working_days(start, days) == expected


def test_christmas_and_new_year_are_not_working_days():
    for day in (D(2026, 12, 25), D(2026, 12, 28), D(2027, 1, 1)):
        assert not is_working_day(day)
    assert is_working_day(D(2026, 12, 29))


def test_working_days_between_counts_only_working_days():
    assert working_days_between(D(2026, 12, 24), D(2027, 1, 4)) == 4  # 29, 30, 31 Dec and 4 Jan
    assert working_days_between(D(2026, 12, 1), D(2026, 12, 1)) == 0


def test_deadline_is_end_of_working_day_in_london():
    from django.utils import timezone

    moment = datetime.datetime(2026, 12, 24, 15, 0, tzinfo=datetime.UTC)
    deadline = deadline_after(moment, 1)
    local = timezone.localtime(deadline)
    assert (local.date(), local.hour) == (D(2026, 12, 29), 17)


def test_negative_days_refused():
    with pytest.raises(ValueError, match="negative"):
        add_working_days(D(2026, 1, 5), -1)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (D(2026, 12, 29), 1, D(2026, 12, 24)),  # back over Boxing Day (substitute Mon 28th) and Christmas Day
        (D(2027, 1, 4), 1, D(2026, 12, 31)),  # back over New Year's Day (Fri) and the weekend
        (D(2027, 1, 5), 3, D(2026, 12, 30)),
        (D(2027, 1, 1), 0, D(2026, 12, 31)),  # a bank holiday, 0 days -> the working day before
        (D(2026, 11, 30), 1, D(2026, 11, 27)),  # Monday - 1 -> Friday
    ],
)
def test_subtract_working_days(start, days, expected):
    assert subtract_working_days(start, days) == expected


def test_subtract_is_the_inverse_of_add_on_working_days():
    day = D(2026, 12, 1)
    while day < D(2027, 1, 31):
        if is_working_day(day):
            for n in (1, 2, 5):
                assert subtract_working_days(add_working_days(day, n), n) == day
        day += datetime.timedelta(days=1)
