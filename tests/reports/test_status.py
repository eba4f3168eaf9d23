"""The status rule at its thresholds, target goals, projections and changes (pure arithmetic, exact)."""

from decimal import Decimal
from fractions import Fraction

import pytest

from referrals.reporting import measures
from referrals.reporting.measures import Rate
from referrals.reporting.models import Direction, ReportMeasure, Target, TargetType
from referrals.reporting.periods import financial_year
from referrals.reporting.selectors import (
    AT_RISK,
    NOT_STARTED,
    OFF_TRACK,
    ON_TRACK,
    Figures,
    assess,
    status_for,
    target_goal,
)

F = Fraction


@pytest.mark.parametrize(
    ("direction", "projected", "expected"),
    [
        # a rise is good
        (Direction.INCREASE, F(101), ON_TRACK),
        (Direction.INCREASE, F(100), ON_TRACK),  # exactly the target
        (Direction.INCREASE, F(9999, 100), AT_RISK),  # just short
        (Direction.INCREASE, F(90), AT_RISK),  # exactly 10% short
        (Direction.INCREASE, F(8999, 100), OFF_TRACK),  # just beyond 10% short
        (Direction.INCREASE, F(0), OFF_TRACK),
        # a fall is good
        (Direction.DECREASE, F(0), ON_TRACK),
        (Direction.DECREASE, F(100), ON_TRACK),  # exactly the target
        (Direction.DECREASE, F(10001, 100), AT_RISK),  # just over
        (Direction.DECREASE, F(110), AT_RISK),  # exactly 10% over
        (Direction.DECREASE, F(11001, 100), OFF_TRACK),  # just beyond 10% over
    ],
)
def test_status_thresholds(direction, projected, expected):
    assert status_for(projected, F(100), direction) == expected


def test_a_zero_target_where_a_fall_is_good():
    assert status_for(F(0), F(0), Direction.DECREASE) == ON_TRACK
    assert status_for(F(1, 10), F(0), Direction.DECREASE) == OFF_TRACK


def _target(**fields):
    data = {
        "measure": ReportMeasure.MARAC_REFERRALS,
        "period_kind": "financial_year",
        "year": 2025,
        "target_type": TargetType.PERCENT_CHANGE,
        "value": Decimal("10"),
        "direction": Direction.INCREASE,
    }
    data.update(fields)
    return Target(**data)


def test_percentage_targets_are_worked_out_from_the_whole_previous_period():
    assert target_goal(_target(value=Decimal("10")), 300) == F(330)
    assert target_goal(_target(value=Decimal("-5")), 40) == F(38)
    assert target_goal(_target(value=Decimal("12.5")), 8) == F(9)
    assert target_goal(_target(value=Decimal("10")), None) is None
    assert target_goal(_target(target_type=TargetType.ABSOLUTE, value=Decimal("42")), 300) == F(42)
    assert target_goal(_target(value=Decimal("10")), Rate(30, 100)) == F(33)  # a rate changes relatively


def _figures(current, *, covered, previous=None, same_point=None, key=ReportMeasure.MARAC_REFERRALS):
    return Figures(
        measure=measures.measure(key),
        period=financial_year(2025),
        current=current,
        previous_same_point=same_point,
        previous=previous,
        covered=covered,
    )


def test_projection_scales_a_count_to_the_whole_period():
    assert _figures(25, covered=F(1, 4)).projected == F(100)
    assert _figures(7, covered=F(76, 365)).projected == F(7 * 365, 76)
    assert _figures(7, covered=F(1)).projected == F(7)
    assert _figures(0, covered=F(0)).projected is None


def test_a_rate_is_not_scaled():
    figures = _figures(Rate(3, 10), covered=F(1, 4), key=ReportMeasure.MARAC_REPEAT_RATE)
    assert figures.projected == F(30)


def test_status_from_the_run_rate():
    target = _target(target_type=TargetType.ABSOLUTE, value=Decimal("100"))
    assert assess(target, _figures(25, covered=F(1, 4))).status == ON_TRACK  # 100 projected
    assert assess(target, _figures(F(45, 2), covered=F(1, 4))).status == AT_RISK  # 90 projected
    assert assess(target, _figures(22, covered=F(1, 4))).status == OFF_TRACK  # 88 projected
    assert assess(target, _figures(0, covered=F(0))).status == NOT_STARTED


def test_change_against_the_same_point_of_the_previous_period():
    figures = _figures(12, covered=F(1, 2), same_point=8, previous=20)
    assert figures.change == 4
    assert figures.change_percent == 50
    assert _figures(3, covered=F(1, 2), same_point=0).change_percent is None  # no division by zero
    rate = _figures(Rate(3, 10), covered=F(1), same_point=Rate(1, 4), key=ReportMeasure.MARAC_REPEAT_RATE)
    assert rate.change == 5  # percentage points
    assert rate.change_percent is None


def test_target_describes_itself():
    assert _target().describe() == "10% more than the previous period"
    assert _target(value=Decimal("-2.5")).describe() == "2.5% fewer than the previous period"
    assert _target(target_type=TargetType.ABSOLUTE, value=Decimal("1200")).describe() == "at least 1,200"
    assert (
        _target(target_type=TargetType.ABSOLUTE, value=Decimal("3"), direction=Direction.DECREASE).describe()
        == "at most 3"
    )
