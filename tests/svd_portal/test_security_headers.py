"""Headers on every response (security.md 4.28): a strict CSP with a per-response nonce, framing refused,
Referrer-Policy, Permissions-Policy, nosniff, COOP, and no-store on anything a signed-in user sees."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.fixture
def pages(personas, client_for):
    """A public page, a signed-in page, a 404 and a 403, as the browser gets them."""
    signed_in = client_for(personas.owner)
    return {
        "login": Client().get(reverse("accounts:login")),
        "home": signed_in.get(reverse("home")),
        "not_found": signed_in.get("/no-such-page/"),
        "forbidden": signed_in.get(reverse("accounts:members")),
    }


def test_each_page_has_the_status_we_think(pages):
    assert [pages[k].status_code for k in ("login", "home", "not_found", "forbidden")] == [200, 200, 404, 403]


@pytest.mark.parametrize("page", ["login", "home", "not_found", "forbidden"])
def test_csp_is_strict_with_a_nonce(pages, page):
    response = pages[page]
    csp = csp_directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert csp["style-src"] == ["'self'"]
    nonces = [w for w in csp["script-src"] if w.startswith("'nonce-")]
    assert len(nonces) == 1
    nonce = nonces[0][len("'nonce-") : -1]
    body = response.content.decode()
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", body)
    assert inline, "the js-enabled snippet is the one inline script"
    for attrs in inline:
        assert f'nonce="{nonce}"' in attrs


def test_nonce_differs_on_every_response():
    nonces = set()
    for _ in range(3):
        csp = csp_directives(Client().get(reverse("accounts:login")))
        nonces.update(w for w in csp["script-src"] if w.startswith("'nonce-"))
    assert len(nonces) == 3


def test_no_inline_styles_or_handlers_anywhere_in_the_base_pages(pages):
    for name, response in pages.items():
        body = response.content.decode()
        assert not re.search(r"\sstyle=", body), name
        assert not re.search(r"<style", body), name
        assert not re.search(r"\son[a-z]+=", body), name


@pytest.mark.parametrize("page", ["login", "home", "not_found", "forbidden"])
def test_other_security_headers(pages, page):
    response = pages[page]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in policy


@pytest.mark.parametrize("page", ["login", "home", "not_found", "forbidden"])
def test_nothing_is_cached(pages, page):
    cache_control = pages[page]["Cache-Control"]
    assert "no-store" in cache_control and "private" in cache_control


def test_authenticated_pages_are_no_store(personas, client_for):
    admin = client_for(personas.owner_admin)
    caseworker = client_for(personas.owner)
    for client, name in (
        (admin, "accounts:members"),
        (caseworker, "accounts:preferences"),
        (caseworker, "referrals:list"),
    ):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert "no-store" in response["Cache-Control"], name


def test_static_files_may_be_cached():
    """Static assets carry no case data; only pages are no-store."""
    response = Client().get("/static/govuk/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_csrf_cookie_is_httponly_and_samesite(db):
    csrf = Client().get(reverse("accounts:login")).cookies["csrftoken"]
    assert csrf["httponly"] and csrf["samesite"] == "Lax"


def test_csrf_is_enforced_on_the_sign_in_form(personas):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": personas.owner.email, "password": "x"})
    assert response.status_code == 403
    assert "govuk-heading-l" in response.content.decode()  # our GOV.UK page, not Django's yellow one


def test_healthz_says_ok_and_nothing_else(db):
    response = Client().get(reverse("healthz"))
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert Client().post(reverse("healthz")).status_code == 405


def test_healthz_reports_a_database_failure(db, monkeypatch):
    """Fault injection: the real database is used everywhere else; here its cursor is made to fail."""
    from django.db import DatabaseError
    from django.db.backends.utils import CursorWrapper

    def broken(self, sql, params=None):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", broken)
    response = Client().get(reverse("healthz"))
    assert response.status_code == 503
    assert b"ok" not in response.content
