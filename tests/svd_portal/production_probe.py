"""Run by tests/svd_portal/test_production_settings.py in a subprocess with DJANGO_ENV=production: build the
static files as the Docker image does, migrate an in-memory database, then make real requests and print what
came back (status codes, headers, cookie attributes) as JSON. Not a test module itself.

usage: DJANGO_ENV=production SECRET_KEY=... ALLOWED_HOSTS=svd.example.invalid DATABASE_URL=sqlite://:memory: \
       python tests/svd_portal/production_probe.py STATIC_ROOT
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svd_portal.settings")

HOST = "svd.example.invalid"


def cookie(response, name: str) -> dict | None:
    morsel = response.cookies.get(name)
    if morsel is None:
        return None
    return {
        "secure": bool(morsel["secure"]),
        "httponly": bool(morsel["httponly"]),
        "samesite": morsel["samesite"],
        "path": morsel["path"],
        "domain": morsel["domain"],
    }


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    settings.STATIC_ROOT = sys.argv[1]
    call_command("collectstatic", "--noinput", verbosity=0)
    call_command("migrate", verbosity=0)

    from accounts.models import User

    password = "a long production probe passphrase"  # noqa: S105
    User.objects.create_user("probe@example.invalid", password, full_name="Probe Person")

    out: dict = {"settings": {}}
    for name in (
        "DEBUG",
        "SESSION_COOKIE_NAME",
        "CSRF_COOKIE_NAME",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SAMESITE",
        "SESSION_COOKIE_DOMAIN",
        "CSRF_COOKIE_DOMAIN",
        "SESSION_COOKIE_PATH",
        "CSRF_COOKIE_PATH",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_SSL_REDIRECT",
        "SECURE_PROXY_SSL_HEADER",
        "ALLOWED_HOSTS",
    ):
        value = getattr(settings, name)
        out["settings"][name] = list(value) if isinstance(value, tuple) else value

    plain = Client(HTTP_HOST=HOST)
    response = plain.get("/accounts/login/")
    out["http_login"] = {"status": response.status_code, "location": response.get("Location")}
    response = plain.get("/healthz")
    out["http_healthz"] = {"status": response.status_code, "body": response.content.decode()}

    browser = Client(HTTP_HOST=HOST)
    response = browser.get("/accounts/login/", secure=True)
    body = response.content.decode()
    out["login"] = {
        "status": response.status_code,
        "headers": dict(response.headers.items()),
        "csrf_cookie": cookie(response, settings.CSRF_COOKIE_NAME),
        "hashed_css": "/static/govuk/app." in body and ".css" in body and "/static/govuk/app.css" not in body,
    }
    credentials = {"username": "probe@example.invalid", "password": password}
    response = browser.post("/accounts/login/", credentials, secure=True)
    out["signed_in"] = {
        "status": response.status_code,
        "location": response.get("Location"),
        "session_cookie": cookie(response, settings.SESSION_COOKIE_NAME),
    }
    response = browser.get("/no-such-page/", secure=True)
    out["not_found"] = {"status": response.status_code, "headers": dict(response.headers.items())}
    wrong_host = Client(HTTP_HOST="evil.example").get("/accounts/login/", secure=True)
    out["wrong_host"] = {"status": wrong_host.status_code}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
