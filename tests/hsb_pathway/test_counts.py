"""Issue 5: HSB referrals and orders by month, aggregated in SQL and scoped by the referrals queryset passed in;
the report pages' provider for the "hsb_orders" measure."""

import datetime

import pytest

from accounts import permissions
from hsb_pathway import selectors
from hsb_pathway.models import OrderKind
from referrals import registry
from referrals.models import Referral
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(personas):
    p = personas
    make = factories.make_hsb_referral
    make(p.owner, received_at=factories.london(2025, 1, 15, 10))
    # late evening on the last day: still January in London
    make(p.owner, received_at=factories.london(2025, 1, 31, 23, 30))
    make(p.owner, received_at=factories.london(2025, 3, 1, 0, 30))
    make(p.owner, submit=False)  # a draft: not received
    factories.make_submitted(p.owner)  # youth violence: not counted
    school = factories.make_agency(short_name="SCH", kind="education")
    teacher = factories.make_user(school, "caseworker")
    make(teacher, received_at=factories.london(2025, 1, 20, 9))  # the police cannot see this one
    return p


def test_referrals_by_month_counts_in_one_query(world, django_assert_num_queries):
    visible = permissions.referrals_visible_to(world.owner)
    with django_assert_num_queries(1):
        rows = selectors.hsb_referrals_by_month(visible, datetime.date(2024, 12, 1), datetime.date(2025, 3, 31))
    assert rows == [
        {"month": datetime.date(2024, 12, 1), "referrals": 0},
        {"month": datetime.date(2025, 1, 1), "referrals": 2},
        {"month": datetime.date(2025, 2, 1), "referrals": 0},
        {"month": datetime.date(2025, 3, 1), "referrals": 1},
    ]
    everyone = selectors.hsb_referrals_by_month(
        Referral.objects.all(), datetime.date(2025, 1, 1), datetime.date(2025, 1, 31)
    )
    assert everyone == [{"month": datetime.date(2025, 1, 1), "referrals": 3}]


def test_orders_by_month_by_kind(world, django_assert_num_queries):
    p = world
    case = Referral.objects.filter(pathway="hsb", owner_agency=p.police, status="submitted").first()
    factories.hsb_order(case, p.owner, made_on=datetime.date(2024, 5, 2))
    factories.hsb_order(case, p.owner, made_on=datetime.date(2024, 5, 30), kind=OrderKind.INTERIM_SHPO)
    factories.hsb_order(
        case,
        p.owner,
        made_on=datetime.date(2024, 7, 1),
        kind=OrderKind.SRO,
        indefinite=False,
        end_on=datetime.date(2026, 7, 1),
    )
    factories.hsb_order(case, p.owner, made_on=datetime.date(2024, 8, 1), kind=OrderKind.OTHER, other_kind="KCPO")
    hidden = Referral.objects.exclude(owner_agency=p.police).get(pathway="hsb")
    teacher = hidden.referrer
    factories.hsb_order(hidden, teacher, made_on=datetime.date(2024, 5, 3))
    visible = permissions.referrals_visible_to(p.owner)
    with django_assert_num_queries(1):
        rows = selectors.hsb_orders_by_month(visible, datetime.date(2024, 5, 1), datetime.date(2024, 8, 31))
    by_month = {row["month"]: row for row in rows}
    assert len(rows) == 4
    assert by_month[datetime.date(2024, 5, 1)] == {
        "month": datetime.date(2024, 5, 1),
        "orders": 2,
        "shpo": 1,
        "interim_shpo": 1,
        "sro": 0,
        "interim_sro": 0,
        "other": 0,
    }
    assert by_month[datetime.date(2024, 6, 1)]["orders"] == 0
    assert (by_month[datetime.date(2024, 7, 1)]["sro"], by_month[datetime.date(2024, 8, 1)]["other"]) == (1, 1)
    everyone = selectors.hsb_orders_by_month(
        Referral.objects.all(), datetime.date(2024, 5, 1), datetime.date(2024, 5, 31)
    )
    assert everyone[0]["shpo"] == 2


def test_report_measure_provider(world, django_assert_num_queries):
    p = world
    case = Referral.objects.filter(pathway="hsb", owner_agency=p.police, status="submitted").first()
    factories.hsb_order(case, p.owner, made_on=datetime.date(2024, 4, 1))
    factories.hsb_order(case, p.owner, made_on=datetime.date(2024, 4, 30))
    factories.hsb_order(case, p.owner, made_on=datetime.date(2025, 3, 31))
    provider = registry.report_measure_provider("hsb_orders")
    assert provider is not None
    scope = permissions.referrals_visible_to(p.owner)
    ranges = {
        "current": (factories.london(2024, 4, 1, 0), factories.london(2025, 4, 1, 0)),
        "april": (factories.london(2024, 4, 1, 0), factories.london(2024, 5, 1, 0)),
        "before": (factories.london(2023, 4, 1, 0), factories.london(2024, 4, 1, 0)),
    }
    with django_assert_num_queries(1):
        totals = provider.totals(scope, ranges)
    assert totals == {"current": 3, "april": 2, "before": 0}
    with django_assert_num_queries(1):
        monthly = provider.monthly(scope, factories.london(2024, 4, 1, 0), factories.london(2025, 4, 1, 0))
    assert monthly == {datetime.date(2024, 4, 1): 2, datetime.date(2025, 3, 1): 1}
