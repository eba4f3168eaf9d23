"""Repeats: same victim and alleged perpetrator within 12 months (365 days inclusive) of the last MARAC referral
is flagged and linked automatically; anything uncertain goes to a coordinator, never merged silently."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from marac import selectors, services
from marac.models import PossibleRepeat, RepeatStatus
from referrals.models import ReferralEvent
from tests import factories

pytestmark = pytest.mark.django_db


def earlier_case(personas, days_ago, **kwargs):
    return factories.make_marac_referral(
        personas.owner, accept_by=personas.coordinator, submitted_days_ago=days_ago, **kwargs
    )


@pytest.mark.parametrize(("days", "repeat"), [(364, True), (365, True), (366, False)])
def test_repeat_window_is_365_days_inclusive(personas, days, repeat):
    earlier = earlier_case(personas, days)
    new = factories.make_marac_referral(personas.idva)
    assert new.marac.is_repeat is repeat
    assert new.marac.repeat_of_id == (earlier.pk if repeat else None)
    assert not PossibleRepeat.objects.filter(referral=new).exists()


def test_a_repeat_is_recorded_on_the_timeline_and_meets_the_repeat_criterion(personas):
    earlier = earlier_case(personas, 30)
    new = factories.make_marac_referral(personas.idva, dash_yes=4)
    event = ReferralEvent.objects.filter(referral=new, summary__startswith="Flagged as a MARAC repeat").get()
    assert earlier.reference in event.summary
    criteria = services.referral_criteria(new)
    assert criteria.met == ["Repeat"]  # below every other threshold, but it goes to MARAC


def test_matching_ignores_case_and_spacing_in_names(personas):
    earlier_case(personas, 10)
    new = factories.make_marac_referral(
        personas.idva,
        victim={"first_name": "  vicky ", "last_name": "VICTIMSON"},
        perpetrator={"first_name": "PERCY", "last_name": "perpetrator-son "},
    )
    assert new.marac.is_repeat


def test_the_latest_earlier_referral_is_linked(personas):
    earlier_case(personas, 200)
    latest = earlier_case(personas, 20)
    new = factories.make_marac_referral(personas.idva)
    assert new.marac.repeat_of_id == latest.pk


@pytest.mark.parametrize(
    ("victim", "perpetrator", "reason"),
    [
        ({"date_of_birth": datetime.date(1991, 4, 12)}, None, "date of birth differs"),
        ({"date_of_birth": None, "estimated_age": 35}, None, "date of birth is missing"),
        (None, {"first_name": "Someone", "last_name": "Else"}, "alleged perpetrator is different"),
        (None, {"date_of_birth": datetime.date(1970, 1, 1)}, "perpetrator's date of birth differs"),
    ],
)
def test_uncertain_matches_go_to_a_coordinator_and_are_not_merged(personas, victim, perpetrator, reason):
    earlier = earlier_case(personas, 40)
    new = factories.make_marac_referral(personas.idva, victim=victim, perpetrator=perpetrator)
    assert not new.marac.is_repeat
    possible = PossibleRepeat.objects.get(referral=new)
    assert possible.earlier_id == earlier.pk
    assert possible.status == RepeatStatus.PENDING
    assert reason in possible.reason
    pending = list(selectors.possible_repeats_pending(user=personas.coordinator))
    assert [p.pk for p in pending] == [possible.pk]


def test_a_different_victim_is_no_match(personas):
    earlier_case(personas, 40)
    new = factories.make_marac_referral(personas.idva, victim={"first_name": "Ada", "last_name": "Other"})
    assert not new.marac.is_repeat
    assert not PossibleRepeat.objects.filter(referral=new).exists()


def test_declined_and_draft_referrals_are_not_earlier_cases(personas):
    declined = factories.make_marac_referral(personas.owner)
    from referrals import services as core

    core.referral_transition(referral=declined, actor=personas.coordinator, name="decline", reason="Not DA")
    factories.make_marac_referral(personas.owner, submit=False)
    new = factories.make_marac_referral(personas.idva)
    assert not new.marac.is_repeat
    assert not PossibleRepeat.objects.filter(referral=new).exists()


def test_coordinator_confirms_a_possible_repeat(personas, client_for):
    earlier = earlier_case(personas, 40)
    new = factories.make_marac_referral(personas.idva, victim={"date_of_birth": None, "estimated_age": 35})
    possible = PossibleRepeat.objects.get(referral=new)
    client = client_for(personas.coordinator)
    url = reverse("marac:possible_repeat", args=[possible.public_id])
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(url, {"decision": "confirm", "note": "Same victim: DOB confirmed by phone"})
    assert response.status_code == 302
    new.marac.refresh_from_db()
    possible.refresh_from_db()
    assert possible.status == RepeatStatus.CONFIRMED
    assert possible.decided_by == personas.coordinator
    assert new.marac.is_repeat and new.marac.repeat_of_id == earlier.pk
    assert client.get(url).status_code == 404  # decided: no longer pending


def test_coordinator_rejects_a_possible_repeat(personas, client_for):
    earlier_case(personas, 40)
    new = factories.make_marac_referral(personas.idva, perpetrator={"first_name": "Other", "last_name": "Man"})
    possible = PossibleRepeat.objects.get(referral=new)
    client = client_for(personas.coordinator)
    response = client.post(reverse("marac:possible_repeat", args=[possible.public_id]), {"decision": "reject"})
    assert response.status_code == 302
    new.marac.refresh_from_db()
    possible.refresh_from_db()
    assert possible.status == RepeatStatus.REJECTED
    assert not new.marac.is_repeat


def test_decision_form_errors_keep_the_page(personas, client_for):
    earlier_case(personas, 40)
    new = factories.make_marac_referral(personas.idva, perpetrator={"first_name": "Other", "last_name": "Man"})
    possible = PossibleRepeat.objects.get(referral=new)
    client = client_for(personas.coordinator)
    url = reverse("marac:possible_repeat", args=[possible.public_id])
    response = client.post(url, {"decision": "maybe", "note": "x\x00y"})
    assert response.status_code == 200
    assert b"govuk-error-summary" in response.content
    possible.refresh_from_db()
    assert possible.status == RepeatStatus.PENDING


def test_only_marac_coordinators_decide(personas):
    earlier_case(personas, 40)
    new = factories.make_marac_referral(personas.idva, perpetrator={"first_name": "Other", "last_name": "Man"})
    possible = PossibleRepeat.objects.get(referral=new)
    for user in (personas.owner, personas.yv_coordinator, personas.idva):
        with pytest.raises(PermissionDenied):
            services.possible_repeat_decide(possible=possible, actor=user, confirm=True)


def test_a_repeat_below_threshold_is_a_candidate_and_comes_first(personas):
    high = factories.make_marac_referral(personas.owner, dash_yes=20, accept_by=personas.coordinator)
    earlier_case(personas, 100, victim={"first_name": "Rita", "last_name": "Repeatson"})
    repeat = factories.make_marac_referral(
        personas.idva,
        dash_yes=3,
        accept_by=personas.coordinator,
        victim={"first_name": "Rita", "last_name": "Repeatson"},
    )
    rows = selectors.candidates(user=personas.coordinator)
    ids = [row.referral.pk for row in rows]
    assert repeat.pk in ids and high.pk in ids
    assert ids[0] == repeat.pk


def test_why_a_repeat_was_suspected_is_restricted_in_the_history(personas, client_for):
    earlier_case(personas, 40)
    new = factories.make_marac_referral(
        personas.owner, accept_by=personas.coordinator, victim={"date_of_birth": None, "estimated_age": 35}
    )
    factories.make_published_meeting(personas.coordinator, [new], agencies=[personas.hospital])
    url = reverse("referrals:history", args=[new.public_id])
    assert "date of birth is missing" in client_for(personas.coordinator).get(url).content.decode()
    assert "date of birth is missing" not in client_for(personas.shared).get(url).content.decode()
