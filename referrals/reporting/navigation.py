"""Hooks the reports into the core at start-up (called from ReferralsConfig.ready): the "Reports" item in the
service navigation. Pathway measures are counted by the pathway apps (marac.reporting, hsb_pathway.selectors),
which register their providers from their own AppConfig.ready."""

from django.urls import reverse

from accounts import permissions
from referrals import registry


def register_reports() -> None:
    registry.register_navigation("Reports", lambda: reverse("reports:index"), permissions.can_open_reports)
