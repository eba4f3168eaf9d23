"""Issue 6: the notification list, its unread badge, marking read, and the failed-reminders page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from referrals.models import EmailState, Notification, Reminder, ReminderState
from tests import factories

pytestmark = pytest.mark.django_db

LIST = reverse("referrals:notifications")


def notify(user, referral, n=1, **fields):
    return [factories.make_notification(user, referral, **fields) for _ in range(n)]


def test_the_list_shows_my_notifications_only_with_the_unread_count(personas, client_for):
    referral = factories.make_submitted(personas.owner)
    mine = notify(personas.yv_coordinator, referral, 2)
    notify(personas.owner, referral, 3)
    response = client_for(personas.yv_coordinator).get(LIST)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('class="govuk-tag govuk-tag--blue">Unread') == 2
    assert "2 notifications" in body
    assert 'aria-label="2 unread">2</span>' in body  # the header badge
    for notification in mine:
        assert str(notification.public_id) in body
    assert reverse("referrals:detail", args=[referral.public_id]) in body
    for other in Notification.objects.filter(user=personas.owner):
        assert str(other.public_id) not in body


def test_no_badge_when_everything_is_read(personas, client_for):
    referral = factories.make_submitted(personas.owner)
    notification = notify(personas.owner, referral)[0]
    notification.read_at = notification.created_at
    notification.save()
    body = client_for(personas.owner).get(reverse("home")).content.decode()
    assert "app-badge" not in body
    assert LIST in body  # the navigation item is there, without a count


def test_the_badge_is_one_count_query(personas, client_for):
    referral = factories.make_submitted(personas.owner)
    notify(personas.owner, referral, 4)
    client = client_for(personas.owner)
    with CaptureQueriesContext(connection) as queries:
        body = client.get(reverse("home")).content.decode()
    assert 'aria-label="4 unread"' in body
    on_notifications = [q["sql"] for q in queries.captured_queries if "referrals_notification" in q["sql"]]
    assert len(on_notifications) == 1
    assert on_notifications[0].startswith("SELECT COUNT(*)")
    assert "read_at" in on_notifications[0] and "IS NULL" in on_notifications[0]


def test_the_list_runs_the_same_queries_for_few_and_many(personas, client_for, django_assert_max_num_queries):
    """Pinned: the same number of queries for 1 and 40 notifications, and exactly three of them on the
    notification table (the badge count, the page count, the page rows). The rest are the session, the user,
    the second factor and other apps' navigation checks, which this page does not control."""
    referral = factories.make_submitted(personas.owner)
    client = client_for(personas.owner)
    counts = []
    for rows in (1, 40):
        notify(personas.owner, referral, rows - Notification.objects.filter(user=personas.owner).count())
        client.get(LIST)  # warm the session
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIST)
        assert response.status_code == 200
        assert response.content.decode().count("Mark as read<span") == min(rows, 25)
        ours = [q["sql"] for q in queries.captured_queries if 'FROM "referrals_notification"' in q["sql"]]
        assert len(ours) == 3, ours
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1], counts
    with django_assert_max_num_queries(counts[0]):
        client.get(LIST, {"page": 2})


@pytest.mark.parametrize("page", ["abc", "-1", "<script>alert(1)</script>", "99999999999999", "2\x00"])
def test_odd_page_numbers_are_harmless(personas, client_for, page):
    referral = factories.make_submitted(personas.owner)
    notify(personas.owner, referral, 3)
    response = client_for(personas.owner).get(LIST, {"page": page})
    assert response.status_code == 200
    assert "<script>alert" not in response.content.decode()


def test_marking_read(personas, client_for):
    referral = factories.make_submitted(personas.owner)
    first, second = notify(personas.owner, referral, 2)
    client = client_for(personas.owner)
    response = client.post(reverse("referrals:notification_read", args=[first.public_id]))
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None
    assert 'aria-label="1 unread"' in client.get(LIST).content.decode()
    assert client.post(reverse("referrals:notifications_read_all")).status_code == 302
    assert not Notification.objects.filter(user=personas.owner, read_at__isnull=True).exists()


def test_nobody_can_touch_someone_elses_notification(personas, client_for):
    referral = factories.make_submitted(personas.owner)
    theirs = notify(personas.yv_coordinator, referral)[0]
    client = client_for(personas.owner)
    assert client.post(reverse("referrals:notification_read", args=[theirs.public_id])).status_code == 404
    client.post(reverse("referrals:notifications_read_all"))
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client.get(reverse("referrals:notification_read", args=[theirs.public_id])).status_code == 405


def _failed(referral, agency, key):
    reminder = factories.make_reminder(referral, agency=agency, role="manager", key=key)
    reminder.state, reminder.last_error, reminder.attempts = ReminderState.FAILED, "Nobody to send it to", 1
    reminder.save()
    return reminder


def test_agency_administrators_see_and_retry_their_agencys_failures_only(personas, client_for):
    referral = factories.make_submitted(personas.owner)
    ours = _failed(referral, personas.police, "ours")
    theirs = _failed(referral, personas.yjs, "theirs")
    email = factories.make_notification(personas.owner, referral, email_state=EmailState.FAILED, email_error="x")
    client = client_for(personas.owner_admin)
    body = client.get(reverse("referrals:reminder_failures")).content.decode()
    assert str(ours.public_id) in body and str(theirs.public_id) not in body
    assert str(email.public_id) in body
    assert client.post(reverse("referrals:reminder_retry", args=[theirs.public_id])).status_code == 404
    assert client.post(reverse("referrals:reminder_retry", args=[ours.public_id])).status_code == 302
    assert Reminder.objects.get(pk=ours.pk).state == ReminderState.PENDING
    assert Reminder.objects.get(pk=theirs.pk).state == ReminderState.FAILED
    # no longer failed: retrying again is a 404, not a second re-arm
    assert client.post(reverse("referrals:reminder_retry", args=[ours.public_id])).status_code == 404
    assert client.post(reverse("referrals:email_retry", args=[email.public_id])).status_code == 302
    email.refresh_from_db()
    assert email.email_state == EmailState.PENDING


def test_system_administrators_see_every_failure(personas, client_for):
    referral = factories.make_submitted(personas.owner)
    failures = [_failed(referral, personas.police, "a"), _failed(referral, personas.yjs, "b")]
    sysadmin = factories.make_user(None, is_staff=True)
    body = client_for(sysadmin).get(reverse("referrals:reminder_failures")).content.decode()
    assert all(str(r.public_id) in body for r in failures)


def test_caseworkers_cannot_see_failures(personas, client_for):
    assert client_for(personas.owner).get(reverse("referrals:reminder_failures")).status_code == 403
