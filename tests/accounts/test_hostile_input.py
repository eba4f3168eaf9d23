"""Hostile input on every accounts form: blank, 10,001 characters, a script tag, a NUL byte, right-to-left
override. Each gives the GOV.UK error summary (or, if it is acceptable, is stored and shown escaped), keeps
what was typed (never a password), and never a 500."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests import factories
from tests.helpers import sign_in, totp_device

pytestmark = pytest.mark.django_db

LONG = "A" * 10_001
SCRIPT = "<script>alert(1)</script>"
NUL = "Ann\x00Smith"
RLO = "Ann\u202esmith"
SECRET_MARK = "Pw9SecretMark"

PAYLOADS = {"blank": "", "long": LONG, "script": SCRIPT, "nul": NUL, "rlo": RLO}


@dataclass
class FormCase:
    name: str
    url: callable  # (personas) -> url
    client: callable  # (personas) -> Client
    text_fields: list[str]  # fields that take typed text and must be kept on error
    password_fields: list[str] = field(default_factory=list)  # never echoed back
    extra: dict = field(default_factory=dict)  # other valid values sent along
    choice_fields: list[str] = field(default_factory=list)  # radios/checkboxes: hostile value is refused
    acceptable: set[str] = field(default_factory=set)  # payloads that are legitimately valid here


def anonymous(personas) -> Client:
    return Client()


def signed_in_admin(personas) -> Client:
    client = Client()
    sign_in(client, personas.owner_admin)
    return client


def signed_in_owner(personas) -> Client:
    client = Client()
    sign_in(client, personas.owner)
    return client


def password_only_enrolled(personas) -> Client:
    totp_device(personas.owner)
    client = Client()
    client.post(reverse("accounts:login"), {"username": personas.owner.email, "password": factories.PASSWORD})
    return client


def password_only_new(personas) -> Client:
    user = factories.make_user(personas.police, "caseworker", full_name="Newbie")
    client = Client()
    client.post(reverse("accounts:login"), {"username": user.email, "password": factories.PASSWORD})
    client.get(reverse("accounts:enrol"))
    return client


def reset_confirm_url(personas) -> str:
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = personas.owner
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("accounts:password_reset_confirm", args=[uid, default_token_generator.make_token(user)])


CASES = [
    FormCase(
        "login",
        lambda p: reverse("accounts:login"),
        anonymous,
        text_fields=["username"],
        password_fields=["password"],
    ),
    FormCase("verify", lambda p: reverse("accounts:verify"), password_only_enrolled, text_fields=["token"]),
    FormCase("enrol", lambda p: reverse("accounts:enrol"), password_only_new, text_fields=["token"]),
    FormCase(
        "member_add",
        lambda p: reverse("accounts:member_add"),
        signed_in_admin,
        text_fields=["full_name", "email", "job_title"],
        extra={"roles": ["is_caseworker"]},
        choice_fields=["roles"],
    ),
    FormCase(
        "member_edit",
        lambda p: reverse("accounts:member_edit", args=[p.owner.public_id]),
        signed_in_admin,
        text_fields=["full_name", "job_title"],
        extra={"roles": ["is_caseworker"]},
        choice_fields=["roles"],
    ),
    FormCase("password_reset", lambda p: reverse("accounts:password_reset"), anonymous, text_fields=["email"]),
    FormCase(
        "set_password",
        reset_confirm_url,
        anonymous,
        text_fields=[],
        password_fields=["new_password1", "new_password2"],
        acceptable={"script"},  # a password may contain any printable characters (ASVS 6.2.5)
    ),
    FormCase(
        "preferences",
        lambda p: reverse("accounts:preferences"),
        signed_in_owner,
        text_fields=[],
        choice_fields=["notification_preference"],
    ),
]

# A job title is optional free text: a script tag or RLO-free long text there is not an error in itself, but
# every other field in the same post is, so the whole form always comes back with the summary.
OPTIONAL_TEXT = {"job_title"}


def open_form(case: FormCase, personas):
    client = case.client(personas)
    url = case.url(personas)
    response = client.get(url, follow=True)
    assert response.status_code == 200, (case.name, response.status_code)
    if response.redirect_chain:  # the password-reset link swaps its token for a session marker
        url = response.redirect_chain[-1][0]
    return client, url


def body_of(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize("payload_name", list(PAYLOADS))
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input_gives_the_error_summary_and_keeps_what_was_typed(personas, case, payload_name):
    payload = PAYLOADS[payload_name]
    client, url = open_form(case, personas)
    data = dict(case.extra)
    for name in case.text_fields:
        data[name] = payload
    for name in case.password_fields:
        data[name] = f"{payload}{SECRET_MARK}" if payload else ""
    for name in case.choice_fields:
        if payload_name != "blank" or name not in case.extra:
            data[name] = payload if payload else ""
    users_before = User.objects.count()
    response = client.post(url, data)
    assert User.objects.count() == users_before

    if payload_name in case.acceptable:
        assert response.status_code == 302, f"{case.name} with {payload_name}: {response.status_code}"
        return
    assert response.status_code == 200, f"{case.name} with {payload_name}: {response.status_code}"
    body = body_of(response)
    assert "govuk-error-summary" in body, f"{case.name} with {payload_name}: no error summary"
    assert "<title>Error: " in body
    assert re.search(r'govuk-error-summary__list">\s*<li>', body)
    assert SCRIPT not in body  # never echoed unescaped

    assert SECRET_MARK not in body, f"{case.name} echoed a password"
    if payload_name == "script":
        for name in case.text_fields:
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body, f"{case.name}: {name} not kept escaped"
    if payload_name == "long":
        for name in case.text_fields:
            assert f'value="{LONG}"' in body or f">{LONG}<" in body, f"{case.name}: {name} not kept"
    assert "Null characters are not allowed" not in body  # Django's own wording, not GOV.UK style
    if payload_name in {"nul", "rlo"}:
        for name in case.text_fields:
            assert body.count("Ann") >= 1 and ("Smith" in body or "smith" in body), f"{case.name}: {name} not kept"


def test_member_with_hostile_name_is_stored_nowhere_and_a_plain_one_is_shown_escaped(personas):
    client = signed_in_admin(personas)
    response = client.post(
        reverse("accounts:member_add"),
        {"full_name": "O'Brien & <b>Sons</b>", "email": "obrien@test.svd.invalid", "roles": ["is_caseworker"]},
    )
    assert response.status_code == 302
    listing = body_of(client.get(reverse("accounts:members")))
    assert "O&#x27;Brien &amp; &lt;b&gt;Sons&lt;/b&gt;" in listing
    assert "<b>Sons</b>" not in listing


def test_a_flood_of_fields_is_refused_without_a_500(personas):
    client = signed_in_admin(personas)
    data = {f"f{n}": "x" for n in range(1200)}
    response = client.post(reverse("accounts:member_add"), data)
    assert response.status_code == 400


def test_very_long_email_never_reaches_the_lockout_table(personas):
    """The username column of the lockout table holds 255 characters: a longer typed address must be refused
    by the form, not crash the database on PostgreSQL."""
    from axes.models import AccessAttempt

    client = Client()
    response = client.post(reverse("accounts:login"), {"username": "a" * 300 + "@x.invalid", "password": "whatever"})
    assert response.status_code == 200
    assert "govuk-error-summary" in body_of(response)
    assert all(len(a.username or "") <= 255 for a in AccessAttempt.objects.all())
