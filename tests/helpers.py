"""Test helpers: sign-in with both factors, service requirements, counting queries, journey steps, form dates, CSVs."""

from __future__ import annotations

import csv
import datetime
import io
import os
import time

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
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


def count_queries(client, url, data=None, warm=True) -> int:
    """The number of queries one GET of `url` runs (it must answer 200).

    With `warm`, the page is fetched once first so per-process caches (content types, permission ids) are
    filled and only the page's own queries count.
    """
    if warm:
        client.get(url, data or {})
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, data or {})
    assert response.status_code == 200, response.status_code
    return len(captured.captured_queries)


def date_fields(prefix: str, day: datetime.date) -> dict:
    """A GOV.UK date input's three fields (`<prefix>_0` day, `_1` month, `_2` year) as a form posts them."""
    return {f"{prefix}_0": str(day.day), f"{prefix}_1": str(day.month), f"{prefix}_2": str(day.year)}


def csv_rows(response, *, attachment: bool = False) -> list[list[str]]:
    """The rows of a CSV response (UTF-8, with or without a BOM).

    With `attachment`, also check it is served as a download: a text/csv content type and an attachment
    disposition.
    """
    if attachment:
        assert response["Content-Type"].startswith("text/csv")
        assert response["Content-Disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def step_url(referral, slug: str) -> str:
    """The filing journey's page `slug` for `referral`."""
    return reverse("referrals:step", args=[referral.public_id, slug])


def tally_rows() -> dict:
    """The report tally as {(audience, day, facts...): count}, to compare with a count from scratch."""
    from referrals.models import ReportTally

    rows = ReportTally.objects.values_list("audience", "day", "pathway", "police", "incident_type", "repeat", "count")
    return {row[:-1]: row[-1] for row in rows}
