"""The case lists' counts are cached per agency (permissions.access_counts_cached) and must never be stale:
every change to an agency's view rows goes through referral_access_sync, which moves the cache on."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from referrals import selectors, services
from referrals.models import ShareLevel
from tests import factories

pytestmark = pytest.mark.django_db


def total(user, scope):
    return selectors.case_list(user=user, scope=scope, filters=selectors.CaseFilters()).total


def test_counts_follow_new_referrals_shares_and_revocations(personas):
    cache.clear()
    assert total(personas.owner, "mine") == 0
    referral = factories.make_submitted(personas.owner)
    assert total(personas.owner, "mine") == 1
    assert total(personas.shared, "shared") == 0
    share = services.referral_share(
        referral=referral,
        actor=personas.owner,
        request=services.ShareRequest(
            agency=personas.hospital, level=ShareLevel.VIEW, reason="Working with the family", lawful_basis="svd_s16"
        ),
    )
    assert total(personas.shared, "shared") == 1
    assert referral.pathway == "youth_violence"  # make_submitted's default: the MARAC hub's coordinator never sees it
    assert total(personas.coordinator, "shared") == 0
    services.referral_share_revoke(share=share, actor=personas.owner, reason="No longer involved")
    assert total(personas.shared, "shared") == 0


def test_counts_come_from_the_cache_until_access_changes(personas, django_assert_num_queries):
    cache.clear()
    factories.make_submitted(personas.owner)
    selectors.case_list(user=personas.owner, scope="mine", filters=selectors.CaseFilters())
    with django_assert_num_queries(2):  # the page's ids and rows, and its subjects: no count
        page = selectors.case_list(user=personas.owner, scope="mine", filters=selectors.CaseFilters())
    assert page.total == 1


def test_lists_work_without_a_cache(personas, monkeypatch):
    factories.make_submitted(personas.owner)

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)
    monkeypatch.setattr(cache, "incr", down)
    assert total(personas.owner, "mine") == 1
    factories.make_submitted(personas.owner)
    assert total(personas.owner, "mine") == 2


def test_the_hsb_list_count_follows_status_changes_for_every_agency_that_sees_the_case(personas):
    """Submitting an HSB draft changes no access for its owner, only its status: the owner's cached count of
    live HSB cases must move on too (referral_access_sync(left_draft=True) bumps every agency with access)."""
    from hsb_pathway import selectors as hsb_selectors

    def live(user):
        return hsb_selectors.hsb_case_list(user=user).total

    cache.clear()
    draft = factories.make_hsb_referral(personas.owner, submit=False)
    assert live(personas.owner) == 0 and live(personas.hsb_coordinator) == 0  # both now cached
    services.referral_transition(referral=draft, actor=personas.owner, name="submit")
    assert live(personas.owner) == 1
    assert live(personas.hsb_coordinator) == 1
