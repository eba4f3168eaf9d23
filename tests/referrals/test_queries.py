"""List pages and the case page run a fixed number of queries, whatever the number of cases."""

import pytest
from django.urls import reverse

from referrals import services
from referrals.models import ShareLevel
from tests import factories
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("scope", ["mine", "shared"])
def test_case_lists_run_the_same_queries_for_10_and_1000_cases(personas, client_for, scope):
    owner = personas.owner if scope == "mine" else personas.shared
    url = reverse("referrals:list") + ("?scope=shared" if scope == "shared" else "")
    factories.bulk_referrals(personas.owner, 10, shared_with=personas.hospital)
    client = client_for(owner)
    few = count_queries(client, url)
    factories.bulk_referrals(personas.owner, 990, shared_with=personas.hospital)
    many = count_queries(client, url)
    assert few == many
    assert many <= 13, many  # pinned: session, user, OTP device, membership, navigation badges, counts, page, subjects


def test_filtered_list_is_also_fixed(personas, client_for):
    factories.bulk_referrals(personas.owner, 5)
    client = client_for(personas.owner)
    url = reverse("referrals:list") + "?pathway=youth_violence&status=submitted"
    few = count_queries(client, url)
    factories.bulk_referrals(personas.owner, 200)
    assert count_queries(client, url) == few


def test_case_page_queries_do_not_grow_with_people_shares_or_events(personas, client_for):
    referral = factories.make_submitted(personas.owner)
    client = client_for(personas.owner)
    url = reverse("referrals:detail", args=[referral.public_id])
    few = count_queries(client, url)
    for agency in (personas.hospital, personas.housing, personas.idva_service):
        services.referral_share(
            referral=referral,
            actor=personas.owner,
            request=services.ShareRequest(agency=agency, level=ShareLevel.VIEW, reason="r", lawful_basis="svd_s16"),
        )
    for i in range(5):
        services.referral_update(
            referral=referral, actor=personas.owner, data={"summary": f"v{i}"}, expected_version=None
        )
    assert count_queries(client, url) == few
    assert few <= 30, few


def test_history_page_queries_are_fixed(personas, client_for):
    referral = factories.make_submitted(personas.owner)
    client = client_for(personas.owner)
    url = reverse("referrals:history", args=[referral.public_id])
    few = count_queries(client, url)
    for i in range(10):
        services.referral_update(
            referral=referral, actor=personas.owner, data={"summary": f"v{i}"}, expected_version=None
        )
    assert count_queries(client, url) == few


def test_access_log_page_is_fixed(personas, client_for):
    referral = factories.make_submitted(personas.owner)
    client = client_for(personas.owner_admin)
    url = reverse("referrals:access_log")
    few = count_queries(client, url)
    for _ in range(30):
        services.access_log_record(user=personas.owner, referral=referral, action="view_case", page="t")
    assert count_queries(client, url) == few
