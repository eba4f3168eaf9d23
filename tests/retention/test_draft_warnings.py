"""A draft is never deleted without warning: the nightly sweep warns its author (a notification and its email) once
the draft is within a week of its retention period, and erases it only once the day the warning gave has come and
the warning has gone out (or could not: its author has left). Changing the draft puts it all off."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

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
    assert warning.deadline == now + retention.WARN_DAYS * DAY  # a full week's notice, not 30 days after the change
    assert retention.draft_erased_on(stale_draft) == timezone.localdate(warning.deadline)

    mail.outbox.clear()
    reminders.sweep_and_send(now=now + datetime.timedelta(minutes=5))
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
    last = retention.sweep(erase_due=True, now=warning.deadline + datetime.timedelta(minutes=1))
    assert [record.reason for record in last.erased] == ["draft"]
    assert not _exists(stale_draft)
    assert not Reminder.objects.filter(pk=warning.pk).exists()  # erased with the draft


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


def test_a_draft_whose_author_has_left_is_erased_once_the_warning_has_failed(personas, stale_draft):
    personas.owner.is_active = False
    personas.owner.save()
    now = timezone.now()
    retention.sweep(erase_due=True, now=now)
    reminders.sweep_and_send(now=now + datetime.timedelta(minutes=5))
    assert _warnings(stale_draft).get().state == ReminderState.FAILED  # nobody to tell
    assert retention.sweep(erase_due=True, now=now + 6 * DAY).erased == []
    assert len(retention.sweep(erase_due=True, now=now + 7 * DAY + datetime.timedelta(minutes=1)).erased) == 1


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
    assert warning.deadline - warning.due_at == retention.WARN_DAYS * DAY  # a week's notice, though 30 days is 6 away
    assert retention.draft_warnings_schedule() == 0  # once per version of the draft
