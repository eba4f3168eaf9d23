"""The measures pathway apps count: the MARAC repeat rate (from MARAC's repeat flag) and HSB orders made
(hsb_pathway's provider), through the report selectors, scoped like everything else."""

from __future__ import annotations

import datetime

import pytest

from referrals import registry
from referrals.models import Pathway
from referrals.reporting import measures, selectors
from referrals.reporting.measures import Rate
from referrals.reporting.models import ReportMeasure
from referrals.reporting.periods import financial_year
from referrals.reporting.selectors import ReportFilters
from tests import factories
from tests.factories import london
from tests.reports.conftest import TODAY

pytestmark = pytest.mark.django_db

FY = financial_year(2025)


def _figures(report, key):
    figures = next(r for r in report.rows if r.measure.key == key).figures
    assert figures.available
    return figures.current, figures.previous_same_point, figures.previous


def _mark_repeat(referral, actor):
    from marac.models import MaracDetail
    from referrals.reporting.tally import tally_refresh

    detail = MaracDetail(referral=referral, is_repeat=True, repeat_of=None)
    detail._history_user = actor
    detail.save()
    tally_refresh(referral=referral)  # as the MARAC app's services do when they flag a repeat


def test_both_pathway_measures_are_provided():
    assert registry.report_measure_provider(ReportMeasure.MARAC_REPEAT_RATE) is not None
    assert registry.report_measure_provider(ReportMeasure.HSB_ORDERS) is not None


def test_marac_repeat_rate(report_world):
    p = report_world.personas
    police = report_world.marac_police
    _mark_repeat(police[6], p.owner)  # 15 April 2025
    _mark_repeat(report_world.marac_housing[1], p.outsider)  # 10 May 2025
    _mark_repeat(police[1], p.owner)  # 20 May 2024
    manager = selectors.target_report(user=p.owner_manager, period=FY, today=TODAY)
    assert _figures(manager, ReportMeasure.MARAC_REPEAT_RATE) == (Rate(2, 5), Rate(1, 4), Rate(1, 6))
    repeat = next(r for r in manager.rows if r.measure.key == ReportMeasure.MARAC_REPEAT_RATE).figures
    assert repeat.projected == 40 and repeat.change == 15  # percentage points
    housing = selectors.target_report(user=p.outsider, period=FY, today=TODAY)
    assert _figures(housing, ReportMeasure.MARAC_REPEAT_RATE) == (Rate(1, 1), Rate(0, 1), Rate(0, 1))
    yoy = selectors.year_on_year(
        user=p.owner_manager,
        measure=measures.measure(ReportMeasure.MARAC_REPEAT_RATE),
        period=FY,
        filters=ReportFilters(),
        today=TODAY,
    )
    assert [r.current for r in yoy.rows[:3]] == [Rate(1, 2), Rate(1, 2), Rate(0, 1)]
    assert yoy.rows[1].previous == Rate(1, 2)
    benchmarks = selectors.marac_benchmarks(user=p.owner_manager, period=FY, today=TODAY)
    assert benchmarks.row("repeat").rate == Rate(2, 5)
    # The target page counts the rate from the provider's filters, in its case-measure query; the provider's
    # own totals (used elsewhere) must agree with it.
    provider = registry.report_measure_provider(ReportMeasure.MARAC_REPEAT_RATE)
    assert provider.rate_facts is not None
    own = provider.totals(selectors.report_scope(p.owner_manager), selectors._case_ranges(FY, TODAY))
    assert (own["current"], own["previous_same_point"], own["previous"]) == (Rate(2, 5), Rate(1, 4), Rate(1, 6))


def test_hsb_orders_made(report_world):
    from hsb_pathway.models import Order, OrderKind

    p = report_world.personas
    older = factories.make_reported_referral(p.hsb_coordinator, pathway=Pathway.HSB, submitted_at=london(2024, 4, 1))
    for referral, made_on in [
        (older, datetime.date(2024, 5, 1)),
        (older, datetime.date(2025, 4, 1)),
        (report_world.hsb[0], datetime.date(2025, 5, 25)),
    ]:
        order = Order(
            referral=referral,
            kind=OrderKind.SHPO,
            made_on=made_on,
            applicant_agency=p.police,
            court="Test Magistrates' Court",
            indefinite=True,
            prohibitions="Synthetic",
        )
        order._history_user = p.hsb_coordinator
        order.save()
    manager = selectors.target_report(user=p.owner_manager, period=FY, today=TODAY)
    assert _figures(manager, ReportMeasure.HSB_ORDERS) == (2, 1, 1)
    hub = selectors.target_report(user=p.hsb_coordinator, period=FY, today=TODAY)
    assert _figures(hub, ReportMeasure.HSB_ORDERS) == (2, 1, 1)
    outsider = selectors.target_report(user=p.outsider, period=FY, today=TODAY)
    assert _figures(outsider, ReportMeasure.HSB_ORDERS) == (0, 0, 0)
    yoy = selectors.year_on_year(
        user=p.owner_manager,
        measure=measures.measure(ReportMeasure.HSB_ORDERS),
        period=FY,
        filters=ReportFilters(),
        today=TODAY,
    )
    assert [r.current for r in yoy.rows[:4]] == [1, 1, 0, None]  # a month with no orders is 0; July is to come
    assert yoy.rows[1].previous == 1 and yoy.rows[0].previous == 0
