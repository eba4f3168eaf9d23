"""A system administrator sets the MARAC retention periods (getting an error first), sees what is due and the
erasure records. axe on every page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from referrals.retention import services as retention
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_administrator_sets_retention_periods(personas, page_for, axe_check):
    factories.retention_rule(keep_years=6)
    factories.close_case(
        factories.make_marac_referral(personas.owner, accept_by=personas.coordinator),
        personas.coordinator,
        ended=factories.years_ago(7),
    )
    retention.sweep(erase_due=True)
    page = page_for(factories.make_sysadmin(full_name="Sam Sysadmin"))
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Retention").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Retention")
    expect(page.locator("#erasures")).to_contain_text("kept 6 years after it ended")
    axe_check(page, "retention")

    page.get_by_role("link", name="Set the retention periods for Harmful sexual behaviour").click()
    page.get_by_label("Years to keep a case after it ends").fill("0")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("must be 1 or more")
    expect(page.get_by_label("Years to keep a case after it ends")).to_have_value("0")
    axe_check(page, "retention periods with errors")
    page.get_by_label("Years to keep a case after it ends").fill("25")
    page.get_by_label("Days to keep a draft that was never submitted").fill("90")
    page.get_by_label("Where this period comes from").fill("HSB protocol, section 4")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("saved")
    expect(page.locator("#retention-rules")).to_contain_text("HSB protocol, section 4")
    axe_check(page, "retention with two periods")


def test_a_manager_keeps_a_case_from_erasure_and_releases_it(personas, page_for, axe_check):
    case = factories.make_marac_referral(personas.owner, accept_by=personas.coordinator)
    page = page_for(personas.owner_manager)
    page.goto(f"/cases/{case.public_id}/")
    page.get_by_role("link", name="Keep this case from erasure").click()
    page.get_by_role("button", name="Keep this case").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter why the case must be kept")
    axe_check(page, "keep a case, with errors")
    page.get_by_label("Why must this case be kept?").fill("Domestic homicide review, commissioned by the CSP")
    page.get_by_role("button", name="Keep this case").click()
    expect(page.locator("#retention-hold")).to_contain_text("Domestic homicide review")
    axe_check(page, "case page of a kept case")
    page.locator("#retention-hold").get_by_role("link").click()
    axe_check(page, "release a kept case")
    page.get_by_label("Why can it now be erased when its period ends?").fill("Review published")
    page.get_by_role("button", name="Release the case").click()
    expect(page.locator("#retention-hold")).to_contain_text("Erased when the pathway's retention period")


def test_a_manager_reviews_the_cases_due_for_erasure_and_keeps_one(personas, page_for, axe_check):
    factories.retention_rule(keep_years=6)
    case = factories.close_case(
        factories.make_marac_referral(personas.owner, accept_by=personas.coordinator),
        personas.coordinator,
        ended=factories.years_ago(6, days=-10),
    )
    page = page_for(personas.owner_manager)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Cases").click()
    page.get_by_role("link", name="Due for erasure").click()
    expect(page.locator("#due-table")).to_contain_text(case.reference)
    axe_check(page, "cases due for erasure")
    page.get_by_role("link", name=case.reference).click()
    page.get_by_role("link", name="Keep this case from erasure").click()
    page.get_by_label("Why must this case be kept?").fill("Inquest pending")
    page.get_by_role("button", name="Keep this case").click()
    page.goto("/cases/due-for-erasure/")
    expect(page.locator("#due-table")).to_contain_text("No case you can keep is due for erasure")
    axe_check(page, "no cases due for erasure")
