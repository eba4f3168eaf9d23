"""The candidate list reads the derived MaracDetail.waiting_since (a partial index) instead of looking at every
open case's listings. A case missing from it is a victim not heard, so the marker is checked against its
definition (accepted or open, never heard) through every move that can change it."""

import pytest
from django.apps import apps
from django.db.models import Exists, OuterRef
from django.utils import timezone

from marac import selectors, services
from marac.models import MaracDetail, MeetingCase
from referrals import services as referral_services
from referrals.models import Referral
from tests import factories

pytestmark = pytest.mark.django_db


hold = factories.hold_meeting


def move(referral, actor, name, reason="Test"):
    return referral_services.referral_transition(
        referral=Referral.objects.get(pk=referral.pk), actor=actor, name=name, reason=reason
    )


def by_definition(user) -> set[int]:
    """The candidate list as it was defined before the marker: accepted or open, never heard, not on the list
    of a meeting still to come."""
    from accounts import permissions

    heard = MeetingCase.objects.filter(referral=OuterRef("pk"), removed_at__isnull=True, heard_at__isnull=False)
    upcoming = MeetingCase.objects.filter(
        referral=OuterRef("pk"), removed_at__isnull=True, meeting__status__in=["draft", "published"]
    )
    visible = permissions.referrals_visible_to(user).filter(pathway="marac", status__in=["accepted", "open"])
    return set(visible.exclude(Exists(heard)).exclude(Exists(upcoming)).values_list("pk", flat=True))


def markers_agree():
    for detail in MaracDetail.objects.select_related("referral"):
        assert detail.waiting_since == services.waiting_since_for(detail.referral), detail.referral.reference


def test_the_marker_follows_acceptance_meetings_closing_and_reopening(personas):
    p = personas
    today = timezone.localdate()

    def case():
        return factories.make_marac_referral(p.owner, accept_by=p.coordinator)

    waiting, listed, heard, not_heard, closed_then_reopened, heard_then_reopened = (case() for _ in range(6))
    submitted = factories.make_marac_referral(p.owner)
    declined = factories.make_marac_referral(p.owner)
    move(declined, p.coordinator, "decline")
    markers_agree()

    factories.make_meeting(p.coordinator, agencies=[p.hospital], days_ahead=30)
    draft = factories.make_meeting(p.coordinator, agencies=[p.hospital], days_ahead=40)
    services.meeting_cases_add(meeting=draft, actor=p.coordinator, referrals=[listed])
    past = factories.make_published_meeting(
        p.coordinator, [heard, not_heard, heard_then_reopened], agencies=[p.hospital], days_ahead=0
    )
    assert past.date == today
    hold(p.coordinator, past, [heard, heard_then_reopened])
    markers_agree()

    move(closed_then_reopened, p.coordinator, "close")
    move(heard_then_reopened, p.coordinator, "close")
    markers_agree()
    assert MaracDetail.objects.get(referral=closed_then_reopened).waiting_since is None
    move(closed_then_reopened, p.coordinator, "reopen")
    move(heard_then_reopened, p.coordinator, "reopen")
    markers_agree()

    found = {row.referral.pk for row in selectors.candidates(user=p.coordinator)}
    assert found == by_definition(p.coordinator)
    assert found == {waiting.pk, not_heard.pk, closed_then_reopened.pk}
    assert submitted.pk not in found and declined.pk not in found

    # taken off the draft list, the listed case is a candidate again
    case_row = draft.cases.get(referral=listed)
    services.meeting_case_remove(meeting_case=case_row, actor=p.coordinator, reason="Not ready")
    found = {row.referral.pk for row in selectors.candidates(user=p.coordinator)}
    assert listed.pk in found and found == by_definition(p.coordinator)
    markers_agree()


def test_the_migration_fills_the_marker_for_cases_already_there(personas):
    p = personas
    kept = factories.make_marac_referral(p.owner, accept_by=p.coordinator)
    heard = factories.make_marac_referral(p.owner, accept_by=p.coordinator)
    meeting = factories.make_published_meeting(p.coordinator, [heard], agencies=[p.hospital], days_ahead=0)
    hold(p.coordinator, meeting, [heard])
    MaracDetail.objects.update(waiting_since=None)  # as before the field existed
    migration = __import__("marac.migrations.0002_waiting_since", fromlist=["fill_waiting_since"])
    migration.fill_waiting_since(apps, None)
    markers_agree()
    assert MaracDetail.objects.get(referral=kept).waiting_since is not None
