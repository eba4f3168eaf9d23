"""What the case-at-a-meeting page offers each viewer comes from accounts.permissions, not the template."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from marac import services
from tests import factories

pytestmark = pytest.mark.django_db


def test_action_links_follow_who_may_view_and_update_the_action(personas, client_for, published, marac_case):
    case = published.cases.get()
    services.action_create(
        meeting_case=case,
        actor=personas.coordinator,
        description="Share the safety plan with the ward",
        agency=personas.hospital,
        due_date=timezone.localdate() + datetime.timedelta(days=7),
    )
    url = reverse("marac:meeting_case", args=[published.public_id, marac_case.public_id])
    hospital_manager = factories.make_user(personas.hospital, "manager")

    def page(user):
        return client_for(user).get(url).content.decode()

    coordinator = page(personas.coordinator)
    assert "(update the action for Test Hospital)" in coordinator
    assert "Add an action" in coordinator and "Share the research" in coordinator
    caseworker = page(personas.shared)  # a caseworker of the hospital, which holds the action
    assert "(update the action for Test Hospital)" in caseworker
    assert "Add an action" not in caseworker and "Share the research" not in caseworker
    manager = page(hospital_manager)  # may see the hospital's actions, not update them
    assert "(view the action for Test Hospital)" in manager and "(update the action" not in manager
    idva = page(personas.idva)  # attends, but the action is another agency's
    assert "the action for Test Hospital)" not in idva and "Share the safety plan with the ward" in idva
