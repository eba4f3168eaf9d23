"""The "Reports" item in the service navigation (registered from ReferralsConfig.ready)."""

from django.urls import reverse

from accounts import permissions
from referrals import registry


def register_reports() -> None:
    registry.register_navigation("Reports", lambda: reverse("reports:index"), permissions.can_open_reports)
