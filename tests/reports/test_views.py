"""The report pages: what they show, their CSV downloads, hostile input, and a fixed number of queries."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals.models import AccessLog, Pathway
from referrals.reporting import services
from referrals.reporting.models import (
    Direction,
    OutcomeMeasure,
    OutcomeMeasureEntry,
    PartnershipSetting,
    PeriodKind,
    ReportMeasure,
    Target,
    TargetType,
)
from referrals.reporting.periods import add_months
from tests import factories
from tests.helpers import count_queries, csv_rows

pytestmark = pytest.mark.django_db

REPORT_PAGES = [
    "reports:target_actual",
    "reports:year_on_year",
    "reports:breakdowns",
    "reports:benchmarks",
    "reports:outcomes",
]


def _recent(personas, count: int) -> None:
    """`count` referrals in the last few months, spread over agencies and pathways."""
    today = timezone.localdate()
    makers = [
        (personas.owner, Pathway.MARAC),
        (personas.outsider, Pathway.MARAC),
        (personas.shared, Pathway.YOUTH_VIOLENCE),
        (personas.hsb_coordinator, Pathway.HSB),
    ]
    for index in range(count):
        actor, pathway = makers[index % len(makers)]
        day = today - datetime.timedelta(days=(index * 13) % 400)
        at = factories.london(day.year, day.month, day.day, 10)
        factories.make_reported_referral(actor, pathway=pathway, submitted_at=at, gender="female")


def _outcomes(count_months: int) -> None:
    admin = factories.make_sysadmin()
    first = add_months(timezone.localdate().replace(day=1), -count_months)
    for index in range(count_months):
        for measure in OutcomeMeasure.values:
            services.outcome_entry_save(actor=admin, measure=measure, month=add_months(first, index), count=index + 3)


# --- Pages ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", REPORT_PAGES)
def test_every_report_page_has_a_chart_a_table_and_a_csv_link(personas, client_for, name):
    _recent(personas, 12)
    _outcomes(14)
    factories.make_target(personas.owner_manager, ReportMeasure.MARAC_REFERRALS, 3)
    response = client_for(personas.owner_manager).get(reverse(name), {"period": "rolling_12"})
    assert response.status_code == 200
    body = response.content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in body
    assert 'role="img"' in body and "aria-labelledby=" in body
    assert "<table" in body
    assert "Download th" in body and "download=" in body
    # Strict CSP: the inline SVG carries no style attribute and no <style> element.
    for svg in re.findall(r"<svg xmlns=.*?</svg>", body, flags=re.S):
        assert "style=" not in svg and "<style" not in svg
    for labelled in re.findall(r'aria-labelledby="([^"]+)"', body):
        for element_id in labelled.split():
            assert f'id="{element_id}"' in body


def test_target_actual_page_shows_the_rule_and_every_measure(personas, client_for):
    response = client_for(personas.owner).get(reverse("reports:target_actual"))
    body = response.content.decode()
    assert "How the status is worked out" in body
    assert "10% of the target or less" in body
    for measure in ReportMeasure:
        assert str(measure.label) in body or str(measure.label).replace("'", "&#x27;") in body
    assert "Counts cover only the referrals your agency can see" in body
    assert "Set a target" not in body  # not a manager


def test_a_manager_sees_partnership_wide_counts_and_target_links(personas, client_for):
    body = client_for(personas.owner_manager).get(reverse("reports:target_actual")).content.decode()
    assert "Counts cover every referral in the partnership" in body
    assert "Set a target" in body


def test_target_actual_csv(personas, client_for):
    factories.make_target(personas.owner_manager, ReportMeasure.MARAC_REFERRALS, 12)
    today = timezone.localdate()
    this_month = factories.london(today.year, today.month, 1, 9)
    for _ in range(6):
        factories.make_reported_referral(personas.owner, pathway=Pathway.MARAC, submitted_at=this_month)
    for _ in range(2):
        factories.make_reported_referral(
            personas.shared, pathway=Pathway.YOUTH_VIOLENCE, submitted_at=this_month, incident_type="gunshot_injury"
        )
    response = client_for(personas.owner_manager).get(
        reverse("reports:target_actual"), {"period": "rolling_12", "download": "csv"}
    )
    rows = csv_rows(response, attachment=True)
    assert rows[0][:3] == ["Measure", "Period", "This period so far"]
    marac = next(r for r in rows if r[0] == "MARAC referrals")
    assert marac[2] == "6"
    assert marac[7] == "at least 12"
    # the rolling 12 months end with this month, so at least 11 of them (over 90%) have passed whatever today is:
    # 6 projects to under 6.6, short of 12 by more than the 10% margin
    assert marac[10] == "Off track"
    gunshot = next(r for r in rows if r[0] == "Gunshot injuries, under 25")
    assert gunshot[2] == "fewer than 5"
    assert gunshot[4] == "not shown (small numbers)"
    log = AccessLog.objects.get(action="export_csv")
    assert log.user == personas.owner_manager and log.referral is None and log.record_count == len(rows) - 1


def test_year_on_year_for_a_chosen_measure_with_filters(personas, client_for):
    _recent(personas, 8)
    client = client_for(personas.owner_manager)
    response = client.get(
        reverse("reports:year_on_year"),
        {"measure": "marac_referrals", "period": "calendar_year", "pathway": "marac", "agency": "HSG"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "MARAC referrals: MARAC (domestic abuse, high risk), referred by Test Housing" in body
    rows = csv_rows(
        client.get(reverse("reports:year_on_year"), {"measure": "marac_referrals", "download": "csv"}), attachment=True
    )
    assert rows[0] == ["Measure", "Month", "Value", "Same month of the previous period", "Value"]
    assert len(rows) == 13


def test_outcome_measures_ignore_the_case_filters(personas, client_for):
    _outcomes(3)
    body = (
        client_for(personas.owner)
        .get(reverse("reports:year_on_year"), {"measure": "homicides", "pathway": "marac"})
        .content.decode()
    )
    assert "do not apply to outcome measures" in body


def test_breakdown_csvs_and_an_agency_name_cannot_inject_markup(personas, client_for):
    evil = factories.make_agency(short_name="EVIL", kind="housing", name='<script>alert("x")</script> =SUM(A1)')
    worker = factories.make_user(evil, "caseworker")
    today = timezone.localdate()
    for _ in range(6):
        factories.make_reported_referral(
            worker, pathway=Pathway.MARAC, submitted_at=factories.london(today.year, today.month, 1, 9)
        )
    client = client_for(personas.owner_manager)
    body = client.get(reverse("reports:breakdowns"), {"period": "rolling_12"}).content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert" in body
    rows = csv_rows(
        client.get(reverse("reports:breakdowns"), {"period": "rolling_12", "download": "agency"}), attachment=True
    )
    assert rows[0][0] == "Referring agency"
    evil_row = next(r for r in rows if "script" in r[0])
    assert evil_row[1] == "6"
    kinds = csv_rows(
        client.get(reverse("reports:breakdowns"), {"period": "rolling_12", "download": "kind"}), attachment=True
    )
    assert kinds[0][0] == "Kind of agency"


def test_no_breakdown_csv_leaves_a_small_count_to_be_worked_out_from_the_total(personas, client_for):
    """The referring agencies add up to the referrals in the period (shown on the page and in the other CSVs):
    one agency's 2 referrals hidden alone would be the total less the rest, so the next smallest goes too."""
    today = timezone.localdate()
    at = factories.london(today.year, today.month, 1, 9)
    for agency, count in (("TINY", 2), ("MIDDLING", 6), ("LARGE", 9)):
        worker = factories.make_user(
            factories.make_agency(short_name=agency, name=agency, kind="housing"), "caseworker"
        )
        for _ in range(count):
            factories.make_reported_referral(worker, pathway=Pathway.MARAC, submitted_at=at)
    client = client_for(personas.owner_manager)
    for table in ("agency", "kind", "pathway"):
        rows = csv_rows(
            client.get(reverse("reports:breakdowns"), {"period": "rolling_12", "download": table}), attachment=True
        )[1:]
        for column in (1, 2):
            cells = [row[column] for row in rows]
            lone = cells.count("fewer than 5") == 1 and len(cells) > 1  # (one row is the total, itself hidden)
            assert not lone or "not shown (small numbers)" in cells, (table, cells)
        for row in rows:  # a change is never shown beside a hidden count
            if not (row[1].isdigit() and row[2].isdigit()):
                assert row[3] == row[4] == "not shown (small numbers)", row
    by_agency = {
        row[0]: row
        for row in csv_rows(
            client.get(reverse("reports:breakdowns"), {"period": "rolling_12", "download": "agency"}), attachment=True
        )
    }
    assert by_agency["TINY"][1] == "fewer than 5"
    assert by_agency["LARGE"][1] == "9"


def test_benchmarks_page_and_csv(personas, client_for):
    PartnershipSetting.objects.create(pk=1, adult_female_population=10_000, population_source="Test census")
    _recent(personas, 20)
    client = client_for(personas.coordinator)
    body = client.get(reverse("reports:benchmarks")).content.decode()
    assert "SafeLives recommended level" in body and "16% or more" in body and "47" in body
    assert "Test census" in body
    rows = csv_rows(client.get(reverse("reports:benchmarks"), {"download": "csv"}), attachment=True)
    assert rows[0] == [
        "Measure",
        "Period",
        "Cases counted",
        "This partnership",
        "SafeLives recommended",
        "National figure",
    ]
    per = next(r for r in rows if r[0].startswith("Cases per 10,000"))
    assert per[2] == "10"
    male = next(r for r in rows if r[0] == "Male victims")
    assert male[2] == "fewer than 5" and male[3] == "not shown (small numbers)"


def test_outcomes_page_csv_suppresses_small_counts(personas, client_for):
    _outcomes(14)
    rows = csv_rows(client_for(personas.idva).get(reverse("reports:outcomes"), {"download": "csv"}), attachment=True)
    counts = [r[2] for r in rows[1:]] + [r[4] for r in rows[1:]]
    assert "3" not in counts and "4" not in counts
    assert "fewer than 5" in counts and "5" in counts


ALL_FILTER_PAGES = ["reports:target_actual", "reports:year_on_year", "reports:breakdowns", "reports:benchmarks"]


@pytest.mark.parametrize(
    ("query", "pages"),
    [
        ({"period": "<script>alert(1)</script>"}, ALL_FILTER_PAGES),
        ({"period": "financial_year", "year": "1066"}, ALL_FILTER_PAGES),
        ({"year": "x" * 10_001}, ALL_FILTER_PAGES),
        ({"measure": "nonsense\x00", "agency": "NOPE", "pathway": "\x00"}, ["reports:year_on_year"]),
        ({"agency": "<script>alert(1)</script>", "pathway": "x" * 10_001}, ["reports:breakdowns"]),
    ],
)
def test_bad_filters_show_an_error_summary_and_fall_back(personas, client_for, query, pages):
    for name in pages:
        response = client_for(personas.owner_manager).get(reverse(name), query)
        assert response.status_code == 200
        body = response.content.decode()
        assert "There is a problem" in body
        assert "<script>alert(1)" not in body


# --- Targets --------------------------------------------------------------------------------------


def _target_post(**overrides):
    data = {
        "measure": ReportMeasure.HSB_REFERRALS,
        "period_kind": PeriodKind.FINANCIAL_YEAR,
        "year": "2025",
        "target_type": TargetType.PERCENT_CHANGE,
        "value": "12.5",
        "direction": Direction.INCREASE,
        "note": "From the strategy",
    }
    data.update(overrides)
    return data


def test_a_manager_sets_then_changes_a_target_and_history_is_kept(personas, client_for):
    client = client_for(personas.owner_manager)
    response = client.post(reverse("reports:target_add"), _target_post())
    assert response.status_code == 302
    target = Target.objects.get()
    assert (target.measure, target.year, target.value, target.set_by) == (
        ReportMeasure.HSB_REFERRALS,
        2025,
        Decimal("12.5"),
        personas.owner_manager,
    )
    # Setting the same measure and period again replaces it
    client.post(reverse("reports:target_add"), _target_post(value="15"))
    assert Target.objects.count() == 1
    response = client.post(
        reverse("reports:target_edit", args=[target.public_id]),
        _target_post(target_type=TargetType.ABSOLUTE, value="40"),
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.target_type, target.value) == (TargetType.ABSOLUTE, Decimal("40"))
    history = list(target.history.order_by("history_date").values_list("value", "history_user"))
    assert [v for v, _ in history] == [Decimal("12.5"), Decimal("15"), Decimal("40")]
    assert {u for _, u in history} == {personas.owner_manager.pk}
    page = client.get(reverse("reports:target_edit", args=[target.public_id])).content.decode()
    assert "History of this target" in page and "12.5% more than the previous period" in page


def test_a_rolling_target_has_no_year(personas, client_for):
    client_for(personas.owner_manager).post(
        reverse("reports:target_add"), _target_post(period_kind=PeriodKind.ROLLING_12, year="2025")
    )
    assert Target.objects.get().year is None


def test_changing_a_target_onto_another_ones_period_is_refused(personas, client_for):
    client = client_for(personas.owner_manager)
    client.post(reverse("reports:target_add"), _target_post())
    client.post(reverse("reports:target_add"), _target_post(year="2024"))
    older = Target.objects.get(year=2024)
    response = client.post(reverse("reports:target_edit", args=[older.public_id]), _target_post(year="2025"))
    assert response.status_code == 200
    assert "already been set" in response.content.decode()
    older.refresh_from_db()
    assert older.year == 2024


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"measure": "", "period_kind": "", "target_type": "", "value": "", "direction": ""}, "Select measure"),
        ({"value": "<script>alert(1)</script>"}, "Target must be a number"),
        ({"value": "-101"}, "greater than or equal to -100"),
        ({"target_type": TargetType.ABSOLUTE, "value": "-1"}, "The target must be 0 or more"),
        ({"year": ""}, "Select the year"),
        ({"year": "1066"}, "Select a valid option"),
        ({"note": "x" * 10_001}, "300 characters or fewer"),
        ({"note": "Safe\x00note"}, "control"),
        ({"measure": ReportMeasure.MARAC_REPEAT_RATE, "target_type": TargetType.ABSOLUTE, "value": "101"}, "100%"),
    ],
)
def test_bad_target_input_is_refused_with_the_typing_kept(personas, client_for, overrides, message):
    response = client_for(personas.owner_manager).post(reverse("reports:target_add"), _target_post(**overrides))
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert message in body
    assert "<script>alert(1)" not in body
    if "note" in overrides and len(overrides["note"]) > 5000:
        assert "x" * 500 in body  # what was typed is kept
    assert not Target.objects.exists()


def test_only_managers_may_set_targets(personas, client_for):
    response = client_for(personas.owner).post(reverse("reports:target_add"), _target_post())
    assert response.status_code == 403
    assert not Target.objects.exists()


# --- Outside data and the population (system administrators) --------------------------------------


def test_a_system_administrator_enters_and_corrects_a_figure(client_for):
    admin = factories.make_sysadmin()
    client = client_for(admin)
    assert client.get(reverse("reports:index")).status_code == 200
    assert client.get(reverse("reports:target_actual")).status_code == 403  # no agency: no case counts
    last_month = add_months(timezone.localdate().replace(day=1), -1)
    data = {"measure": OutcomeMeasure.HOMICIDES, "month": str(last_month.month), "year": str(last_month.year)}
    response = client.post(reverse("reports:outcome_add"), {**data, "count": "2", "source": "Police"})
    assert response.status_code == 302
    client.post(reverse("reports:outcome_add"), {**data, "count": "3", "source": "Police, revised"})
    entry = OutcomeMeasureEntry.objects.get()
    assert (entry.month, entry.count, entry.source) == (last_month, 3, "Police, revised")
    assert entry.history.count() == 2
    assert client.get(reverse("reports:outcomes")).status_code == 200


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Select measure"),
        ({"measure": "homicides", "month": "13", "year": "2025", "count": "1"}, "Select a valid option"),
        ({"measure": "homicides", "month": "2", "year": "3000", "count": "1"}, "must not be in the future"),
        ({"measure": "homicides", "month": "2", "year": "2025", "count": "-4"}, "Count must be 0 or more"),
        ({"measure": "homicides", "month": "2", "year": "2025", "count": "<script>"}, "Count must be a number"),
        ({"measure": "homicides", "month": "2", "year": "2025", "count": "1", "source": "x" * 10_001}, "200"),
        ({"measure": "homicides", "month": "2", "year": "2025", "count": "1", "source": "a\x00b"}, "control"),
    ],
)
def test_bad_outcome_figures_are_refused(client_for, data, message):
    response = client_for(factories.make_sysadmin()).post(reverse("reports:outcome_add"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body and message in body
    assert not OutcomeMeasureEntry.objects.exists()


def test_population_setting(client_for):
    admin = factories.make_sysadmin()
    client = client_for(admin)
    bad = client.post(reverse("reports:population"), {"adult_female_population": "lots", "population_source": "ONS"})
    assert "There is a problem" in bad.content.decode() and 'value="ONS"' in bad.content.decode()
    response = client.post(
        reverse("reports:population"), {"adult_female_population": "117500", "population_source": "ONS mid-2024"}
    )
    assert response.status_code == 302
    setting = PartnershipSetting.objects.get()
    assert (setting.adult_female_population, setting.updated_by) == (117_500, admin)
    assert setting.history.count() == 1


def test_managers_may_not_change_outside_data(personas, client_for):
    client = client_for(personas.owner_manager)
    assert client.post(reverse("reports:population"), {"adult_female_population": "1"}).status_code == 403
    assert not PartnershipSetting.objects.exists()


# --- A fixed number of queries whatever the data volume ------------------------------------------


QUERY_PAGES = [
    ("reports:target_actual", {}),
    ("reports:target_actual", {"period": "rolling_12"}),
    ("reports:year_on_year", {"measure": "yv_knife_injuries", "agency": "POL"}),
    ("reports:year_on_year", {"measure": "hospital_sharp_u25"}),
    ("reports:breakdowns", {"pathway": "marac"}),
    ("reports:benchmarks", {}),
    ("reports:outcomes", {}),
    ("reports:targets", {}),
]


@pytest.mark.parametrize("persona", ["owner_manager", "outsider"])
def test_report_pages_run_the_same_number_of_queries_for_few_and_many_rows(
    personas, client_for, persona, django_assert_num_queries
):
    client = client_for(getattr(personas, persona))
    _recent(personas, 2)
    pages = [(n, q) for n, q in QUERY_PAGES if persona == "owner_manager" or n != "reports:targets"]
    client.get(reverse("reports:target_actual"))  # warm the process-wide caches (permission ids) first
    few = {(name, str(query)): count_queries(client, reverse(name), query, warm=False) for name, query in pages}
    _recent(personas, 40)
    _outcomes(24)
    for measure in [ReportMeasure.MARAC_REFERRALS, ReportMeasure.HOMICIDES, ReportMeasure.YV_REFERRALS]:
        factories.make_target(
            personas.owner_manager,
            measure,
            5,
            period_kind=PeriodKind.FINANCIAL_YEAR,
            year=timezone.localdate().year,
        )
    for name, query in pages:
        with django_assert_num_queries(few[(name, str(query))]):
            client.get(reverse(name), query)
    assert max(few.values()) <= PAGE_QUERY_LIMIT, few


# Measured (PostgreSQL and SQLite alike): 15 for targets and actuals, 13 for year on year and benchmarks, 14 for
# breakdowns, 11 for outcome measures and targets. Of those, 10 are the same on every page: session, user, second
# factor, membership and agency, the navigation's hub lookup and notification count, and saving the session
# (three). Targets and actuals then needs one query for all case measures together, one for outside data, one for
# targets, one for the MARAC repeat rate and one for HSB orders, however many cases there are.
PAGE_QUERY_LIMIT = 16


def test_the_agency_chart_shows_the_biggest_and_the_table_all(personas, client_for):
    from referrals.reporting.views import CHART_CATEGORIES

    today = timezone.localdate()
    at = factories.london(today.year, today.month, 1, 9)
    names = []
    for index in range(CHART_CATEGORIES + 2):
        agency = factories.make_agency(kind="housing", name=f"Zeta Housing {index:02d}")
        worker = factories.make_user(agency, "caseworker")
        for _ in range(index + 1):  # agency 00 has the fewest referrals
            factories.make_reported_referral(worker, pathway=Pathway.MARAC, submitted_at=at)
        names.append(agency.name)
    body = client_for(personas.owner_manager).get(reverse("reports:breakdowns"), {"period": "rolling_12"})
    page = body.content.decode()
    chart = page[page.index('id="agency-title"') : page.index('id="agency-table"')]
    assert f"The chart shows the {CHART_CATEGORIES} with the most referrals" in chart
    assert names[-1] in chart and names[0] not in chart and names[1] not in chart
    table = page[page.index('id="agency-table"') :]
    assert all(name in table for name in names)
