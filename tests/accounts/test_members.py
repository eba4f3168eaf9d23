"""Agency administrators manage their own agency's members and nobody else's, and cannot lock themselves out."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Membership, User
from tests import factories

pytestmark = pytest.mark.django_db


def member_urls(member):
    return [
        reverse("accounts:member_edit", args=[member.public_id]),
        reverse("accounts:member_deactivate", args=[member.public_id]),
    ]


def test_member_list_shows_only_the_admins_agency(personas, client_for):
    response = client_for(personas.owner_admin).get(reverse("accounts:members"))
    assert response.status_code == 200
    body = response.content.decode()
    for same in (personas.owner, personas.owner_manager, personas.owner_admin):
        assert same.email in body
    for other in (personas.outsider, personas.shared, personas.coordinator, personas.idva):
        assert other.email not in body


def test_list_query_count_does_not_grow_with_members(personas, client_for, django_assert_max_num_queries):
    client = client_for(personas.owner_admin)
    url = reverse("accounts:members")
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for n in range(30):
        factories.make_user(personas.police, "caseworker", full_name=f"Extra Member {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert "Extra Member 29" in response.content.decode()


def test_another_agencys_member_is_not_found(personas, client_for):
    admin = client_for(personas.owner_admin)
    target = personas.outsider
    for url in member_urls(target):
        assert admin.get(url).status_code == 404
        data = {"full_name": "Hijacked", "job_title": "", "roles": ["is_agency_admin"]}
        assert admin.post(url, data).status_code == 404
    target.refresh_from_db()
    assert target.is_active and target.full_name == "Otto Outsider"
    assert not target.membership.is_agency_admin


def test_not_found_looks_the_same_as_no_such_member(personas, client_for):
    import uuid

    admin = client_for(personas.owner_admin)
    other = admin.get(reverse("accounts:member_edit", args=[personas.outsider.public_id]))
    missing = admin.get(reverse("accounts:member_edit", args=[uuid.uuid4()]))
    assert other.status_code == missing.status_code == 404
    assert personas.outsider.full_name not in other.content.decode()


@pytest.mark.parametrize("persona", ["owner", "owner_manager", "coordinator"])
def test_members_pages_are_forbidden_without_the_admin_role(personas, client_for, persona):
    client = client_for(getattr(personas, persona))
    member = personas.owner_manager if persona != "owner_manager" else personas.owner
    assert client.get(reverse("accounts:members")).status_code == 403
    for url in [reverse("accounts:member_add"), *member_urls(member)]:
        assert client.get(url).status_code == 403, url
        data = {"full_name": "X", "email": "x@test.svd.invalid", "roles": ["is_caseworker"]}
        assert client.post(url, data).status_code == 403
    member.refresh_from_db()
    assert member.is_active
    assert not User.objects.filter(email="x@test.svd.invalid").exists()


def test_admin_adds_a_member_to_their_own_agency_only(personas, client_for):
    admin = client_for(personas.owner_admin)
    response = admin.post(
        reverse("accounts:member_add"),
        {
            "full_name": "Nina Newstarter",
            "email": "Nina.Newstarter@Test.svd.invalid",
            "job_title": "Detective Constable",
            "roles": ["is_caseworker", "is_manager"],
            "agency": personas.housing.pk,  # not a field: ignored
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="nina.newstarter@test.svd.invalid")
    assert user.membership.agency == personas.police
    assert user.membership.is_caseworker and user.membership.is_manager
    assert not user.membership.is_agency_admin and not user.is_staff
    assert not user.has_usable_password()  # they set one through the emailed link
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
    assert "/accounts/password-reset/" in mail.outbox[0].body


def test_adding_an_existing_email_is_an_error_not_a_duplicate(personas, client_for):
    admin = client_for(personas.owner_admin)
    response = admin.post(
        reverse("accounts:member_add"),
        {"full_name": "Double", "email": personas.outsider.email.upper(), "roles": ["is_caseworker"]},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body and "already exists" in body
    assert User.objects.filter(email__iexact=personas.outsider.email).count() == 1
    personas.outsider.refresh_from_db()
    assert personas.outsider.membership.agency == personas.housing


def test_admin_changes_roles(personas, client_for):
    admin = client_for(personas.owner_admin)
    member = personas.owner
    response = admin.post(
        reverse("accounts:member_edit", args=[member.public_id]),
        {"full_name": "Olive Owner-Smith", "job_title": "Sergeant", "roles": ["is_coordinator"]},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=member)
    assert membership.is_coordinator and not membership.is_caseworker
    member.refresh_from_db()
    assert member.full_name == "Olive Owner-Smith" and member.job_title == "Sergeant"


def test_admin_cannot_deactivate_themselves(personas, client_for):
    me = personas.owner_admin
    client = client_for(me)
    response = client.post(reverse("accounts:member_deactivate", args=[me.public_id]))
    assert response.status_code == 200
    assert "You cannot deactivate yourself" in response.content.decode()
    me.refresh_from_db()
    assert me.is_active
    assert client.get(reverse("home")).status_code == 200


def test_admin_cannot_remove_their_own_admin_role(personas, client_for):
    me = personas.owner_admin
    response = client_for(me).post(
        reverse("accounts:member_edit", args=[me.public_id]), {"full_name": me.full_name, "roles": ["is_caseworker"]}
    )
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert Membership.objects.get(user=me).is_agency_admin


def test_reactivation(personas, client_for):
    admin = client_for(personas.owner_admin)
    url = reverse("accounts:member_deactivate", args=[personas.owner.public_id])
    admin.post(url)
    personas.owner.refresh_from_db()
    assert not personas.owner.is_active
    admin.post(url)
    personas.owner.refresh_from_db()
    assert personas.owner.is_active


def test_deactivation_by_get_changes_nothing(personas, client_for):
    response = client_for(personas.owner_admin).get(
        reverse("accounts:member_deactivate", args=[personas.owner.public_id])
    )
    assert response.status_code == 200
    personas.owner.refresh_from_db()
    assert personas.owner.is_active


def test_an_admin_whose_agency_is_deactivated_manages_nobody(personas, client_for):
    personas.police.is_active = False
    personas.police.save()
    client = client_for(personas.owner_admin)
    assert client.get(reverse("accounts:members")).status_code == 403
    assert client.post(reverse("accounts:member_deactivate", args=[personas.owner.public_id])).status_code == 403
