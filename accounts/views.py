"""Sign-in with two factors, enrolment, and agency administration of members."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import permissions, services
from accounts.forms import (
    EnrolForm,
    GovukSetPasswordForm,
    InvitablePasswordResetForm,
    LoginForm,
    MemberForm,
    PreferencesForm,
    TokenForm,
)
from accounts.middleware import (
    SESSION_SEEN,
    SESSION_STARTED,
    is_fully_authenticated,
    second_factor_not_required,
    second_factor_step_url,
)

ENROL_DEVICE = "svd_enrol_device"


def lockout_username(request, credentials=None) -> str | None:
    """django-axes: the email address an attempt was for, as sign-in matches it (any letter case). Axes would
    otherwise look for the user model's USERNAME_FIELD ("email") and find nothing, because the sign-in form and
    authenticate() call it "username": every attempt would be recorded against no one."""
    value = (credentials or {}).get("username")
    if value is None:
        value = request.POST.get("username") if request is not None else None
    if not isinstance(value, str):
        return None
    return value.strip().lower()[:254] or None


def lockout_response(request, original_response=None, credentials=None):
    """django-axes: too many failures for this email address from this network address. No detail given."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked_out.html", {"cooloff_minutes": minutes}, status=429)


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    """Step one: email and password. The session key changes here (Django's login() cycles it)."""

    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = False

    def form_valid(self, form):
        response = super().form_valid(form)
        now = time.time()
        self.request.session[SESSION_STARTED] = now
        self.request.session[SESSION_SEEN] = now
        return response

    def get_success_url(self):
        next_url = self.get_redirect_url()
        if is_fully_authenticated(self.request):
            return next_url or reverse("home")
        return second_factor_step_url(self.request.user, next_url)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["timed_out"] = self.request.GET.get("timeout") == "1"
        return context


def safe_next(request, default: str | None = None) -> str:
    """The `next` the request carries if it points back into this site; `default` (the home page when not
    given) otherwise."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home") if default is None else default


def _second_factor_passed(request, device) -> None:
    """Mark the session as having passed the second factor, under a new session key: a key seen while the
    session held only a password must not become a fully signed-in one (ASVS 7.2.4)."""
    otp_login(request, device)
    request.session.cycle_key()


@second_factor_not_required
@require_http_methods(["GET", "POST"])
def verify(request):
    """Step two: a code from the authenticator app, or a single-use backup code."""
    if is_fully_authenticated(request):
        return redirect("home")
    if not services.has_confirmed_totp(request.user):
        return redirect("accounts:enrol")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        devices = services.second_factor_devices(request.user)
        throttled = bool(devices) and not any(device.verify_is_allowed()[0] for device in devices)
        for device in devices:
            if device.verify_token(token):
                _second_factor_passed(request, device)
                return HttpResponseRedirect(safe_next(request))
        if throttled:
            # django-otp doubles the wait after each wrong code, so guessing 1,000,000 codes is hopeless.
            form.add_error("token", "There have been too many wrong codes. Wait a minute, then try again")
        else:
            form.add_error("token", "The security code is not correct, or it has already been used")
    return render(request, "accounts/verify.html", {"form": form, "next": request.GET.get("next", "")})


@second_factor_not_required
@require_http_methods(["GET", "POST"])
def enrol(request):
    """Set up an authenticator app: scan the QR code, confirm with a code, then see the backup codes once."""
    if services.has_confirmed_totp(request.user):
        return redirect("accounts:verify" if not is_fully_authenticated(request) else "home")
    device = None
    device_id = request.session.get(ENROL_DEVICE)
    if device_id:
        device = TOTPDevice.objects.filter(pk=device_id, user=request.user, confirmed=False).first()
    if device is None:
        device = services.totp_enrolment_start(user=request.user)
        request.session[ENROL_DEVICE] = device.pk
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.totp_enrolment_confirm(user=request.user, device=device, token=form.cleaned_data["token"])
        except ValidationError as error:
            form.add_error("token", error.message_dict.get("token", error.messages)[0])
        else:
            request.session.pop(ENROL_DEVICE, None)
            _second_factor_passed(request, device)
            return render(request, "accounts/backup_codes.html", {"codes": codes, "first_time": True})
    qr = segno.make(device.config_url, error="m")
    svg = qr.svg_inline(scale=5, title="QR code for your authenticator app", dark="#0b0c0c", light="#ffffff")
    secret = device.config_url.split("secret=")[1].split("&")[0]
    return render(request, "accounts/enrol.html", {"form": form, "qr_svg": svg, "secret": secret})


@require_POST
def backup_codes_regenerate(request):
    codes = services.backup_codes_regenerate(user=request.user)
    return render(request, "accounts/backup_codes.html", {"codes": codes, "first_time": False})


@second_factor_not_required
@require_POST
def logout_view(request):
    logout(request)
    response = redirect("accounts:login")
    response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


@method_decorator(login_not_required, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    form_class = InvitablePasswordResetForm
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        """The link's address comes from SITE_URL, never from the request's Host header."""
        site = urlsplit(settings.SITE_URL)
        form.save(
            domain_override=site.netloc,
            use_https=site.scheme == "https",
            token_generator=self.token_generator,
            from_email=self.from_email,
            email_template_name=self.email_template_name,
            subject_template_name=self.subject_template_name,
            request=self.request,
        )
        return HttpResponseRedirect(self.get_success_url())


@method_decorator(login_not_required, name="dispatch")
class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


@method_decorator(login_not_required, name="dispatch")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Setting a new password never signs anyone in: they sign in with it, then pass the second factor."""

    template_name = "accounts/password_reset_confirm.html"
    form_class = GovukSetPasswordForm
    post_reset_login = False
    success_url = reverse_lazy("accounts:password_reset_complete")


@method_decorator(login_not_required, name="dispatch")
class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# --- Home and preferences -------------------------------------------------------------------------


@require_http_methods(["GET"])
def home(request):
    membership = permissions.membership_of(request.user)
    return render(
        request,
        "accounts/home.html",
        {
            "membership": membership,
            "roles": [role.label for role in membership.roles] if membership else [],
            "can_file": permissions.can_file_referrals(request.user),
            "can_see_cases": permissions.can_see_cases(request.user),
            "is_coordinator": permissions.is_coordinator(request.user),
            "is_manager": permissions.is_manager(request.user),
            "is_agency_admin": permissions.is_agency_admin(request.user),
            "is_system_admin": permissions.is_system_admin(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def preferences(request):
    form = PreferencesForm(
        request.POST or None, initial={"notification_preference": request.user.notification_preference}
    )
    if request.method == "POST" and form.is_valid():
        services.preferences_update(user=request.user, **form.cleaned_data)
        messages.success(request, "Your preferences have been saved")
        return redirect("accounts:preferences")
    return render(request, "accounts/preferences.html", {"form": form})


# --- Agency administration ------------------------------------------------------------------------


@require_http_methods(["GET"])
def members(request):
    people = permissions.members_manageable_by(request.user).order_by("-is_active", "full_name")
    return render(request, "accounts/members.html", {"members": people, "agency": request.user.membership.agency})


@require_http_methods(["GET", "POST"])
def member_add(request):
    permissions.members_manageable_by(request.user)  # 403 unless an agency administrator
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.member_add(
                actor=request.user,
                agency=request.user.membership.agency,
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                job_title=form.cleaned_data["job_title"],
                roles=form.role_flags(),
            )
        except ValidationError as error:
            for field, errs in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errs)
        else:
            services.invitation_send(user=member, site_url=settings.SITE_URL)
            messages.success(request, f"{member.full_name} has been added and sent a link to set a password")
            return redirect("accounts:members")
    return render(request, "accounts/member_form.html", {"form": form, "member": None})


@require_http_methods(["GET", "POST"])
def member_edit(request, public_id):
    member = permissions.member_for_admin(request.user, public_id)
    membership = member.membership
    initial = {
        "full_name": member.full_name,
        "job_title": member.job_title,
        "roles": [f for f in services.ROLE_FIELDS if getattr(membership, f)],
    }
    form = MemberForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_update(
                actor=request.user,
                member=member,
                full_name=form.cleaned_data["full_name"],
                job_title=form.cleaned_data["job_title"],
                roles=form.role_flags(),
            )
        except ValidationError as error:
            for field, errs in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errs)
        else:
            messages.success(request, f"{member.full_name}'s details have been saved")
            return redirect("accounts:members")
    return render(request, "accounts/member_form.html", {"form": form, "member": member})


@require_http_methods(["GET", "POST"])
def member_deactivate(request, public_id):
    member = permissions.member_for_admin(request.user, public_id)
    error = None
    if request.method == "POST":
        try:
            if member.is_active:
                services.member_deactivate(actor=request.user, member=member)
                messages.success(request, f"{member.full_name} has been deactivated and signed out")
            else:
                services.member_reactivate(actor=request.user, member=member)
                messages.success(request, f"{member.full_name} has been reactivated")
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            return redirect("accounts:members")
    return render(request, "accounts/member_deactivate.html", {"member": member, "error": error})
