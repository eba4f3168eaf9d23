"""Meetings: scheduling, building the case list, the time budget, publishing, attendance and holding."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from marac import selectors, services
from marac.models import MaracDetail, Meeting, MeetingCase, MeetingStatus
from referrals.models import ReferralEvent
from tests import factories
from tests.helpers import date_fields

pytestmark = pytest.mark.django_db


def meeting_post(**overrides):
    date = timezone.localdate() + datetime.timedelta(days=10)
    cutoff = date - datetime.timedelta(days=5)
    data = {
        **date_fields("date", date),
        "start_time": "10:00",
        "duration_minutes": "180",
        **date_fields("referral_cutoff", cutoff),
        "venue_kind": "in_person",
        "venue": "Civic Centre, Room 4",
        "chair": "DI Sam Chair",
    }
    data.update(overrides)
    return data


def test_coordinator_schedules_a_meeting(personas, client_for):
    client = client_for(personas.coordinator)
    assert client.get(reverse("marac:meeting_new")).status_code == 200
    response = client.post(
        reverse("marac:meeting_new"), meeting_post(agencies=[personas.hospital.pk, personas.housing.pk])
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.status == MeetingStatus.DRAFT
    assert meeting.venue == "Civic Centre, Room 4"
    assert set(meeting.agencies.values_list("short_name", flat=True)) == {"HOSP", "HSG"}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"venue": ""}, "Enter venue or online meeting details"),
        ({"chair": "x" * 151}, "must be 150 characters or fewer"),
        ({"venue": "Room\x00 4"}, "must not contain control"),
        ({"start_time": "25:99"}, "Enter a start time, like 09:30 or 14:00"),
        ({"date_0": "31", "date_1": "2"}, "Meeting date must be a real date"),
        ({"date_0": "1", "date_1": "1", "date_2": "2020"}, "Meeting date must be today or in the future"),
        ({"referral_cutoff_2": "2199"}, "on or before the meeting date"),
        ({"duration_minutes": "5"}, "between 15 and 600 minutes"),
        ({"agencies": []}, "Select at least one agency attending"),
    ],
)
def test_meeting_form_bad_input(personas, client_for, overrides, message):
    data = meeting_post(agencies=[personas.hospital.pk])
    data.update(overrides)
    response = client_for(personas.coordinator).post(reverse("marac:meeting_new"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert message in body
    assert not Meeting.objects.exists()


def test_markup_in_a_meeting_is_escaped(personas, client_for):
    client = client_for(personas.coordinator)
    data = meeting_post(agencies=[personas.hospital.pk], chair="<script>alert(1)</script>")
    assert client.post(reverse("marac:meeting_new"), data).status_code == 302
    body = client.get(reverse("marac:meeting", args=[Meeting.objects.get().public_id])).content.decode()
    assert "&lt;script&gt;" in body and "<script>alert(1)" not in body


def test_build_the_case_list_add_and_remove_with_a_reason(personas, client_for, marac_case):
    meeting = factories.make_meeting(personas.coordinator, agencies=[personas.hospital])
    client = client_for(personas.coordinator)
    page = client.get(reverse("marac:meeting_cases", args=[meeting.public_id]))
    assert marac_case.reference in page.content.decode()
    response = client.post(
        reverse("marac:meeting_cases_add", args=[meeting.public_id]), {"referrals": [str(marac_case.public_id)]}
    )
    assert response.status_code == 302
    case = MeetingCase.objects.get(meeting=meeting)
    assert case.referral == marac_case and case.position == 1
    # no longer a candidate, for this or any other meeting
    assert marac_case.pk not in [row.referral.pk for row in selectors.candidates(user=personas.coordinator)]
    remove = reverse("marac:meeting_case_remove", args=[meeting.public_id, marac_case.public_id])
    blank = client.post(remove, {"reason": "  "})
    assert blank.status_code == 200 and b"Enter why the case is being removed" in blank.content
    assert client.post(remove, {"reason": "Moved out of the area"}).status_code == 302
    case.refresh_from_db()
    assert case.removed_at is not None and case.removal_reason == "Moved out of the area"
    assert marac_case.pk in [row.referral.pk for row in selectors.candidates(user=personas.coordinator)]


def test_adding_nothing_or_a_case_that_is_not_a_candidate_is_an_error(personas, client_for, marac_case):
    meeting = factories.make_meeting(personas.coordinator, agencies=[personas.hospital])
    draft = factories.make_marac_referral(personas.owner, submit=False)
    client = client_for(personas.coordinator)
    url = reverse("marac:meeting_cases_add", args=[meeting.public_id])
    empty = client.post(url, {})
    assert empty.status_code == 200 and b"Select at least one case to add" in empty.content
    sneaky = client.post(url, {"referrals": [str(draft.public_id)]})
    assert sneaky.status_code == 200 and b"govuk-error-summary" in sneaky.content
    assert not MeetingCase.objects.exists()
    # the cases ticked come back ticked (nothing entered is lost); the others do not
    other = factories.make_marac_referral(personas.owner, accept_by=personas.coordinator)
    mixed = client.post(url, {"referrals": [str(marac_case.public_id), str(draft.public_id)]}).content.decode()
    assert f'value="{marac_case.public_id}" checked' in mixed
    assert f'value="{other.public_id}">' in mixed and f'value="{other.public_id}" checked' not in mixed


def test_only_accepted_unheard_marac_referrals_are_candidates(personas, marac_case):
    submitted = factories.make_marac_referral(personas.owner)
    youth = factories.make_submitted(personas.owner)
    ids = [row.referral.pk for row in selectors.candidates(user=personas.coordinator)]
    assert ids == [marac_case.pk]
    assert submitted.pk not in ids and youth.pk not in ids


def test_time_budget_and_warning_above_capacity(personas, client_for):
    cases = [factories.make_marac_referral(personas.owner, accept_by=personas.coordinator) for _ in range(3)]
    meeting = factories.make_meeting(personas.coordinator, agencies=[personas.hospital], duration_minutes=45)
    client = client_for(personas.coordinator)
    services.meeting_cases_add(meeting=meeting, actor=personas.coordinator, referrals=cases[:2])
    page = client.get(reverse("marac:meeting_cases", args=[meeting.public_id])).content.decode()
    assert "2 cases at 12 to 15 minutes each is 24 to 30 minutes, of a 45-minute meeting" in page
    assert "Above capacity" not in page
    services.meeting_cases_add(meeting=meeting, actor=personas.coordinator, referrals=cases[2:])
    services.meeting_cases_add(
        meeting=meeting,
        actor=personas.coordinator,
        referrals=[factories.make_marac_referral(personas.owner, accept_by=personas.coordinator)],
    )
    page = client.get(reverse("marac:meeting_cases", args=[meeting.public_id])).content.decode()
    assert "Above capacity: 4 cases need at least 48 minutes, but the meeting is 45 minutes" in page


def test_publishing_needs_cases_and_agencies(personas, client_for, marac_case):
    meeting = factories.make_meeting(personas.coordinator, agencies=[personas.hospital])
    client = client_for(personas.coordinator)
    response = client.post(reverse("marac:meeting_publish", args=[meeting.public_id]))
    assert response.status_code == 200 and b"Add at least one case" in response.content
    services.meeting_cases_add(meeting=meeting, actor=personas.coordinator, referrals=[marac_case])
    factories.set_attending(personas.coordinator, meeting, [])
    response = client.post(reverse("marac:meeting_publish", args=[meeting.public_id]))
    assert b"Choose the agencies attending" in response.content
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.DRAFT


def test_publishing_emails_attending_agencies_a_link_without_case_content(personas, published, marac_case):
    mail.outbox.clear()
    sent = services.meeting_published_notify(meeting_id=published.pk)
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert sent == 2
    assert recipients == sorted([personas.shared.email, personas.idva.email])
    body = mail.outbox[0].body + mail.outbox[0].subject
    assert str(published.public_id) in body
    assert "Victimson" not in body and marac_case.reference not in body


def test_publishing_queues_the_email_after_commit(
    personas, marac_case, django_capture_on_commit_callbacks, monkeypatch
):
    from marac.tasks import meeting_published_notify_task

    queued = []
    monkeypatch.setattr(meeting_published_notify_task, "delay", lambda *args: queued.append(args))
    meeting = factories.make_meeting(personas.coordinator, agencies=[personas.hospital])
    services.meeting_cases_add(meeting=meeting, actor=personas.coordinator, referrals=[marac_case])
    with django_capture_on_commit_callbacks() as callbacks:
        services.meeting_publish(meeting=meeting, actor=personas.coordinator)
    assert queued == []  # nothing is queued while the transaction is open
    for callback in callbacks:
        callback()
    assert queued == [(meeting.pk,)]  # queued once, when it commits
    assert ReferralEvent.objects.filter(referral=marac_case, summary__startswith="Case list published").exists()


def test_attendance_confidentiality_and_holding_the_meeting(personas, client_for, published, marac_case):
    client = client_for(personas.coordinator)
    hospital = published.invitations.get(agency=personas.hospital)
    idva = published.invitations.get(agency=personas.idva_service)
    held = reverse("marac:meeting_held", args=[published.public_id])
    heard = {"heard": [str(published.cases.get().public_id)]}
    # not before its date
    response = client.post(held, heard)
    assert b"cannot be marked as held before its date" in response.content
    published.date = published.referral_cutoff = timezone.localdate()
    published._history_user = personas.coordinator
    published.save()
    # not before the confidentiality statement is recorded
    response = client.post(held, heard)
    assert b"confidentiality statement" in response.content
    url = reverse("marac:meeting_attendance", args=[published.public_id])
    bad = client.post(url, {f"agency_{hospital.agency_id}_attendance": "attended"})
    assert bad.status_code == 200 and b"Enter who attended for Test Hospital" in bad.content
    response = client.post(
        url,
        {
            f"agency_{hospital.agency_id}_attendance": "attended",
            f"agency_{hospital.agency_id}_representative": "Dr A Nurse",
            f"agency_{idva.agency_id}_attendance": "apologies",
            f"agency_{idva.agency_id}_information_sent": "on",
            "confidentiality": "on",
        },
    )
    assert response.status_code == 302
    hospital.refresh_from_db()
    idva.refresh_from_db()
    assert (hospital.attendance, hospital.representative) == ("attended", "Dr A Nurse")
    assert (idva.attendance, idva.information_sent) == ("apologies", True)
    assert client.post(held, heard).status_code == 302
    published.refresh_from_db()
    assert published.status == MeetingStatus.HELD
    assert published.cases.get().heard_at is not None
    assert marac_case.pk not in [row.referral.pk for row in selectors.candidates(user=personas.coordinator)]
    minutes = client.get(reverse("marac:meeting_minutes", args=[published.public_id])).content.decode()
    assert "Dr A Nurse" in minutes and "Read and acknowledged" in minutes
    # attending agencies read the minutes of a held meeting
    assert (
        client_for(personas.shared).get(reverse("marac:meeting_minutes", args=[published.public_id])).status_code == 200
    )


def test_a_case_not_heard_waits_for_another_meeting(personas, published, marac_case):
    published.date = published.referral_cutoff = timezone.localdate()
    factories.hold_meeting(personas.coordinator, published, [])
    assert marac_case.pk in [row.referral.pk for row in selectors.candidates(user=personas.coordinator)]


def test_a_held_meeting_cannot_be_changed(personas, client_for, published):
    published.status = MeetingStatus.HELD
    published._history_user = personas.coordinator
    published.save()
    client = client_for(personas.coordinator)
    assert client.get(reverse("marac:meeting_edit", args=[published.public_id])).status_code == 403
    with pytest.raises(services.MeetingRefused):
        factories.set_attending(personas.coordinator, published, [personas.hospital])


@pytest.mark.parametrize("value", ["", "x" * 2_001, "a\x00b"])
def test_removal_reason_bad_input(personas, client_for, published, marac_case, value):
    url = reverse("marac:meeting_case_remove", args=[published.public_id, marac_case.public_id])
    response = client_for(personas.coordinator).post(url, {"reason": value})
    assert response.status_code == 200 and b"govuk-error-summary" in response.content
    assert published.cases.get().removed_at is None


@pytest.mark.parametrize(
    ("field", "value"), [("representative", "x" * 151), ("representative", "a\x00b"), ("attendance", "maybe")]
)
def test_attendance_bad_input(personas, client_for, published, field, value):
    hospital = published.invitations.get(agency=personas.hospital)
    data = {f"agency_{hospital.agency_id}_attendance": "attended", f"agency_{hospital.agency_id}_representative": "Jo"}
    data[f"agency_{hospital.agency_id}_{field}"] = value
    response = client_for(personas.coordinator).post(
        reverse("marac:meeting_attendance", args=[published.public_id]), data
    )
    assert response.status_code == 200 and b"govuk-error-summary" in response.content
    hospital.refresh_from_db()
    assert hospital.attendance == ""


def test_candidate_rows_show_each_case_escaped(personas, client_for):
    """The candidate rows are drawn by a template tag (marac_tags.candidate_rows): names are escaped, each row
    links to its case, and the risk, criteria, agency and repeat tag are shown."""
    case = factories.make_marac_referral(
        personas.owner,
        accept_by=personas.coordinator,
        victim={"first_name": "<script>alert(1)</script>", "last_name": "Testvictim"},
    )
    MaracDetail.objects.filter(referral=case).update(is_repeat=True)
    meeting = factories.make_meeting(personas.coordinator, agencies=[personas.hospital])
    body = client_for(personas.coordinator).get(reverse("marac:meeting_cases", args=[meeting.public_id])).content
    body = body.decode()
    row = body[body.index(f'value="{case.public_id}"') :].split("</tr>")[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Testvictim" in row and "<script>alert" not in body
    assert f'href="{reverse("referrals:detail", args=[case.public_id])}">{case.reference}</a>' in row
    assert 'govuk-tag--purple">Repeat</strong>' in row and "Repeat" in row.split("</a>")[1]
    assert "High (15)" in row and "Visible high risk" in row
    assert personas.owner.membership.agency.short_name in row
