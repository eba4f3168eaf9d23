"""The core demo data keeps the rules the services enforce."""

import pytest

from accounts.demo import seed_partnership
from accounts.models import DutyStatus
from referrals.demo import seed_referrals
from referrals.models import LawfulBasis, ReferralShare

pytestmark = pytest.mark.django_db


def test_demo_shares_use_section_16_only_between_authorities_under_the_duty():
    seed_referrals(seed_partnership(), count=120)
    shares = ReferralShare.objects.select_related("agency", "referral__owner_agency")
    assert shares.filter(lawful_basis=LawfulBasis.SVD_S16).exists()
    partner = DutyStatus.PARTNER
    assert shares.filter(agency__duty_status=partner).exists()  # the demo does share with partners
    s16 = shares.filter(lawful_basis=LawfulBasis.SVD_S16)
    assert not s16.filter(agency__duty_status=partner).exists()
    assert not s16.filter(referral__owner_agency__duty_status=partner).exists()
