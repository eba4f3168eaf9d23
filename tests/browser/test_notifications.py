"""Issue 6: a due reminder appears in the recipient's notification list with its unread count in the header;
marking it read clears the count; an agency administrator sees a failed reminder and retries it. axe on every
page visited."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from referrals import reminders
from referrals.models import Reminder, ReminderKind, ReminderState
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_due_reminder_reaches_the_notification_list_with_its_unread_count(personas, page_for, axe_check):
    referral = factories.make_submitted(personas.owner, first_name="Zebedee", last_name="Quarrington")
    decision = Reminder.objects.get(referral=referral, kind=ReminderKind.REFERRAL_DECISION)
    decision.due_at = timezone.now() - datetime.timedelta(minutes=1)  # two working days have passed
    decision.save()
    reminders.sweep_and_send()  # what beat and a worker (or the dev server's sweeper) do

    page = page_for(personas.yv_coordinator)
    navigation = page.get_by_role("navigation", name="Menu")
    link = navigation.get_by_role("link", name=re.compile(r"^Notifications"))
    expect(link.locator(".app-badge")).to_have_text("1")
    axe_check(page, "home with an unread notification")
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    table = page.locator("#notifications")
    expect(table).to_contain_text("Referral waiting for a decision")
    expect(table).to_contain_text(referral.reference)
    expect(table).to_contain_text("Unread")
    expect(table).not_to_contain_text("Quarrington")
    axe_check(page, "notifications")

    page.get_by_role("button", name=re.compile(r"^Mark as read")).click()
    expect(page.locator("#notifications")).not_to_contain_text("Unread")
    expect(page.get_by_role("navigation", name="Menu").locator(".app-badge")).to_have_count(0)
    axe_check(page, "notifications, all read")
    page.get_by_role("link", name=referral.reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(referral.reference)


def test_an_agency_administrator_retries_a_failed_reminder(personas, page_for, axe_check):
    referral = factories.make_submitted(personas.owner)
    failed = factories.make_reminder(referral, agency=personas.police, role="manager", key="browser-failed")
    reminders.reminder_deliver(reminder_id=failed.pk)  # the owner's agency has a manager: deliver it...
    failed.refresh_from_db()
    assert failed.state == ReminderState.SENT
    nobody = factories.make_reminder(referral, agency=personas.police, role="coordinator", key="browser-nobody")
    reminders.reminder_deliver(reminder_id=nobody.pk)  # ...but no coordinator: this one fails at once
    nobody.refresh_from_db()
    assert nobody.state == ReminderState.FAILED

    page = page_for(personas.owner_admin)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Failed reminders").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reminders that could not be sent")
    expect(page.locator("#failed-reminders")).to_contain_text(referral.reference)
    expect(page.locator("#failed-reminders")).to_contain_text("Nobody to send it to")
    axe_check(page, "failed reminders")
    page.get_by_role("button", name=re.compile(r"^Try again")).click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("will be sent again")
    expect(page.locator("#failed-reminders")).to_contain_text("No reminders have failed")
    axe_check(page, "failed reminders after retry")
    nobody.refresh_from_db()
    assert nobody.state == ReminderState.PENDING
