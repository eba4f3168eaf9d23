"""Issue 6: reminders as rows. Scheduling, cancelling, sweeping, delivering, email, digests, failures and the
core rules (referral decision with escalation, youth violence review). Real database, no mocked ORM; Celery is
not involved here (tests/referrals/test_reminders_workers.py runs real workers)."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import NotificationPreference
from referrals import reminders, services
from referrals.models import (
    EmailState,
    EventKind,
    Notification,
    NotificationDigest,
    Person,
    PersonRole,
    Referral,
    Reminder,
    ReminderKind,
    ReminderState,
    Status,
    YouthViolenceDetail,
)
from svd_portal.lib.working_days import deadline_after, end_of_working_day
from tests import factories

pytestmark = pytest.mark.django_db

LONDON = timezone.get_default_timezone()
DECISION = ReminderKind.REFERRAL_DECISION
ESCALATION = ReminderKind.REFERRAL_DECISION_ESCALATION


def london(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=LONDON)


def later(minutes: int) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(minutes=minutes)


def pending(referral, kind=None):
    rows = Reminder.objects.filter(referral=referral, state=ReminderState.PENDING)
    return rows.filter(kind=kind) if kind else rows


def deliver_due(now=None):
    """The dev-server cycle: sweep, deliver, email (no broker)."""
    return reminders.sweep_and_send(now=now)


# --- Rules and working days -------------------------------------------------------------------------


def test_decision_deadlines_count_working_days_over_christmas_and_new_year():
    submitted = london(2026, 12, 24, 15, 0)  # Thursday, Christmas Eve
    # 2 working days: Tue 29, Wed 30 December (25th, Boxing Day substitute 28th and the weekend skipped)
    assert reminders.due_after(DECISION, submitted) == london(2026, 12, 30, 17, 0)
    # "2 more": Thu 31 December, then Mon 4 January (New Year's Day and the weekend skipped)
    assert reminders.due_after(ESCALATION, submitted) == london(2027, 1, 4, 17, 0)


def test_review_reminders_land_working_days_before_the_date():
    # youth violence review on Tue 5 January 2027: 2 working days before is Thu 31 December, 9am
    assert reminders.due_before(ReminderKind.YV_REVIEW, datetime.date(2027, 1, 5)) == london(2026, 12, 31, 9, 0)
    # 12 months after a MARAC on 1 January 2026 is a bank holiday: the next working day, 9am
    assert reminders.due_months_after(ReminderKind.MARAC_REPEAT_REVIEW, datetime.date(2026, 1, 1)) == london(
        2027, 1, 4, 9, 0
    )


def test_rules_come_from_settings(settings):
    settings.SVD_REMINDER_RULES = {**settings.SVD_REMINDER_RULES, "referral_decision": {"working_days": 3}}
    assert reminders.due_after(DECISION, london(2026, 12, 24, 15, 0)) == london(2026, 12, 31, 17, 0)


# --- Core rules: a submitted referral waits for the hub's decision ----------------------------------------


def test_submitting_schedules_the_decision_reminder_and_its_escalation(personas):
    referral = factories.make_submitted(personas.owner)
    decision = pending(referral, DECISION).get()
    escalation = pending(referral, ESCALATION).get()
    assert (decision.agency, decision.role) == (personas.yjs, "coordinator")
    assert (escalation.agency, escalation.role) == (personas.yjs, "manager")
    assert decision.due_at == deadline_after(referral.submitted_at, 2)
    assert escalation.due_at == deadline_after(referral.submitted_at, 4)
    assert decision.history.count() == 1  # audited, attributed to the submitter
    assert decision.history.first().history_user == personas.owner


def test_a_draft_has_no_reminders(personas):
    draft = factories.make_draft(personas.owner)
    assert not Reminder.objects.filter(referral=draft).exists()


def test_accepting_cancels_the_decision_reminders(personas):
    referral = factories.make_submitted(personas.owner)
    services.referral_transition(referral=referral, actor=personas.yv_coordinator, name="accept")
    assert not pending(referral).exists()
    states = set(Reminder.objects.filter(referral=referral).values_list("state", flat=True))
    assert states == {ReminderState.CANCELLED}
    # the cancelled reminder is not delivered even though it falls due
    assert deliver_due(now=later(60 * 24 * 30)).reminders == []
    assert not Notification.objects.exists()


def test_declining_or_closing_cancels_everything_waiting(personas):
    declined = factories.make_submitted(personas.owner)
    services.referral_transition(referral=declined, actor=personas.yv_coordinator, name="decline", reason="Test")
    assert not pending(declined).exists()

    closed = factories.make_submitted(personas.owner)
    factories.make_reminder(closed, kind=ReminderKind.YV_REVIEW, due_in_minutes=60 * 24)
    services.referral_transition(referral=closed, actor=personas.yv_coordinator, name="accept")
    assert pending(closed).count() == 1
    services.referral_transition(referral=closed, actor=personas.yv_coordinator, name="close", reason="Done")
    assert not pending(closed).exists()


# --- Scheduling --------------------------------------------------------------------------------------


def test_scheduling_the_same_obligation_twice_is_one_reminder(personas):
    referral = factories.make_submitted(personas.owner)
    first = factories.make_reminder(referral, key="obligation-1", due_in_minutes=60)
    again = factories.make_reminder(referral, key="obligation-1", due_in_minutes=120)
    assert first.pk == again.pk
    assert Reminder.objects.filter(key="obligation-1").count() == 1
    again.refresh_from_db()
    assert again.due_at > first.due_at  # moved to the new due time


def test_a_sent_reminder_is_not_re_armed_but_a_cancelled_one_is(personas):
    referral = factories.make_submitted(personas.owner)
    reminder = factories.make_reminder(referral, key="obligation-2")
    deliver_due()
    reminder.refresh_from_db()
    assert reminder.state == ReminderState.SENT
    assert factories.make_reminder(referral, key="obligation-2").state == ReminderState.SENT

    other = factories.make_reminder(referral, key="obligation-3", due_in_minutes=60)
    reminders.reminders_cancel(referral=referral, key_prefix="obligation-3")
    other.refresh_from_db()
    assert other.state == ReminderState.CANCELLED
    assert factories.make_reminder(referral, key="obligation-3", due_in_minutes=60).state == ReminderState.PENDING


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "nonsense"}, "Unknown reminder kind"),
        ({"agency": None, "user": None}, "needs an agency or a person"),
        ({"role": "overlord"}, "Unknown role"),
        ({"due_at": datetime.datetime(2027, 1, 1, 9, 0)}, "timezone-aware"),  # noqa: DTZ001 - the point of it
        ({"repeat_days": 0}, "at most daily"),
        ({"key": "has#hash"}, "must not contain"),
    ],
)
def test_bad_schedules_are_refused(personas, kwargs, message):
    referral = factories.make_submitted(personas.owner)
    data = {"kind": DECISION, "referral": referral, "due_at": later(5), "agency": personas.yjs}
    data.update(kwargs)
    with pytest.raises(ValueError, match=message):
        reminders.reminder_schedule(**data)


# --- Sweeping ----------------------------------------------------------------------------------------


def test_the_sweep_claims_due_rows_once_and_hands_them_over_again_only_when_stale(personas, settings):
    referral = factories.make_submitted(personas.owner)
    due = factories.make_reminder(referral, key="due-now")
    factories.make_reminder(referral, key="due-tomorrow", due_in_minutes=60 * 24)
    first = reminders.sweep(publish=reminders.CollectingPublisher())
    assert first.reminders == [due.pk]
    assert reminders.sweep(publish=reminders.CollectingPublisher()).reminders == []  # claimed, not yet stale
    stale = later(settings.SVD_REMINDER_REQUEUE_SECONDS // 60 + 1)
    # a message lost with the broker: the row is still pending, so a later sweep hands it over again
    assert due.pk in reminders.sweep(publish=reminders.CollectingPublisher(), now=stale).reminders


class RefusingPublisher(reminders.CollectingPublisher):
    def reminder(self, reminder_id):
        raise ConnectionError("broker down")


def test_a_broker_refusal_leaves_the_rows_for_the_next_sweep(personas):
    referral = factories.make_submitted(personas.owner)
    reminder = factories.make_reminder(referral, key="refused")
    assert reminders.sweep(publish=RefusingPublisher()).reminders == []
    reminder.refresh_from_db()
    assert reminder.enqueued_at is None
    assert reminders.sweep(publish=reminders.CollectingPublisher()).reminders == [reminder.pk]


# --- Delivering --------------------------------------------------------------------------------------


def test_delivery_reaches_the_hub_coordinators_once_with_an_email_each(personas):
    referral = factories.make_submitted(personas.owner)
    second = factories.make_user(personas.yjs, "coordinator", full_name="Second Coordinator")
    decision = pending(referral, DECISION).get()
    now = decision.due_at + datetime.timedelta(minutes=1)
    mail.outbox.clear()
    result = deliver_due(now=now)
    assert result.reminders == [decision.pk]
    decision.refresh_from_db()
    assert decision.state == ReminderState.SENT
    recipients = set(Notification.objects.filter(reminder=decision).values_list("user_id", flat=True))
    assert recipients == {personas.yv_coordinator.pk, second.pk}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([personas.yv_coordinator.email, second.email])
    assert all(n.email_state == EmailState.SENT for n in Notification.objects.filter(reminder=decision))
    assert referral.events.filter(kind=EventKind.REMINDER, summary__contains="YJS coordinators").exists()
    # delivering again (a duplicate message, a second worker) changes nothing
    assert reminders.reminder_deliver(reminder_id=decision.pk, now=now).outcome == "not pending"
    assert reminders.reminder_process(reminder_id=decision.pk).sent is False
    assert Notification.objects.filter(reminder=decision).count() == 2
    assert len(mail.outbox) == 2


def test_a_reminder_is_not_delivered_before_it_is_due(personas):
    referral = factories.make_submitted(personas.owner)
    decision = pending(referral, DECISION).get()
    assert reminders.reminder_deliver(reminder_id=decision.pk).outcome == "not due"
    assert not Notification.objects.exists()


def test_recipients_are_only_people_whose_agency_can_see_the_case(personas):
    referral = factories.make_submitted(personas.owner)
    # addressed to a person in an agency that cannot see the case: delivered to nobody, and surfaced
    reminder = factories.make_reminder(referral, user=personas.outsider, key="outsider")
    reminders.reminder_deliver(reminder_id=reminder.pk)
    reminder.refresh_from_db()
    assert reminder.state == ReminderState.FAILED
    assert "Nobody to send it to" in reminder.last_error
    assert not Notification.objects.filter(user=personas.outsider).exists()


def test_inactive_people_get_nothing(personas):
    referral = factories.make_submitted(personas.owner)
    personas.yv_coordinator.is_active = False
    personas.yv_coordinator.save()
    decision = pending(referral, DECISION).get()
    reminders.reminder_deliver(reminder_id=decision.pk, now=decision.due_at)
    decision.refresh_from_db()
    assert decision.state == ReminderState.FAILED


def test_escalation_with_no_managers_fails_at_once_and_an_administrator_can_retry(personas):
    referral = factories.make_submitted(personas.owner)
    escalation = pending(referral, ESCALATION).get()
    reminders.reminder_deliver(reminder_id=escalation.pk, now=escalation.due_at)
    escalation.refresh_from_db()
    assert (escalation.state, escalation.attempts) == (ReminderState.FAILED, 1)
    assert "no active YJS managers" in escalation.last_error
    manager = factories.make_user(personas.yjs, "manager", full_name="Maya Manager")
    admin = factories.make_user(personas.yjs, "agency_admin")
    reminders.reminder_retry(reminder=escalation, actor=admin)
    escalation.refresh_from_db()
    assert escalation.state == ReminderState.PENDING
    assert escalation.history.first().history_user == admin
    reminders.reminder_deliver(reminder_id=escalation.pk, now=escalation.due_at)
    assert Notification.objects.filter(reminder=escalation, user=manager).exists()


def test_a_reminder_on_a_closed_case_is_cancelled_not_sent(personas):
    referral = factories.make_submitted(personas.owner)
    services.referral_transition(referral=referral, actor=personas.yv_coordinator, name="accept")
    services.referral_transition(referral=referral, actor=personas.yv_coordinator, name="close", reason="Done")
    # a row scheduled after the close (say by a pathway app) is still not sent
    reminder = factories.make_reminder(referral, key="after-close")
    assert reminders.reminder_deliver(reminder_id=reminder.pk).outcome == "case closed"
    reminder.refresh_from_db()
    assert reminder.state == ReminderState.CANCELLED
    assert not Notification.objects.exists()


def test_a_transient_failure_backs_off_then_fails_after_the_last_attempt(personas, settings, monkeypatch):
    settings.SVD_REMINDER_MAX_ATTEMPTS = 3
    referral = factories.make_submitted(personas.owner)
    reminder = factories.make_reminder(referral, key="flaky")

    def broken(reminder):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(reminders.permissions, "reminder_recipients", broken)
    now = timezone.now()
    reminders.reminder_deliver(reminder_id=reminder.pk, now=now)
    reminder.refresh_from_db()
    assert (reminder.state, reminder.attempts) == (ReminderState.PENDING, 1)
    assert reminder.next_attempt_at == now + datetime.timedelta(seconds=settings.SVD_REMINDER_BACKOFF_SECONDS)
    # not retried before its backoff is up; retried after, with a doubled backoff
    assert reminders.sweep(publish=reminders.CollectingPublisher(), now=now).reminders == []
    retry_at = reminder.next_attempt_at + datetime.timedelta(seconds=1)
    assert reminders.sweep(publish=reminders.CollectingPublisher(), now=retry_at).reminders == [reminder.pk]
    reminders.reminder_deliver(reminder_id=reminder.pk, now=retry_at)
    reminder.refresh_from_db()
    assert reminder.next_attempt_at == retry_at + datetime.timedelta(seconds=2 * settings.SVD_REMINDER_BACKOFF_SECONDS)
    reminders.reminder_deliver(reminder_id=reminder.pk, now=retry_at)
    reminder.refresh_from_db()
    assert (reminder.state, reminder.attempts) == (ReminderState.FAILED, 3)
    assert reminder.last_error == "Could not deliver (RuntimeError)"  # the type only: no data from the error
    assert not Notification.objects.exists()


def test_an_overdue_reminder_repeats_at_most_daily_until_cancelled(personas):
    referral = factories.make_submitted(personas.owner)
    # sent three days late: the next one is due tomorrow-ish, not at once
    reminder = factories.make_reminder(
        referral, kind=ReminderKind.MARAC_ACTION_OVERDUE, key="action:77", due_in_minutes=-3 * 24 * 60
    )
    assert reminder.repeat_days == 1  # from the rule
    now = timezone.now()
    reminders.reminder_deliver(reminder_id=reminder.pk, now=now)
    follow_up = Reminder.objects.get(key="action:77#1")
    assert follow_up.state == ReminderState.PENDING
    assert now < follow_up.due_at <= now + datetime.timedelta(days=1)
    assert reminders.reminder_deliver(reminder_id=follow_up.pk, now=now).outcome == "not due"
    reminders.reminder_deliver(reminder_id=follow_up.pk, now=follow_up.due_at)
    assert Reminder.objects.get(key="action:77#2").due_at == follow_up.due_at + datetime.timedelta(days=1)
    assert reminders.reminders_cancel(referral=referral, key_prefix="action:77") == 1
    assert not pending(referral, ReminderKind.MARAC_ACTION_OVERDUE).exists()


# --- Email: immediate, digest, failures -------------------------------------------------------------------


def test_digest_people_get_one_email_a_day_after_the_digest_hour(personas, settings):
    settings.SVD_DIGEST_HOUR = 7
    coordinator = personas.yv_coordinator
    coordinator.notification_preference = NotificationPreference.DIGEST
    coordinator.save()
    first, second = factories.make_submitted(personas.owner), factories.make_submitted(personas.owner)
    for referral in (first, second):
        factories.make_reminder(referral, agency=personas.yjs, role="coordinator", key=f"digest-{referral.pk}")
    mail.outbox.clear()
    early = (timezone.now() + datetime.timedelta(days=1)).astimezone(LONDON).replace(hour=6, minute=0)
    assert deliver_due(now=early).digests == []  # delivered in-app, no email yet
    assert Notification.objects.filter(user=coordinator, email_state=EmailState.DIGEST).count() == 2
    assert mail.outbox == []
    morning = early.replace(hour=7, minute=5)
    assert deliver_due(now=morning).digests == [(coordinator.pk, morning.date().isoformat())]
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert first.reference in body and second.reference in body
    assert str(first.public_id) in body
    # another reminder later that day waits for tomorrow's digest
    third = factories.make_submitted(personas.owner)
    factories.make_reminder(third, agency=personas.yjs, role="coordinator", key="digest-late")
    evening = morning.replace(hour=18)
    assert deliver_due(now=evening).digests == []
    assert reminders.digest_send(user_id=coordinator.pk, day=evening.date(), now=evening) is False
    assert len(mail.outbox) == 1
    assert NotificationDigest.objects.get(user=coordinator).count == 2
    tomorrow = morning + datetime.timedelta(days=1)
    deliver_due(now=tomorrow)
    assert len(mail.outbox) == 2 and third.reference in mail.outbox[1].body


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("smtp down")


def test_email_failures_retry_then_show_as_failed_while_the_in_app_notice_stays(personas, settings):
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    settings.SVD_REMINDER_MAX_ATTEMPTS = 2
    referral = factories.make_submitted(personas.owner)
    reminder = factories.make_reminder(referral, agency=personas.yjs, role="coordinator", key="email-fails")
    now = timezone.now()
    deliver_due(now=now)
    notification = Notification.objects.get(reminder=reminder)
    assert notification.email_state == EmailState.PENDING
    assert notification.email_attempts == 1
    assert notification.email_error == "Could not send the email (ConnectionRefusedError)"
    retry_at = notification.email_next_attempt_at + datetime.timedelta(seconds=1)
    assert deliver_due(now=retry_at).emails == [notification.pk]
    notification.refresh_from_db()
    assert notification.email_state == EmailState.FAILED
    reminder.refresh_from_db()
    assert reminder.state == ReminderState.SENT  # in the coordinator's list regardless
    # the administrator retries once the mail server is back
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    reminders.notification_email_retry(notification=notification, actor=personas.owner_admin)
    deliver_due(now=retry_at)
    notification.refresh_from_db()
    assert notification.email_state == EmailState.SENT
    assert len(mail.outbox) == 1


# --- Youth violence: the next review date -------------------------------------------------------------


def _save_review(referral, actor, review):
    detail = YouthViolenceDetail.objects.get(referral=referral)
    detail.next_review_date = review
    services.referral_part_save(
        referral=referral, actor=actor, instance=detail, expected_version=None, section="youth violence"
    )


def test_the_youth_violence_review_reminder_follows_the_review_date(personas):
    referral = factories.make_submitted(personas.owner)
    assert not pending(referral, ReminderKind.YV_REVIEW).exists()
    review = timezone.localdate() + datetime.timedelta(days=60)
    _save_review(referral, personas.yv_coordinator, review)
    reminder = pending(referral, ReminderKind.YV_REVIEW).get()
    assert reminder.due_at == reminders.due_before(ReminderKind.YV_REVIEW, review)
    assert (reminder.agency, reminder.role) == (personas.yjs, "coordinator")
    moved = review + datetime.timedelta(days=14)
    _save_review(referral, personas.yv_coordinator, moved)
    assert pending(referral, ReminderKind.YV_REVIEW).get().due_at == reminders.due_before(ReminderKind.YV_REVIEW, moved)
    assert Reminder.objects.get(pk=reminder.pk).state == ReminderState.CANCELLED
    _save_review(referral, personas.yv_coordinator, None)
    assert not pending(referral, ReminderKind.YV_REVIEW).exists()


def test_a_reminder_sent_ahead_gives_the_day_it_is_due_not_the_day_it_is_sent(personas):
    referral = factories.make_submitted(personas.owner)
    review = timezone.localdate() + datetime.timedelta(days=60)
    _save_review(referral, personas.yv_coordinator, review)
    reminder = pending(referral, ReminderKind.YV_REVIEW).get()
    assert reminder.deadline == end_of_working_day(review) and reminder.due_at < reminder.deadline
    mail.outbox.clear()
    deliver_due(now=reminder.due_at + datetime.timedelta(minutes=1))
    notification = Notification.objects.get(reminder=reminder, user=personas.yv_coordinator)
    expected = f"Youth violence review due: {referral.display_reference}, due by 5:00pm on {review:%A %-d %B %Y}"
    assert reminders.message_line(notification) == expected
    assert any(expected in message.body for message in mail.outbox)


def test_a_review_date_set_in_the_draft_is_scheduled_on_submission(personas):
    referral = factories.make_draft(personas.owner)
    referral = factories.complete_core(referral, personas.owner)
    review = timezone.localdate() + datetime.timedelta(days=30)
    factories.add_youth_violence(referral, personas.owner, next_review_date=review)
    assert not Reminder.objects.filter(referral=referral).exists()  # drafts have no reminders
    submitted = services.referral_transition(
        referral=Referral.objects.get(pk=referral.pk), actor=personas.owner, name="submit"
    )
    assert pending(submitted, ReminderKind.YV_REVIEW).count() == 1


def test_a_review_date_already_close_is_reminded_at_once(personas):
    referral = factories.make_submitted(personas.owner)
    before = timezone.now()
    _save_review(referral, personas.yv_coordinator, timezone.localdate())
    reminder = pending(referral, ReminderKind.YV_REVIEW).get()
    assert before <= reminder.due_at <= timezone.now()


# --- No personal data in any message ----------------------------------------------------------------------


def test_messages_carry_the_reference_and_link_never_names_or_case_content(personas, settings):
    settings.SVD_DIGEST_HOUR = 0
    referral = factories.make_submitted(
        personas.owner, first_name="Zebedee", last_name="Quarrington", aliases="Zeb Q", postcode="E1 6AN"
    )
    services.referral_part_save(
        referral=referral,
        actor=personas.owner,
        instance=Person(referral=referral, role=PersonRole.ALLEGED_PERPETRATOR, first_name="Xanthe", last_name="Moss"),
        expected_version=None,
        section="people",
    )
    digest_reader = factories.make_user(personas.yjs, "coordinator", full_name="Dee Gest")
    digest_reader.notification_preference = NotificationPreference.DIGEST
    digest_reader.save()
    mail.outbox.clear()
    decision = pending(referral, DECISION).get()
    deliver_due(now=decision.due_at + datetime.timedelta(minutes=1))
    deliver_due(now=decision.due_at + datetime.timedelta(minutes=3))  # the next sweep sends the digest
    assert len(mail.outbox) == 2  # one immediate, one digest
    texts = [f"{m.subject}\n{m.body}" for m in mail.outbox]
    texts += [reminders.message_line(n) for n in Notification.objects.filter(referral=referral)]
    texts += list(referral.events.filter(kind=EventKind.REMINDER).values_list("summary", flat=True))
    forbidden = [
        "Zebedee",
        "Quarrington",
        "Zeb Q",
        "Xanthe",
        "Moss",
        "E1 6AN",
        "Test concerns",
        "17 May 2008",
        "2008-05-17",
    ]
    for text in texts:
        assert referral.reference in text or "YJS" in text
        for word in forbidden:
            assert word.lower() not in text.lower(), f"{word!r} leaked into: {text}"
    assert all(f"/cases/{referral.public_id}/" in m.body for m in mail.outbox)
    referral.refresh_from_db()
    assert referral.status == Status.SUBMITTED


def test_a_redelivered_send_task_finishes_the_emails_of_a_delivered_reminder_once(personas):
    """A worker killed between delivering (committed) and emailing: the redelivered task sends the emails."""
    referral = factories.make_submitted(personas.owner)
    reminder = factories.make_reminder(referral, agency=personas.yjs, role="coordinator", key="redelivered")
    mail.outbox.clear()
    assert reminders.reminder_deliver(reminder_id=reminder.pk).sent  # then the process died
    assert Notification.objects.get(reminder=reminder).email_state == EmailState.PENDING
    assert mail.outbox == []
    assert reminders.reminder_process(reminder_id=reminder.pk).outcome == "not pending"
    assert len(mail.outbox) == 1
    reminders.reminder_process(reminder_id=reminder.pk)
    assert len(mail.outbox) == 1
