"""referrals_visible_to counts its agency's view rows while nothing narrows it, and counts the ordinary way once
anything does; both give the same number as counting the referrals one by one."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import permissions
from referrals.models import Pathway, Referral
from tests import factories

pytestmark = pytest.mark.django_db


REFERRALS = connection.ops.quote_name(Referral._meta.db_table)


def _counted(queryset) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        number = queryset.count()
    assert len(queries) == 1
    return number, queries[0]["sql"]


def _by_hand(user, **filters) -> int:
    return sum(
        1
        for referral in Referral.objects.filter(**filters)
        if permissions.agency_of(user) and permissions.agency_can(permissions.agency_of(user), referral)
    )


def test_the_plain_scope_counts_permission_rows_and_agrees_with_the_cases(personas):
    factories.make_draft(personas.owner)
    factories.make_submitted(personas.owner)
    factories.make_draft(personas.owner, pathway=Pathway.MARAC)
    factories.make_draft(personas.outsider)  # another agency's draft: never counted for the owner

    for user in (personas.owner, personas.yv_coordinator, personas.outsider):
        number, sql = _counted(permissions.referrals_visible_to(user))
        assert number == _by_hand(user) == len(list(permissions.referrals_visible_to(user))) > 0
        assert REFERRALS not in sql  # one index over the permission rows, no join


@pytest.mark.parametrize(
    "narrow",
    [
        lambda qs: qs.filter(pathway=Pathway.MARAC),
        lambda qs: qs.exclude(status="draft"),
        lambda qs: qs.filter(pathway=Pathway.MARAC).order_by("-created_at"),
        lambda qs: qs.extra(where=["1 = 0"]),  # noqa: S610 - a fixed clause, no input
        lambda qs: qs.distinct(),
    ],
    ids=["filter", "exclude", "filter-then-order", "extra", "distinct"],
)
def test_anything_that_narrows_the_scope_counts_the_ordinary_way(personas, narrow):
    factories.make_draft(personas.owner)
    factories.make_submitted(personas.owner)
    factories.make_draft(personas.owner, pathway=Pathway.MARAC)

    narrowed = narrow(permissions.referrals_visible_to(personas.owner))
    number, sql = _counted(narrowed)
    assert REFERRALS in sql
    assert number == len(list(narrowed))


def test_ordering_or_related_rows_keep_the_fast_count(personas):
    factories.make_submitted(personas.owner)
    visible = permissions.referrals_visible_to(personas.owner).order_by("-created_at").select_related("owner_agency")
    number, sql = _counted(visible)
    assert REFERRALS not in sql and number == 1


def test_a_sliced_scope_counts_its_slice(personas):
    for _ in range(3):
        factories.make_submitted(personas.owner)
    number, _sql = _counted(permissions.referrals_visible_to(personas.owner).order_by("pk")[:2])
    assert number == 2
