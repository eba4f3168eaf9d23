"""Session lifetime and the second factor, enforced on every request (deny by default)."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

SESSION_STARTED = "svd_login_at"
SESSION_SEEN = "svd_seen_at"
# "Last seen" moves on at most this often, so a page view does not write the session row every time (that
# write was a third of a signed-in request's fixed cost). The idle limit then counts from the last write, so
# a session ends up to this many seconds early, never late.
SESSION_TOUCH_SECONDS = 60


class SessionTimeoutMiddleware:
    """End a session after SESSION_IDLE_SECONDS idle or SESSION_ABSOLUTE_SECONDS in all (ASVS 3.3.2).

    The database session's own expiry already enforces the idle limit server-side (the row's expiry moves on
    whenever "last seen" does); this also covers the absolute limit, which sliding expiry cannot."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            started = request.session.get(SESSION_STARTED)
            seen = request.session.get(SESSION_SEEN, started)
            if started is None:
                request.session[SESSION_STARTED] = started = now
            if now - started > settings.SESSION_ABSOLUTE_SECONDS or (
                seen is not None and now - seen > settings.SESSION_IDLE_SECONDS
            ):
                logout(request)
                return redirect(f"{reverse('accounts:login')}?timeout=1")
            if seen is None or now - seen >= SESSION_TOUCH_SECONDS:
                request.session[SESSION_SEEN] = now  # modifies the session: saved, and its expiry moves on
        return self.get_response(request)


def second_factor_not_required(view):
    """Mark a view that a password-only session may reach (log-in, enrolment, verification, log-out)."""
    view.second_factor_not_required = True
    return view


def second_factor_step_url(user, next_url: str = "") -> str:
    """Where a password-only session goes next: the code check, or enrolment if the user has no authenticator
    yet; carrying `next` (already checked as safe by the caller) on."""
    from django.utils.http import urlencode

    from accounts.services import has_confirmed_totp

    step = reverse("accounts:verify" if has_confirmed_totp(user) else "accounts:enrol")
    return f"{step}?{urlencode({'next': next_url})}" if next_url else step


def is_fully_authenticated(request) -> bool:
    user = request.user
    if not user.is_authenticated:
        return False
    if settings.DEMO_MODE and user.is_demo:
        return True
    is_verified = getattr(user, "is_verified", None)  # added by OTPMiddleware; absent just after login()
    return bool(is_verified and is_verified())


class SecondFactorRequiredMiddleware:
    """After LoginRequiredMiddleware: a signed-in user who has not passed the second factor reaches only the
    pages marked second_factor_not_required (and static files, which never reach Django in production)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated:
            return None
        if (
            getattr(view_func, "second_factor_not_required", False)
            or getattr(view_func, "login_required", True) is False
        ):
            return None
        if is_fully_authenticated(request):
            return None
        return redirect(second_factor_step_url(request.user))
