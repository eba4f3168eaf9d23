"""Issue 3: file a youth violence referral in the browser, find it, share it, see it as the other agency,
revoke, and see it gone. axe on every page visited."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def fill_date(page, legend: str, day: str, month: str, year: str) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(day)
    group.get_by_label("Month").fill(month)
    group.get_by_label("Year").fill(year)


def test_file_share_and_revoke_a_youth_violence_referral(personas, page_for, axe_check):
    page = page_for(personas.owner)
    page.get_by_role("link", name="New referral").first.click()
    axe_check(page, "choose pathway")
    page.get_by_label("Youth violence intervention").check()
    page.get_by_role("button", name="Continue").click()

    # The person: first a mistake, to see the error summary keep what was typed
    expect(page.get_by_role("heading", level=1)).to_have_text("The person the referral is about")
    page.get_by_label("First name").fill("Jaylen")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter last name")
    expect(page.get_by_label("First name")).to_have_value("Jaylen")
    axe_check(page, "person with errors")
    page.get_by_label("Last name").fill("Quillworth")
    fill_date(page, "Date of birth", "14", "2", "2009")
    page.get_by_label("Postcode").fill("zz1 1zz")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Other people involved")
    axe_check(page, "other people")
    page.get_by_role("button", name="Continue").click()

    page.get_by_label("What are your concerns?").fill("Stabbed in the leg outside the station. Fears retaliation.")
    axe_check(page, "concerns")
    page.get_by_role("button", name="Save and continue").click()

    consent = page.get_by_role("group", name="Is the person aware of this referral?")
    consent.get_by_label("Yes").check()
    page.get_by_role("group", name="Has the person consented to the referral?").get_by_label(
        "Yes, consent was given"
    ).check()
    axe_check(page, "consent")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Youth violence intervention")
    page.get_by_role("group", name="The young person's role").get_by_label("Victim", exact=True).check()
    page.get_by_role("group", name="Incident type").get_by_label("Knife or sharp object injury").check()
    page.get_by_role("group", name="Weapon").get_by_label("Knife or sharp object").check()
    page.get_by_role("group", name="Injury severity").get_by_label("Serious").check()
    page.get_by_role("group", name="Where it happened").get_by_label("Street or public space").check()
    axe_check(page, "youth violence details")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before submitting")
    axe_check(page, "check your answers")
    page.get_by_role("button", name="Accept and send").click()
    expect(page.locator(".govuk-panel__title")).to_have_text("Referral submitted")
    reference = page.locator("#reference").inner_text()
    assert re.match(r"^[A-Z]+-\d{4}-\d{5}$", reference)
    axe_check(page, "confirmation")

    # Find it in the list
    page.get_by_role("link", name="Cases", exact=True).click()
    axe_check(page, "case list")
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    axe_check(page, "case page")
    case_url = page.url

    # Share with the hospital
    page.get_by_role("link", name="Share with another agency").click()
    page.get_by_label("Agency to share with").select_option(label="Test Hospital")
    page.get_by_role("group", name="What may they do?").get_by_label("View", exact=True).check()
    page.get_by_label("Lawful basis for sharing").select_option(value="svd_s16")
    page.get_by_label("Why are you sharing this referral?").fill("The hospital youth worker is supporting him.")
    axe_check(page, "share")
    page.get_by_role("button", name="Share referral").click()
    expect(page.locator("#shares")).to_contain_text("HOSP")
    expect(page.locator("#timeline")).to_contain_text("Shared with HOSP")

    # The hospital sees it
    hospital = page_for(personas.shared)
    hospital.goto("/cases/?scope=shared")
    expect(hospital.get_by_role("link", name=reference)).to_be_visible()
    axe_check(hospital, "shared list")
    hospital.goto(case_url)
    expect(hospital.get_by_role("heading", level=1)).to_contain_text(reference)

    # Revoke, and it is gone on their next request
    page.get_by_role("link", name=re.compile("Revoke")).click()
    axe_check(page, "revoke")
    page.get_by_role("button", name="Revoke access").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("can no longer see")
    hospital.goto(case_url)
    expect(hospital.get_by_role("heading", level=1)).to_have_text("Page not found")
    hospital.goto("/cases/?scope=shared")
    expect(hospital.get_by_role("link", name=reference)).to_have_count(0)
