"""Lockout by email address and network address together, with a cool-off (django-axes; security.md 3.6):
one person's typos never lock out a whole agency behind a shared address."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.accounts.conftest import password_step
from tests.helpers import totp_device

pytestmark = pytest.mark.django_db

IP_OFFICE = "198.51.100.7"  # documentation addresses (RFC 5737): never routed anywhere
IP_HOME = "203.0.113.20"
LIMIT = settings.AXES_FAILURE_LIMIT


def attempt(user_or_email, password: str, ip: str, client: Client | None = None):
    client = client or Client()
    email = getattr(user_or_email, "email", user_or_email)
    return client.post(reverse("accounts:login"), {"username": email, "password": password}, REMOTE_ADDR=ip)


def lock_out(user_or_email, ip: str = IP_OFFICE):
    responses = [attempt(user_or_email, "wrong password 123", ip) for _ in range(LIMIT)]
    for response in responses[:-1]:
        assert response.status_code == 200
        assert "Enter a correct email address and password" in response.content.decode()
    return responses[-1]


def signed_in_step_one(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("accounts:verify"))


def age_attempts(minutes: float) -> None:
    """Time travel: move every recorded failure `minutes` into the past."""
    for row in AccessAttempt.objects.all():
        row.attempt_time = timezone.now() - timedelta(minutes=minutes)
        row.save(update_fields=["attempt_time"])


def test_the_settings_are_username_and_ip_together_with_a_cool_off():
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert 3 <= LIMIT <= 10
    assert timedelta(minutes=15) == settings.AXES_COOLOFF_TIME


def test_repeated_failures_lock_that_email_from_that_address(personas):
    user = personas.owner
    totp_device(user)
    last = lock_out(user)
    assert last.status_code == 429
    body = last.content.decode()
    assert "too many attempts" in body
    assert "15 minutes" in body
    # the right password does not help while locked, and nothing about the account is revealed
    client = Client()
    locked = attempt(user, "correct horse battery staple", IP_OFFICE, client)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("accounts:verify"))["Location"].startswith(reverse("accounts:login"))
    assert AccessFailureLog.objects.filter(username=user.email, ip_address=IP_OFFICE).count() >= LIMIT


def test_same_user_from_another_address_is_not_locked(personas):
    user = personas.owner
    totp_device(user)
    lock_out(user, IP_OFFICE)
    assert signed_in_step_one(attempt(user, "correct horse battery staple", IP_HOME))


def test_another_user_on_the_same_address_is_not_locked(personas):
    totp_device(personas.outsider)
    lock_out(personas.owner, IP_OFFICE)
    assert signed_in_step_one(attempt(personas.outsider, "correct horse battery staple", IP_OFFICE))


def test_cool_off_expires(personas):
    user = personas.owner
    totp_device(user)
    lock_out(user)
    age_attempts(14)
    assert attempt(user, "correct horse battery staple", IP_OFFICE).status_code == 429
    age_attempts(16)
    assert signed_in_step_one(attempt(user, "correct horse battery staple", IP_OFFICE))


def test_unknown_email_is_locked_the_same_way(db):
    """The lockout page is the same whether or not the address has an account (no enumeration)."""
    last = lock_out("nobody@test.svd.invalid")
    assert last.status_code == 429


def test_success_resets_the_count(personas):
    user = personas.owner
    totp_device(user)
    for _ in range(LIMIT - 1):
        attempt(user, "wrong password 123", IP_OFFICE)
    assert signed_in_step_one(attempt(user, "correct horse battery staple", IP_OFFICE))
    for _ in range(LIMIT - 1):
        assert attempt(user, "wrong password 123", IP_OFFICE).status_code == 200
    assert signed_in_step_one(attempt(user, "correct horse battery staple", IP_OFFICE))


def test_email_case_does_not_dodge_the_lockout(personas):
    user = personas.owner
    totp_device(user)
    for n in range(LIMIT):
        email = user.email.upper() if n % 2 else user.email
        attempt(email, "wrong password 123", IP_OFFICE)
    assert attempt(user, "correct horse battery staple", IP_OFFICE).status_code == 429


def test_lockout_is_per_address_not_per_forwarded_header(personas):
    """With no trusted proxy configured, a client cannot pick its own address with X-Forwarded-For."""
    user = personas.owner
    totp_device(user)
    lock_out(user, IP_OFFICE)
    client = Client()
    response = client.post(
        reverse("accounts:login"),
        {"username": user.email, "password": "correct horse battery staple"},
        REMOTE_ADDR=IP_OFFICE,
        HTTP_X_FORWARDED_FOR=IP_HOME,
    )
    assert response.status_code == 429


def test_password_step_still_works_normally(personas):
    totp_device(personas.owner)
    assert signed_in_step_one(password_step(Client(), personas.owner))
