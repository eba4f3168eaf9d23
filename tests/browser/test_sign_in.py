"""Issue 2: log in with a real TOTP code; enrol; axe on login, enrolment, home and member pages."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.helpers import totp_device, totp_now

pytestmark = pytest.mark.django_db(transaction=True)


def test_sign_in_with_totp_and_axe(personas, page_for, axe_check):
    page = page_for(personas.owner_admin)
    expect(page.get_by_role("heading", level=1)).to_have_text(personas.owner_admin.full_name)
    axe_check(page, "home")
    page.get_by_role("link", name="Manage your agency's members").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Members of")
    axe_check(page, "members")
    page.get_by_role("link", name="Add a member").click()
    page.get_by_role("button", name="Add member").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    axe_check(page, "add member with errors")


def test_enrolment_then_sign_in(live_server, browser, axe_check, personas):
    user = factories.make_user(personas.police, "caseworker", full_name="Newt Newcomer")
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.goto("/accounts/login/")
    axe_check(page, "login")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/enrol/"))
    axe_check(page, "enrolment")
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user, confirmed=False)
    page.get_by_label("Security code").fill(totp_now(device))
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#backup-codes li")).to_have_count(10)
    axe_check(page, "backup codes")
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Newt Newcomer")
    assert totp_device(user).confirmed
    context.close()
