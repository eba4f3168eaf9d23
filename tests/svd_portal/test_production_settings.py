"""The production profile: `check --deploy` clean, refusal to start when misconfigured, and what a real request
gets back under production settings (HSTS, __Host- cookies, HTTPS redirect). Each runs in a subprocess,
because settings are read once per process."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = secrets.token_urlsafe(64)
HOST = "svd.example.invalid"


def production_env(**overrides: str | None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SVD_DEMO_MODE", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"}
        and not k.startswith("DJANGO_")
    }
    env.update(
        {
            "DJANGO_ENV": "production",
            "DJANGO_SETTINGS_MODULE": "svd_portal.settings",
            "SECRET_KEY": GOOD_KEY,
            "ALLOWED_HOSTS": HOST,
            "SITE_URL": f"https://{HOST}",
        }
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def manage(*args: str, **overrides: str | None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=production_env(**overrides),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_at_warning_level():
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"DEBUG": "1"}, "DEBUG is on"),
        ({"DEBUG": "true"}, "DEBUG is on"),
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"SECRET_KEY": "dev-only-insecure-key-never-use-in-production-0123456789abcdef"}, "SECRET_KEY"),
        ({"SECRET_KEY": "short-but-random-Zx81"}, "SECRET_KEY"),
        ({"SVD_DEMO_MODE": "1"}, "SVD_DEMO_MODE is on"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS"),
        ({"DEBUG": "ture"}, "DEBUG must be 1 or 0"),  # a typo is refused, not read as "off"
        ({"DJANGO_ENV": "prod"}, "DJANGO_ENV must be"),
    ],
    ids=["debug", "debug-true", "no-key", "default-key", "short-key", "demo", "no-hosts", "bad-bool", "bad-env"],
)
def test_production_refuses_to_start(overrides, reason):
    result = manage("check", **overrides)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert reason in result.stderr


def test_development_profile_still_starts_with_defaults():
    result = manage("check", DJANGO_ENV="development", SECRET_KEY=None, ALLOWED_HOSTS=None)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def probe(tmp_path_factory):
    static_root = tmp_path_factory.mktemp("staticfiles")
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "svd_portal" / "production_probe.py"), str(static_root)],
        cwd=ROOT,
        env=production_env(DATABASE_URL="sqlite://:memory:"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_cookie_settings(probe):
    s = probe["settings"]
    assert s["DEBUG"] is False
    assert s["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert s["CSRF_COOKIE_NAME"] == "__Host-csrftoken"
    assert s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"] and s["SESSION_COOKIE_HTTPONLY"]
    assert s["SESSION_COOKIE_SAMESITE"] in {"Lax", "Strict"} and s["CSRF_COOKIE_SAMESITE"] in {"Lax", "Strict"}
    # A __Host- cookie must have no Domain and Path=/, or browsers drop it
    assert s["SESSION_COOKIE_DOMAIN"] is None and s["CSRF_COOKIE_DOMAIN"] is None
    assert s["SESSION_COOKIE_PATH"] == "/" and s["CSRF_COOKIE_PATH"] == "/"
    assert s["SECURE_HSTS_SECONDS"] >= 31_536_000 and s["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert s["SECURE_SSL_REDIRECT"] is True
    assert s["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert s["ALLOWED_HOSTS"] == [HOST]


def test_production_cookies_as_a_browser_receives_them(probe):
    csrf = probe["login"]["csrf_cookie"]
    assert csrf == {"secure": True, "httponly": True, "samesite": "Lax", "path": "/", "domain": ""}
    assert probe["signed_in"]["status"] == 302
    assert probe["signed_in"]["location"].startswith("/accounts/login/enrol/")
    session = probe["signed_in"]["session_cookie"]
    assert session == {"secure": True, "httponly": True, "samesite": "Lax", "path": "/", "domain": ""}


def test_production_redirects_plain_http_and_sends_hsts(probe):
    assert probe["http_login"]["status"] == 301
    assert probe["http_login"]["location"] == f"https://{HOST}/accounts/login/"
    headers = probe["login"]["headers"]
    assert probe["login"]["status"] == 200
    hsts = headers["Strict-Transport-Security"]
    assert "max-age=63072000" in hsts and "includeSubDomains" in hsts
    assert "nonce-" in headers["Content-Security-Policy"]
    assert "no-store" in headers["Cache-Control"]


def test_production_error_pages_carry_the_same_headers(probe):
    assert probe["not_found"]["status"] == 404
    headers = probe["not_found"]["headers"]
    for name in ("Strict-Transport-Security", "Content-Security-Policy", "X-Frame-Options", "Referrer-Policy"):
        assert name in headers


def test_production_health_check_answers_over_plain_http(probe):
    """The container health check runs inside the container, without TLS: /healthz alone is exempt."""
    assert probe["http_healthz"] == {"status": 200, "body": "ok"}


def test_production_serves_hashed_static_files_built_by_collectstatic(probe):
    assert probe["login"]["hashed_css"]


def test_production_refuses_unknown_hosts(probe):
    assert probe["wrong_host"]["status"] == 400
