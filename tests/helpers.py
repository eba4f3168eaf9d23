"""Test helpers: sign-in with both factors, service requirements."""

from __future__ import annotations

import os
import time

import pytest
from django.conf import settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def require_service(available: bool, what: str) -> None:
    """Skip a test whose service or browser is missing, or fail it when SVD_REQUIRE_SERVICES=1 (CI)."""
    if available:
        return
    if os.environ.get("SVD_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{what} is required (SVD_REQUIRE_SERVICES=1) but is not available")
    pytest.skip(f"{what} is not available; set it up or run in CI")


def require_postgres() -> None:
    require_service(settings.USING_POSTGRES, "PostgreSQL (DATABASE_URL)")


def totp_device(user) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)
    return device


def totp_now(device: TOTPDevice) -> str:
    """The code an authenticator app would show now."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def sign_in(client, user) -> None:
    """A session that has passed both factors, as the real log-in leaves it."""
    device = totp_device(user)
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session["svd_login_at"] = time.time()
    session["svd_seen_at"] = time.time()
    session.save()
