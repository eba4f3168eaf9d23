"""The obligations MARAC creates, described for the reminders module: IDVA contact within 2 working days of a
high-risk referral, research by the working day before the meeting, and each action's due date."""

import datetime

import pytest
from django.utils import timezone

from marac import services
from svd_portal.lib.working_days import is_working_day
from tests import factories

pytestmark = pytest.mark.django_db


def test_idva_contact_within_two_working_days_over_a_bank_holiday(personas, marac_case):
    marac_case.submitted_at = factories.london(2026, 4, 2)  # Thursday before Easter 2026
    obligation = services.obligation_idva_contact_changed(referral=marac_case)
    # Good Friday 3 April and Easter Monday 6 April are bank holidays; then 7 and 8 April.
    assert timezone.localtime(obligation.due_at).date() == datetime.date(2026, 4, 8)
    assert obligation.agency_ids == (personas.community_safety.pk,)
    assert str(marac_case.public_id) in obligation.link
    assert obligation.key == f"marac_idva_contact:{marac_case.public_id}"


def test_research_is_due_the_working_day_before_the_meeting(personas, marac_case):
    monday = timezone.localdate() + datetime.timedelta(days=14)
    while monday.weekday() != 0 or not is_working_day(monday - datetime.timedelta(days=3)):
        monday += datetime.timedelta(days=1)
    meeting = factories.make_published_meeting(
        personas.coordinator,
        [marac_case],
        agencies=[personas.hospital, personas.idva_service],
        days_ahead=(monday - timezone.localdate()).days,
    )
    obligations = services.obligation_research_changed(meeting=meeting)
    assert sorted(o.agency_ids[0] for o in obligations) == sorted([personas.hospital.pk, personas.idva_service.pk])
    for obligation in obligations:
        due = timezone.localtime(obligation.due_at)
        assert due.date() == monday - datetime.timedelta(days=3)  # the Friday before
        assert due.hour == 17


def test_withdrawn_agencies_and_held_meetings_lift_the_research_obligation(personas, published):
    factories.set_attending(personas.coordinator, published, [personas.hospital])
    by_agency = {o.agency_ids[0]: o.due_at for o in services.obligation_research_changed(meeting=published)}
    assert by_agency[personas.idva_service.pk] is None and by_agency[personas.hospital.pk] is not None
    published.status = "held"
    assert all(o.due_at is None for o in services.obligation_research_changed(meeting=published))


def test_an_action_is_due_at_the_end_of_its_due_date_until_reported(personas, published):
    due = timezone.localdate() + datetime.timedelta(days=9)
    action = factories.add_action(
        personas.coordinator, published, personas.housing, due_date=due, description="Refer to the sanctuary scheme"
    )
    obligation = services.obligation_action_changed(action=action)
    assert obligation.agency_ids == (personas.housing.pk,)
    assert timezone.localtime(obligation.due_at) == factories.london(due.year, due.month, due.day, 17)
    action = services.action_update(action=action, actor=personas.outsider, status="complete")
    assert services.obligation_action_changed(action=action).due_at is None


def test_the_reminders_marac_keeps_name_who_caused_them_outside_a_request(personas, marac_case):
    """With no request (a task, a command, a direct call), history cannot take the user from the middleware: the
    services hand their actor to the reminders they keep."""
    from referrals.models import Reminder

    meeting = factories.make_published_meeting(personas.coordinator, [marac_case], agencies=[personas.hospital])
    research = Reminder.objects.get(key__startswith=f"marac_research:{meeting.public_id}:{personas.hospital.pk}|")
    assert research.history.earliest().history_user == personas.coordinator
    action = factories.add_action(personas.coordinator, meeting, personas.housing, days=9)
    due = Reminder.objects.get(key__startswith=f"marac_action:{action.public_id}|", kind="marac_action_due")
    assert due.history.earliest().history_user == personas.coordinator
    services.action_update(action=action, actor=personas.outsider, status="complete")
    assert due.history.latest().history_user == personas.outsider
    assert due.history.latest().state == "cancelled"
