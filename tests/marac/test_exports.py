"""Exports: the case list and the action tracker as CSV and PDF, coordinators only, each written to the access log,
with spreadsheet formulas neutralised."""

import pytest
from django.urls import reverse

from referrals.models import AccessAction, AccessLog
from tests import factories
from tests.helpers import csv_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def risky(personas):
    """A case whose victim's name and action text would run as formulas in a spreadsheet."""
    case = factories.make_marac_referral(
        personas.owner, accept_by=personas.coordinator, victim={"first_name": "=HYPERLINK(1)", "last_name": "@Sum"}
    )
    meeting = factories.make_published_meeting(personas.coordinator, [case], agencies=[personas.hospital])
    factories.add_action(personas.coordinator, meeting, personas.hospital, days=3, description="+call -the police\tnow")
    return case, meeting


def test_case_list_csv_escapes_formulas_and_is_logged(personas, client_for, risky):
    case, meeting = risky
    response = client_for(personas.coordinator).get(reverse("marac:meeting_cases_csv", args=[meeting.public_id]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0][:3] == ["Position", "Reference", "Victim"]
    assert rows[1][1] == case.reference
    assert rows[1][2] == "'=HYPERLINK(1) @Sum"
    log = AccessLog.objects.get(action=AccessAction.EXPORT_CSV)
    assert log.referral == case and log.record_count == 1 and log.user == personas.coordinator


def test_action_tracker_csv_escapes_formulas_and_is_logged(personas, client_for, risky):
    case, _ = risky
    response = client_for(personas.coordinator).get(reverse("marac:actions_csv"))
    rows = csv_rows(response)
    assert rows[0][0] == "Agency"
    assert rows[1][4] == "'+call -the police\tnow"
    assert rows[1][2] == "'=HYPERLINK(1) @Sum"
    assert (
        AccessLog.objects.filter(action=AccessAction.EXPORT_CSV, referral=case, page="marac:actions_csv").count() == 1
    )


@pytest.mark.parametrize("name", ["marac:meeting_cases_pdf", "marac:actions_pdf"])
def test_pdf_exports(personas, client_for, risky, name):
    case, meeting = risky
    args = [meeting.public_id] if name == "marac:meeting_cases_pdf" else []
    response = client_for(personas.coordinator).get(reverse(name, args=args))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert AccessLog.objects.filter(action=AccessAction.EXPORT_PDF, referral=case, record_count=1).count() == 1


def test_one_log_row_per_exported_case(personas, client_for):
    cases = [factories.make_marac_referral(personas.owner, accept_by=personas.coordinator) for _ in range(3)]
    meeting = factories.make_published_meeting(personas.coordinator, cases, agencies=[personas.hospital])
    client_for(personas.coordinator).get(reverse("marac:meeting_cases_csv", args=[meeting.public_id]))
    logs = AccessLog.objects.filter(action=AccessAction.EXPORT_CSV)
    assert sorted(logs.values_list("referral_id", flat=True)) == sorted(c.pk for c in cases)
    assert set(logs.values_list("record_count", flat=True)) == {3}


def test_exports_are_for_coordinators_only(personas, client_for, risky):
    _, meeting = risky
    urls = [
        reverse("marac:meeting_cases_csv", args=[meeting.public_id]),
        reverse("marac:meeting_cases_pdf", args=[meeting.public_id]),
        reverse("marac:actions_csv"),
        reverse("marac:actions_pdf"),
    ]
    for user in (personas.shared, personas.yv_coordinator, personas.owner, personas.owner_manager):
        client = client_for(user)
        for url in urls:
            assert client.get(url).status_code in (403, 404), (user, url)
    assert not AccessLog.objects.filter(action__in=[AccessAction.EXPORT_CSV, AccessAction.EXPORT_PDF]).exists()
