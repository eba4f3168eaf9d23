"""A system administrator changes when a kind of reminder goes (getting an error first). axe on every page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_administrator_changes_a_reminder_timing(page_for, axe_check):
    page = page_for(factories.make_sysadmin(full_name="Sam Sysadmin"))
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Reminder timings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reminder timings")
    expect(page.locator("#rule-referral_decision")).to_contain_text("2 working days after, to coordinators")
    axe_check(page, "reminder timings")
    page.get_by_role("link", name="Change the timing: Referral waiting for a decision").click()
    page.get_by_label("Working days after the event").fill("-3")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    expect(page.get_by_label("Working days after the event")).to_have_value("-3")
    axe_check(page, "reminder timing with an error")
    page.get_by_label("Working days after the event").fill("3")
    page.get_by_label("Who is reminded").select_option(label="Managers")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("timing saved")
    expect(page.locator("#rule-referral_decision")).to_contain_text("3 working days after, to managers")
    expect(page.locator("#rule-referral_decision")).to_contain_text("Changed by Sam Sysadmin")
    axe_check(page, "reminder timings after a change")
