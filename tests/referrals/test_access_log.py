"""The access log an agency administrator reads (domain.md §5: users ask for "richer audit-log filtering"): every view
and export of the agency's cases, narrowed by case reference, who, their agency, what they did and when, and
downloaded as CSV; bad filters are errors on the page, never a crash, and never widen what the administrator sees."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals import services
from referrals.models import AccessAction, AccessLog
from tests import factories
from tests.helpers import count_queries, csv_rows

pytestmark = pytest.mark.django_db

URL = "referrals:access_log"
LONDON = timezone.get_default_timezone()


@pytest.fixture
def logged(personas):
    """Views and exports of two Police cases by the owner (Police) and the Youth Justice coordinator, one of them
    ten days ago; and a view of another agency's case, which the Police administrator must never see."""
    first = factories.make_submitted(personas.owner)
    second = factories.make_submitted(personas.owner)
    record = services.access_log_record
    record(user=personas.owner, referral=first, action=AccessAction.VIEW_CASE, page="t")
    old = record(user=personas.yv_coordinator, referral=first, action=AccessAction.VIEW_HISTORY, page="t")
    ten_days_ago = timezone.localdate() - datetime.timedelta(days=10)  # at noon: never near a day's edge
    AccessLog.objects.filter(pk=old.pk).update(at=datetime.datetime.combine(ten_days_ago, datetime.time(12), LONDON))
    record(user=personas.yv_coordinator, referral=second, action=AccessAction.VIEW_CASE, page="t")
    record(user=personas.yv_coordinator, referral=second, action=AccessAction.EXPORT_CSV, page="t", record_count=1)
    theirs = factories.make_submitted(factories.make_user(personas.housing, "caseworker"))
    record(user=personas.yv_coordinator, referral=theirs, action=AccessAction.VIEW_CASE, page="t")
    return first, second, theirs


def _references(client, **params) -> list[str]:
    rows = csv_rows(client.get(reverse("referrals:access_log_csv"), params))
    return [row[3] for row in rows[1:]]


def test_each_filter_narrows_the_log(personas, client_for, logged):
    first, second, theirs = logged
    client = client_for(personas.owner_admin)
    assert sorted(_references(client)) == sorted([first.reference] * 2 + [second.reference] * 2)
    assert _references(client, reference=f" {first.reference.lower()} ") == [first.reference] * 2
    assert _references(client, reference=theirs.reference) == []  # another agency's case: not even by name
    assert _references(client, person="yves") == [second.reference, second.reference, first.reference]
    assert _references(client, person=personas.owner.email.upper()) == [first.reference]
    assert _references(client, agency="other") == [second.reference, second.reference, first.reference]
    assert _references(client, agency=str(personas.police.pk)) == [first.reference]
    assert _references(client, action=AccessAction.EXPORT_CSV) == [second.reference]
    today = timezone.localdate()
    recent = {"seen_from_0": today.day, "seen_from_1": today.month, "seen_from_2": today.year}
    assert sorted(_references(client, **recent)) == sorted([first.reference, second.reference, second.reference])
    ten_days_ago = today - datetime.timedelta(days=10)
    day = {"seen_to_0": ten_days_ago.day, "seen_to_1": ten_days_ago.month, "seen_to_2": ten_days_ago.year}
    assert _references(client, **day) == [first.reference]
    assert _references(client, person="yves", action=AccessAction.VIEW_CASE) == [second.reference]


def test_the_page_shows_the_filtered_rows_and_keeps_the_filters(personas, client_for, logged):
    first, second, _theirs = logged
    response = client_for(personas.owner_admin).get(reverse(URL), {"reference": second.reference, "person": "yves"})
    html = response.content.decode()
    assert "2 records matching the filters" in html
    assert f'value="{second.reference}"' in html and 'value="yves"' in html
    assert "Clear filters" in html
    assert f"reference={second.reference}" in html  # the download carries the filters
    personas.housing.is_active = False
    personas.housing.save()
    html = client_for(personas.owner_admin).get(reverse(URL)).content.decode()
    assert f"{personas.housing.name} (no longer active)" in html  # views by a closed agency can still be found


def test_bad_filters_are_errors_and_show_the_whole_log_with_what_was_typed(personas, client_for, logged):
    client = client_for(personas.owner_admin)
    today = timezone.localdate()
    backwards = {
        "seen_from_0": today.day,
        "seen_from_1": today.month,
        "seen_from_2": today.year,
        "seen_to_0": "1",
        "seen_to_1": "1",
        "seen_to_2": "2020",
        "person": "<script>alert(1)</script>",
    }
    far = {"seen_to_0": "31", "seen_to_1": "12", "seen_to_2": "9999"}
    for params in (
        far,
        backwards,
        {"agency": "99999"},
        {"agency": "1 OR 1=1"},
        {"action": "delete"},
        {"reference": "X" * 500},
        {"seen_from_0": "31", "seen_from_1": "2", "seen_from_2": "2026"},
    ):
        response = client.get(reverse(URL), params)
        assert response.status_code == 200, params
        html = response.content.decode()
        assert "govuk-error-summary" in html and "<script>alert" not in html
        assert ">4 records<" in html  # nothing filtered, and nothing beyond the agency's own
        download = client.get(reverse("referrals:access_log_csv"), params)
        assert download.status_code == 302 and download["Location"].startswith(reverse(URL))  # not everything
    html = client.get(reverse(URL), backwards).content.decode()
    assert "Viewed to must be the same as or after viewed from" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # kept, escaped


def test_the_csv_has_one_line_a_record(personas, client_for, logged):
    _first, second, _theirs = logged
    response = client_for(personas.owner_admin).get(reverse("referrals:access_log_csv"), {"action": "export_csv"})
    rows = csv_rows(response)
    assert rows[0] == ["When", "Who", "Their agency", "Case", "What", "Records", "IP address"]
    exported = AccessLog.objects.filter(user=personas.owner_admin, page="referrals:access_log_csv").get()
    assert (exported.action, exported.record_count, exported.referral) == (AccessAction.EXPORT_CSV, 1, None)
    assert rows[1][1:6] == [
        personas.yv_coordinator.full_name,
        personas.yjs.short_name,
        second.reference,
        "Exported as CSV",
        "1",
    ]


def test_the_page_runs_the_same_queries_filtered_or_not_for_few_rows_or_many(personas, client_for, logged):
    first, _second, _theirs = logged
    client = client_for(personas.owner_admin)
    url = reverse(URL)
    filtered = f"{url}?person=yves&agency=other&action=view_case&reference={first.reference}"
    few = (count_queries(client, url), count_queries(client, filtered))
    for _ in range(30):
        services.access_log_record(user=personas.yv_coordinator, referral=first, action="view_case", page="t")
        factories.make_agency()
    assert (count_queries(client, url), count_queries(client, filtered)) == few


# The count, the page of rows (with who and their agency), the agencies for the filter, and the fixed cost of a
# signed-in page (session, user with membership, second factor, the navigation's badge): measured on PostgreSQL
ACCESS_LOG_PAGE = 7


def test_the_page_query_count_is_pinned(personas, client_for, logged, django_assert_max_num_queries):
    client = client_for(personas.owner_admin)
    with django_assert_max_num_queries(ACCESS_LOG_PAGE):
        client.get(reverse(URL), {"person": "yves", "agency": "other"})


def test_a_draft_is_found_by_the_label_the_log_gives_it(personas, client_for, logged):
    draft = factories.make_draft(personas.owner)
    services.access_log_record(user=personas.owner, referral=draft, action=AccessAction.VIEW_CASE, page="t")
    client = client_for(personas.owner_admin)
    assert _references(client, reference=draft.display_reference.upper()) == [draft.display_reference]
