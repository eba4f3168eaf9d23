"""Issue 5: the HSB list pages and the case page run the same queries for few and many rows (pinned)."""

import datetime

import pytest
from django.urls import reverse

from hsb_pathway.models import OrderEvent, OrderEventKind
from hsb_pathway.services import order_event_add
from tests import factories
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db


def test_hsb_case_list_is_fixed_for_few_and_many_cases(personas, client_for, django_assert_max_num_queries):
    hub = personas.hsb_coordinator
    for _ in range(2):
        referral = factories.make_hsb_referral(personas.owner)
        factories.hsb_strategy(referral, hub)
    client = client_for(hub)
    url = reverse("hsb_pathway:case_list")
    few = count_queries(client, url)
    for _ in range(28):  # more than a page (25)
        factories.make_hsb_referral(personas.owner)
    many = count_queries(client, url)
    assert few == many
    # session, user (with membership and agency), OTP device, page, subjects, the HSB hub (navigation) and
    # unread notifications; the unfiltered count is cached until access or a status changes.
    with django_assert_max_num_queries(8):
        assert "30 cases" in client.get(url).content.decode()
    assert count_queries(client, url + "?stage=strategy") == few + 1  # a filtered count is never cached


def _fill(referral, personas, n):
    hub = personas.hsb_coordinator
    for i in range(n):
        factories.hsb_aim3(referral, hub, assessed_on=datetime.date(2024, 1, 1) + datetime.timedelta(days=30 * i))
        factories.hsb_intervention(referral, hub)
        factories.hsb_review(referral, hub, scheduled_for=datetime.date.today() + datetime.timedelta(days=i))  # noqa: DTZ011
        order = factories.hsb_order(referral, personas.owner, made_on=datetime.date(2024, 1, 1 + i))
        for day in (10, 11):
            order_event_add(
                referral=referral,
                actor=personas.owner,
                event=OrderEvent(
                    referral=referral,
                    order=order,
                    kind=OrderEventKind.BREACH,
                    happened_on=datetime.date(2024, 2, day),
                    details="Synthetic",
                ),
                expected_version=None,
            )


@pytest.mark.parametrize(
    ("name", "pinned"),
    [
        # session, user, OTP device, membership, agency, the case, its people, the access-log row, the page's
        # rows (orders: and their events), the change-permission row, the HSB hub (twice: the stage buttons and the
        # navigation), unread notifications, and the session save in a savepoint.
        ("assessments", 16),
        ("interventions", 16),
        ("reviews", 16),
        ("orders", 16),
        ("strategy", 15),
    ],
)
def test_stage_pages_are_fixed(personas, client_for, name, pinned, django_assert_max_num_queries):
    hub = personas.hsb_coordinator
    referral = factories.make_hsb_referral(personas.owner, accept_by=hub)
    factories.hsb_strategy(referral, hub)
    _fill(referral, personas, 1)
    client = client_for(hub)
    url = reverse(f"hsb_pathway:{name}", args=[referral.public_id])
    few = count_queries(client, url)
    _fill(referral, personas, 6)
    assert count_queries(client, url) == few
    with django_assert_max_num_queries(pinned):
        client.get(url)


def test_hsb_case_page_is_fixed(personas, client_for):
    hub = personas.hsb_coordinator
    referral = factories.make_hsb_referral(personas.owner, accept_by=hub)
    factories.hsb_strategy(referral, hub)
    client = client_for(hub)
    url = reverse("referrals:detail", args=[referral.public_id])
    few = count_queries(client, url)
    _fill(referral, personas, 5)
    assert count_queries(client, url) == few
