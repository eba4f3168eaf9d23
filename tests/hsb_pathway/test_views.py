"""Issue 5: each stage's page through the real views: the database afterwards, history, timeline and access-log
rows, refusals with clear messages, and hostile input on every form (error summary, typed values kept, no 500)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from hsb_pathway.models import (
    Assessment,
    AssessmentKind,
    HsbDetail,
    Intervention,
    Order,
    OrderEvent,
    Review,
    Stage,
    StrategyDiscussion,
)
from referrals.models import AccessAction, AccessLog, EventKind, Referral, ReferralEvent, Status
from tests import factories
from tests.helpers import date_fields

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today  # noqa: DTZ011 - calendar dates as the forms read them


@pytest.fixture
def case(personas):
    return factories.make_hsb_referral(personas.owner, accept_by=personas.hsb_coordinator)


@pytest.fixture
def hub(personas, client_for):
    return client_for(personas.hsb_coordinator)


def url(name, referral, *args):
    return reverse(f"hsb_pathway:{name}", args=[referral.public_id, *args])


def version(referral) -> int:
    return Referral.objects.get(pk=referral.pk).version


def pathway_events(referral) -> list[str]:
    return list(
        ReferralEvent.objects.filter(referral=referral, kind=EventKind.PATHWAY)
        .order_by("id")
        .values_list("summary", flat=True)
    )


def strategy_data(personas, **change):
    return {
        **date_fields("held_on", TODAY()),
        "participants": "CSC, police, YJS",
        "route": "child_protection",
        "lead_agency": personas.childrens.pk,
        "decisions": "Safety plan at school",
        **change,
    }


def aim3_data(**change):
    return {
        **date_fields("assessed_on", TODAY()),
        "assessor": "Ava Assessor",
        "sexual_behaviour": "2",
        "non_sexual_behaviour": "3",
        "developmental": "2",
        "environmental": "3",
        "self_regulation": "1",
        "summary": "Formulation and targets",
        **date_fields("next_assessment_on", TODAY() + datetime.timedelta(days=120)),
        **change,
    }


def test_strategy_discussion_page_records_and_logs(personas, case, hub):
    response = hub.get(url("strategy", case))
    assert response.status_code == 200
    assert "No strategy discussion has been recorded yet" in response.content.decode()
    assert AccessLog.objects.filter(
        referral=case, user=personas.hsb_coordinator, action=AccessAction.VIEW_SECTION, page="hsb_pathway:strategy"
    ).exists()
    response = hub.post(url("strategy_edit", case), {**strategy_data(personas), "version": version(case)})
    assert response.status_code == 302
    discussion = StrategyDiscussion.objects.get(referral=case)
    assert (discussion.route, discussion.lead_agency) == ("child_protection", personas.childrens)
    assert discussion.history.first().history_user == personas.hsb_coordinator
    assert pathway_events(case) == ["Strategy discussion recorded"]
    page = hub.get(url("strategy", case)).content.decode()
    assert "Safety plan at school" in page
    assert "On time" in page
    assert 'href="' + url("stage_move", case, "assessment") + '"' in page


STRATEGY_HOSTILE = [
    ({"held_on_0": "31", "held_on_1": "2", "held_on_2": "2025"}, "must be a real date"),
    ({"held_on_0": "", "held_on_1": "", "held_on_2": ""}, "Enter date of the strategy discussion"),
    ({"held_on_2": str(TODAY().year + 1)}, "must be today or in the past"),
    ({"participants": ""}, "Enter who took part"),
    ({"participants": "y" * 2001}, "2,000 characters or fewer"),
    ({"decisions": "<script>alert(1)</script>\x00"}, "control or hidden formatting characters"),
    ({"route": "prison"}, "Select a valid option"),
    ({"lead_agency": "999999"}, "Select a valid option"),
]


@pytest.mark.parametrize(("change", "message"), STRATEGY_HOSTILE)
def test_strategy_hostile_input(personas, case, hub, change, message):
    response = hub.post(url("strategy_edit", case), {**strategy_data(personas, **change), "version": version(case)})
    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body and message in body
    assert "<script>alert(1)" not in body
    assert "CSC, police, YJS" in body or "participants" in change
    assert not StrategyDiscussion.objects.filter(referral=case).exists()


def test_an_edit_conflict_keeps_what_was_typed(personas, case, hub):
    stale = version(case) - 1
    response = hub.post(url("strategy_edit", case), {**strategy_data(personas), "version": stale})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Someone else changed this case" in body
    assert "Safety plan at school" in body
    assert not StrategyDiscussion.objects.filter(referral=case).exists()


def test_the_journey_to_reviews_through_the_pages(personas, case, hub):
    factories.hsb_strategy(case, personas.hsb_coordinator)
    move = url("stage_move", case, "assessment")
    assert "Move to assessment" in hub.get(move).content.decode()
    assert hub.post(move, {"version": version(case)}).status_code == 302
    assert HsbDetail.objects.get(referral=case).stage == Stage.ASSESSMENT

    page = hub.get(url("assessment_add", case)).content.decode()
    assert "Record an AIM3 assessment" in page  # born 2008: aged 12 to 18 today
    assert hub.post(url("assessment_add", case), {**aim3_data(), "version": version(case)}).status_code == 302
    first = Assessment.objects.get(referral=case)
    assert (first.kind, first.self_regulation) == (AssessmentKind.AIM3, 1)

    # A re-assessment: progress shows domain by domain, newest first.
    later = aim3_data(self_regulation="3", sexual_behaviour="2", developmental="1")
    assert hub.post(url("assessment_add", case), {**later, "version": version(case)}).status_code == 302
    page = hub.get(url("assessments", case)).content.decode()
    assert "self-regulation</strong>: concerns and strengths balanced (improved by 2)" in page.lower()
    assert "developmental</strong>: significant concern (worse by 1)" in page.lower()
    assert "sexual behaviours</strong>: some concern (no change)" in page.lower()
    assert "2 assessments, newest first" in page
    assert pathway_events(case)[-2:] == ["AIM3 assessment recorded", "AIM3 assessment recorded (re-assessment)"]

    assert hub.post(url("stage_move", case, "intervention"), {"version": version(case)}).status_code == 302
    intervention = {
        "plan_type": "safety",
        "plan": "Supervision at school; weekly sessions",
        "provider_agency": personas.yjs.pk,
        **date_fields("start_on", TODAY()),
        "sessions_attended": "0",
        "family_engagement": "engaged",
    }
    assert hub.post(url("intervention_add", case), {**intervention, "version": version(case)}).status_code == 302
    item = Intervention.objects.get(referral=case)
    response = hub.post(
        url("intervention_edit", case, item.public_id),
        {**intervention, "sessions_attended": "6", "version": version(case)},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.sessions_attended == 6
    assert [h.sessions_attended for h in item.history.order_by("history_id")] == [0, 6]

    assert hub.post(url("stage_move", case, "review"), {"version": version(case)}).status_code == 302
    when = TODAY() + datetime.timedelta(days=28)
    assert (
        hub.post(url("review_add", case), {**date_fields("scheduled_for", when), "version": version(case)}).status_code
        == 302
    )
    review = Review.objects.get(referral=case)
    response = hub.post(
        url("review_outcome", case, review.public_id),
        {**date_fields("held_on", TODAY()), "outcome": "continue", "notes": "Progressing", "version": version(case)},
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.outcome, review.held_on) == ("continue", TODAY())
    assert "Continue the current plan" in hub.get(url("reviews", case)).content.decode()
    assert pathway_events(case)[-1] == "Review outcome recorded: continue the current plan"
    views = set(AccessLog.objects.filter(referral=case).values_list("page", flat=True))
    assert {"hsb_pathway:assessments", "hsb_pathway:reviews"} <= views


def test_a_refused_move_says_why(personas, case, hub):
    response = hub.get(url("stage_move", case, "assessment"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Record the strategy discussion before moving the case on" in body
    assert "<form" not in body.split('id="main-content"')[1]
    response = hub.post(url("stage_move", case, "assessment"), {"version": version(case)})
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert HsbDetail.objects.get(referral=case).stage == Stage.STRATEGY
    response = hub.get(url("stage_move", case, "review"))
    assert "cannot &#x27;move to reviews&#x27;" in response.content.decode()
    assert hub.get(url("stage_move", case, "fly")).status_code == 404


def test_closing_through_the_page(personas, case, hub):
    factories.hsb_strategy(case, personas.hsb_coordinator, route="no_further_action")
    response = hub.post(
        url("stage_move", case, "close"), {"closure_reason": "", "reason": "", "version": version(case)}
    )
    body = response.content.decode()
    assert "Select why the case is closing" in body and "Enter the closure details" in body
    response = hub.post(
        url("stage_move", case, "close"),
        {"closure_reason": "no_further_action", "reason": "Behaviour within normal range", "version": version(case)},
    )
    assert response.status_code == 302
    assert Referral.objects.get(pk=case.pk).status == Status.CLOSED
    detail = HsbDetail.objects.get(referral=case)
    assert (detail.stage, detail.closure_details) == (Stage.CLOSED, "Behaviour within normal range")
    page = hub.get(reverse("referrals:detail", args=[case.public_id])).content.decode()
    assert "No further action after the strategy discussion" in page


def test_aim3_only_for_12_to_18(personas, client_for):
    hub = client_for(personas.hsb_coordinator)
    adult = factories.make_hsb_referral(
        personas.owner,
        accept_by=personas.hsb_coordinator,
        date_of_birth=datetime.date(1990, 1, 1),
        details={"age_at_behaviour": 33, "brook_rating": "", "brook_age_band": "", "parents_told": "not_applicable"},
    )
    page = hub.get(url("assessment_add", adult)).content.decode()
    assert "Record an assessment" in page and "Assessment used" in page
    data = {
        **date_fields("assessed_on", TODAY()),
        "assessor": "Adult Assessor",
        "tool_used": "Specialist adult risk assessment",
        "outcome": "Medium-term work needed",
        "version": version(adult),
    }
    assert hub.post(url("assessment_add", adult), data).status_code == 302
    assert Assessment.objects.get(referral=adult).kind == AssessmentKind.OTHER
    from hsb_pathway import services

    with pytest.raises(services.HsbRefused, match="AIM3 is for young people aged 12 to 18"):
        factories.hsb_aim3(adult, personas.hsb_coordinator)
    # A young person: AIM3 by default, another assessment when asked for; AIM3 by request for an adult is refused.
    child = factories.make_hsb_referral(personas.owner, accept_by=personas.hsb_coordinator)
    assert "Record an AIM3 assessment" in hub.get(url("assessment_add", child)).content.decode()
    assert "Assessment used" in hub.get(url("assessment_add", child) + "?kind=other").content.decode()
    data["version"] = version(child)
    assert hub.post(url("assessment_add", child) + "?kind=other", data).status_code == 302
    assert Assessment.objects.get(referral=child).kind == AssessmentKind.OTHER
    response = hub.post(url("assessment_add", adult) + "?kind=aim3", {**aim3_data(), "version": version(adult)})
    assert response.status_code == 200
    assert "AIM3 is for young people aged 12 to 18" in response.content.decode()
    assert Assessment.objects.filter(referral=adult).count() == 1


AIM3_HOSTILE = [
    ({"self_regulation": ""}, "Select the rating for the self-regulation domain"),
    ({"developmental": "9"}, "Select a valid option"),
    ({"summary": ""}, "Enter summary"),
    ({"assessor": "A" * 151}, "150 characters or fewer"),
    ({"next_assessment_on_0": "", "next_assessment_on_1": "", "next_assessment_on_2": ""}, "Enter next re-assessment"),
    ({"next_assessment_on_2": "2001"}, "must be today or in the future"),
    ({"assessed_on_1": "13"}, "must be a real date"),
]


@pytest.mark.parametrize(("change", "message"), AIM3_HOSTILE)
def test_aim3_hostile_input(case, hub, change, message):
    response = hub.post(url("assessment_add", case), {**aim3_data(**change), "version": version(case)})
    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body and message in body
    assert "Ava Assessor" in body or "assessor" in change
    assert not Assessment.objects.filter(referral=case).exists()


def test_review_validation(personas, case, hub):
    response = hub.post(url("review_add", case), {**date_fields("scheduled_for", TODAY() - datetime.timedelta(days=1))})
    assert "must be today or in the future" in response.content.decode()
    assert (
        hub.post(
            url("review_add", case), {"scheduled_for_0": "x", "scheduled_for_1": "", "scheduled_for_2": ""}
        ).status_code
        == 200
    )
    review = factories.hsb_review(case, personas.hsb_coordinator)
    response = hub.post(url("review_outcome", case, review.public_id), {"outcome": "", "notes": "\x00"})
    body = response.content.decode()
    assert "Select outcome" in body  # the form's required message for the Outcome field (the model's needs a date)
    assert "Enter date held" in body
    assert hub.get(url("review_outcome", case, "00000000-0000-4000-8000-000000000000")).status_code == 404


def test_adult_transition(personas, client_for):
    hub = client_for(personas.hsb_coordinator)
    young = factories.make_hsb_referral(
        personas.owner, accept_by=personas.hsb_coordinator, date_of_birth=datetime.date(2006, 2, 1)
    )
    page = hub.get(url("reviews", young)).content.decode()
    assert "1 February 2024 (18th birthday)" in page
    response = hub.post(
        url("adult_transition", young),
        {"send": "on", **date_fields("transition_on", datetime.date(2023, 6, 1)), "adult_service": "Adult MH"},
    )
    assert "the person is under 18 on that date" in response.content.decode()
    response = hub.post(url("adult_transition", young), {**date_fields("transition_on", TODAY()), "adult_service": ""})
    assert "Enter the adult service taking over" in response.content.decode()
    response = hub.post(
        url("adult_transition", young),
        {"send": "on", **date_fields("transition_on", TODAY()), "adult_service": "Adult learning disability team"},
    )
    assert response.status_code == 302
    detail = HsbDetail.objects.get(referral=young)
    assert (detail.send, detail.adult_transition_on) == (True, TODAY())
    assert "1 February 2031 (25th birthday, with SEND)" in hub.get(url("reviews", young)).content.decode()


def test_order_pages(personas, case, client_for):
    police = client_for(personas.owner)
    data = {
        "kind": "shpo",
        **date_fields("made_on", datetime.date(2024, 5, 1)),
        "applicant_agency": personas.police.pk,
        "court": "Outer Borough Magistrates' Court",
        "indefinite": "on",
        "prohibitions": "No unsupervised contact with children under 16",
    }
    response = police.post(url("order_add", case), {**data, "end_on_0": "1", "end_on_1": "5", "end_on_2": "2030"})
    assert "not both" in response.content.decode()
    response = police.post(url("order_add", case), {**data, "version": version(case)})
    assert response.status_code == 302
    order = Order.objects.get(referral=case)
    detail = police.get(url("order_detail", case, order.public_id)).content.decode()
    assert "In force" in detail and "No end date" in detail
    event_url = url("order_event_add", case, order.public_id)
    page = police.get(event_url).content.decode()
    assert "cannot be discharged before 1 May 2029" in page
    response = police.post(
        event_url, {"kind": "discharge", **date_fields("happened_on", TODAY()), "person_consented": "on"}
    )
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert "without the consent of the person and the police" in body
    assert "Record the consent of the police" in body
    assert order.events.count() == 0
    response = police.post(
        event_url,
        {
            "kind": "discharge",
            **date_fields("happened_on", TODAY()),
            "details": "Discharged by consent",
            "person_consented": "on",
            "police_consented": "on",
        },
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.discharged_on == TODAY()
    assert "Discharged" in police.get(url("orders", case)).content.decode()
    assert police.get(event_url).status_code == 302  # nothing more can be recorded
    assert police.get(url("order_edit", case, order.public_id)).status_code == 302
    assert OrderEvent.objects.get(order=order).history.count() == 1


ORDER_HOSTILE = [
    ({"kind": "other", "other_kind": ""}, "Enter the name of the order"),
    ({"indefinite": ""}, "Enter the end date, or say the order has no end date"),
    ({"court": ""}, "Enter court"),
    ({"prohibitions": "p" * 2001}, "2,000 characters or fewer"),
    ({"made_on_0": "29", "made_on_1": "2", "made_on_2": "2023"}, "must be a real date"),
    ({"applicant_agency": ""}, "Select applicant agency"),
    ({"court": "Court\u202e"}, "control or hidden formatting characters"),
]


@pytest.mark.parametrize(("change", "message"), ORDER_HOSTILE)
def test_order_hostile_input(personas, case, client_for, change, message):
    data = {
        "kind": "sro",
        **date_fields("made_on", datetime.date(2024, 5, 1)),
        "applicant_agency": personas.police.pk,
        "court": "Outer Borough Magistrates' Court",
        "indefinite": "on",
        "prohibitions": "Synthetic prohibitions",
        **change,
    }
    response = client_for(personas.owner).post(url("order_add", case), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body and message in body
    assert not Order.objects.filter(referral=case).exists()


def test_read_only_roles_see_but_cannot_record(personas, case, client_for):
    manager = client_for(personas.owner_manager)
    assert manager.get(url("strategy", case)).status_code == 200
    assert manager.get(url("strategy_edit", case)).status_code == 403
    assert manager.post(url("strategy_edit", case), strategy_data(personas)).status_code == 403
    assert not StrategyDiscussion.objects.filter(referral=case).exists()
    page = manager.get(url("strategy", case)).content.decode()
    assert "Record the strategy discussion" not in page
    outsider = client_for(personas.outsider)
    assert outsider.get(url("strategy", case)).status_code == 404
    assert outsider.get(url("orders", case)).status_code == 404


def test_hsb_pages_are_not_for_other_pathways_or_drafts(personas, client_for):
    client = client_for(personas.owner)
    youth = factories.make_submitted(personas.owner)
    assert client.get(url("strategy", youth)).status_code == 404
    draft = factories.make_hsb_referral(personas.owner, submit=False)
    assert client.get(url("strategy", draft)).status_code == 404


def test_case_list(personas, client_for, case):
    factories.hsb_strategy(case, personas.hsb_coordinator)
    other = factories.make_hsb_referral(personas.owner)
    client = client_for(personas.hsb_coordinator)
    body = client.get(reverse("hsb_pathway:case_list")).content.decode()
    assert case.reference in body and other.reference in body
    assert "2 cases" in body
    body = client.get(reverse("hsb_pathway:case_list"), {"stage": "strategy"}).content.decode()
    assert "2 cases" in body
    body = client.get(reverse("hsb_pathway:case_list"), {"stage": "review"}).content.decode()
    assert "0 cases" in body
    response = client.get(reverse("hsb_pathway:case_list"), {"stage": "<script>"})
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    outsider_body = client_for(personas.outsider).get(reverse("hsb_pathway:case_list")).content.decode()
    assert "0 cases" in outsider_body
    nav = client.get("/").content.decode()
    assert "HSB cases" in nav
    assert "HSB cases" not in client_for(personas.owner).get("/").content.decode()


def test_case_page_shows_moves_only_to_the_hub_coordinator(personas, case, client_for):
    factories.hsb_strategy(case, personas.hsb_coordinator)
    detail_url = reverse("referrals:detail", args=[case.public_id])
    hub_page = client_for(personas.hsb_coordinator).get(detail_url).content.decode()
    assert 'id="stage-moves"' in hub_page and "Move to assessment" in hub_page
    owner_page = client_for(personas.owner).get(detail_url).content.decode()
    assert 'id="stage-moves"' not in owner_page
    assert "Held " + timezone.localdate().strftime("%-d %B %Y") in owner_page


def test_the_case_history_page_shows_hsb_rows(personas, case, client_for):
    factories.hsb_strategy(case, personas.hsb_coordinator)
    factories.hsb_order(case, personas.owner)
    body = client_for(personas.owner).get(reverse("referrals:history", args=[case.public_id])).content.decode()
    assert "HSB strategy discussion created by Hal Coordinator" in body
    assert "HSB order created by Olive Owner" in body
    assert "HSB details created" in body
    assert "Hackett continuum category" in body
