"""Who sees what: publishing gives attending agencies view access (and nobody else); removing a case or withdrawing
an agency takes it away on the next request; research stays private until shared; restricted fields never reach
the HTML of other roles."""

import pytest
from django.urls import reverse

from accounts import permissions
from marac import services
from referrals.models import AccessLog
from tests import factories

pytestmark = pytest.mark.django_db


def detail(referral):
    return reverse("referrals:detail", args=[referral.public_id])


def at_meeting(meeting, referral):
    return reverse("marac:meeting_case", args=[meeting.public_id, referral.public_id])


def test_a_draft_case_list_gives_nobody_access(personas, client_for, marac_case):
    meeting = factories.make_meeting(personas.coordinator, agencies=[personas.hospital])
    services.meeting_cases_add(meeting=meeting, actor=personas.coordinator, referrals=[marac_case])
    hospital = client_for(personas.shared)
    assert hospital.get(detail(marac_case)).status_code == 404
    assert hospital.get(reverse("marac:meeting", args=[meeting.public_id])).status_code == 404


def test_publishing_grants_view_access_to_attending_agencies_only(personas, client_for, marac_case):
    factories.make_published_meeting(personas.coordinator, [marac_case], agencies=[personas.hospital])
    assert client_for(personas.shared).get(detail(marac_case)).status_code == 200
    for outsider in (personas.outsider, personas.idva, personas.yv_coordinator):
        assert client_for(outsider).get(detail(marac_case)).status_code == 404
    assert permissions.referral_access_wanted(marac_case)[personas.hospital.pk] == permissions.VIEW
    # view, not change
    assert not permissions.can_change_referral(personas.shared, marac_case)


def test_removing_a_case_takes_access_away_on_the_next_request(personas, client_for, published, marac_case):
    hospital = client_for(personas.shared)
    assert hospital.get(detail(marac_case)).status_code == 200
    assert hospital.get(at_meeting(published, marac_case)).status_code == 200
    services.meeting_case_remove(
        meeting_case=published.cases.get(), actor=personas.coordinator, reason="Referred in error"
    )
    assert hospital.get(detail(marac_case)).status_code == 404
    assert hospital.get(at_meeting(published, marac_case)).status_code == 404
    page = hospital.get(reverse("marac:meeting", args=[published.public_id])).content.decode()
    assert marac_case.reference not in page


def test_withdrawing_an_agency_takes_access_away_on_the_next_request(personas, client_for, published, marac_case):
    idva = client_for(personas.idva)
    hospital = client_for(personas.shared)
    assert idva.get(detail(marac_case)).status_code == 200
    factories.set_attending(personas.coordinator, published, [personas.hospital])
    assert idva.get(detail(marac_case)).status_code == 404
    assert idva.get(reverse("marac:meeting", args=[published.public_id])).status_code == 404
    assert hospital.get(detail(marac_case)).status_code == 200
    # invited again: access again
    factories.set_attending(personas.coordinator, published, [personas.hospital, personas.idva_service])
    assert idva.get(detail(marac_case)).status_code == 200


def test_withdrawal_through_the_edit_page(personas, client_for, published, marac_case):
    from tests.marac.test_meetings import meeting_post

    coordinator = client_for(personas.coordinator)
    data = meeting_post(agencies=[personas.idva_service.pk])
    response = coordinator.post(reverse("marac:meeting_edit", args=[published.public_id]), data)
    assert response.status_code == 302
    assert client_for(personas.shared).get(detail(marac_case)).status_code == 404


def test_an_agency_owning_an_open_action_can_see_the_case_until_it_is_done(personas, client_for, published, marac_case):
    housing = client_for(personas.outsider)
    assert housing.get(detail(marac_case)).status_code == 404
    action = factories.add_action(personas.coordinator, published, personas.housing, description="Fit extra locks")
    assert housing.get(detail(marac_case)).status_code == 200
    services.action_update(action=action, actor=personas.outsider, status="complete")
    assert housing.get(detail(marac_case)).status_code == 404


def research(client, meeting, referral, text):
    url = reverse("marac:meeting_case_research", args=[meeting.public_id, referral.public_id])
    return client.post(url, {"content": text})


def test_research_is_private_to_its_agency_and_coordinators_until_shared(personas, client_for, published, marac_case):
    hospital, idva = client_for(personas.shared), client_for(personas.idva)
    coordinator = client_for(personas.coordinator)
    assert research(hospital, published, marac_case, "A&E attendance with facial injuries, 2 March").status_code == 302
    assert research(idva, published, marac_case, "Known to IDVA since January").status_code == 302
    page = at_meeting(published, marac_case)
    hospital_view = hospital.get(page).content.decode()
    idva_view = idva.get(page).content.decode()
    coordinator_view = coordinator.get(page).content.decode()
    assert "A&amp;E attendance" in hospital_view and "Known to IDVA" not in hospital_view
    assert "Known to IDVA" in idva_view and "A&amp;E attendance" not in idva_view
    assert "A&amp;E attendance" in coordinator_view and "Known to IDVA" in coordinator_view
    # never through the case's change history either
    for client in (hospital, idva, client_for(personas.owner)):
        history = client.get(reverse("referrals:history", args=[marac_case.public_id])).content.decode()
        assert "A&amp;E attendance" not in history and "Known to IDVA" not in history
    # the meeting shares it
    response = coordinator.post(
        reverse("marac:meeting_case_share_research", args=[published.public_id, marac_case.public_id])
    )
    assert response.status_code == 302
    assert "Known to IDVA" in hospital.get(page).content.decode()
    assert "A&amp;E attendance" in idva.get(page).content.decode()


def test_research_form_bad_input_and_update_in_place(personas, client_for, published, marac_case):
    hospital = client_for(personas.shared)
    for value in ("", "x" * 10_001, "bad\x00text"):
        response = research(hospital, published, marac_case, value)
        assert response.status_code == 200 and b"govuk-error-summary" in response.content
    research(hospital, published, marac_case, "First version")
    research(hospital, published, marac_case, "Second version")
    item = published.cases.get().research.get()
    assert item.content == "Second version" and item.agency == personas.hospital


def test_only_attending_caseworkers_record_research(personas, published, marac_case):
    case = published.cases.get()
    assert permissions.can_record_research(personas.shared, case)
    assert not permissions.can_record_research(personas.coordinator, case)  # CSP is not attending
    assert not permissions.can_record_research(personas.outsider, case)
    with pytest.raises(permissions.PermissionDenied):
        services.research_save(meeting_case=case, actor=personas.outsider, content="Sneaky")


RESTRICTED = ["Afraid of the ex-partner and his brother", "Her sister, by text after 6pm", "Her mother-in-law"]


def test_restricted_fields_only_for_owner_idva_and_coordinators(personas, client_for, published, marac_case):
    # The Hospital and the IDVA service both attend, so both can see the case.
    for user, shown in (
        (personas.owner, True),
        (personas.owner_manager, True),
        (personas.coordinator, True),
        (personas.idva, True),
        (personas.shared, False),
    ):
        body = client_for(user).get(detail(marac_case)).content.decode()
        assert "Risk level" in body  # the MARAC section is there for everyone who can see the case
        for text in RESTRICTED:
            assert (text in body) is shown, (user, text)
        history = client_for(user).get(reverse("referrals:history", args=[marac_case.public_id])).content.decode()
        for text in RESTRICTED:
            assert (text in history) is shown, (user, text, "history")


def test_another_pathways_coordinator_does_not_see_restricted_fields(personas, client_for, marac_case):
    """The youth violence hub's coordinator attends a MARAC meeting: they see the case as any attending
    agency does, not the victim's safety answers, which are for the MARAC hub's coordinators."""
    factories.make_published_meeting(personas.coordinator, [marac_case], agencies=[personas.yjs])
    client = client_for(personas.yv_coordinator)
    body = client.get(detail(marac_case)).content.decode()
    assert "Risk level" in body
    history = client.get(reverse("referrals:history", args=[marac_case.public_id])).content.decode()
    for text in RESTRICTED:
        assert text not in body and text not in history, text
    assert client.get(reverse("marac:safety", args=[marac_case.public_id])).status_code == 403


def test_restricted_fields_never_on_meeting_pages_or_exports(personas, client_for, published, marac_case):
    coordinator = client_for(personas.coordinator)
    pages = [
        reverse("marac:meeting", args=[published.public_id]),
        at_meeting(published, marac_case),
        reverse("marac:meeting_minutes", args=[published.public_id]),
        reverse("marac:meeting_cases_csv", args=[published.public_id]),
    ]
    for url in pages:
        body = coordinator.get(url).content.decode("utf-8-sig")
        for text in RESTRICTED:
            assert text not in body, url


def test_safety_page_for_those_who_may_see_restricted_fields(personas, client_for, published, marac_case):
    url = reverse("marac:safety", args=[marac_case.public_id])
    owner = client_for(personas.owner)
    page = owner.get(url)
    assert page.status_code == 200 and RESTRICTED[0].encode() in page.content
    response = owner.post(
        url, {"victim_afraid_of": "Only him now", "safe_to_contact": "Sister", "version": marac_case.version}
    )
    assert response.status_code == 302
    marac_case.marac.refresh_from_db()
    assert marac_case.marac.victim_afraid_of == "Only him now"
    assert client_for(personas.shared).get(url).status_code == 403
    assert client_for(personas.outsider).get(url).status_code == 404
    assert AccessLog.objects.filter(referral=marac_case, page="marac:safety", user=personas.owner).exists()


def test_safety_page_refuses_a_stale_version(personas, client_for, marac_case):
    url = reverse("marac:safety", args=[marac_case.public_id])
    response = client_for(personas.owner).post(
        url, {"victim_afraid_of": "Changed", "safe_to_contact": "Sister", "version": marac_case.version - 1}
    )
    assert response.status_code == 200 and b"Someone else changed this referral" in response.content
    marac_case.marac.refresh_from_db()
    assert marac_case.marac.victim_afraid_of != "Changed"


def test_viewing_a_case_at_a_meeting_is_logged(personas, client_for, published, marac_case):
    client_for(personas.shared).get(at_meeting(published, marac_case))
    log = AccessLog.objects.get(user=personas.shared, page="marac:meeting_case")
    assert log.referral == marac_case and log.owner_agency == personas.police
