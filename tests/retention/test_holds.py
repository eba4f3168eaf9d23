"""Keeping a case from erasure (a domestic homicide review, proceedings): the owning agency's managers and
coordinators or the hub's coordinators place and release a hold; the sweep erases no held case; the reason is
kept in the hold's history and the timeline says only that the case is kept."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from referrals.models import AccessLog, EventKind, Referral, RetentionHold
from referrals.retention import services as retention
from tests import factories
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def ended_case(personas, marac_case):
    factories.retention_rule()
    return factories.close_case(marac_case, personas.coordinator, ended=factories.years_ago(7))


def test_a_held_case_is_not_due_and_is_erased_once_released(personas, ended_case):
    hold = retention.retention_hold_place(
        referral=ended_case, actor=personas.coordinator, reason="Domestic homicide review, commissioned by the CSP"
    )
    assert hold.placed_by == personas.coordinator
    assert not retention.due().exists()
    assert retention.erase(referral_id=ended_case.pk) is None  # the sweep's own check, under the lock
    assert retention.sweep(erase_due=True).erased == []
    assert Referral.objects.filter(pk=ended_case.pk).exists()

    retention.retention_hold_release(referral=ended_case, actor=personas.owner_manager, reason="Review published")
    assert not RetentionHold.objects.exists()
    versions = list(RetentionHold.history.order_by("history_date"))
    assert [v.history_type for v in versions] == ["+", "-"]
    assert versions[-1].history_user == personas.owner_manager
    assert versions[-1].history_change_reason == "Released: Review published"
    events = ended_case.events.filter(kind=EventKind.RETENTION).order_by("at", "id")
    events = list(events.values_list("summary", flat=True))
    assert events == ["Kept from erasure", "No longer kept from erasure"]  # no reason (it may name people)
    assert [r.pk for r in retention.due()] == [ended_case.pk]


@pytest.mark.parametrize("who", ["owner", "shared", "outsider", "idva"])
def test_only_the_owners_managers_and_coordinators_or_the_hub_keep_a_case(personas, ended_case, who):
    with pytest.raises(PermissionDenied):
        retention.retention_hold_place(referral=ended_case, actor=getattr(personas, who), reason="A review")
    assert not RetentionHold.objects.exists()


def test_a_draft_cannot_be_kept_and_a_case_is_kept_once(personas, ended_case):
    draft = factories.make_marac_referral(personas.owner, submit=False)
    with pytest.raises(PermissionDenied):
        retention.retention_hold_place(referral=draft, actor=personas.owner_manager, reason="A review")
    retention.retention_hold_place(referral=ended_case, actor=personas.owner_manager, reason="A review")
    with pytest.raises(ValidationError):
        retention.retention_hold_place(referral=ended_case, actor=personas.coordinator, reason="Another")
    with pytest.raises(ValidationError):
        retention.retention_hold_release(referral=ended_case, actor=personas.coordinator, reason="  ")
    assert RetentionHold.objects.count() == 1


def test_the_hold_page_keeps_a_case_with_gov_uk_errors_and_logs_the_view(personas, ended_case, client_for):
    client = client_for(personas.owner_manager)
    url = reverse("referrals:retention_hold", args=[ended_case.public_id])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200 and "Enter why the case must be kept" in response.content.decode()
    assert AccessLog.objects.filter(referral=ended_case, page="referrals:retention_hold").exists()
    response = client.post(url, {"reason": "Proceedings at the family court"})
    assert response.status_code == 302
    page = client.get(reverse("referrals:detail", args=[ended_case.public_id])).content.decode()
    assert "Kept from erasure" in page and "Proceedings at the family court" in page
    response = client.post(url, {"reason": ""})
    assert "Enter why the case no longer needs to be kept" in response.content.decode()
    assert client.post(url, {"reason": "Proceedings ended"}).status_code == 302
    assert not RetentionHold.objects.exists()


def test_the_case_page_shows_the_hold_without_another_query(personas, ended_case, client_for):
    client = client_for(personas.owner_manager)
    url = reverse("referrals:detail", args=[ended_case.public_id])
    before = count_queries(client, url)
    retention.retention_hold_place(referral=ended_case, actor=personas.owner_manager, reason="A review")
    assert count_queries(client, url) == before
    assert "Kept from erasure" in client.get(url).content.decode()
    caseworker_page = client_for(personas.owner).get(url).content.decode()
    assert "Kept from erasure" in caseworker_page  # everyone who sees the case sees that it is kept
    assert reverse("referrals:retention_hold", args=[ended_case.public_id]) not in caseworker_page


def test_the_retention_page_counts_kept_cases(personas, ended_case, client_for):
    retention.retention_hold_place(referral=ended_case, actor=personas.owner_manager, reason="A review")
    html = client_for(factories.make_sysadmin()).get(reverse("retention:index")).content.decode()
    assert "1 kept" in html and "None" in html


def test_a_draft_says_when_it_would_be_erased(personas, client_for):
    draft = factories.make_marac_referral(personas.owner, submit=False)
    url = reverse("referrals:detail", args=[draft.public_id])
    assert "may be deleted from" not in client_for(personas.owner).get(url).content.decode()  # no rule yet
    factories.retention_rule(draft_days=30)
    draft.refresh_from_db()
    erased_from = retention.draft_erased_on(draft)
    assert erased_from == timezone.localdate(draft.updated_at + datetime.timedelta(days=30))
    assert f"may be deleted from {erased_from:%-d %B %Y}" in client_for(personas.owner).get(url).content.decode()
    for age, due in ((datetime.timedelta(days=29, hours=23), False), (datetime.timedelta(days=30, hours=1), True)):
        Referral.objects.filter(pk=draft.pk).update(updated_at=timezone.now() - age)
        factories.drafts_warned_a_week_ago()
        assert retention.due().exists() is due
