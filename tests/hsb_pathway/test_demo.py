"""Issue 5: the HSB demo data: cases at every stage, AIM3 re-assessments and several orders, all valid by the
models' own rules; running the seed again changes nothing."""

import pytest

from accounts.demo import seed_partnership
from hsb_pathway import demo
from hsb_pathway.models import Assessment, AssessmentKind, HsbDetail, Order, OrderEvent, Stage, StrategyDiscussion
from referrals.demo import seed_referrals
from referrals.models import LawfulBasis, Pathway, Referral, ReferralShare, Status

pytestmark = pytest.mark.django_db


def counts():
    return (
        HsbDetail.objects.count(),
        StrategyDiscussion.objects.count(),
        Assessment.objects.count(),
        Order.objects.count(),
        OrderEvent.objects.count(),
    )


def test_seed_gives_every_stage_and_is_idempotent():
    partnership = seed_partnership()
    seed_referrals(partnership, count=160)
    summary = demo.seed(partnership)
    assert "HSB cases given details" in summary
    hsb = Referral.objects.filter(pathway=Pathway.HSB)
    assert HsbDetail.objects.count() == hsb.count() > 0
    stages = set(HsbDetail.objects.values_list("stage", flat=True))
    assert stages == set(Stage.values), stages
    aim3_cases = Assessment.objects.filter(kind=AssessmentKind.AIM3).values("referral").distinct().count()
    re_assessed = list(Assessment.objects.filter(kind=AssessmentKind.AIM3).values_list("referral", flat=True))
    assert aim3_cases > 0
    assert any(re_assessed.count(r) > 1 for r in set(re_assessed)), "no AIM3 re-assessments"
    assert Order.objects.count() >= 3
    assert OrderEvent.objects.exists()
    for model in (HsbDetail, StrategyDiscussion, Assessment, Order, OrderEvent):
        for row in model.objects.all():
            row.full_clean()
    closed = HsbDetail.objects.filter(referral__status=Status.CLOSED)
    assert all(d.stage == Stage.CLOSED and d.closure_reason for d in closed)
    assert not ReferralShare.objects.filter(
        referral__pathway=Pathway.HSB,
        referral__owner_agency__kind__in=["childrens_social_care", "acute_trust"],
        lawful_basis=LawfulBasis.SVD_S16,
    ).exists()
    before = counts()
    assert demo.seed(partnership) == "HSB demo data already present"
    assert counts() == before
