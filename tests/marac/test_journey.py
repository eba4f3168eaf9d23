"""The MARAC pages of the filing journey, through the views: happy path, and bad input that must come back as a
GOV.UK error summary with everything typed kept (never a 500)."""

import pytest
from django.urls import reverse

from marac.models import DashAssessment, MaracDetail
from referrals.models import Person, PersonRole, Referral, Status
from tests import factories
from tests.helpers import step_url

pytestmark = pytest.mark.django_db

HOSTILE = ["", "x" * 10_001, "<script>alert(1)</script>", "nul\x00byte"]


@pytest.fixture
def draft(personas):
    referral = factories.make_draft(personas.owner, "marac", **factories.MARAC_VICTIM)
    factories.complete_core(referral, personas.owner)
    factories.add_person(referral, personas.owner, PersonRole.ALLEGED_PERPETRATOR, **factories.MARAC_PERPETRATOR)
    return Referral.objects.get(pk=referral.pk)


def test_file_a_marac_referral_through_the_pages(personas, client_for, draft):
    client = client_for(personas.owner)
    page = client.get(step_url(draft, "dash"))
    assert page.status_code == 200
    assert b"DASH risk checklist" in page.content
    data = {**factories.dash_answers(15), "info_source": "victim", "version": draft.version}
    assert client.post(step_url(draft, "dash"), data).status_code == 302
    assert DashAssessment.objects.get(referral=draft).score == 15
    draft.refresh_from_db()
    details = {
        "perpetrator_relationship": "ex_partner",
        "children_in_household": "2",
        "incidents_last_12_months": "4",
        "previous_marac": "no",
        "judged_band": "",
        "version": draft.version,
    }
    assert client.post(step_url(draft, "marac-details"), details).status_code == 302
    draft.refresh_from_db()
    safety = {"victim_afraid_of": "Ex-partner", "safe_to_contact": "Sister", "version": draft.version}
    assert client.post(step_url(draft, "marac-safety"), safety).status_code == 302
    check = client.get(reverse("referrals:check", args=[draft.public_id]))
    assert b"Not answered" not in check.content
    draft.refresh_from_db()
    response = client.post(reverse("referrals:check", args=[draft.public_id]), {"version": draft.version})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED
    detail = MaracDetail.objects.get(referral=draft)
    assert detail.children_in_household == 2
    assert detail.referrer_category == "police"


def test_submission_needs_an_alleged_perpetrator(personas, client_for):
    referral = factories.make_marac_referral(personas.owner, perpetrator={}, submit=False)
    client = client_for(personas.owner)
    response = client.post(reverse("referrals:check", args=[referral.public_id]), {"version": referral.version})
    assert response.status_code == 200
    assert b"MARAC referral details" in response.content
    referral.refresh_from_db()
    assert referral.status == Status.DRAFT


@pytest.mark.parametrize("value", HOSTILE)
def test_dash_page_bad_input(personas, client_for, draft, value):
    client = client_for(personas.owner)
    data = {**factories.dash_answers(10), "q03_afraid_of_what": value, "info_source": "other"}
    data["info_source_detail"] = value
    response = client.post(step_url(draft, "dash"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert "question 3" in body
    assert 'value="yes" checked' in body  # the other answers are kept
    assert "<script>alert(1)</script>" not in body
    assert not DashAssessment.objects.filter(referral=draft).exists()


@pytest.mark.parametrize("value", HOSTILE)
def test_details_page_bad_input(personas, client_for, draft, value):
    client = client_for(personas.owner)
    data = {
        "perpetrator_relationship": "ex_partner",
        "children_in_household": value or "abc",
        "incidents_last_12_months": "99999",
        "previous_marac": "yes",
        "previous_marac_details": value,
        "judged_band": "high",
        "judgement_rationale": value,
        "version": draft.version,
    }
    response = client.post(step_url(draft, "marac-details"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert "<script>alert(1)</script>" not in body
    assert 'value="ex_partner" checked' in body
    assert not MaracDetail.objects.filter(referral=draft).exists()


@pytest.mark.parametrize("value", ["", "x" * 10_001, "nul\x00byte"])
def test_safety_page_bad_input(personas, client_for, draft, value):
    client = client_for(personas.owner)
    data = {"victim_afraid_of": value, "safe_to_contact": "Her sister", "not_safe_to_contact": value}
    response = client.post(step_url(draft, "marac-safety"), {**data, "version": draft.version})
    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert "Her sister" in body
    assert "<script>alert(1)</script>" not in body


def test_details_page_shows_the_dash_result(personas, client_for):
    referral = factories.make_marac_referral(personas.owner, dash_yes=12, submit=False)
    page = client_for(personas.owner).get(step_url(referral, "marac-details"))
    assert b"DASH score: <strong>12</strong>" in page.content


def test_reassessment_after_submission_adds_a_checklist(personas, client_for):
    referral = factories.make_marac_referral(personas.owner, dash_yes=12, accept_by=personas.coordinator)
    client = client_for(personas.coordinator)
    page = client.get(step_url(referral, "dash"))
    assert b"DASH re-assessment" in page.content
    assert b"checked" not in page.content.split(b"The questions")[1].split(b"Who gave the answers")[0]
    data = {**factories.dash_answers(16), "info_source": "victim", "version": referral.version}
    assert client.post(step_url(referral, "dash"), data).status_code == 302
    assert list(
        DashAssessment.objects.filter(referral=referral).order_by("completed_at").values_list("score", flat=True)
    ) == [12, 16]


def test_restricted_step_cannot_be_edited_through_the_journey_after_submission(personas, client_for):
    referral = factories.make_marac_referral(personas.owner, accept_by=personas.coordinator)
    assert client_for(personas.owner).get(step_url(referral, "marac-safety")).status_code == 403


def test_people_other_than_the_victim_are_not_the_subject(personas):
    referral = factories.make_marac_referral(personas.owner, submit=False)
    roles = sorted(Person.objects.filter(referral=referral).values_list("role", flat=True))
    assert roles == ["alleged_perpetrator", "subject"]


def test_markup_typed_into_a_field_is_stored_and_shown_escaped(personas, client_for, draft):
    client = client_for(personas.owner)
    data = {"victim_afraid_of": "<script>alert(1)</script>", "safe_to_contact": "Sister", "version": draft.version}
    assert client.post(step_url(draft, "marac-safety"), data).status_code == 302
    body = client.get(reverse("referrals:check", args=[draft.public_id])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<script>alert(1)</script>" not in body
