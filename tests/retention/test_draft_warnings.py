"""A draft is never deleted without warning: the nightly sweep warns its author (a notification and its email) once
the draft is within a week of its retention period, and erases it only once the day the warning gave has come and
the warning has gone out (or could not: its author has left). Changing the draft puts it all off."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts import permissions
from referrals import reminders, services
from referrals.models import Notification, PersonRole, Referral, Reminder, ReminderKind, ReminderState
from referrals.retention import services as retention
from tests import factories

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def stale_draft(personas):
    """A MARAC draft its author left 31 days ago, under a 30-day rule."""
    factories.retention_rule(draft_days=30)
    draft = factories.make_marac_referral(personas.owner, submit=False)
    Referral.objects.filter(pk=draft.pk).update(updated_at=timezone.now() - 31 * DAY)
    return Referral.objects.get(pk=draft.pk)


def _warnings(draft):
    return Reminder.objects.filter(referral=draft, kind=ReminderKind.DRAFT_ERASURE)


def _exists(draft) -> bool:
    return Referral.objects.filter(pk=draft.pk).exists()


def test_the_author_is_warned_and_the_draft_erased_only_when_the_warning_runs_out(personas, stale_draft, client_for):
    now = timezone.now()
    first = retention.sweep(erase_due=True, now=now)
    assert (first.warned, first.erased) == (1, [])  # past its 30 days, but nobody has been told yet
    assert _exists(stale_draft)
    warning = _warnings(stale_draft).get()
    assert (warning.user, warning.agency, warning.due_at) == (personas.owner, None, now)
    assert warning.deadline == now + retention.WARN  # a full week's notice, not 30 days after the change
    assert retention.draft_erased_on(stale_draft) == timezone.localdate(warning.deadline)

    mail.outbox.clear()
    reminders.sweep_and_send(now=now + datetime.timedelta(minutes=5))
    warning.refresh_from_db()
    assert warning.deadline == now + retention.WARN + datetime.timedelta(minutes=5)  # sent 5 minutes late
    notification = Notification.objects.get(reminder=warning)
    assert notification.user == personas.owner
    line = reminders.message_line(notification)
    assert line == (
        f"Draft may be deleted: {stale_draft.display_reference}, from {reminders.due_text(warning.deadline)}"
    )
    assert [line in message.body for message in mail.outbox] == [True]
    html = client_for(personas.owner).get(reverse("referrals:notifications")).content.decode()
    assert f"{timezone.localtime(warning.deadline):%-d %b %Y}" in html

    again = retention.sweep(erase_due=True, now=now + 6 * DAY)
    assert (again.warned, again.erased) == (0, [])  # warned once, and the week is not up
    assert _exists(stale_draft)
    last = retention.sweep(erase_due=True, now=warning.deadline + datetime.timedelta(minutes=1))  # the moved day
    assert [record.reason for record in last.erased] == ["draft"]
    assert not _exists(stale_draft)
    assert not Reminder.objects.filter(pk=warning.pk).exists()  # erased with the draft


def test_a_change_after_the_warning_went_out_starts_again_with_a_new_warning(personas, stale_draft):
    now = timezone.now()
    retention.sweep(erase_due=True, now=now)
    reminders.sweep_and_send(now=now + datetime.timedelta(minutes=5))
    first = _warnings(stale_draft).get()
    assert first.state == ReminderState.SENT
    factories.add_person(stale_draft, personas.owner, PersonRole.CHILD, first_name="Pat", last_name="Example")
    stale_draft.refresh_from_db()
    again = stale_draft.updated_at + 30 * DAY + datetime.timedelta(minutes=1)  # past its period once more
    result = retention.sweep(erase_due=True, now=again)
    assert (result.warned, result.erased) == (1, [])  # the first warning was for the draft as it was
    assert _warnings(stale_draft).exclude(pk=first.pk).get().deadline == again + retention.WARN
    assert _exists(stale_draft)


def test_changing_a_warned_draft_puts_its_deletion_off(personas, stale_draft):
    now = timezone.now()
    retention.sweep(erase_due=True, now=now)
    warning = _warnings(stale_draft).get()
    factories.add_person(stale_draft, personas.owner, PersonRole.CHILD, first_name="Pat", last_name="Example")
    stale_draft.refresh_from_db()
    assert stale_draft.updated_at > warning.created_at
    reminders.sweep_and_send(now=now + datetime.timedelta(minutes=5))
    assert Reminder.objects.get(pk=warning.pk).state == ReminderState.CANCELLED  # not sent: it no longer holds
    assert not Notification.objects.filter(reminder=warning).exists()
    later = retention.sweep(erase_due=True, now=now + 8 * DAY)
    assert (later.warned, later.erased) == (0, [])  # 30 days from the change, not from before it
    assert _exists(stale_draft)
    assert retention.draft_erased_on(stale_draft) == timezone.localdate(stale_draft.updated_at + 30 * DAY)


def test_a_warning_still_waiting_to_be_sent_keeps_the_draft(stale_draft):
    now = timezone.now()
    retention.sweep(erase_due=True, now=now)  # warned, but the reminders never ran (the broker was down)
    result = retention.sweep(erase_due=True, now=now + 10 * DAY)
    assert result.erased == [] and _exists(stale_draft)
    assert _warnings(stale_draft).get().state == ReminderState.PENDING


def test_when_the_author_has_left_their_agency_is_warned_instead(personas, stale_draft):
    personas.owner.is_active = False
    personas.owner.save()
    now = timezone.now()
    retention.sweep(erase_due=True, now=now)
    warning = _warnings(stale_draft).get()
    assert (warning.user, warning.agency) == (None, stale_draft.owner_agency)
    reminders.sweep_and_send(now=now)
    told = set(Notification.objects.filter(reminder=warning).values_list("user", flat=True))
    assert personas.owner_manager.pk in told and personas.owner.pk not in told
    assert len(retention.sweep(erase_due=True, now=now + 7 * DAY + datetime.timedelta(minutes=1)).erased) == 1


def test_a_warning_that_failed_keeps_the_draft_and_when_sent_again_gives_a_full_week(
    personas, stale_draft, settings, monkeypatch
):
    settings.SVD_REMINDER_MAX_ATTEMPTS = 1
    now = timezone.now()
    retention.sweep(erase_due=True, now=now)
    warning = _warnings(stale_draft).get()

    def broken(reminder):
        raise ConnectionError("the database went away for a moment")

    with monkeypatch.context() as patched:
        patched.setattr(permissions, "reminder_recipients", broken)
        reminders.reminder_deliver(reminder_id=warning.pk, now=now)
    warning.refresh_from_db()
    assert warning.state == ReminderState.FAILED  # not "nobody to tell": a fault
    assert retention.sweep(erase_due=True, now=now + 8 * DAY).erased == []  # never told, so never deleted
    reminders.reminder_retry(reminder=warning, actor=factories.make_sysadmin())  # an administrator sends it again
    reminders.reminder_deliver(reminder_id=warning.pk, now=now + 9 * DAY)
    warning.refresh_from_db()
    assert warning.state == ReminderState.SENT and warning.deadline == now + 9 * DAY + retention.WARN
    assert retention.sweep(erase_due=True, now=now + 15 * DAY).erased == []
    assert len(retention.sweep(erase_due=True, now=warning.deadline + datetime.timedelta(minutes=1)).erased) == 1


def test_a_rule_lengthened_after_the_warning_needs_a_new_one(personas, stale_draft):
    now = timezone.now()
    retention.sweep(erase_due=True, now=now)
    reminders.sweep_and_send(now=now)
    factories.retention_rule(draft_days=90)
    assert retention.sweep(erase_due=True, now=now + 8 * DAY).erased == []  # the week is up, but 90 days are not
    near = stale_draft.updated_at + 90 * DAY - retention.WARN + datetime.timedelta(hours=1)
    assert retention.sweep(erase_due=True, now=near).warned == 1
    assert _warnings(stale_draft).count() == 2


def test_a_warning_left_long_past_its_day_is_given_again(personas, stale_draft):
    """Erasing was switched off for a month after the author was warned: they are told again before it goes."""
    now = timezone.now()
    retention.sweep(erase_due=True, now=now)
    reminders.sweep_and_send(now=now)
    later = now + 40 * DAY
    result = retention.sweep(erase_due=True, now=later)
    assert (result.warned, result.erased) == (1, [])
    reminders.sweep_and_send(now=later)
    assert len(retention.sweep(erase_due=True, now=later + retention.WARN + datetime.timedelta(minutes=1)).erased) == 1


def test_a_warned_draft_that_is_sent_is_not_warned_about_or_erased(personas, stale_draft):
    now = timezone.now()
    retention.sweep(erase_due=True, now=now)
    warning = _warnings(stale_draft).get()
    submitted = services.referral_transition(referral=stale_draft, actor=personas.owner, name="submit")
    reminders.sweep_and_send(now=now + datetime.timedelta(minutes=5))
    assert Reminder.objects.get(pk=warning.pk).state == ReminderState.CANCELLED
    assert retention.sweep(erase_due=True, now=now + 8 * DAY).erased == []
    assert Referral.objects.filter(pk=submitted.pk).exists()


def test_a_dry_run_warns_nobody(stale_draft):
    result = retention.sweep(erase_due=False)
    assert result.warned == 0 and not _warnings(stale_draft).exists()


def test_drafts_more_than_a_week_from_their_day_are_not_warned_yet(personas):
    factories.retention_rule(draft_days=30)
    draft = factories.make_marac_referral(personas.owner, submit=False)
    Referral.objects.filter(pk=draft.pk).update(updated_at=timezone.now() - 22 * DAY)
    assert retention.draft_warnings_schedule() == 0
    Referral.objects.filter(pk=draft.pk).update(updated_at=timezone.now() - 24 * DAY)
    assert retention.draft_warnings_schedule() == 1
    warning = _warnings(draft).get()
    assert warning.deadline - warning.due_at == retention.WARN  # a week's notice, though its 30 days are 6 away
    assert retention.draft_warnings_schedule() == 0  # once per version of the draft
