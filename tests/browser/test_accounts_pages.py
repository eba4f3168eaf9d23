"""Issue 2: the other accounts pages in a real browser, with axe on each: a wrong security code, password
reset from start to finish, preferences, member change and deactivation, the lockout page, 403 and 404."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests import factories
from tests.helpers import totp_device, totp_now

pytestmark = pytest.mark.django_db(transaction=True)


def test_wrong_code_then_right_code(live_server, browser, axe_check, personas):
    user = personas.owner
    device = totp_device(user)
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/verify/"))
    axe_check(page, "security code")
    good = totp_now(device)
    page.get_by_label("Security code").fill(f"{(int(good) + 1) % 1_000_000:06d}")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: "))
    axe_check(page, "security code with an error")
    # the error summary links to the field
    page.locator(".govuk-error-summary a").first.click()
    expect(page.get_by_label("Security code")).to_be_focused()
    context.close()


def test_password_reset_journey(live_server, browser, axe_check, personas):
    user = personas.owner
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_role("link", name="I have forgotten my password").click()
    axe_check(page, "reset your password")
    page.get_by_role("button", name="Send the link").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    axe_check(page, "reset your password with an error")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    axe_check(page, "check your email")

    path = re.search(r"https?://[^/\s]+(/accounts/password-reset/\S+/)", mail.outbox[-1].body).group(1)
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Set a new password")
    axe_check(page, "set a new password")
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("New password confirmation").fill("short")
    page.get_by_role("button", name="Set password").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    expect(page.get_by_label("New password", exact=True)).to_have_value("")  # never sent back
    axe_check(page, "set a new password with an error")
    page.get_by_label("New password", exact=True).fill("a brand new long passphrase 42")
    page.get_by_label("New password confirmation").fill("a brand new long passphrase 42")
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your password has been set")
    axe_check(page, "password set")

    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text("The link has expired")
    axe_check(page, "expired link")
    context.close()


def test_lockout_page(live_server, browser, axe_check, personas):
    from django.conf import settings

    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.goto("/accounts/login/")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.get_by_label("Email address").fill(personas.outsider.email)
        page.get_by_label("Password").fill("not the password at all")
        page.get_by_role("button", name="Continue").click()
        if page.get_by_role("heading", name="There have been too many attempts to sign in").count():
            break
    expect(page.get_by_role("heading", level=1)).to_have_text("There have been too many attempts to sign in")
    axe_check(page, "locked out")
    context.close()


def test_preferences_members_and_error_pages(page_for, axe_check, personas):
    page = page_for(personas.owner_admin)
    page.get_by_role("link", name="Your notification preferences").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("reminder emails")
    axe_check(page, "preferences")
    page.get_by_label("One email a day with everything due").check()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()
    axe_check(page, "preferences saved")
    personas.owner_admin.refresh_from_db()
    assert personas.owner_admin.notification_preference == "digest"

    page.goto("/accounts/members/")
    page.get_by_role("link", name=f"Change {personas.owner.full_name}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Change {personas.owner.full_name}")
    axe_check(page, "change a member")
    page.get_by_label("Full name").fill("")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    axe_check(page, "change a member with an error")

    page.goto("/accounts/members/")
    page.get_by_role("link", name=f"Deactivate {personas.owner.full_name}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Deactivate {personas.owner.full_name}?")
    axe_check(page, "deactivate a member")
    page.get_by_role("button", name="Deactivate").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("deactivated")
    axe_check(page, "members after deactivation")
    personas.owner.refresh_from_db()
    assert not personas.owner.is_active

    response = page.goto("/no-such-page/")
    assert response.status == 404
    axe_check(page, "404")
    response = page.goto("/cases/")  # an agency administrator without a case role
    assert response.status == 403
    axe_check(page, "403")


def test_the_access_log_can_be_narrowed_to_a_person(page_for, axe_check, personas):
    from referrals import services
    from referrals.models import AccessAction

    case = factories.make_submitted(personas.owner)
    for user in (personas.owner, personas.yv_coordinator, personas.yv_coordinator):
        services.access_log_record(user=user, referral=case, action=AccessAction.VIEW_CASE, page="t")
    page = page_for(personas.owner_admin)
    page.get_by_role("link", name="Access log").first.click()
    expect(page.locator("#access-log caption")).to_have_text("3 records")
    axe_check(page, "access log")
    page.get_by_label("Who").fill("Yves")
    page.get_by_label("Their agency").select_option(label="Any agency but mine")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#access-log caption")).to_have_text("2 records matching the filters")
    expect(page.get_by_label("Who")).to_have_value("Yves")
    axe_check(page, "access log, filtered")
    viewed_from = page.get_by_role("group", name="Viewed from")
    viewed_from.get_by_label("Year").fill("2026")
    viewed_from.get_by_label("Month").fill("13")
    viewed_from.get_by_label("Day").fill("1")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    expect(page.get_by_label("Who")).to_have_value("Yves")  # what was typed is kept
    axe_check(page, "access log with an error")
