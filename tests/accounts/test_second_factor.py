"""Nothing is reachable without both factors; TOTP codes cannot be replayed; backup codes work once;
demo mode skips the second factor only for the seeded demo users (ASVS 5.0 6.3.3, 6.5.1)."""

from __future__ import annotations

import re
import uuid

import pytest
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RegexPattern
from django_otp.plugins.otp_static.models import StaticToken

from accounts import services
from tests import factories
from tests.accounts.conftest import password_step, second_step, wait_out_throttle
from tests.helpers import totp_device, totp_now

pytestmark = pytest.mark.django_db

# Pages a password-only (or anonymous) session may reach: the sign-in steps themselves, password reset
# (which never signs anyone in), and the health check. Everything else must send it to the second factor.
EXEMPT = {
    "accounts:login",
    "accounts:verify",
    "accounts:enrol",
    "accounts:logout",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    "healthz",
}

SAMPLES = {
    "uuid": str(uuid.UUID("00000000-0000-4000-8000-000000000000")),
    "int": "1",
    "slug": "a-slug",
    "str": "something",
    "path": "1",
}
REGEX_SAMPLES = {"app_label": "accounts", "url": "no-such-admin-page/"}


def every_url(resolver: URLResolver | None = None, prefix: str = "/", namespace: str = ""):
    """(name or None, a concrete path) for every pattern in the URL conf, named or not, admin included."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = str(pattern.pattern)
        if isinstance(pattern.pattern, RegexPattern):
            route = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: REGEX_SAMPLES[m.group(1)], route)
            route = route.lstrip("^").rstrip("$")
        else:
            route = re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLES[m.group(1) or "str"], route)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from every_url(pattern, prefix + route, inner)
        elif isinstance(pattern, URLPattern):
            yield (f"{namespace}{pattern.name}" if pattern.name else None), prefix + route


def guarded_urls():
    urls = []
    for name, path in every_url():
        if name in EXEMPT:
            continue
        match = resolve(path)  # the sample really is one of this pattern's URLs
        assert name is None or match.view_name == name, (name, path, match.view_name)
        urls.append((name, path))
    return urls


def test_the_url_walk_sees_every_part_of_the_site():
    names = {name for name, _ in every_url()}
    for expected in ("home", "accounts:members", "referrals:detail", "admin:index", "admin:accounts_user_change"):
        assert expected in names
    assert len(guarded_urls()) > 60


@pytest.mark.parametrize("with_device", [True, False], ids=["enrolled", "not-enrolled"])
def test_password_only_session_reaches_nothing(personas, password_only, with_device):
    """Every non-exempt URL, GET and POST, sends a password-only session to verify (or enrol)."""
    user = personas.owner_admin
    user.is_staff = True  # a system administrator too: the Django admin must be guarded the same way
    user.is_superuser = True
    user.save()
    client = password_only(user, with_device=with_device)
    target = reverse("accounts:verify") if with_device else reverse("accounts:enrol")
    leaks = []
    for name, path in guarded_urls():
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            if response.status_code != 302 or not response["Location"].startswith(target):
                leaks.append(f"{method.upper()} {path} ({name}): {response.status_code}")
    assert not leaks, "reachable with a password only:\n" + "\n".join(leaks)
    # ...and the session is still the same password-only one, not signed out by the walk
    assert client.get(reverse("accounts:verify")).status_code == 200 if with_device else True


def test_anonymous_reaches_nothing(db):
    client = Client()
    logins = (reverse("accounts:login"), reverse("admin:login"))  # the admin's login only redirects to ours
    assert Client().get(reverse("admin:login"))["Location"].startswith(logins[0])
    leaks = []
    for name, path in guarded_urls():
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            if response.status_code != 302 or not response["Location"].startswith(logins):
                leaks.append(f"{method.upper()} {path} ({name}): {response.status_code}")
    assert not leaks, "reachable anonymously:\n" + "\n".join(leaks)


def test_both_factors_reach_home(personas, full_sign_in):
    client = full_sign_in(personas.owner)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert personas.owner.full_name in response.content.decode()


def test_wrong_code_is_refused(personas, password_only):
    client = password_only(personas.owner)
    device = totp_device(personas.owner)
    good = totp_now(device)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    response = second_step(client, wrong)
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert client.get(reverse("home"))["Location"].startswith(reverse("accounts:verify"))


def test_totp_code_cannot_be_replayed(personas, password_only):
    user = personas.owner
    device = totp_device(user)
    code = totp_now(device)
    first = password_only(user)
    assert second_step(first, code)["Location"] == reverse("home")
    assert first.get(reverse("home")).status_code == 200

    second = password_only(user)  # someone who watched the code being typed, inside the same 30 seconds
    response = second_step(second, code)
    assert response.status_code == 200
    assert "already been used" in response.content.decode()
    assert second.get(reverse("home"))["Location"].startswith(reverse("accounts:verify"))


def test_guessing_codes_is_throttled(personas, password_only):
    """After a run of wrong codes even the right one is refused for a while (django-otp's throttling)."""
    user = personas.owner
    device = totp_device(user)
    client = password_only(user)
    for guess in ("000000", "111111", "222222", "333333", "444444"):
        if guess != totp_now(device):
            second_step(client, guess)
    response = second_step(client, totp_now(device))
    assert response.status_code == 200
    assert "too many wrong codes" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302
    wait_out_throttle(user)
    assert second_step(client, totp_now(device))["Location"] == reverse("home")


def test_backup_code_works_once(personas, password_only):
    user = personas.owner
    totp_device(user)
    codes = services.backup_codes_regenerate(user=user)
    assert len(codes) == 10 and len(set(codes)) == 10
    first = password_only(user)
    assert second_step(first, codes[0])["Location"] == reverse("home")
    assert first.get(reverse("home")).status_code == 200
    assert StaticToken.objects.filter(device__user=user).count() == 9
    assert not StaticToken.objects.filter(device__user=user, token=codes[0]).exists()

    second = password_only(user)
    response = second_step(second, codes[0])
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert second.get(reverse("home"))["Location"].startswith(reverse("accounts:verify"))
    wait_out_throttle(user)
    assert second_step(second, codes[1])["Location"] == reverse("home")


def test_regenerating_backup_codes_cancels_the_old_ones(personas, client_for, password_only):
    user = personas.owner
    old = services.backup_codes_regenerate(user=user)
    response = client_for(user).post(reverse("accounts:backup_codes"))
    assert response.status_code == 200
    new = re.findall(r"<code>(\d{8})</code>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    client = password_only(user)
    assert second_step(client, old[0]).status_code == 200
    wait_out_throttle(user)
    assert second_step(client, new[0])["Location"] == reverse("home")


def test_next_after_second_factor_stays_on_this_site(personas, password_only):
    user = personas.owner
    device = totp_device(user)
    client = password_only(user)
    url = reverse("accounts:verify") + "?next=https://evil.example/"
    response = client.post(url, {"token": totp_now(device), "next": "//evil.example"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_next_is_kept_through_both_steps(personas):
    user = personas.owner
    device = totp_device(user)
    client = Client()
    target = reverse("accounts:preferences")
    response = client.get(target)
    assert response["Location"] == f"{reverse('accounts:login')}?next={target}"
    response = client.post(response["Location"], {"username": user.email, "password": factories.PASSWORD})
    assert response["Location"].startswith(reverse("accounts:verify"))
    verify_page = client.get(response["Location"])
    assert f'value="{target}"' in verify_page.content.decode()
    response = client.post(response["Location"], {"token": totp_now(device), "next": target})
    assert response["Location"] == target


# --- Enrolment ------------------------------------------------------------------------------------


def test_enrolment_needs_a_correct_code_then_shows_backup_codes_once(personas, password_only):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = factories.make_user(personas.police, "caseworker")
    client = password_only(user, with_device=False)
    page = client.get(reverse("accounts:enrol"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body and "<img" not in body  # the QR code is inline SVG, no image library or data URL
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert re.search(r'id="setup-key">[A-Z2-7]+<', body)
    response = client.post(reverse("accounts:enrol"), {"token": "123456" if totp_now(device) != "123456" else "654321"})
    assert response.status_code == 200 and "govuk-error-summary" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302
    response = client.post(reverse("accounts:enrol"), {"token": totp_now(device)})
    assert response.status_code == 200
    assert len(re.findall(r"<code>\d{8}</code>", response.content.decode())) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("home")).status_code == 200
    # Enrolled now: the enrolment page cannot be used to add a second app or see the secret again
    assert client.get(reverse("accounts:enrol"))["Location"] == reverse("home")


def test_an_enrolled_user_cannot_enrol_another_app_with_only_a_password(personas, password_only):
    client = password_only(personas.owner)
    response = client.get(reverse("accounts:enrol"))
    assert response["Location"] == reverse("accounts:verify")


# --- Demo mode ------------------------------------------------------------------------------------


def _demo_user(personas):
    user = factories.make_user(personas.police, "caseworker", full_name="Demi Demo")
    user.is_demo = True
    user.save()
    return user


@override_settings(DEMO_MODE=True)
def test_demo_mode_skips_the_second_factor_for_demo_users_only_and_shows_the_banner(personas):
    demo = _demo_user(personas)
    client = Client()
    response = password_step(client, demo)
    assert response["Location"] == reverse("home")
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert "Demo: synthetic data only" in home.content.decode()
    login_page = Client().get(reverse("accounts:login"))
    assert "Demo: synthetic data only" in login_page.content.decode()  # every page, signed in or not

    real = personas.owner
    totp_device(real)
    client = Client()
    assert password_step(client, real)["Location"].startswith(reverse("accounts:verify"))
    assert client.get(reverse("home"))["Location"].startswith(reverse("accounts:verify"))


@override_settings(DEMO_MODE=False)
def test_without_demo_mode_demo_users_need_the_second_factor_and_no_banner(personas):
    demo = _demo_user(personas)
    totp_device(demo)
    client = Client()
    assert password_step(client, demo)["Location"].startswith(reverse("accounts:verify"))
    assert client.get(reverse("home"))["Location"].startswith(reverse("accounts:verify"))
    assert "Demo: synthetic data only" not in Client().get(reverse("accounts:login")).content.decode()


def test_password_only_pages_show_no_navigation(personas, password_only, client_for):
    admin = personas.owner_admin
    page = password_only(admin).get(reverse("accounts:verify")).content.decode()
    assert 'class="govuk-service-navigation__list"' not in page
    assert reverse("accounts:members") not in page
    full = client_for(admin).get(reverse("home")).content.decode()
    assert 'class="govuk-service-navigation__list"' in full


def test_system_administrator_reaches_the_admin_through_our_sign_in(personas):
    user = personas.owner_admin
    user.is_staff = True
    user.is_superuser = True
    user.save()
    device = totp_device(user)
    client = Client()
    response = client.get(reverse("admin:index"), follow=True)
    final_url = response.redirect_chain[-1][0]
    assert final_url.startswith(reverse("accounts:login"))
    response = client.post(final_url, {"username": user.email, "password": factories.PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:verify"))
    response = client.post(response.redirect_chain[-1][0], {"token": totp_now(device)}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("admin:index")
    assert response.request["PATH_INFO"] == reverse("admin:index")
    # the admin's own login page never shows a form, and never sends anyone off the site
    assert client.get(reverse("admin:login") + "?next=https://evil.example/")["Location"] == reverse("admin:index")
    posted = Client().post(reverse("admin:login"), {"username": user.email, "password": factories.PASSWORD})
    assert posted["Location"].startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in posted.wsgi_request.session
