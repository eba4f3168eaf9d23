"""Issue 7: a manager sets a target, opens targets and actuals, sees the chart and the table, downloads the CSV;
every report page is axe-clean. A system administrator enters and imports outside figures."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from referrals.models import Pathway
from referrals.reporting.models import OutcomeMeasureEntry, PartnershipSetting, Target
from referrals.reporting.periods import add_months
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def _some_referrals(personas) -> None:
    today = timezone.localdate()
    for months_ago in range(0, 14, 2):
        month = add_months(today.replace(day=1), -months_ago)
        at = factories.london(month.year, month.month, 1, 10)
        factories.make_reported_referral(personas.owner, pathway=Pathway.MARAC, submitted_at=at, gender="female")
        factories.make_reported_referral(personas.outsider, pathway=Pathway.MARAC, submitted_at=at, gender="male")
        factories.make_reported_referral(
            personas.shared, pathway=Pathway.YOUTH_VIOLENCE, submitted_at=at, incident_type="knife_injury"
        )


def test_manager_sets_a_target_and_reads_targets_and_actuals(personas, page_for, axe_check):
    _some_referrals(personas)
    page = page_for(personas.owner_manager)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    axe_check(page, "reports index")

    page.get_by_role("link", name="Targets", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Targets")
    axe_check(page, "targets")
    page.get_by_role("button", name="Set a target").click()
    page.get_by_role("button", name="Save target").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    axe_check(page, "set a target with errors")

    page.get_by_label("Measure", exact=True).select_option(label="MARAC referrals")
    page.get_by_label("Rolling 12 months").check()
    page.get_by_label("A percentage change on the previous period").check()
    page.get_by_label("Target", exact=True).fill("10")
    page.get_by_label("An increase is good").check()
    page.get_by_role("button", name="Save target").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Target set")
    expect(page.locator("#targets")).to_contain_text("10% more than the previous period")
    target = Target.objects.get()
    assert (target.measure, target.period_kind, target.year, target.set_by) == (
        "marac_referrals",
        "rolling_12",
        None,
        personas.owner_manager,
    )

    page.get_by_role("link", name="See targets and actuals").click()
    page.get_by_label("Period", exact=True).select_option(label="Rolling 12 months")
    page.get_by_role("button", name="Show report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Targets and actuals")
    chart = page.locator("svg[role=img]")
    expect(chart).to_have_count(1)
    expect(chart).to_be_visible()
    labelled_by = chart.get_attribute("aria-labelledby").split()
    expect(page.locator(f"#{labelled_by[0]}")).to_contain_text("on track")
    table = page.locator("#target-table")
    marac_row = table.get_by_role("row").filter(has_text="MARAC referrals").first
    expect(marac_row).to_contain_text("10% more than the previous period")
    expect(marac_row.locator(".govuk-tag")).to_have_text(["On track"])
    axe_check(page, "targets and actuals")

    with page.expect_download() as info:
        page.get_by_role("link", name="Download this table (CSV)").click()
    download = info.value
    assert download.suggested_filename.startswith("targets-12-months-to-")
    with open(download.path(), encoding="utf-8-sig") as handle:
        rows = list(csv.reader(io.StringIO(handle.read())))
    assert rows[0][:3] == ["Measure", "Period", "This period so far"]
    marac = next(r for r in rows if r[0] == "MARAC referrals")
    assert marac[2] == "12"  # 6 of the months fall in the rolling 12, each with two MARAC referrals
    assert marac[7] == "10% more than the previous period"
    assert marac[10] == "On track"


def test_every_report_page_is_axe_clean(personas, page_for, axe_check):
    _some_referrals(personas)
    page = page_for(personas.shared)
    page.goto("/reports/year-on-year/")
    expect(page.locator("svg[role=img]")).to_be_visible()
    page.get_by_label("Measure", exact=True).select_option(label="Knife or sharp-object injuries, under 25")
    page.get_by_role("button", name="Show report").click()
    expect(page.locator("#yoy-table")).to_contain_text("Total to date")
    axe_check(page, "year on year")
    page.goto("/reports/breakdowns/?period=rolling_12")
    expect(page.locator("svg[role=img]")).to_have_count(3)
    axe_check(page, "breakdowns")
    page.goto("/reports/marac-benchmarks/")
    expect(page.locator("#benchmark-table")).to_contain_text("16% or more")
    axe_check(page, "MARAC benchmarks")
    page.goto("/reports/outcome-measures/")
    axe_check(page, "outcome measures (empty)")
    page.goto("/reports/year-on-year/?period=nonsense")
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    axe_check(page, "year on year with a bad filter")


def test_system_administrator_enters_imports_and_sets_the_population(page_for, axe_check, tmp_path):
    admin = factories.make_sysadmin(full_name="Sam Sysadmin")
    page = page_for(admin)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Reports").click()
    axe_check(page, "reports index for an administrator")

    page.get_by_role("link", name="Enter an outcome measure figure").click()
    page.get_by_role("button", name="Save figure").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    axe_check(page, "outcome figure with errors")
    last_month = add_months(timezone.localdate().replace(day=1), -1)
    page.get_by_label("Homicides").check()
    page.get_by_label("Month", exact=True).select_option(str(last_month.month))
    page.get_by_label("Year").fill(str(last_month.year))
    page.get_by_label("Count").fill("2")
    page.get_by_role("button", name="Save figure").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Recorded")
    axe_check(page, "outcome measures")

    page.get_by_role("link", name="import figures from a CSV file").click()
    axe_check(page, "import")
    bad = tmp_path / "bad.csv"
    bad.write_text("measure,month,count\nhomicides,2024-01,1\nstabbings,2024-02,x\n", encoding="utf-8")
    page.get_by_label("CSV file").set_input_files(str(bad))
    page.get_by_role("button", name="Import figures").click()
    expect(page.locator("#import-problems")).to_contain_text("Line 3")
    axe_check(page, "import with problems")
    assert OutcomeMeasureEntry.objects.count() == 1
    good = tmp_path / "good.csv"
    good.write_text(
        "measure,month,count,source\nhospital_sharp_u25,2024-01,7,NHS\npolice_knife_u25,2024-01,20,Police\n",
        encoding="utf-8",
    )
    page.get_by_label("CSV file").set_input_files(str(good))
    page.get_by_role("button", name="Import figures").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("2 added")
    assert OutcomeMeasureEntry.objects.count() == 3

    page.goto("/reports/population/")
    page.get_by_label("Adult female population (aged 16 and over)").fill("117500")
    page.get_by_label("Source").fill("ONS mid-2024")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Adult female population saved")
    assert PartnershipSetting.objects.get().adult_female_population == 117_500
