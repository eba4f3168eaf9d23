"""Issue 6: the MARAC and HSB obligations become reminder rows, move with their dates, and are cancelled when met.

MARAC: IDVA contact within 2 working days of a high-risk referral; research by the working day before the
meeting; actions due (2 working days before) and overdue (daily until reported); 12 months since a case was
last heard. HSB: the strategy discussion within 1 working day; AIM3 re-assessment and review dates; an order's
end date approaching (which outlives the case)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from hsb_pathway import services as hsb_services
from marac import services as marac_services
from referrals import reminders, services
from referrals.models import Notification, Reminder, ReminderKind, ReminderState
from svd_portal.lib.working_days import add_working_days, start_of_working_day, subtract_working_days
from tests import factories

pytestmark = pytest.mark.django_db

K = ReminderKind


def rows(kind, state=ReminderState.PENDING, **filters):
    return Reminder.objects.filter(kind=kind, state=state, **filters)


def deliver(reminder) -> list[Notification]:
    reminders.reminder_process(reminder_id=reminder.pk, now=max(reminder.due_at, timezone.now()))
    return list(Notification.objects.filter(reminder=reminder))


def later_working_day(days: int) -> datetime.date:
    return add_working_days(timezone.localdate(), days)


# --- MARAC -------------------------------------------------------------------------------------------


def test_a_high_risk_marac_referral_reminds_the_hub_about_idva_contact(personas):
    referral = factories.make_marac_referral(personas.owner)  # DASH 15: high risk
    reminder = rows(K.MARAC_IDVA_CONTACT, referral=referral).get()
    deadline = add_working_days(timezone.localtime(referral.submitted_at).date(), 2)
    assert reminder.due_at == start_of_working_day(deadline)  # the morning of the day it is due
    assert (reminder.agency, reminder.role) == (personas.community_safety, "coordinator")
    assert [n.user for n in deliver(reminder)] == [personas.coordinator]


def test_a_standard_risk_marac_referral_has_no_idva_reminder(personas):
    referral = factories.make_marac_referral(personas.owner, dash_yes=3, risk_escalation="no", police_referral="no")
    assert not rows(K.MARAC_IDVA_CONTACT, referral=referral).exists()


def test_research_reminders_go_to_attending_agencies_and_lift_when_withdrawn_or_held(personas, marac_case):
    meeting = factories.make_published_meeting(
        personas.coordinator, [marac_case], agencies=[personas.hospital, personas.idva_service], days_ahead=14
    )
    research = rows(K.MARAC_RESEARCH)
    assert {r.agency_id for r in research} == {personas.hospital.pk, personas.idva_service.pk}
    for reminder in research:
        assert reminder.referral is None  # about the meeting, not one case
        assert reminder.label == f"MARAC on {meeting.date:%-d %B %Y}"
        assert reminder.link == reverse("marac:meeting", kwargs={"public_id": meeting.public_id})
        due = subtract_working_days(meeting.date, 1)  # research due the working day before the meeting
        assert reminder.due_at == start_of_working_day(subtract_working_days(due, 1))  # reminded a day earlier
    hospital = research.get(agency=personas.hospital)
    (notification,) = deliver(hospital)
    assert notification.user == personas.shared
    assert (notification.reference, notification.link) == (hospital.label, hospital.link)
    # the IDVA service withdraws: its reminder is cancelled; holding the meeting lifts the rest
    factories.set_attending(personas.coordinator, meeting, [personas.hospital])
    assert rows(K.MARAC_RESEARCH, state=ReminderState.CANCELLED, agency=personas.idva_service).exists()


def test_an_action_is_reminded_before_it_is_due_then_daily_when_overdue_until_reported(personas, marac_case):
    meeting = factories.make_published_meeting(personas.coordinator, [marac_case], agencies=[personas.housing])
    due_date = later_working_day(5)
    action = factories.add_action(
        personas.coordinator, meeting, personas.housing, due_date=due_date, description="Check the tenancy"
    )
    due = rows(K.MARAC_ACTION_DUE, referral=marac_case).get()
    overdue = rows(K.MARAC_ACTION_OVERDUE, referral=marac_case).get()
    assert due.due_at == start_of_working_day(subtract_working_days(due_date, 2))
    assert timezone.localtime(overdue.due_at).date() == due_date and overdue.repeat_days == 1
    assert due.deadline == overdue.deadline == overdue.due_at  # the message before it gives the action's deadline
    assert due.agency == overdue.agency == personas.housing
    assert due.link == reverse("marac:action", kwargs={"public_id": action.public_id})
    # overdue: sent, and back tomorrow
    reminders.reminder_process(reminder_id=overdue.pk, now=overdue.due_at)
    repeat = Reminder.objects.get(key=f"{overdue.key}#1")
    assert repeat.due_at == overdue.due_at + datetime.timedelta(days=1)
    assert repeat.deadline == overdue.deadline  # overdue since the same deadline
    assert Notification.objects.filter(reminder=overdue, user=personas.outsider).exists()
    # reported complete: everything still waiting is cancelled, the repeat included
    marac_services.action_update(action=action, actor=personas.outsider, status="complete")
    assert not Reminder.objects.filter(referral=marac_case, state=ReminderState.PENDING).filter(
        kind__in=[K.MARAC_ACTION_DUE, K.MARAC_ACTION_OVERDUE]
    )
    assert Reminder.objects.get(pk=repeat.pk).state == ReminderState.CANCELLED


def test_twelve_months_after_a_case_is_heard_the_hub_is_reminded(personas, marac_case):
    meeting = factories.make_published_meeting(
        personas.coordinator, [marac_case], agencies=[personas.hospital], days_ahead=0
    )
    factories.hold_meeting(personas.coordinator, meeting, [marac_case])
    reminder = rows(K.MARAC_REPEAT_REVIEW, referral=marac_case).get()
    assert reminder.due_at == reminders.due_months_after(K.MARAC_REPEAT_REVIEW, meeting.date)
    assert timezone.localtime(reminder.due_at).date() >= meeting.date.replace(year=meeting.date.year + 1)
    assert (reminder.agency, reminder.role) == (personas.community_safety, "coordinator")
    assert not rows(K.MARAC_RESEARCH).exists()  # held: research no longer owed


# --- HSB ---------------------------------------------------------------------------------------------


def test_the_strategy_discussion_reminder_is_cancelled_when_it_is_held(personas):
    referral = factories.make_hsb_referral(personas.owner)
    reminder = rows(K.HSB_STRATEGY_DISCUSSION, referral=referral).get()
    deadline = hsb_services.strategy_due_at(referral)
    assert reminder.due_at == min(start_of_working_day(timezone.localtime(deadline).date()), deadline)
    assert (reminder.agency, reminder.role) == (personas.childrens, "coordinator")
    services.referral_transition(referral=referral, actor=personas.hsb_coordinator, name="accept")
    factories.hsb_strategy(referral, personas.hsb_coordinator)
    assert not rows(K.HSB_STRATEGY_DISCUSSION, referral=referral).exists()


def test_reassessment_and_review_reminders_follow_their_dates(personas):
    referral = factories.make_hsb_referral(personas.owner, accept_by=personas.hsb_coordinator)
    factories.hsb_strategy(referral, personas.hsb_coordinator)
    first_date = timezone.localdate() + datetime.timedelta(days=90)
    factories.hsb_aim3(referral, personas.hsb_coordinator, next_assessment_on=first_date)
    first = rows(K.HSB_AIM3_REASSESSMENT, referral=referral).get()
    assert first.due_at == start_of_working_day(subtract_working_days(first_date, 5))
    # a newer assessment moves the reminder to its own date
    second_date = first_date + datetime.timedelta(days=30)
    factories.hsb_aim3(referral, personas.hsb_coordinator, next_assessment_on=second_date)
    assert Reminder.objects.get(pk=first.pk).state == ReminderState.CANCELLED
    second = rows(K.HSB_AIM3_REASSESSMENT, referral=referral).get()
    assert second.due_at == start_of_working_day(subtract_working_days(second_date, 5))

    review_date = timezone.localdate() + datetime.timedelta(days=40)
    factories.hsb_review(referral, personas.hsb_coordinator, scheduled_for=review_date)
    reminder = rows(K.HSB_REVIEW, referral=referral).get()
    assert reminder.due_at == start_of_working_day(subtract_working_days(review_date, 2))


def test_an_order_end_reminder_outlives_the_case(personas):
    referral = factories.make_hsb_referral(personas.owner, accept_by=personas.hsb_coordinator)
    end = timezone.localdate() + datetime.timedelta(days=400)
    factories.hsb_order(referral, personas.hsb_coordinator, indefinite=False, end_on=end, made_on=timezone.localdate())
    reminder = rows(K.HSB_ORDER_END, referral=referral).get()
    notice = end - datetime.timedelta(days=hsb_services.ORDER_END_NOTICE_DAYS)
    assert timezone.localtime(reminder.due_at).date() <= notice
    assert reminder.agency == personas.childrens  # the applicant agency
    services.referral_transition(referral=referral, actor=personas.hsb_coordinator, name="close", reason="Done")
    reminder.refresh_from_db()
    assert reminder.state == ReminderState.PENDING  # the order runs on after the case work ends
    assert [n.user for n in deliver(reminder)] == [personas.hsb_coordinator]
