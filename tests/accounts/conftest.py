"""Helpers for the sign-in tests: the real pages, driven through the Django test client."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD
from tests.helpers import totp_device, totp_now


def password_step(client: Client, user, password: str = PASSWORD, **extra):
    """Post the email and password to the real sign-in page (step one only)."""
    return client.post(reverse("accounts:login"), {"username": user.email, "password": password}, **extra)


def second_step(client: Client, token: str, **extra):
    return client.post(reverse("accounts:verify"), {"token": token}, **extra)


def wait_out_throttle(user) -> None:
    """As if the user had waited: django-otp refuses every code for 2**(failures-1) seconds after a wrong one."""
    from datetime import timedelta

    from accounts.services import second_factor_devices

    for device in second_factor_devices(user):
        if device.throttling_failure_timestamp is not None:
            device.throttling_failure_timestamp -= timedelta(seconds=2**device.throttling_failure_count)
            device.save(update_fields=["throttling_failure_timestamp"])


@pytest.fixture
def password_only():
    """password_only(user) -> a client that has passed the password step but not the second factor."""

    def make(user, *, with_device: bool = True) -> Client:
        if with_device:
            totp_device(user)
        client = Client()
        response = password_step(client, user)
        assert response.status_code == 302, response.content[:500]
        expected = reverse("accounts:verify") if with_device else reverse("accounts:enrol")
        assert response["Location"].startswith(expected)
        return client

    return make


@pytest.fixture
def full_sign_in():
    """full_sign_in(user) -> a client signed in through both real steps with a real TOTP code."""

    def make(user) -> Client:
        device = totp_device(user)
        client = Client()
        assert password_step(client, user).status_code == 302
        response = second_step(client, totp_now(device))
        assert response.status_code == 302 and response["Location"] == reverse("home"), response.content[:500]
        return client

    return make
