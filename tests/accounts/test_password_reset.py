"""Password reset never signs anyone in and never bypasses the second factor (ASVS 5.0 6.4.3)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.accounts.conftest import password_step, second_step
from tests.helpers import totp_device, totp_now

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new long passphrase 42"


def reset_link(email: str) -> str:
    client = Client()
    response = client.post(reverse("accounts:password_reset"), {"email": email})
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    match = re.search(r"https?://[^/\s]+(/accounts/password-reset/[^\s]+/)", mail.outbox[0].body)
    assert match, mail.outbox[0].body
    return match.group(1)


def set_password_through_link(client: Client, link: str, password: str = NEW_PASSWORD):
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert "Set a new password" in form_page.content.decode()
    form_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    return client.post(form_url, {"new_password1": password, "new_password2": password})


def test_reset_sets_the_password_but_signs_nobody_in(personas):
    user = personas.owner
    device = totp_device(user)
    client = Client()
    response = set_password_through_link(client, reset_link(user.email))
    assert response["Location"] == reverse("accounts:password_reset_complete")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home"))["Location"].startswith(reverse("accounts:login"))
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    # The new password is only the first step: the second factor is still asked for
    response = password_step(client, user, NEW_PASSWORD)
    assert response["Location"].startswith(reverse("accounts:verify"))
    assert client.get(reverse("home"))["Location"].startswith(reverse("accounts:verify"))
    assert second_step(client, totp_now(device))["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_reset_ends_sessions_signed_in_with_the_old_password(personas, client_for):
    user = personas.owner
    old_session = client_for(user)
    assert old_session.get(reverse("home")).status_code == 200
    set_password_through_link(Client(), reset_link(user.email))
    assert old_session.get(reverse("home"))["Location"].startswith(reverse("accounts:login"))


def test_reset_link_works_once(personas):
    user = personas.owner
    link = reset_link(user.email)
    set_password_through_link(Client(), link)
    again = Client().get(link, follow=True)
    assert "The link has expired" in again.content.decode()


def test_unknown_or_inactive_addresses_get_the_same_answer_and_no_email(personas):
    inactive = personas.outsider
    inactive.is_active = False
    inactive.save()
    for email in ("nobody@test.svd.invalid", inactive.email):
        response = Client().post(reverse("accounts:password_reset"), {"email": email})
        assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_the_reset_link_lasts_an_hour_at_most(personas, settings):
    assert settings.PASSWORD_RESET_TIMEOUT <= 60 * 60
    reset_link(personas.owner.email)
    assert "within one hour" in mail.outbox[0].body


def test_the_reset_link_points_at_the_sites_own_address_whatever_the_host_header(personas, settings):
    """Host-header poisoning: even if ALLOWED_HOSTS were too wide, the link uses SITE_URL's host."""
    settings.ALLOWED_HOSTS = ["*"]
    settings.SITE_URL = "https://svd.example.invalid"
    Client().post(reverse("accounts:password_reset"), {"email": personas.owner.email}, HTTP_HOST="evil.example")
    body = mail.outbox[0].body
    assert "evil.example" not in body
    assert "://svd.example.invalid/accounts/password-reset/" in body


def test_a_weak_new_password_is_refused(personas):
    user = personas.owner
    client = Client()
    response = set_password_through_link(client, reset_link(user.email), "password123")
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    user.refresh_from_db()
    assert not user.check_password("password123")


def test_a_64_character_passphrase_is_accepted(personas):
    """ASVS 6.2.9: at least 64 characters allowed, no composition rules."""
    user = personas.owner
    phrase = "the quick brown fox jumps over the lazy dog near the river bank!!"
    assert len(phrase) >= 64
    response = set_password_through_link(Client(), reset_link(user.email), phrase)
    assert response["Location"] == reverse("accounts:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(phrase)


def test_signed_in_users_reset_link_does_not_sign_in_someone_else(personas, client_for):
    """Following someone's reset link in a browser signed in as another user leaves that user as they were."""
    victim = personas.owner
    client = client_for(personas.outsider)
    set_password_through_link(client, reset_link(victim.email))
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert personas.outsider.full_name in home.content.decode()
    assert victim.full_name not in home.content.decode()
