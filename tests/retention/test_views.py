"""The retention pages: a system administrator sets a pathway's periods (with GOV.UK errors that keep what was
typed), sees what the next sweep would erase as counts, and the erasure records; nobody else reaches them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from referrals.models import Pathway, Referral, RetentionRule, Status
from referrals.retention import services as retention
from tests import factories
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db


def test_an_administrator_sees_the_periods_the_counts_due_and_the_erasures(personas, client_for):
    admin = factories.make_sysadmin()
    factories.retention_rule(keep_years=6, basis="ISA section 9")
    factories.close_case(
        factories.make_marac_referral(personas.owner, accept_by=personas.coordinator), personas.coordinator
    )
    due = factories.close_case(
        factories.make_marac_referral(personas.owner, accept_by=personas.coordinator),
        personas.coordinator,
        ended=factories.years_ago(7),
    )
    response = client_for(admin).get(reverse("retention:index"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "6 years" in html and "ISA section 9" in html and "1 ended, 0 drafts" in html
    assert html.count("No period set") == len(Pathway.values) - 1
    assert due.reference not in html  # counts only: an administrator sees no case
    assert "No case has been erased" in html
    assert "up to 20,000 cases a night" in html and "Erasing is switched off" not in html

    retention.sweep(erase_due=True)
    html = client_for(admin).get(reverse("retention:index")).content.decode()
    assert "No case has been erased" not in html and "kept 6 years after it ended" in html
    assert Referral.objects.filter(status=Status.CLOSED).count() == 1


def test_the_retention_page_makes_the_same_queries_however_many_erasures(personas, client_for):
    admin = factories.make_sysadmin()
    factories.retention_rule(Pathway.MARAC)
    factories.retention_rule(Pathway.HSB)
    client = client_for(admin)
    url = reverse("retention:index")
    factories.close_case(
        factories.make_marac_referral(personas.owner, accept_by=personas.coordinator),
        personas.coordinator,
        ended=factories.years_ago(7),
    )
    retention.sweep(erase_due=True)
    one = count_queries(client, url)
    for _ in range(3):
        factories.close_case(
            factories.make_marac_referral(personas.owner, accept_by=personas.coordinator),
            personas.coordinator,
            ended=factories.years_ago(7),
        )
    retention.sweep(erase_due=True)
    assert count_queries(client, url) == one == 8


def test_setting_a_period_shows_gov_uk_errors_and_keeps_what_was_typed(client_for):
    admin = factories.make_sysadmin()
    client = client_for(admin)
    url = reverse("retention:rule", args=["marac"])
    response = client.post(url, {"keep_years": "0", "draft_days": "lots", "basis": "ISA \u202e section 9"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html
    assert "Years to keep a case after it ends must be 1 or more" in html
    assert "Days to keep a draft that was never submitted must be a number" in html
    assert "must not contain control or hidden formatting characters" in html
    assert 'value="lots"' in html
    assert not RetentionRule.objects.exists()

    response = client.post(url, {"keep_years": "6", "draft_days": "90", "basis": "ISA section 9"})
    assert response.status_code == 302 and response.url == reverse("retention:index")
    rule = RetentionRule.objects.get()
    assert (rule.pathway, rule.keep_years, rule.draft_days, rule.updated_by) == ("marac", 6, 90, admin)
    assert 'value="6"' in client.get(url).content.decode()


def test_an_unknown_pathway_is_not_found(client_for):
    assert client_for(factories.make_sysadmin()).get(reverse("retention:rule", args=["nonsense"])).status_code == 404


def test_the_menu_offers_retention_to_administrators_only(personas, client_for):
    assert 'href="/retention/"' in client_for(factories.make_sysadmin()).get("/").content.decode()
    assert 'href="/retention/"' not in client_for(personas.owner_manager).get("/").content.decode()


def test_the_page_says_when_erasing_is_switched_off(client_for, settings):
    settings.SVD_RETENTION_ERASE = False
    html = client_for(factories.make_sysadmin()).get(reverse("retention:index")).content.decode()
    assert "Erasing is switched off on this deployment" in html
