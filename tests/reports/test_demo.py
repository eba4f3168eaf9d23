"""Demo report data: realistic, synthetic, and safe to seed twice."""

import pytest

from accounts.demo import seed_partnership
from referrals.reporting.demo import MONTHS, TARGETS, seed_reports
from referrals.reporting.models import OutcomeMeasureEntry, PartnershipSetting, Target

pytestmark = pytest.mark.django_db


def test_seed_reports_is_idempotent():
    partnership = seed_partnership()
    assert seed_reports(partnership) == f"{len(TARGETS)} targets, {3 * MONTHS} outcome measure figures"
    assert seed_reports(partnership) == "0 targets, 0 outcome measure figures"
    assert Target.objects.count() == len(TARGETS)
    assert OutcomeMeasureEntry.objects.count() == 3 * MONTHS
    assert PartnershipSetting.objects.get().adult_female_population > 0
    assert all(t.history.count() == 1 for t in Target.objects.all())
    # The outside data falls over the 30 months, as the demo's story says
    first = sum(
        OutcomeMeasureEntry.objects.filter(measure="police_knife_u25")
        .order_by("month")
        .values_list("count", flat=True)[:6]
    )
    last = sum(
        OutcomeMeasureEntry.objects.filter(measure="police_knife_u25")
        .order_by("-month")
        .values_list("count", flat=True)[:6]
    )
    assert last < first
