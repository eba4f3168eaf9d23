"""Issue 4, the journey as filed: a police caseworker files a MARAC referral with a DASH score of 15; the MARAC
coordinator builds and publishes the next meeting's case list with it; a health caseworker in an attending agency
sees the case and records research; at the meeting an action is assigned to housing; housing completes it; the
quarterly data return counts it. axe on every page visited."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from marac import selectors as marac_selectors
from marac.models import Action, ActionStatus, MeetingStatus, Research
from tests.browser.helpers import fill_date, h1

pytestmark = pytest.mark.django_db(transaction=True)


def file_marac_referral(page, axe_check) -> str:
    page.get_by_role("link", name="New referral").first.click()
    page.get_by_label("MARAC (domestic abuse, high risk)").check()
    axe_check(page, "choose pathway")
    page.get_by_role("button", name="Continue").click()

    expect(h1(page)).to_have_text("The person the referral is about")
    page.get_by_label("First name").fill("Morgan")
    page.get_by_label("Last name").fill("Hollowfield")
    fill_date(page, "Date of birth", datetime.date(1989, 6, 21))
    page.get_by_role("group", name="Gender").get_by_label("Female").check()
    axe_check(page, "victim")
    page.get_by_role("button", name="Save and continue").click()

    expect(h1(page)).to_have_text("Other people involved")
    page.get_by_role("link", name="Add a person").click()
    page.get_by_role("group", name="Role").get_by_label("Alleged perpetrator").check()
    page.get_by_label("Relationship to the subject").fill("Ex-partner")
    page.get_by_label("First name").fill("Dale")
    page.get_by_label("Last name").fill("Hollowfield")
    axe_check(page, "add the alleged perpetrator")
    page.get_by_role("button", name="Save person").click()
    expect(page.locator("#people-list")).to_contain_text("Dale Hollowfield")
    axe_check(page, "other people")
    page.get_by_role("button", name="Continue").click()

    page.get_by_label("What are your concerns?").fill("Strangled during an argument last night; threats to kill.")
    axe_check(page, "concerns")
    page.get_by_role("button", name="Save and continue").click()

    page.get_by_role("group", name="Is the person aware of this referral?").get_by_label("Yes").check()
    page.get_by_role("group", name="Has the person consented to the referral?").get_by_label(
        "Yes, consent was given"
    ).check()
    axe_check(page, "consent")
    page.get_by_role("button", name="Save and continue").click()

    # The DASH checklist: first an incomplete one, to see the error summary keep what was typed
    expect(h1(page)).to_have_text("DASH risk checklist")
    questions = page.locator("fieldset").filter(has=page.get_by_label("Don't know"))
    expect(questions).to_have_count(24)
    for index in range(15):
        questions.nth(index).get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select yes, no or don't know for question 16")
    expect(questions.nth(0).get_by_label("Yes", exact=True)).to_be_checked()
    axe_check(page, "DASH checklist with errors")
    for index in range(15, 24):
        questions.nth(index).get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Save and continue").click()

    expect(h1(page)).to_have_text("MARAC referral details")
    expect(page.locator("#dash-result")).to_contain_text("DASH score: 15")
    page.get_by_label("Former partner or spouse").check()
    page.get_by_label("Children in the household").fill("2")
    page.get_by_label("Domestic abuse incidents in the last 12 months").fill("2")
    page.get_by_role("group", name="Referred to a MARAC in another area before").get_by_label("No", exact=True).check()
    axe_check(page, "MARAC referral details")
    page.get_by_role("button", name="Save and continue").click()

    expect(h1(page)).to_have_text("Safety and who to contact")
    page.get_by_label("Who the victim is afraid of").fill("Dale and his cousin")
    page.get_by_label("Who the victim says it is safe to talk to").fill("Her GP, in person only")
    axe_check(page, "safety and contact")
    page.get_by_role("button", name="Save and continue").click()

    expect(h1(page)).to_have_text("Check your answers before submitting")
    expect(page.locator("main")).to_contain_text("15 of 24")
    axe_check(page, "check your answers")
    page.get_by_role("button", name="Accept and send").click()
    expect(page.locator(".govuk-panel__title")).to_have_text("Referral submitted")
    axe_check(page, "confirmation")
    return page.locator("#reference").inner_text()


def test_marac_journey(personas, page_for, axe_check):
    today = timezone.localdate()

    # 1. A police caseworker files the referral
    police = page_for(personas.owner)
    reference = file_marac_referral(police, axe_check)
    assert re.match(r"^[A-Z]+-\d{4}-\d{5}$", reference)

    # 2. The MARAC coordinator accepts it, schedules the next meeting and builds and publishes its case list
    coordinator = page_for(personas.coordinator)
    coordinator.goto("/cases/?scope=shared")
    coordinator.get_by_role("link", name=reference).click()
    expect(h1(coordinator)).to_contain_text(reference)
    expect(coordinator.locator("#marac-band")).to_have_text("High")
    expect(coordinator.locator("#marac-restricted")).to_contain_text("Dale and his cousin")
    axe_check(coordinator, "case page (coordinator)")
    case_url = coordinator.url
    coordinator.get_by_role("link", name="Accept referral").click()
    axe_check(coordinator, "accept")
    coordinator.get_by_role("button", name="Accept referral").click()

    # The IDVA service reached the victim: the coordinator records it (the reminder to the hub stops)
    coordinator.get_by_role("link", name="Record IDVA contact").click()
    coordinator.get_by_role("button", name="Save").click()
    expect(coordinator.locator(".govuk-error-summary")).to_contain_text("Select what happened")
    axe_check(coordinator, "record IDVA contact with errors")
    fill_date(coordinator, "Date of the first contact or attempt", today)
    coordinator.get_by_label("Contact made: the victim accepted IDVA support").check()
    coordinator.get_by_role("button", name="Save").click()
    expect(coordinator.locator("#marac-idva-contact")).to_contain_text("the victim accepted IDVA support")

    coordinator.get_by_role("link", name="MARAC meetings").first.click()
    axe_check(coordinator, "meetings")
    coordinator.get_by_role("link", name="Schedule a meeting").click()
    coordinator.get_by_role("button", name="Schedule meeting").click()
    expect(coordinator.locator(".govuk-error-summary")).to_be_visible()
    axe_check(coordinator, "schedule a meeting with errors")
    fill_date(coordinator, "Meeting date", today)
    coordinator.get_by_label("Start time").fill("10:00")
    fill_date(coordinator, "Referral cut-off date", today)
    coordinator.get_by_label("Online", exact=True).check()
    coordinator.get_by_label("Venue or online meeting details").fill("Video call")
    coordinator.get_by_label("Chair").fill("DI Sam Patel, Public Protection")
    agencies = coordinator.get_by_role("group", name="Agencies attending")
    for name in ("Test Hospital", "Test Housing", "Test IDVA Service", "Test Police"):
        agencies.get_by_label(name).check()
    coordinator.get_by_role("button", name="Schedule meeting").click()

    expect(h1(coordinator)).to_have_text("Build the case list")
    expect(coordinator.locator("#candidates")).to_contain_text(reference)
    axe_check(coordinator, "build the case list")
    coordinator.get_by_label(f"Add {reference}").check()
    coordinator.get_by_role("button", name="Add selected cases").click()
    expect(coordinator.locator("#case-list")).to_contain_text(reference)
    expect(coordinator.locator("#time-budget")).to_contain_text("12 to 15 minutes")
    coordinator.get_by_role("link", name="Publish the case list").click()
    axe_check(coordinator, "publish")
    coordinator.get_by_role("button", name="Publish the case list").click()
    expect(coordinator.locator(".govuk-notification-banner")).to_contain_text("Case list published")
    axe_check(coordinator, "meeting (published)")
    meeting_url = coordinator.url

    # 3. A health caseworker at an attending agency sees the case and records research
    health = page_for(personas.shared)
    health.get_by_role("link", name="MARAC meetings").first.click()
    axe_check(health, "meetings (health)")
    health.get_by_role("link", name=today.strftime("%-d %B %Y")).click()
    axe_check(health, "meeting (health)")
    health.get_by_role("link", name=reference).click()
    expect(h1(health)).to_have_text(f"Case {reference}")
    axe_check(health, "case at the meeting (health)")
    health.get_by_role("link", name="Record your agency's research").click()
    health.get_by_role("button", name="Save research").click()
    expect(health.locator(".govuk-error-summary")).to_contain_text("Enter what your agency's records show")
    axe_check(health, "research with errors")
    health.get_by_label("What do your agency's records show?").fill("A&E attendance on 2 March with neck bruising.")
    health.get_by_role("button", name="Save research").click()
    expect(health.locator("main")).to_contain_text("A&E attendance on 2 March")
    health.goto(case_url)
    expect(h1(health)).to_contain_text(reference)
    expect(health.locator("#marac-section")).to_be_visible()
    expect(health.locator("main")).not_to_contain_text("Dale and his cousin")  # restricted: not for health
    axe_check(health, "case page (health)")
    assert Research.objects.filter(agency=personas.hospital).count() == 1

    # 4. At the meeting: attendance, confidentiality, an action for housing, the meeting held
    coordinator.goto(meeting_url)
    coordinator.get_by_role("link", name="Record attendance").click()
    for agency in ("Test Hospital", "Test Housing", "Test Police"):
        coordinator.get_by_role("group", name=agency, exact=True).get_by_label("Attended").check()
        coordinator.get_by_label(f"Who attended for {agency}").fill(f"Rep for {agency}")
    coordinator.get_by_role("group", name="Test IDVA Service", exact=True).get_by_label("Sent apologies").check()
    coordinator.get_by_label("The confidentiality statement was read out").check()
    axe_check(coordinator, "attendance")
    coordinator.get_by_role("button", name="Save attendance").click()
    coordinator.get_by_role("link", name=reference).click()
    expect(coordinator.locator("#research-hosp")).to_contain_text("A&E attendance")
    axe_check(coordinator, "case at the meeting (coordinator)")
    coordinator.get_by_role("link", name="Add an action").click()
    coordinator.get_by_label("Action agreed").fill("Assess for the sanctuary scheme and fit extra locks.")
    coordinator.get_by_label("Agency responsible").select_option(label="Test Housing")
    fill_date(coordinator, "Due date", today + datetime.timedelta(days=14))
    axe_check(coordinator, "add an action")
    coordinator.get_by_role("button", name="Add action").click()
    expect(coordinator.locator("#case-actions")).to_contain_text("Test Housing")
    coordinator.goto(meeting_url)
    coordinator.get_by_role("link", name="Mark the meeting as held").click()
    axe_check(coordinator, "mark as held")
    coordinator.get_by_role("button", name="Mark as held").click()
    expect(coordinator.locator(".govuk-notification-banner")).to_contain_text("recorded as held")
    coordinator.get_by_role("link", name="Minutes").click()
    expect(coordinator.locator("main")).to_contain_text("Rep for Test Housing")
    axe_check(coordinator, "minutes")

    # 5. Housing completes its action
    housing = page_for(personas.outsider)
    housing.get_by_role("link", name="MARAC actions").first.click()
    expect(housing.locator("main")).to_contain_text("Assess for the sanctuary scheme")
    axe_check(housing, "action tracker (housing)")
    housing.get_by_role("link", name=re.compile(f"Update.*{reference}")).click()
    axe_check(housing, "update the action")
    housing.get_by_role("group", name="Status").get_by_label("Complete", exact=True).check()
    housing.get_by_label("Update").fill("Locks fitted on 9 March.")
    housing.get_by_role("button", name="Save update").click()
    expect(housing.locator("#no-actions")).to_be_visible()
    axe_check(housing, "action tracker after the update")
    action = Action.objects.get()
    assert action.status == ActionStatus.COMPLETE and action.agency == personas.housing

    # 6. The quarterly data return counts the case
    coordinator.goto("/marac/meetings/")
    coordinator.get_by_role("link", name="Quarterly MARAC data return").click()
    expect(coordinator.locator("#measure-cases td").last).to_have_text("1")
    expect(coordinator.locator("#measure-agency_police td").last).to_have_text("1")
    expect(coordinator.locator("#measure-children td").last).to_have_text("2")
    axe_check(coordinator, "data return")

    # 7. Actions by agency: Housing's action, completed before its date (when it falls due in this quarter)
    coordinator.goto("/marac/meetings/")
    coordinator.get_by_role("link", name="MARAC actions by agency").click()
    table = coordinator.locator("#action-completion")
    if marac_selectors.quarter_start(action.due_date) == marac_selectors.quarter_start(today):
        housing_row = table.locator("tr", has_text="Test Housing")
        expect(housing_row.locator("td").first).to_have_text("1")  # due
        expect(housing_row.locator("td").nth(1)).to_have_text("1")  # completed on time
        expect(housing_row.locator("td").last).to_have_text("100%")
    else:
        expect(table).to_contain_text("No MARAC action fell due in this quarter")
    axe_check(coordinator, "actions by agency")
    assert action.meeting_case.meeting.status == MeetingStatus.HELD
