"""Writes for agencies, members and second factors."""

from __future__ import annotations

import functools
import secrets

from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import permissions
from accounts.models import Agency, Membership, User

BACKUP_CODE_COUNT = 10


# --- Agencies -------------------------------------------------------------------------------------


def _group_name(short_name: str) -> str:
    return f"agency:{short_name}"


@transaction.atomic
def agency_create(*, name: str, short_name: str, kind: str, duty_status: str) -> Agency:
    """Create an agency with its own Group. The group never gets model-level permissions."""
    group = Group.objects.create(name=_group_name(short_name))
    agency = Agency(name=name, short_name=short_name, kind=kind, duty_status=duty_status, group=group)
    agency.full_clean()
    agency.save()
    return agency


@transaction.atomic
def agency_update(*, agency: Agency, **fields) -> Agency:
    """Change an agency, keeping its group's name in step with its short name. A change of kind changes what
    the reports count (referrals from the police), so the report tally counts again, once this commits, the
    days the agency's referrals were submitted on."""
    kind_before = Agency.objects.filter(pk=agency.pk).values_list("kind", flat=True).first()
    for name, value in fields.items():
        setattr(agency, name, value)
    agency.full_clean()
    agency.save()
    if kind_before != agency.kind:
        transaction.on_commit(functools.partial(_recount_reports, agency.pk))
    expected = _group_name(agency.short_name)
    if agency.group.name != expected:
        agency.group.name = expected
        agency.group.save(update_fields=["name"])
    return agency


def _recount_reports(agency_id: int) -> None:
    from referrals.reporting.tally import agency_days, tally_refresh_days

    tally_refresh_days(agency_days(agency_id))


# --- Members --------------------------------------------------------------------------------------

ROLE_FIELDS = ("is_caseworker", "is_coordinator", "is_manager", "is_agency_admin")


def _require_admin_of(actor, agency: Agency) -> None:
    if not permissions.is_agency_admin(actor) or actor.membership.agency_id != agency.pk:
        raise PermissionDenied


@transaction.atomic
def member_add(
    *, actor, agency: Agency, email: str, full_name: str, job_title: str = "", roles: dict[str, bool]
) -> User:
    """An agency administrator adds a member to their own agency. The new member sets a password through
    the reset link and enrols a second factor at first sign-in."""
    if actor is not None:
        _require_admin_of(actor, agency)
    if not any(roles.get(f) for f in ROLE_FIELDS):
        raise ValidationError({"roles": "Select at least one role"})
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "A user with that email address already exists"})
    user = User(email=email, full_name=full_name.strip(), job_title=job_title.strip())
    user.set_unusable_password()
    user.full_clean()
    user.save()
    Membership.objects.create(user=user, agency=agency, **{f: bool(roles.get(f)) for f in ROLE_FIELDS})
    return user


@transaction.atomic
def member_update(*, actor, member: User, full_name: str, job_title: str, roles: dict[str, bool]) -> User:
    membership = member.membership
    _require_admin_of(actor, membership.agency)
    if not any(roles.get(f) for f in ROLE_FIELDS):
        raise ValidationError({"roles": "Select at least one role"})
    if member.pk == actor.pk and not roles.get("is_agency_admin"):
        raise ValidationError({"roles": "You cannot remove your own administrator role"})
    member.full_name = full_name.strip()
    member.job_title = job_title.strip()
    member.full_clean()
    member.save()
    for f in ROLE_FIELDS:
        setattr(membership, f, bool(roles.get(f)))
    membership.save()
    return member


def sessions_end_for(user: User) -> int:
    """Delete every session that belongs to this user. Sessions are few and short-lived (30 minutes idle),
    so decoding the live ones is cheap."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    return ended


@transaction.atomic
def member_deactivate(*, actor, member: User) -> User:
    """Deactivate a member: they cannot sign in, and every session they have ends at once."""
    _require_admin_of(actor, member.membership.agency)
    if member.pk == actor.pk:
        raise ValidationError("You cannot deactivate yourself")
    member.is_active = False
    member.save(update_fields=["is_active"])
    sessions_end_for(member)
    return member


@transaction.atomic
def member_reactivate(*, actor, member: User) -> User:
    _require_admin_of(actor, member.membership.agency)
    member.is_active = True
    member.save(update_fields=["is_active"])
    return member


# --- Second factor --------------------------------------------------------------------------------


def has_confirmed_totp(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@transaction.atomic
def totp_enrolment_start(*, user: User) -> TOTPDevice:
    """An unconfirmed authenticator-app device for the QR code. Restarting replaces the unconfirmed one."""
    if has_confirmed_totp(user):
        raise ValidationError("An authenticator app is already set up for this account")
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


@transaction.atomic
def totp_enrolment_confirm(*, user: User, device: TOTPDevice, token: str) -> list[str]:
    """Confirm the device with a code from the app; returns fresh single-use backup codes (shown once)."""
    if device.user_id != user.pk or device.confirmed:
        raise ValidationError("Start setting up your authenticator app again")
    if not device.verify_token(token):
        raise ValidationError({"token": "The code is not correct. Enter the 6-digit code your app shows now"})
    device.confirmed = True
    device.save()
    return backup_codes_regenerate(user=user)


@transaction.atomic
def backup_codes_regenerate(*, user: User) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Backup codes", defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [f"{secrets.randbelow(10**8):08d}" for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def second_factor_devices(user: User) -> list:
    return [
        *TOTPDevice.objects.filter(user=user, confirmed=True),
        *StaticDevice.objects.filter(user=user, confirmed=True),
    ]


def invitation_send(*, user: User, site_url: str) -> None:
    """Email a new member the link to set their password (the password-reset mechanism, one hour)."""
    from django.conf import settings
    from django.contrib.auth.tokens import default_token_generator
    from django.core.mail import send_mail
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = site_url.rstrip("/") + reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    send_mail(
        subject=f"You have been added to {settings.SVD_SERVICE_NAME}",
        message=(
            f"An administrator has added you to {settings.SVD_SERVICE_NAME}.\n\n"
            f"Set your password within one hour using this link:\n{link}\n\n"
            "You will then set up an authenticator app for a second sign-in step."
        ),
        from_email=None,
        recipient_list=[user.email],
    )


def preferences_update(*, user: User, notification_preference: str) -> User:
    user.notification_preference = notification_preference
    user.full_clean()
    user.save(update_fields=["notification_preference"])
    return user
