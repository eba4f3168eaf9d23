"""Session lifetime (ASVS 5.0 7.2.4, 7.3.1, 7.3.2, 7.4.1, 7.4.2): a new key at sign-in, 30 minutes idle,
12 hours in all, logout by POST only and the old cookie dead afterwards, deactivation ending sessions."""

from __future__ import annotations

import datetime
import time

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import SESSION_SEEN, SESSION_STARTED, SESSION_TOUCH_SECONDS
from tests.accounts.conftest import password_step, second_step
from tests.helpers import totp_device, totp_now

pytestmark = pytest.mark.django_db

MINUTE = 60
HOUR = 60 * MINUTE


def session_key(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def client_with_cookie(key: str) -> Client:
    """A second browser that presents someone else's session cookie."""
    other = Client()
    other.cookies[settings.SESSION_COOKIE_NAME] = key
    return other


def shift_session(client: Client, **seconds_ago: float) -> None:
    """Time travel: set the session's sign-in and last-seen times to so many seconds ago."""
    session = client.session
    now = time.time()
    if "started" in seconds_ago:
        session[SESSION_STARTED] = now - seconds_ago["started"]
    if "seen" in seconds_ago:
        session[SESSION_SEEN] = now - seconds_ago["seen"]
    session.save()


def is_signed_out(client: Client) -> bool:
    response = client.get(reverse("home"))
    return response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_limits_are_thirty_minutes_idle_and_twelve_hours_in_all():
    assert settings.SESSION_IDLE_SECONDS == 30 * MINUTE
    assert settings.SESSION_ABSOLUTE_SECONDS == 12 * HOUR
    assert settings.SESSION_COOKIE_AGE <= 30 * MINUTE  # the database row expires too, not just our check
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


# --- A new session key at each step of sign-in ------------------------------------------------------


def test_session_key_changes_at_sign_in_and_the_old_key_is_dead(personas):
    user = personas.owner
    device = totp_device(user)
    client = Client()
    session = client.session  # an anonymous session, as an attacker might plant (session fixation)
    session["planted"] = True
    session.save()
    planted = session_key(client)

    password_step(client, user)
    after_password = session_key(client)
    assert after_password != planted
    assert not Session.objects.filter(session_key=planted).exists()

    assert second_step(client, totp_now(device))["Location"] == reverse("home")
    after_code = session_key(client)
    assert after_code != after_password  # passing the second factor is a privilege change too
    assert not Session.objects.filter(session_key=after_password).exists()
    assert client.get(reverse("home")).status_code == 200

    for stale in (planted, after_password):
        assert is_signed_out(client_with_cookie(stale))


# --- Idle and absolute timeouts -------------------------------------------------------------------


def test_idle_for_29_minutes_is_fine(personas, client_for):
    client = client_for(personas.owner)
    shift_session(client, started=HOUR, seen=29 * MINUTE)
    assert client.get(reverse("home")).status_code == 200


def test_idle_for_31_minutes_signs_out(personas, client_for):
    client = client_for(personas.owner)
    key = session_key(client)
    shift_session(client, started=HOUR, seen=31 * MINUTE)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?timeout=1"
    assert "session ended" in client.get(response["Location"]).content.decode()
    assert is_signed_out(client)
    assert is_signed_out(client_with_cookie(key))
    assert not Session.objects.filter(session_key=key).exists()


def test_activity_keeps_a_session_alive(personas, client_for):
    client = client_for(personas.owner)
    shift_session(client, started=HOUR, seen=20 * MINUTE)
    assert client.get(reverse("home")).status_code == 200
    seen = client.session[SESSION_SEEN]
    assert time.time() - seen < 60  # the request moved "last seen" forward


def test_last_seen_is_written_at_most_once_a_minute_and_moves_the_row_expiry(personas, client_for):
    client = client_for(personas.owner)
    key = session_key(client)
    rows = Session.objects.filter(session_key=key)
    soon = timezone.now() + datetime.timedelta(minutes=5)

    shift_session(client, started=HOUR, seen=SESSION_TOUCH_SECONDS - 20)
    rows.update(expire_date=soon)
    seen = client.session[SESSION_SEEN]
    assert client.get(reverse("home")).status_code == 200
    assert client.session[SESSION_SEEN] == seen  # within the minute: the row is not written
    assert rows.get().expire_date == soon

    shift_session(client, seen=SESSION_TOUCH_SECONDS + 1)
    rows.update(expire_date=soon)
    assert client.get(reverse("home")).status_code == 200
    assert time.time() - client.session[SESSION_SEEN] < 5
    left = (rows.get().expire_date - timezone.now()).total_seconds()
    assert settings.SESSION_IDLE_SECONDS - 10 < left <= settings.SESSION_IDLE_SECONDS  # the row's expiry moved on


def test_absolute_limit_signs_out_however_active(personas, client_for):
    client = client_for(personas.owner)
    shift_session(client, started=12 * HOUR - MINUTE, seen=10)
    assert client.get(reverse("home")).status_code == 200
    shift_session(client, started=12 * HOUR + 1, seen=10)
    response = client.get(reverse("home"))
    assert response["Location"] == f"{reverse('accounts:login')}?timeout=1"
    assert is_signed_out(client)


def test_timeouts_apply_to_posts_too(personas, client_for):
    user = personas.owner
    client = client_for(user)
    shift_session(client, started=HOUR, seen=31 * MINUTE)
    response = client.post(reverse("accounts:preferences"), {"notification_preference": "digest"})
    assert response["Location"].startswith(reverse("accounts:login"))
    user.refresh_from_db()
    assert user.notification_preference == "immediate"


def test_timeouts_apply_before_the_second_factor(personas, password_only):
    client = password_only(personas.owner)
    shift_session(client, started=HOUR, seen=31 * MINUTE)
    response = client.get(reverse("accounts:verify"))
    assert response["Location"].startswith(reverse("accounts:login"))


# --- Logout ---------------------------------------------------------------------------------------


def test_logout_by_get_is_refused(personas, client_for):
    client = client_for(personas.owner)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.get(reverse("home")).status_code == 200


def test_logout_by_post_kills_the_old_cookie(personas, client_for):
    client = client_for(personas.owner)
    key = session_key(client)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert "cookies" in response["Clear-Site-Data"] and "storage" in response["Clear-Site-Data"]
    assert not Session.objects.filter(session_key=key).exists()
    assert is_signed_out(client)
    replay = client_with_cookie(key)
    assert is_signed_out(replay)
    assert replay.post(reverse("accounts:backup_codes")).status_code == 302


def test_logout_needs_the_csrf_token(personas):
    from tests.helpers import sign_in

    client = Client(enforce_csrf_checks=True)
    sign_in(client, personas.owner)
    assert client.post(reverse("accounts:logout")).status_code == 403
    assert client.get(reverse("home")).status_code == 200


# --- Deactivation ---------------------------------------------------------------------------------


def test_deactivation_ends_every_session_of_that_member_at_once(personas, client_for):
    member = personas.owner
    laptop = client_for(member)
    phone = client_for(member)
    bystander = client_for(personas.owner_manager)
    assert laptop.get(reverse("home")).status_code == 200
    keys = [session_key(laptop), session_key(phone)]

    admin = client_for(personas.owner_admin)
    response = admin.post(reverse("accounts:member_deactivate", args=[member.public_id]))
    assert response["Location"] == reverse("accounts:members")
    member.refresh_from_db()
    assert not member.is_active

    assert not Session.objects.filter(session_key__in=keys).exists()
    assert is_signed_out(laptop)
    assert is_signed_out(phone)
    assert bystander.get(reverse("home")).status_code == 200  # nobody else is signed out
    assert admin.get(reverse("home")).status_code == 200


def test_deactivated_member_cannot_sign_in_again(personas, client_for):
    member = personas.owner
    totp_device(member)
    client_for(personas.owner_admin).post(reverse("accounts:member_deactivate", args=[member.public_id]))
    response = password_step(Client(), member)
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()


def test_a_deactivated_members_session_is_refused_even_if_a_row_survived(personas, client_for):
    """Belt and braces: an inactive user is never authenticated, even from a session row we missed."""
    member = personas.owner
    client = client_for(member)
    member.is_active = False
    member.save(update_fields=["is_active"])  # not through the service: the session row is still there
    assert is_signed_out(client)
