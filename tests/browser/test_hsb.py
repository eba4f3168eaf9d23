"""Issue 5: a young person's harmful sexual behaviour case in the browser, from referral through the strategy
discussion, an AIM3 assessment, an intervention and a review, to a Sexual Harm Prevention Order recorded.
axe on every page visited."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from hsb_pathway.models import Assessment, HsbDetail, Intervention, Order, Review, Stage, StrategyDiscussion
from referrals.models import Referral, Status
from tests.browser.helpers import fill_date, h1

pytestmark = pytest.mark.django_db(transaction=True)

TODAY = datetime.date.today()  # noqa: DTZ011 - the calendar date the forms read


def choose(page, legend: str, option: str) -> None:
    page.get_by_role("group", name=legend, exact=True).get_by_label(option, exact=True).check()


def file_the_referral(page, axe_check) -> str:
    page.get_by_role("link", name="New referral").first.click()
    page.get_by_label("Harmful sexual behaviour").check()
    axe_check(page, "choose pathway")
    page.get_by_role("button", name="Continue").click()

    expect(h1(page)).to_have_text("The person the referral is about")
    page.get_by_label("First name").fill("Remy")
    page.get_by_label("Last name").fill("Larkspur")
    fill_date(page, "Date of birth", datetime.date(TODAY.year - 15, 3, 14))
    page.get_by_role("button", name="Save and continue").click()
    expect(h1(page)).to_have_text("Other people involved")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("What are your concerns?").fill("School raised concerns about sexualised behaviour.")
    page.get_by_role("button", name="Save and continue").click()
    choose(page, "Is the person aware of this referral?", "Yes")
    choose(page, "Has the person consented to the referral?", "Yes, consent was given")
    page.get_by_role("button", name="Save and continue").click()

    # The HSB pathway's own pages: first a mistake, to see the error summary keep what was typed.
    expect(h1(page)).to_have_text("The behaviour of concern")
    axe_check(page, "behaviour of concern")
    page.get_by_label("The behaviour of concern").fill("Touching a younger pupil in the playground, twice.")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter age at the time of the behaviour")
    expect(page.get_by_label("The behaviour of concern")).to_have_value(
        "Touching a younger pupil in the playground, twice."
    )
    axe_check(page, "behaviour of concern with errors")
    page.get_by_label("Age at the time of the behaviour").fill("14")
    choose(page, "Where it happened", "School or college")
    choose(page, "Is a victim identified?", "Yes")
    page.get_by_label("Victim's age").fill("11")
    page.get_by_label("Victim's relationship to the person").fill("Younger pupil")
    choose(page, "Have parents or carers been told?", "Yes")
    page.get_by_role("button", name="Save and continue").click()

    expect(h1(page)).to_have_text("Brook traffic light and Hackett continuum")
    choose(page, "Brook traffic light rating", "Red: outside healthy behaviour, needs immediate action")
    choose(page, "Brook age band", "5 to 9")
    choose(page, "Hackett continuum category", "Abusive: intent or outcome victimises, coercion or force")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("does not fit someone aged 14")
    axe_check(page, "screening with errors")
    choose(page, "Brook age band", "13 to 17")
    page.get_by_role("button", name="Save and continue").click()

    expect(h1(page)).to_have_text("Check your answers before submitting")
    axe_check(page, "check your answers")
    page.get_by_role("button", name="Accept and send").click()
    expect(page.locator(".govuk-panel__title")).to_have_text("Referral submitted")
    return page.locator("#reference").inner_text()


def test_a_young_persons_hsb_case_to_an_shpo(personas, page_for, axe_check):
    police = page_for(personas.owner)
    reference = file_the_referral(police, axe_check)
    referral = Referral.objects.get(reference=reference)
    assert HsbDetail.objects.get(referral=referral).hackett_category == "abusive"

    # The HSB hub (children's services) finds it in its list and accepts it.
    hub = page_for(personas.hsb_coordinator)
    hub.get_by_role("navigation", name="Menu").get_by_role("link", name="HSB cases").click()
    expect(h1(hub)).to_have_text("Harmful sexual behaviour cases")
    expect(hub.locator("#hsb-case-table")).to_contain_text("Due by")
    axe_check(hub, "HSB case list")
    hub.get_by_role("link", name=reference).click()
    axe_check(hub, "case page, submitted")
    hub.locator("#case-actions").get_by_role("link", name="Accept referral").click()
    axe_check(hub, "accept")
    hub.get_by_role("button", name="Accept referral").click()
    expect(hub.locator("#hsb-pathway-summary")).to_contain_text("Strategy discussion")

    # 1. Strategy discussion, within one working day.
    hub.locator("#hsb-stage-links").get_by_role("link", name="Strategy discussion").click()
    expect(h1(hub)).to_have_text("Strategy discussion")
    axe_check(hub, "strategy discussion, none yet")
    hub.get_by_role("link", name="Record the strategy discussion").click()
    axe_check(hub, "strategy discussion form")
    hub.get_by_role("button", name="Save the strategy discussion").click()
    expect(hub.locator(".govuk-error-summary")).to_contain_text("Enter who took part")
    axe_check(hub, "strategy discussion form with errors")
    fill_date(hub, "Date of the strategy discussion", TODAY)
    hub.get_by_label("Who took part").fill("Children's social care, police, youth justice service, school")
    choose(hub, "Route decided", "Both child protection and criminal justice")
    hub.get_by_label("Lead agency").select_option(label="Test Children's Services")
    hub.get_by_role("button", name="Save the strategy discussion").click()
    expect(hub.locator("#strategy-summary")).to_contain_text("Both child protection and criminal justice")
    expect(hub.locator("#strategy-due")).to_contain_text("On time")
    axe_check(hub, "strategy discussion recorded")

    # 2. Assessment: AIM3, as the young person is 12 to 18.
    hub.locator("#stage-moves").get_by_role("link", name="Move to assessment").click()
    axe_check(hub, "move to assessment")
    hub.get_by_role("button", name="Move to assessment").click()
    expect(h1(hub)).to_have_text("Assessments")
    axe_check(hub, "assessments, none yet")
    hub.get_by_role("link", name="Record an assessment").click()
    expect(h1(hub)).to_have_text("Record an AIM3 assessment")
    axe_check(hub, "AIM3 form")
    fill_date(hub, "Date of the assessment", TODAY)
    hub.get_by_label("Assessor").fill("Ava Assessor")
    for domain, rating in [
        ("Sexual behaviours", "Significant concern"),
        ("Non-sexual behaviours", "Some strength"),
        ("Developmental", "Some concern"),
        ("Environmental and family", "Concerns and strengths balanced"),
        ("Self-regulation", "Some concern"),
    ]:
        choose(hub, domain, rating)
    hub.get_by_label("Summary").fill("Formulation: targets for supervision at school and work on consent.")
    fill_date(hub, "Next re-assessment date", TODAY + datetime.timedelta(days=91))
    hub.get_by_role("button", name="Save the assessment").click()
    expect(hub.locator("#assessment-table")).to_contain_text("Ava Assessor")
    axe_check(hub, "assessments table")

    # 3. Intervention.
    hub.locator("#stage-moves").get_by_role("link", name="Move to intervention").click()
    hub.get_by_role("button", name="Move to intervention").click()
    expect(h1(hub)).to_have_text("Intervention")
    axe_check(hub, "interventions, none yet")
    hub.get_by_role("link", name="Record an intervention").click()
    axe_check(hub, "intervention form")
    choose(hub, "Type of plan", "Safety plan")
    hub.get_by_label("The plan").fill("Supervised break times; weekly sessions on consent and boundaries.")
    hub.get_by_label("Provider agency").select_option(label="Test Youth Justice")
    fill_date(hub, "Start date", TODAY)
    hub.get_by_label("Sessions attended").fill("1")
    choose(hub, "Family engagement", "Engaged")
    hub.get_by_role("button", name="Save the intervention").click()
    expect(hub.locator("#intervention-table")).to_contain_text("Test Youth Justice")
    axe_check(hub, "interventions table")

    # 4. Reviews: schedule one, then record its outcome.
    hub.locator("#stage-moves").get_by_role("link", name="Move to reviews").click()
    hub.get_by_role("button", name="Move to reviews").click()
    expect(h1(hub)).to_have_text("Reviews")
    axe_check(hub, "reviews, none yet")
    hub.get_by_role("link", name="Schedule a review").click()
    axe_check(hub, "schedule a review")
    fill_date(hub, "Review date", TODAY)
    hub.get_by_role("button", name="Schedule the review").click()
    hub.locator("#review-table").get_by_role("link", name=re.compile("Record the outcome")).click()
    axe_check(hub, "review outcome form")
    fill_date(hub, "Date held", TODAY)
    choose(hub, "Outcome", "Continue the current plan")
    hub.get_by_label("Notes").fill("Engaging well; no further incidents at school.")
    hub.get_by_role("button", name="Save the outcome").click()
    expect(hub.locator("#review-table")).to_contain_text("Continue the current plan")
    axe_check(hub, "reviews table")

    # An SHPO, recorded by the police.
    police.goto(hub.url.replace("/reviews/", "/orders/"))
    expect(h1(police)).to_have_text("Orders")
    axe_check(police, "orders, none yet")
    police.get_by_role("link", name="Record an order").click()
    axe_check(police, "order form")
    choose(police, "Type of order", "Sexual Harm Prevention Order")
    fill_date(police, "Date made", TODAY)
    police.get_by_label("Applicant agency").select_option(label="Test Police")
    police.get_by_label("Court").fill("Outer Borough Magistrates' Court")
    police.get_by_label("The order has no end date (until further order)").check()
    police.get_by_label("Prohibitions, in brief").fill("No unsupervised contact with children under 13.")
    police.get_by_role("button", name="Save the order").click()
    expect(h1(police)).to_contain_text("Sexual Harm Prevention Order")
    expect(police.locator("#order-summary")).to_contain_text("No end date")
    axe_check(police, "order detail")
    police.get_by_role("link", name="Record a variation, renewal, breach or discharge").click()
    expect(police.locator("#consent-rule")).to_contain_text("without the recorded consent of the person and the police")
    axe_check(police, "order event form")

    # The case page shows where it has got to; the database agrees.
    hub.goto(f"/cases/{referral.public_id}/")
    expect(hub.locator("#hsb-pathway-summary")).to_contain_text("Reviews")
    expect(hub.locator("#timeline")).to_contain_text("Sexual Harm Prevention Order recorded")
    axe_check(hub, "case page, in reviews")
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED
    assert HsbDetail.objects.get(referral=referral).stage == Stage.REVIEW
    assert StrategyDiscussion.objects.filter(referral=referral).exists()
    assert Assessment.objects.get(referral=referral).sexual_behaviour == 1
    assert Intervention.objects.filter(referral=referral).count() == 1
    assert Review.objects.get(referral=referral).outcome == "continue"
    assert Order.objects.get(referral=referral).kind == "shpo"
