"""Issue 5: the strategy discussion is due within one working day of the referral being received, across
weekends and England and Wales bank holidays (svd_portal.lib.working_days)."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from hsb_pathway import selectors, services
from hsb_pathway.models import StrategyDiscussion
from referrals.models import EventKind, Referral, ReferralEvent
from tests import factories

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # An ordinary Tuesday: due by the end of Wednesday.
        (at(2025, 6, 10, 9, 30), at(2025, 6, 11, 17, 0)),
        # Friday: the weekend is skipped, due Monday.
        (at(2025, 6, 13, 16, 45), at(2025, 6, 16, 17, 0)),
        # Saturday and Sunday count from the next working day: due Monday.
        (at(2025, 6, 14, 11, 0), at(2025, 6, 16, 17, 0)),
        (at(2025, 6, 15, 23, 59), at(2025, 6, 16, 17, 0)),
        # Maundy Thursday 2025: Good Friday, the weekend and Easter Monday are skipped, due Tuesday 22 April.
        (at(2025, 4, 17, 10, 0), at(2025, 4, 22, 17, 0)),
        # Friday before the late May bank holiday (26 May 2025): due Tuesday 27 May.
        (at(2025, 5, 23, 15, 0), at(2025, 5, 27, 17, 0)),
        # Christmas Eve 2025 (Wednesday): Christmas Day and Boxing Day, then the weekend, due Monday 29 December.
        (at(2025, 12, 24, 12, 0), at(2025, 12, 29, 17, 0)),
    ],
)
def test_strategy_discussion_due_date(personas, received, due):
    referral = factories.make_hsb_referral(personas.owner)
    referral.received_at = received
    assert services.strategy_due_at(referral) == due


def test_late_evening_utc_counts_as_the_next_london_day(personas):
    referral = factories.make_hsb_referral(personas.owner)
    # 23:30 UTC on Friday 13 June 2025 is 00:30 on Saturday in London (BST): due Monday, as for Saturday.
    referral.received_at = datetime.datetime(2025, 6, 13, 23, 30, tzinfo=datetime.UTC)
    assert services.strategy_due_at(referral) == at(2025, 6, 16, 17, 0)


def test_no_due_date_before_the_referral_is_received(personas):
    referral = factories.make_hsb_referral(personas.owner, submit=False)
    assert referral.received_at is None
    assert services.strategy_due_at(referral) is None


def test_overdue_until_held_and_late_is_recorded(personas):
    hub = personas.hsb_coordinator
    referral = factories.make_hsb_referral(personas.owner, received_at=at(2025, 4, 17, 10, 0))
    assert referral.received_at == at(2025, 4, 17, 10, 0)
    status = selectors.strategy_status(referral, now=at(2025, 4, 22, 16, 59))
    assert (status.overdue, status.held_on) == (False, None)
    status = selectors.strategy_status(referral, now=at(2025, 4, 22, 17, 1))
    assert status.overdue is True
    factories.hsb_strategy(referral, hub, held_on=datetime.date(2025, 4, 23))
    referral = Referral.objects.select_related("hsb_strategy").get(pk=referral.pk)
    status = selectors.strategy_status(referral)
    assert (status.overdue, status.on_time) == (False, False)
    event = ReferralEvent.objects.filter(referral=referral, kind=EventKind.PATHWAY).first()
    assert "after the one working day target" in event.summary
    assert event.data["on_time"] is False


def test_held_on_the_due_day_is_on_time(personas):
    referral = factories.make_hsb_referral(personas.owner, received_at=at(2025, 4, 17, 10, 0))
    factories.hsb_strategy(referral, personas.hsb_coordinator, held_on=datetime.date(2025, 4, 22))
    referral = Referral.objects.select_related("hsb_strategy").get(pk=referral.pk)
    assert selectors.strategy_status(referral).on_time is True


def test_a_discussion_cannot_be_dated_before_the_referral_was_received(personas):
    from django.core.exceptions import ValidationError

    referral = factories.make_hsb_referral(personas.owner, received_at=at(2025, 4, 17, 10, 0))
    with pytest.raises(ValidationError) as error:
        factories.hsb_strategy(referral, personas.hsb_coordinator, held_on=datetime.date(2025, 4, 16))
    assert "held_on" in error.value.error_dict
    assert not StrategyDiscussion.objects.filter(referral=referral).exists()


def test_strategy_obligation_follows_the_case(personas):
    hub = personas.hsb_coordinator
    referral = factories.make_hsb_referral(personas.owner, received_at=at(2025, 6, 13, 16, 45))
    owed = services.hsb_obligation_strategy_discussion(referral=referral)
    assert owed.due_at == at(2025, 6, 16, 17, 0)
    assert owed.agency_ids == (personas.childrens.pk,)
    assert owed.key == f"hsb-strategy-{referral.public_id}"
    factories.hsb_strategy(referral, hub, held_on=datetime.date(2025, 6, 16))
    assert services.hsb_obligation_strategy_discussion(referral=referral).due_at is None
