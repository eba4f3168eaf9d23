"""The cases due for erasure in the next 30 days, for those who may keep them: the owning agency's managers and
coordinators, and the hub's coordinators. Never a held case, another agency's case they cannot keep, or a case
due later."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals.models import Referral
from referrals.retention import services as retention
from tests import factories
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db


def _ended(actor, closer, *, years: int, days: int = 0) -> Referral:
    case = factories.make_marac_referral(actor, accept_by=closer)
    return factories.close_case(case, closer, ended=factories.years_ago(years, days=days))


def test_a_manager_sees_their_agencys_cases_due_in_the_next_30_days(personas, client_for):
    factories.retention_rule(keep_years=6)
    soon = _ended(personas.owner, personas.coordinator, years=6, days=-10)  # period ends in 10 days
    later = _ended(personas.owner, personas.coordinator, years=6, days=-40)
    held = _ended(personas.owner, personas.coordinator, years=6, days=-5)
    retention.retention_hold_place(referral=held, actor=personas.owner_manager, reason="A review")
    others = _ended(personas.outsider, personas.coordinator, years=6, days=-10)  # Housing's case

    mine = set(retention.due_soon_for(personas.owner_manager).values_list("pk", flat=True))
    assert mine == {soon.pk}
    hub = set(retention.due_soon_for(personas.coordinator).values_list("pk", flat=True))
    assert hub == {soon.pk, others.pk}  # the MARAC hub's coordinator keeps any MARAC case they can see
    assert not retention.due_soon_for(personas.owner).exists()  # a caseworker does not decide
    assert later.pk not in hub

    html = client_for(personas.owner_manager).get(reverse("referrals:due_for_erasure")).content.decode()
    assert soon.reference in html and later.reference not in html and held.reference not in html
    assert others.reference not in html


def test_the_erased_from_day_is_the_first_day_the_sweep_erases_it(personas):
    rule = factories.retention_rule(keep_years=6)
    case = _ended(personas.owner, personas.coordinator, years=6, days=-3)
    first = retention.erased_from(case, rule)
    noon = datetime.time(12, tzinfo=timezone.get_default_timezone())
    day_before = datetime.datetime.combine(first - datetime.timedelta(days=1), noon)
    assert not retention.due(now=day_before).filter(pk=case.pk).exists()
    assert retention.due(now=datetime.datetime.combine(first, noon)).filter(pk=case.pk).exists()


def test_the_list_makes_the_same_queries_however_many_cases(personas, client_for):
    factories.retention_rule(keep_years=6)
    client = client_for(personas.owner_manager)
    url = reverse("referrals:due_for_erasure")
    _ended(personas.owner, personas.coordinator, years=6, days=-10)
    one = count_queries(client, url)
    for days in (-11, -12, -13):
        _ended(personas.owner, personas.coordinator, years=6, days=days)
    assert count_queries(client, url) == one == 8  # the rules are read once (they were twice)
    assert "4 cases you can keep" in client.get(url).content.decode()


def test_the_case_list_links_to_it_only_for_those_who_can_keep_cases(personas, client_for):
    link = reverse("referrals:due_for_erasure")
    assert link in client_for(personas.owner_manager).get(reverse("referrals:list")).content.decode()
    assert link not in client_for(personas.owner).get(reverse("referrals:list")).content.decode()
