"""The IDVA service's first contact with a victim: recorded by the IDVA service or a MARAC hub coordinator, kept
with history and a timeline event, and it lifts the 2-working-day IDVA contact reminder. Bad input gets an error
summary with what was typed kept; nobody else may record it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from marac.models import IdvaContact, MaracDetail
from referrals import services
from referrals.models import AccessAction, AccessLog, EventKind, ReferralEvent, Reminder, ReminderKind, ReminderState

pytestmark = pytest.mark.django_db


def url(referral):
    return reverse("marac:idva_contact", args=[referral.public_id])


def reminder_states(referral) -> set[str]:
    reminders = Reminder.objects.filter(kind=ReminderKind.MARAC_IDVA_CONTACT, referral=referral)
    return set(reminders.values_list("state", flat=True))


def post(client, referral, day: datetime.date, outcome=IdvaContact.ENGAGED):
    referral.refresh_from_db()
    data = {
        "idva_contact_on_0": day.day,
        "idva_contact_on_1": day.month,
        "idva_contact_on_2": day.year,
        "idva_contact": outcome,
        "version": referral.version,
    }
    return client.post(url(referral), data)


def test_the_idva_service_records_contact_and_the_reminder_stops(personas, client_for, published, marac_case):
    assert reminder_states(marac_case) == {ReminderState.PENDING}
    client = client_for(personas.idva)
    page = client.get(reverse("referrals:detail", args=[marac_case.public_id])).content.decode()
    assert "Not recorded yet" in page and url(marac_case) in page
    assert client.get(url(marac_case)).status_code == 200

    today = timezone.localdate()
    response = post(client, marac_case, today, IdvaContact.DECLINED)
    assert response.status_code == 302

    detail = MaracDetail.objects.get(referral=marac_case)
    assert (detail.idva_contact_on, detail.idva_contact) == (today, IdvaContact.DECLINED)
    latest = detail.history.latest()
    assert latest.history_user == personas.idva and latest.idva_contact == IdvaContact.DECLINED
    event = ReferralEvent.objects.filter(referral=marac_case, kind=EventKind.PATHWAY).latest("id")
    assert event.summary == "IDVA contact recorded: Contact made: the victim declined IDVA support"
    assert event.actor == personas.idva
    assert reminder_states(marac_case) == {ReminderState.CANCELLED}
    assert AccessLog.objects.filter(
        referral=marac_case, user=personas.idva, action=AccessAction.VIEW_SECTION, page="marac:idva_contact"
    ).exists()
    page = client.get(reverse("referrals:detail", args=[marac_case.public_id])).content.decode()
    assert f"{today:%-d %B %Y}: Contact made: the victim declined IDVA support" in page


def test_the_hub_coordinator_may_record_it_and_others_who_see_the_case_may_not(
    personas, client_for, published, marac_case
):
    assert post(client_for(personas.coordinator), marac_case, timezone.localdate()).status_code == 302
    for persona in (personas.owner, personas.shared):  # both see the case; neither is the IDVA service
        client = client_for(persona)
        assert client.get(url(marac_case)).status_code == 403
        assert post(client, marac_case, timezone.localdate(), IdvaContact.NOT_REACHED).status_code == 403
        page = client.get(reverse("referrals:detail", args=[marac_case.public_id])).content.decode()
        assert url(marac_case) not in page
    assert MaracDetail.objects.get(referral=marac_case).idva_contact == IdvaContact.ENGAGED


def test_a_case_the_idva_service_cannot_see_is_not_found(personas, client_for, marac_case):
    assert client_for(personas.idva).get(url(marac_case)).status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Enter the date of the first contact or attempt"),
        ({"idva_contact_on_0": "31", "idva_contact_on_1": "2", "idva_contact_on_2": "2026"}, "must be a real date"),
        ({"idva_contact_on_0": "<b>", "idva_contact_on_1": "1", "idva_contact_on_2": "9" * 50}, "real date"),
        ({"idva_contact": "<script>"}, "Select a valid option for what happened"),
    ],
)
def test_bad_input_is_refused_with_the_typing_kept(personas, client_for, published, marac_case, data, message):
    marac_case.refresh_from_db()
    full = {"idva_contact": IdvaContact.ENGAGED, "version": marac_case.version, **data}
    response = client_for(personas.idva).post(url(marac_case), full)
    body = response.content.decode()
    summary = body[body.find("govuk-error-summary") :][:600]
    assert response.status_code == 200 and message in summary, summary
    if data.get("idva_contact_on_0") == "31":
        assert 'value="31"' in body
    assert not MaracDetail.objects.get(referral=marac_case).idva_contact
    assert reminder_states(marac_case) == {ReminderState.PENDING}


def test_a_date_before_the_referral_or_in_the_future_is_refused(personas, client_for, published, marac_case):
    client = client_for(personas.idva)
    submitted_on = timezone.localdate(marac_case.submitted_at)
    before = post(client, marac_case, submitted_on - datetime.timedelta(days=1))
    assert "when the referral was submitted" in before.content.decode()
    future = post(client, marac_case, timezone.localdate() + datetime.timedelta(days=1))
    assert "must be today or in the past" in future.content.decode()
    assert not MaracDetail.objects.get(referral=marac_case).idva_contact


def test_a_closed_case_takes_no_more_contact(personas, client_for, published, marac_case):
    services.referral_transition(referral=marac_case, actor=personas.coordinator, name="close", reason="Done")
    client = client_for(personas.idva)
    assert client.get(url(marac_case)).status_code == 403
    assert post(client, marac_case, timezone.localdate()).status_code == 403
    assert not MaracDetail.objects.get(referral=marac_case).idva_contact


def test_the_service_itself_refuses_anyone_else(personas, published, marac_case):
    """Not only the view: a task or another page calling the service for the owner's caseworker is refused."""
    from django.core.exceptions import PermissionDenied

    from marac import services as marac_services

    detail = MaracDetail.objects.get(referral=marac_case)
    detail.idva_contact_on, detail.idva_contact = timezone.localdate(), IdvaContact.ENGAGED
    with pytest.raises(PermissionDenied):
        marac_services.idva_contact_record(
            referral=marac_case, actor=personas.owner, detail=detail, expected_version=None
        )
    assert not MaracDetail.objects.get(referral=marac_case).idva_contact
