"""The report numbers, from hand-built data across the 1 April 2025 boundary (see conftest.py)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from referrals.models import Pathway
from referrals.reporting import measures, selectors, services
from referrals.reporting.measures import Rate
from referrals.reporting.models import (
    Direction,
    OutcomeMeasure,
    PeriodKind,
    ReportMeasure,
    TargetType,
)
from referrals.reporting.periods import calendar_year, financial_year, period_for, rolling_12
from referrals.reporting.selectors import ReportFilters
from tests import factories
from tests.reports.conftest import TODAY

pytestmark = pytest.mark.django_db

FY = financial_year(2025)


def _row(report, key):
    return next(r for r in report.rows if r.measure.key == key)


def _figures(report, key):
    f = _row(report, key).figures
    return f.current, f.previous_same_point, f.previous


def test_year_on_year_changes_for_a_manager_across_the_financial_year_boundary(report_world):
    report = selectors.target_report(user=report_world.personas.owner_manager, period=FY, today=TODAY)
    assert report.partnership_wide
    assert _figures(report, ReportMeasure.MARAC_REFERRALS) == (5, 4, 6)
    assert _figures(report, ReportMeasure.MARAC_NON_POLICE) == (1, 1, 1)
    assert _figures(report, ReportMeasure.YV_REFERRALS) == (2, 1, 1)
    assert _figures(report, ReportMeasure.YV_KNIFE_INJURIES) == (1, 0, 0)
    assert _figures(report, ReportMeasure.YV_GUNSHOT_INJURIES) == (1, 0, 0)
    assert _figures(report, ReportMeasure.HSB_REFERRALS) == (1, 0, 0)
    assert _figures(report, ReportMeasure.REFERRALS_ALL) == (8, 5, 7)  # the draft is never counted
    marac = _row(report, ReportMeasure.MARAC_REFERRALS).figures
    assert marac.change == 1
    assert marac.change_percent == 25
    assert marac.covered == Fraction(76, 365)
    assert marac.projected == Fraction(5 * 365, 76)


def test_the_previous_financial_year_once_complete(report_world):
    report = selectors.target_report(user=report_world.personas.owner_manager, period=financial_year(2024), today=TODAY)
    marac = _row(report, ReportMeasure.MARAC_REFERRALS).figures
    assert (marac.current, marac.previous) == (6, 0)
    assert marac.complete and marac.projected == 6


def test_percentage_and_absolute_targets_with_their_status(report_world):
    manager = report_world.personas.owner_manager
    fy2025 = {"period_kind": PeriodKind.FINANCIAL_YEAR, "year": 2025}
    factories.make_target(manager, ReportMeasure.MARAC_REFERRALS, 10, target_type=TargetType.PERCENT_CHANGE, **fy2025)
    factories.make_target(manager, ReportMeasure.YV_KNIFE_INJURIES, 2, direction=Direction.DECREASE, **fy2025)
    factories.make_target(  # another year's target does not apply
        manager, ReportMeasure.YV_REFERRALS, 2, period_kind=PeriodKind.FINANCIAL_YEAR, year=2024
    )
    report = selectors.target_report(user=manager, period=FY, today=TODAY)
    marac = _row(report, ReportMeasure.MARAC_REFERRALS).assessment
    assert marac.goal == Fraction(66, 10)  # 10% more than the whole of 2024/25 (6)
    assert marac.status == selectors.ON_TRACK  # 5 so far projects to 24
    knife = _row(report, ReportMeasure.YV_KNIFE_INJURIES).assessment
    assert knife.goal == 2
    assert knife.status == selectors.OFF_TRACK  # 1 so far projects to 4.8, more than 2.2
    assert _row(report, ReportMeasure.YV_REFERRALS).assessment is None
    assert report.counts()[selectors.ON_TRACK] == 1


def test_a_non_manager_sees_targets_but_a_status_only_for_whole_area_measures(report_world):
    manager = report_world.personas.owner_manager
    for measure in [ReportMeasure.MARAC_REFERRALS, ReportMeasure.HOMICIDES]:
        services.target_set(
            actor=manager,
            measure=measure,
            period_kind=PeriodKind.FINANCIAL_YEAR,
            year=2025,
            target_type=TargetType.ABSOLUTE,
            value=Decimal("4"),
            direction=Direction.INCREASE if measure == ReportMeasure.MARAC_REFERRALS else Direction.DECREASE,
        )
    services.outcome_entry_save(
        actor=factories.make_sysadmin(), measure=OutcomeMeasure.HOMICIDES, month=datetime.date(2025, 4, 1), count=0
    )
    report = selectors.target_report(user=report_world.personas.owner, period=FY, today=TODAY)
    marac = _row(report, ReportMeasure.MARAC_REFERRALS).assessment
    assert marac.goal == 4 and marac.status is None and marac.withheld  # police's 4 are not the partnership's
    homicides = _row(report, ReportMeasure.HOMICIDES).assessment
    assert homicides.status == selectors.ON_TRACK and not homicides.withheld
    assert [r.measure.key for r in report.with_targets] == [ReportMeasure.HOMICIDES]
    as_manager = selectors.target_report(user=manager, period=FY, today=TODAY)
    assert _row(as_manager, ReportMeasure.MARAC_REFERRALS).assessment.status == selectors.ON_TRACK


def test_rolling_12_months_and_calendar_years(report_world):
    manager = report_world.personas.owner_manager
    rolling = selectors.target_report(user=manager, period=rolling_12(TODAY), today=TODAY)
    # 1 July 2024 to 30 June 2025, against 1 July 2023 to 30 June 2024 (to 15 June 2024 for "same point")
    assert _figures(rolling, ReportMeasure.MARAC_REFERRALS) == (6, 4, 5)
    services.target_set(
        actor=manager,
        measure=ReportMeasure.MARAC_REFERRALS,
        period_kind=PeriodKind.ROLLING_12,
        year=2030,  # ignored: a rolling target stands for whichever 12 months are current
        target_type=TargetType.PERCENT_CHANGE,
        value=Decimal("20"),
        direction=Direction.INCREASE,
    )
    rolling = selectors.target_report(user=manager, period=rolling_12(TODAY), today=TODAY)
    assert _row(rolling, ReportMeasure.MARAC_REFERRALS).assessment.goal == 6
    calendar = selectors.target_report(user=manager, period=calendar_year(2025), today=TODAY)
    assert _figures(calendar, ReportMeasure.MARAC_REFERRALS) == (6, 4, 5)


@pytest.mark.parametrize(
    ("persona", "marac", "non_police", "yv"),
    [
        ("owner", (4, 3, 5), (0, 0, 0), (0, 0, 0)),  # police: its own cases only
        ("outsider", (1, 1, 1), (1, 1, 1), (0, 0, 0)),  # housing: its own two
        ("shared", (1, 0, 0), (1, 0, 0), (2, 1, 1)),  # hospital: its YV cases and the one shared with it
        ("coordinator", (5, 4, 6), (1, 1, 1), (0, 0, 0)),  # the MARAC hub sees every MARAC case
        ("yv_coordinator", (0, 0, 0), (0, 0, 0), (2, 1, 1)),  # the YV hub every YV case
        ("owner_manager", (5, 4, 6), (1, 1, 1), (2, 1, 1)),  # a manager: partnership-wide
    ],
)
def test_non_managers_count_only_what_their_agency_can_see(report_world, persona, marac, non_police, yv):
    user = getattr(report_world.personas, persona)
    report = selectors.target_report(user=user, period=FY, today=TODAY)
    assert _figures(report, ReportMeasure.MARAC_REFERRALS) == marac
    assert _figures(report, ReportMeasure.MARAC_NON_POLICE) == non_police
    assert _figures(report, ReportMeasure.YV_REFERRALS) == yv
    assert report.partnership_wide is (persona == "owner_manager")


def test_a_revoked_share_leaves_the_counts_at_once(report_world):
    from referrals.models import ReferralShare

    hospital = report_world.personas.shared
    before = selectors.target_report(user=hospital, period=FY, today=TODAY)
    assert _figures(before, ReportMeasure.MARAC_REFERRALS)[0] == 1
    share = ReferralShare.objects.get(referral=report_world.marac_housing[1])
    from referrals import services as core_services

    core_services.referral_share_revoke(share=share, actor=report_world.personas.outsider, reason="Test")
    after = selectors.target_report(user=hospital, period=FY, today=TODAY)
    assert _figures(after, ReportMeasure.MARAC_REFERRALS)[0] == 0


def test_no_case_role_counts_nothing(report_world):
    report = selectors.target_report(user=report_world.personas.owner_admin, period=FY, today=TODAY)
    assert _figures(report, ReportMeasure.REFERRALS_ALL) == (0, 0, 0)


def test_year_on_year_by_month_puts_the_first_half_hour_of_april_in_april(report_world):
    yoy = selectors.year_on_year(
        user=report_world.personas.owner_manager,
        measure=measures.measure(ReportMeasure.MARAC_REFERRALS),
        period=FY,
        filters=ReportFilters(),
        today=TODAY,
    )
    current = [r.current for r in yoy.rows]
    previous = [r.previous for r in yoy.rows]
    assert current == [2, 2, 1, None, None, None, None, None, None, None, None, None]
    assert previous == [1, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 1]  # March 2025 holds 23:30 on the 31st
    assert [r.future for r in yoy.rows][:4] == [False, False, False, True]
    assert (yoy.figures.current, yoy.figures.previous_same_point, yoy.figures.previous) == (5, 4, 6)
    assert yoy.rows[0].change == 1


def test_year_on_year_filters_by_pathway_and_agency(report_world):
    p = report_world.personas
    all_measure = measures.measure(ReportMeasure.REFERRALS_ALL)
    by_housing = selectors.year_on_year(
        user=p.owner_manager, measure=all_measure, period=FY, filters=ReportFilters(agency=p.housing), today=TODAY
    )
    assert by_housing.figures.current == 1 and by_housing.figures.previous == 1
    yv_only = selectors.year_on_year(
        user=p.owner_manager,
        measure=all_measure,
        period=FY,
        filters=ReportFilters(pathway=Pathway.YOUTH_VIOLENCE),
        today=TODAY,
    )
    assert [r.current for r in yv_only.rows[:3]] == [1, 1, 0]


def test_breakdowns_by_agency_kind_and_pathway(report_world):
    p = report_world.personas
    result = selectors.breakdowns(user=p.owner_manager, period=FY, filters=ReportFilters(), today=TODAY)
    agency = {r.key: (r.current, r.previous) for r in result.table("agency").rows}
    assert agency == {"POL": (4, 3), "HOSP": (2, 1), "HSG": (1, 1), "CSC": (1, 0)}
    assert result.table("agency").rows[0].key == "POL"  # most first
    kind = {r.key: (r.current, r.previous) for r in result.table("kind").rows}
    assert kind == {"police": (4, 3), "acute_trust": (2, 1), "housing": (1, 1), "childrens_social_care": (1, 0)}
    pathway = {r.key: (r.current, r.previous) for r in result.table("pathway").rows}
    assert pathway == {"marac": (5, 4), "hsb": (1, 0), "youth_violence": (2, 1)}
    assert result.table("pathway").total_current == 8
    scoped = selectors.breakdowns(user=p.outsider, period=FY, filters=ReportFilters(), today=TODAY)
    assert {r.key: (r.current, r.previous) for r in scoped.table("agency").rows} == {"HSG": (1, 1)}


def test_marac_benchmarks_for_a_complete_year(report_world):
    services.partnership_setting_update(
        actor=factories.make_sysadmin(), adult_female_population=20_000, population_source="Test"
    )
    result = selectors.marac_benchmarks(
        user=report_world.personas.owner_manager, period=financial_year(2024), today=TODAY
    )
    assert result.cases == 6
    assert result.row("per_10000").value == 3  # 6 / 20,000 x 10,000
    assert result.row("minoritised").rate == Rate(1, 6)  # "not known" is not counted as minoritised
    assert result.row("male").rate == Rate(1, 6)
    assert result.row("non_police").rate == Rate(1, 6)
    assert result.row("disabled").rate == Rate(0, 6)
    assert result.row("lgbt").rate == Rate(0, 6)


def test_marac_benchmarks_for_a_part_year_scale_the_rate_to_a_whole_year(report_world):
    services.partnership_setting_update(actor=factories.make_sysadmin(), adult_female_population=20_000)
    result = selectors.marac_benchmarks(user=report_world.personas.owner_manager, period=FY, today=TODAY)
    assert result.cases == 5
    assert result.row("per_10000").value == Fraction(5 * 10_000 * 365, 20_000 * 76)
    assert result.row("minoritised").rate == Rate(2, 5)  # Asian Indian and White Irish; "prefers not to say" not
    assert result.row("lgbt").rate == Rate(2, 5)  # gay, and trans
    assert result.row("disabled").rate == Rate(2, 5)
    assert result.row("male").rate == Rate(1, 5)
    assert result.row("disabled").recommended == "16% or more"
    assert result.row("disabled").national == "10.1%"


def test_benchmarks_without_a_population(report_world):
    result = selectors.marac_benchmarks(user=report_world.personas.owner_manager, period=FY, today=TODAY)
    assert result.row("per_10000").value is None
    assert not result.row("per_10000").available


def test_per_10000_arithmetic():
    assert selectors.per_10000(470, 117_500, Fraction(1)) == 40
    assert selectors.per_10000(235, 117_500, Fraction(1, 2)) == 40
    assert selectors.per_10000(10, None, Fraction(1)) is None
    assert selectors.per_10000(10, 1000, Fraction(0)) is None


def test_outcome_measures_from_monthly_entries(personas):
    admin = factories.make_sysadmin()
    for month, count in [(4, 10), (5, 8), (6, 7)]:
        services.outcome_entry_save(
            actor=admin, measure=OutcomeMeasure.HOSPITAL_SHARP_U25, month=datetime.date(2024, month, 1), count=count
        )
    for month, count in [(7, 9), (3, 6)]:
        year = 2024 if month == 7 else 2025
        services.outcome_entry_save(
            actor=admin, measure=OutcomeMeasure.HOSPITAL_SHARP_U25, month=datetime.date(year, month, 1), count=count
        )
    for month, count in [(4, 5), (5, 6)]:
        services.outcome_entry_save(
            actor=admin, measure=OutcomeMeasure.HOSPITAL_SHARP_U25, month=datetime.date(2025, month, 1), count=count
        )
    series = {s.measure.key: s for s in selectors.outcome_report(period=FY, today=TODAY)}
    hospital = series[OutcomeMeasure.HOSPITAL_SHARP_U25].figures
    assert hospital.current == 11  # April and May 2025
    assert hospital.previous_same_point == 18  # April and May 2024: the months this year has figures for
    assert hospital.previous == 40
    assert hospital.covered == Fraction(2, 12)
    assert hospital.projected == 66  # 11 over 2 months, for 12
    assert series[OutcomeMeasure.HOMICIDES].figures.current is None
    report = selectors.target_report(user=personas.owner_manager, period=FY, today=TODAY)
    assert _figures(report, ReportMeasure.HOSPITAL_SHARP_U25) == (11, 18, 40)


def test_pathway_measures_are_unavailable_until_a_pathway_provides_them(report_world, monkeypatch):
    from referrals import registry

    monkeypatch.setattr(registry, "_report_measures", {})
    report = selectors.target_report(user=report_world.personas.owner_manager, period=FY, today=TODAY)
    assert not _row(report, ReportMeasure.HSB_ORDERS).figures.available
    assert not _row(report, ReportMeasure.MARAC_REPEAT_RATE).figures.available


def test_a_provided_measure_counts_through_its_provider(report_world, monkeypatch):
    from referrals import registry

    calls = []

    def totals(scope, ranges):
        calls.append(sorted(ranges))
        return {"current": Rate(1, 4), "previous_same_point": Rate(1, 2), "previous": Rate(2, 5)}

    monkeypatch.setattr(
        registry,
        "_report_measures",
        {ReportMeasure.MARAC_REPEAT_RATE: registry.ReportMeasureProvider(totals=totals, monthly=lambda *a: {})},
    )
    report = selectors.target_report(user=report_world.personas.owner_manager, period=FY, today=TODAY)
    repeat = _row(report, ReportMeasure.MARAC_REPEAT_RATE).figures
    assert repeat.available and repeat.projected == 25 and repeat.change == -25
    assert calls == [["current", "previous", "previous_same_point"]]


def test_period_for_uses_the_current_year_when_none_is_chosen():
    assert period_for(PeriodKind.FINANCIAL_YEAR, None, TODAY) == FY


def test_counts_in_ranges_agree_with_counting_each_range_on_its_own(report_world):
    """The ranges overlap, leave gaps and start or end exactly on a submission; the filters include subqueries
    (an incident type, the MARAC repeats). One grouped query must give what counting each (filter, range) on its
    own gives."""
    from django.db.models import Q

    from marac.reporting import repeats
    from referrals.models import Referral
    from referrals.reporting.tally import facts_filter
    from tests.factories import london

    queryset = Referral.objects.filter(submitted_at__isnull=False)
    filters = {
        "all": Q(),
        "marac": Q(pathway=Pathway.MARAC),
        "knife": facts_filter(measures.measure("yv_knife_injuries").facts),
        "repeat": repeats(),
    }
    ranges = {
        "year": (london(2024, 4, 1), london(2025, 4, 1)),
        "to_a_submission": (london(2024, 4, 1), london(2024, 6, 10)),
        "from_a_submission": (london(2025, 4, 1, 0, 30), london(2025, 5, 1)),
        "later": (london(2025, 5, 5), london(2025, 7, 1)),
        "empty": (london(2023, 1, 1), london(2023, 2, 1)),
    }
    got = measures.counts_in_ranges(queryset, ranges, filters)
    expected = {
        (key, name): queryset.filter(q & measures.in_period(start, end)).count()
        for key, q in filters.items()
        for name, (start, end) in ranges.items()
    }
    assert got == expected
    assert expected[("marac", "to_a_submission")] == 3  # 2024-06-10 itself is outside: the end is exclusive
    assert expected[("knife", "from_a_submission")] == 1
