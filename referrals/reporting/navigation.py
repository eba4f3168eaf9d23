"""Hooks the reports into the core at start-up (called from ReferralsConfig.ready): the "Reports" item in the
service navigation, and fallback counting for pathway measures (providers.py)."""

from django.urls import reverse

from accounts import permissions
from referrals import registry


def register_reports() -> None:
    from referrals.reporting.providers import register_fallback_providers

    registry.register_navigation("Reports", lambda: reverse("reports:index"), permissions.can_open_reports)
    register_fallback_providers()
