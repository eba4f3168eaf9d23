"""Number formatting and small-number suppression in exports."""

from fractions import Fraction

import pytest

from referrals.reporting import presentation as p
from referrals.reporting.measures import Rate


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, "fewer than 5"), (1, "fewer than 5"), (4, "fewer than 5"), (5, 5), (1234, 1234), (None, "")],
)
def test_counts_below_5_are_shown_as_fewer_than_5(value, expected):
    assert p.export_count(value) == expected


def test_a_rate_built_on_small_numbers_is_not_shown():
    assert p.export_value(Rate(4, 100), rate=True) == p.NOT_SHOWN  # 4 people could be worked out
    assert p.export_value(Rate(3, 4), rate=True) == p.NOT_SHOWN
    assert p.export_value(Rate(5, 20), rate=True) == 25.0
    assert p.export_value(Rate(7, 30), rate=True) == 23.3


def test_formatting_on_the_page():
    assert p.fmt_count(12345) == "12,345"
    assert p.fmt_count(Fraction(49, 2)) == "25"  # half rounds up
    assert p.fmt_decimal(Fraction(1, 3)) == "0.3"
    assert p.fmt_decimal(Fraction(-5, 2)) == "\u22122.5"
    assert p.fmt_value(Rate(1, 3)) == "33.3%"
    assert p.fmt_value(Rate(0, 0)) == "No cases"
    assert p.fmt_value(None) == "No data"
    assert p.fmt_change(3) == "+3"
    assert p.fmt_change(-3) == "\u22123"
    assert p.fmt_change(0) == "0"
    assert p.fmt_change(Fraction(5, 2), rate=True) == "+2.5 points"
    assert p.fmt_percent_change(Fraction(-100, 3)) == "\u221233.3%"
    assert p.fmt_percent_change(None) == "Not applicable"


def test_a_lone_small_count_in_a_column_with_a_published_total_takes_the_next_smallest_with_it():
    """Secondary suppression: with the total known, one hidden count is the total less the others."""
    assert p.suppressed_column([12, 3, 7, 30]) == [12, p.SUPPRESSED, p.NOT_SHOWN, 30]
    assert p.suppressed_column([12, 3, 2, 30]) == [12, p.SUPPRESSED, p.SUPPRESSED, 30]  # two: only their sum is known
    assert p.suppressed_column([12, 7, 30]) == [12, 7, 30]
    assert p.suppressed_column([None, 0, 9, 8]) == ["", p.SUPPRESSED, 9, p.NOT_SHOWN]
    assert p.suppressed_column([4]) == [p.SUPPRESSED]
