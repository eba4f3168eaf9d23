"""The MARAC demo data: meetings past and upcoming, case lists, research, actions (some overdue) and repeats;
idempotent."""

import pytest

from accounts.demo import seed_partnership
from marac import demo
from marac.models import Action, Meeting, MeetingStatus, PossibleRepeat, Research
from referrals.demo import seed_referrals

pytestmark = pytest.mark.django_db


def test_seed_is_complete_and_idempotent():
    partnership = seed_partnership()
    seed_referrals(partnership, count=60)
    first = demo.seed(partnership)
    counts = (Meeting.objects.count(), Action.objects.count(), Research.objects.count())
    assert Meeting.objects.filter(status=MeetingStatus.HELD).exists()
    assert Meeting.objects.filter(status=MeetingStatus.PUBLISHED).exists()
    assert Meeting.objects.filter(status=MeetingStatus.DRAFT).exists()
    assert Action.objects.filter(status="open").exists()
    from django.utils import timezone

    assert Action.objects.filter(status="open", due_date__lt=timezone.localdate()).exists()
    assert Research.objects.exists()
    from marac.models import MaracDetail

    assert MaracDetail.objects.filter(is_repeat=True).exists()
    assert PossibleRepeat.objects.exists()
    second = demo.seed(partnership)
    assert (Meeting.objects.count(), Action.objects.count(), Research.objects.count()) == counts
    assert "already" in second and first != second
