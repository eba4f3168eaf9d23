"""Actions agreed at a meeting and the action tracker: open actions by agency, overdue first; each agency updates
only its own actions."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from marac import selectors, services
from marac.models import Action, ActionStatus
from tests import factories
from tests.helpers import date_fields

pytestmark = pytest.mark.django_db


def test_coordinator_adds_an_action_through_the_page(personas, client_for, published, marac_case):
    client = client_for(personas.coordinator)
    url = reverse("marac:meeting_case_action_add", args=[published.public_id, marac_case.public_id])
    due = timezone.localdate() + datetime.timedelta(days=14)
    response = client.post(
        url,
        {
            "description": "Assess for a management transfer",
            "agency": personas.housing.pk,
            **date_fields("due_date", due),
        },
    )
    assert response.status_code == 302
    action = Action.objects.get()
    assert (action.agency, action.due_date, action.status) == (personas.housing, due, ActionStatus.OPEN)
    assert action.referral == marac_case


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"description": "", "agency": "", "due_date_0": ""}, "Enter the action agreed"),
        ({"description": "x" * 2001}, "2,000 characters or fewer"),
        ({"description": "a\x00b"}, "must not contain control"),
        ({"due_date_0": "30", "due_date_1": "2"}, "Due date must be a real date"),
        ({"due_date_2": "2001"}, "Due date must be today or in the future"),
        ({"agency": "999999"}, "Select a valid option"),
    ],
)
def test_action_form_bad_input(personas, client_for, published, marac_case, data, message):
    due = timezone.localdate() + datetime.timedelta(days=14)
    post = {
        "description": "Assess",
        "agency": personas.housing.pk,
        **date_fields("due_date", due),
        **data,
    }
    url = reverse("marac:meeting_case_action_add", args=[published.public_id, marac_case.public_id])
    response = client_for(personas.coordinator).post(url, post)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Action.objects.exists()


def test_no_actions_on_a_draft_list(personas, marac_case):
    meeting = factories.make_meeting(personas.coordinator, agencies=[personas.hospital])
    services.meeting_cases_add(meeting=meeting, actor=personas.coordinator, referrals=[marac_case])
    with pytest.raises(services.MeetingRefused):
        factories.add_action(personas.coordinator, meeting, personas.housing, days=5)


def test_each_agency_updates_only_its_own_actions(personas, client_for, published):
    housing_action = factories.add_action(personas.coordinator, published, personas.housing, days=7)
    hospital_action = factories.add_action(personas.coordinator, published, personas.hospital, days=7)
    housing = client_for(personas.outsider)
    url = reverse("marac:action", args=[housing_action.public_id])
    assert housing.get(url).status_code == 200
    assert housing.post(url, {"status": "complete", "note": "Locks fitted"}).status_code == 302
    housing_action.refresh_from_db()
    assert housing_action.status == ActionStatus.COMPLETE
    assert housing_action.status_reported_by == personas.outsider
    # another agency's action is not theirs to see or change
    other = reverse("marac:action", args=[hospital_action.public_id])
    assert housing.get(other).status_code == 404
    assert housing.post(other, {"status": "complete"}).status_code == 404
    assert client_for(personas.owner).post(url, {"status": "open"}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.action_update(action=hospital_action, actor=personas.outsider, status="complete")
    # the coordinator can update any
    assert client_for(personas.coordinator).post(other, {"status": "complete"}).status_code == 302


def test_a_manager_may_read_but_not_update(personas, client_for, published):
    police_action = factories.add_action(personas.coordinator, published, personas.police, days=7)
    manager = client_for(personas.owner_manager)
    url = reverse("marac:action", args=[police_action.public_id])
    page = manager.get(url)
    assert page.status_code == 200 and b"Save update" not in page.content
    assert manager.post(url, {"status": "complete"}).status_code == 403


@pytest.mark.parametrize("status", ["changed", "not_completed"])
def test_not_completed_needs_a_reason(personas, client_for, published, status):
    action = factories.add_action(personas.coordinator, published, personas.housing, days=7)
    url = reverse("marac:action", args=[action.public_id])
    response = client_for(personas.outsider).post(url, {"status": status, "note": ""})
    assert response.status_code == 200 and b"Enter why the action was not completed" in response.content
    response = client_for(personas.outsider).post(url, {"status": status, "note": "Victim moved away"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == status


def test_tracker_lists_open_actions_by_agency_overdue_first(personas, client_for, published):
    late = factories.add_action(personas.coordinator, published, personas.housing, days=-3, description="Late one")
    soon = factories.add_action(personas.coordinator, published, personas.housing, days=2, description="Soon one")
    later = factories.add_action(personas.coordinator, published, personas.housing, days=-1, description="Also late")
    hospital = factories.add_action(
        personas.coordinator, published, personas.hospital, days=5, description="Hospital one"
    )
    done = factories.add_action(personas.coordinator, published, personas.housing, days=1, description="Done one")
    services.action_update(action=done, actor=personas.coordinator, status="complete")
    groups = selectors.action_tracker(user=personas.coordinator)
    assert [g.agency for g in groups] == [personas.housing, personas.hospital]  # agencies with overdue first
    assert [a.pk for a in groups[0].actions] == [late.pk, later.pk, soon.pk]
    assert groups[0].overdue == 2
    assert [a.pk for a in groups[1].actions] == [hospital.pk]
    # housing sees only its own
    mine = selectors.action_tracker(user=personas.outsider)
    assert [g.agency for g in mine] == [personas.housing]
    page = client_for(personas.outsider).get(reverse("marac:actions")).content.decode()
    assert "Late one" in page and "Hospital one" not in page and "Done one" not in page
    assert "Overdue" in page


@pytest.mark.parametrize(
    ("status", "note"), [("", "x"), ("finished", "x"), ("complete", "x" * 2_001), ("complete", "a\x00")]
)
def test_action_update_bad_input(personas, client_for, published, status, note):
    action = factories.add_action(personas.coordinator, published, personas.housing, days=7)
    response = client_for(personas.outsider).post(
        reverse("marac:action", args=[action.public_id]), {"status": status, "note": note}
    )
    assert response.status_code == 200 and b"govuk-error-summary" in response.content
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN
