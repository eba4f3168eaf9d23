"""Issue 5: the HSB pages of the filing journey (the behaviour; Brook and Hackett screening), through the real
views; hostile and impossible input gets the GOV.UK error summary with what was typed kept, never a 500."""

import pytest
from django.urls import reverse

from hsb_pathway.models import HsbDetail, brook_problems
from referrals.models import Referral, Status
from tests import factories
from tests.helpers import step_url

pytestmark = pytest.mark.django_db

BEHAVIOUR = {
    "age_at_behaviour": "14",
    "concern": "Sexualised behaviour towards a younger pupil in the playground",
    "setting": "school",
    "victim_identified": "yes",
    "victim_age": "11",
    "victim_relationship": "Younger pupil",
    "parents_told": "yes",
    "police_reference": "01/123456/26",
}
SCREENING = {
    "brook_rating": "red",
    "brook_age_band": "13_17",
    "hackett_category": "abusive",
}


@pytest.fixture
def draft(personas):
    referral = factories.make_draft(personas.owner, "hsb")
    return factories.complete_core(referral, personas.owner)


def post(client, referral, slug, data):
    referral = Referral.objects.get(pk=referral.pk)
    return client.post(step_url(referral, slug), {**data, "version": referral.version})


def test_file_an_hsb_referral_through_the_pages(personas, client_for, draft):
    client = client_for(personas.owner)
    response = client.get(step_url(draft, "hsb-behaviour"))
    assert response.status_code == 200
    assert "The behaviour of concern" in response.content.decode()
    response = post(client, draft, "hsb-behaviour", BEHAVIOUR)
    assert response.status_code == 302
    assert response["Location"].endswith(step_url(draft, "hsb-screening"))
    response = post(client, draft, "hsb-screening", SCREENING)
    assert response.status_code == 302
    detail = HsbDetail.objects.get(referral=draft)
    assert (detail.age_at_behaviour, detail.police_reference, detail.brook_rating, detail.hackett_category) == (
        14,
        "01/123456/26",
        "red",
        "abusive",
    )
    assert detail.history.first().history_user == personas.owner
    check = client.get(reverse("referrals:check", args=[draft.public_id])).content.decode()
    assert "Brook traffic light and Hackett continuum" in check
    assert "Not answered" not in check
    response = client.post(reverse("referrals:check", args=[draft.public_id]), {"version": detail.referral.version})
    assert response.status_code == 302
    referral = Referral.objects.get(pk=draft.pk)
    assert referral.status == Status.SUBMITTED
    # The HSB hub can see it and the case page shows the HSB sections.
    page = client_for(personas.hsb_coordinator).get(reverse("referrals:detail", args=[referral.public_id]))
    body = page.content.decode()
    assert "Harmful sexual behaviour referral" in body
    assert "HSB pathway" in body
    assert "Due by" in body


def test_the_referral_cannot_be_submitted_without_the_hsb_pages(personas, client_for, draft):
    client = client_for(personas.owner)
    response = client.post(reverse("referrals:check", args=[draft.public_id]), {"version": draft.version})
    body = response.content.decode()
    assert "Answer the questions in &#x27;The behaviour of concern&#x27;" in body
    assert Referral.objects.get(pk=draft.pk).status == Status.DRAFT


def test_screening_before_the_behaviour_page_is_refused_clearly(personas, client_for, draft):
    response = post(client_for(personas.owner), draft, "hsb-screening", SCREENING)
    assert response.status_code == 200
    assert "Answer the questions about the behaviour of concern first" in response.content.decode()
    assert not HsbDetail.objects.filter(referral=draft).exists()


HOSTILE = [
    ({"age_at_behaviour": ""}, "Enter age at the time of the behaviour"),
    ({"age_at_behaviour": "fourteen"}, "must be a whole number"),
    ({"age_at_behaviour": "-3"}, "must be 0 or more"),
    ({"age_at_behaviour": "99999999999999999999"}, "must be 120 or less"),
    ({"concern": ""}, "Enter the behaviour of concern"),
    ({"concern": "x" * 10_001}, "10,000 characters or fewer"),
    ({"victim_relationship": "Pupil\x00"}, "control or hidden formatting characters"),
    ({"police_reference": "<script>alert(1)</script>"}, "Police crime reference must be"),
    ({"setting": "the moon"}, "Select a valid option"),
    ({"victim_identified": "yes", "victim_age": "", "victim_relationship": ""}, "Enter the victim&#x27;s age"),
    ({"parents_told": "not_applicable"}, "Parents or carers must be considered for a child"),
    ({"age_at_behaviour": "30"}, "cannot be more than their age now"),
]


@pytest.mark.parametrize(("change", "message"), HOSTILE)
def test_hostile_behaviour_input(personas, client_for, draft, change, message):
    response = post(client_for(personas.owner), draft, "hsb-behaviour", {**BEHAVIOUR, **change})
    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert message in body
    assert "<script>alert" not in body  # escaped, never executed
    if "<script>" in str(change):
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body  # kept, escaped
    assert "Younger pupil" in body or change.get("victim_relationship") is not None
    assert not HsbDetail.objects.filter(referral=draft).exists()


SCREENING_ERRORS = [
    ({"brook_rating": ""}, "Select the Brook traffic light rating"),
    ({"brook_age_band": ""}, "Select the Brook age band"),
    ({"brook_age_band": "5_9"}, "The 5 to 9 band does not fit someone aged 14"),
    ({"hackett_category": ""}, "Select the Hackett continuum category"),
    ({"brook_extended": "on", "brook_age_band": "9_13"}, "Only the 13 to 17 band"),
]


@pytest.mark.parametrize(("change", "message"), SCREENING_ERRORS)
def test_screening_errors(personas, client_for, draft, change, message):
    client = client_for(personas.owner)
    post(client, draft, "hsb-behaviour", BEHAVIOUR)
    response = post(client, draft, "hsb-screening", {**SCREENING, **change})
    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert message in body
    assert HsbDetail.objects.get(referral=draft).hackett_category == ""


@pytest.mark.parametrize(
    ("age", "band", "extended", "ok"),
    [
        (4, "0_5", False, True),
        (5, "0_5", False, True),
        (5, "5_9", False, True),
        (9, "9_13", False, True),
        (13, "13_17", False, True),
        (17, "13_17", False, True),
        (19, "13_17", False, False),  # an adult: only as a vulnerable young person
        (19, "13_17", True, True),
        (25, "13_17", True, True),
        (26, "13_17", True, False),  # over 25: the tool is not used
        (12, "13_17", False, False),
        (14, "9_13", False, False),
    ],
)
def test_brook_age_bands(age, band, extended, ok):
    detail = HsbDetail(age_at_behaviour=age, brook_rating="amber", brook_age_band=band, brook_extended=extended)
    assert (not brook_problems(detail)) is ok


def test_an_adult_needs_no_brook_rating(personas, client_for, draft):
    client = client_for(personas.owner)
    post(client, draft, "hsb-behaviour", {**BEHAVIOUR, "age_at_behaviour": "16"})
    response = post(client, draft, "hsb-screening", {"hackett_category": "problematic"})
    assert "Select the Brook traffic light rating" in response.content.decode()
    adult = factories.make_draft(personas.owner, "hsb", date_of_birth=None, estimated_age=40)
    adult = factories.complete_core(adult, personas.owner)
    post(client, adult, "hsb-behaviour", {**BEHAVIOUR, "age_at_behaviour": "38", "parents_told": "not_applicable"})
    response = post(client, adult, "hsb-screening", {"hackett_category": "abusive"})
    assert response.status_code == 302
    assert HsbDetail.objects.get(referral=adult).screening_complete


def test_changing_the_age_later_flags_the_rating_instead_of_blocking(personas, client_for):
    referral = factories.make_hsb_referral(personas.owner)
    client = client_for(personas.owner)
    response = post(client, referral, "hsb-behaviour", {**BEHAVIOUR, "age_at_behaviour": "8"})
    assert response.status_code == 302
    page = client.get(reverse("referrals:detail", args=[referral.public_id])).content.decode()
    assert "Needs checking" in page
    assert "does not fit someone aged 8" in page
