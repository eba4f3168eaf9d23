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
    assert total(personas.coordinator, "shared") == (1 if referral.pathway == "marac" else 0)
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
