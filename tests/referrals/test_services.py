"""Services write history, timeline events and permission rows; access follows shares and revocations."""

import pytest
from django.core.exceptions import ValidationError

from accounts import permissions
from accounts.models import AgencyKind, DutyStatus
from referrals import services
from referrals.models import (
    AccessLog,
    EventKind,
    Pathway,
    Person,
    PersonRole,
    Referral,
    ReferralEvent,
    ReferralGroupObjectPermission,
    ShareLevel,
    Status,
)
from referrals.workflow import InvalidTransition
from tests import factories

pytestmark = pytest.mark.django_db


def share(referral, actor, agency, level=ShareLevel.VIEW, basis="svd_s16"):
    return services.referral_share(
        referral=referral,
        actor=actor,
        request=services.ShareRequest(agency=agency, level=level, reason="Needs to know", lawful_basis=basis),
    )


def test_draft_is_visible_only_to_the_owning_agency(personas):
    draft = factories.make_draft(personas.owner)
    assert permissions.referrals_visible_to(personas.owner).filter(pk=draft.pk).exists()
    assert not permissions.referrals_visible_to(personas.yv_coordinator).filter(pk=draft.pk).exists()
    assert not permissions.referrals_visible_to(personas.outsider).filter(pk=draft.pk).exists()


def test_submit_issues_a_reference_and_gives_the_hub_access(personas):
    referral = factories.make_submitted(personas.owner)
    assert referral.status == Status.SUBMITTED
    assert referral.reference.startswith("OB-")
    assert referral.submitted_at is not None
    assert permissions.agency_can(personas.yjs, referral, "change")
    assert not permissions.agency_can(personas.housing, referral)
    kinds = list(ReferralEvent.objects.filter(referral=referral).values_list("kind", flat=True))
    assert EventKind.SUBMITTED in kinds and EventKind.CREATED in kinds


def test_submit_refuses_an_incomplete_referral(personas):
    draft = factories.make_draft(personas.owner)
    with pytest.raises(services.JourneyIncomplete) as excinfo:
        services.referral_transition(referral=draft, actor=personas.owner, name="submit")
    assert "Concerns" in excinfo.value.missing
    assert Referral.objects.get(pk=draft.pk).status == Status.DRAFT


def test_references_are_sequential_per_year(personas):
    first = factories.make_submitted(personas.owner)
    second = factories.make_submitted(personas.owner)
    assert int(second.reference.rsplit("-", 1)[1]) == int(first.reference.rsplit("-", 1)[1]) + 1


def test_history_rows_record_the_acting_user(personas):
    referral = factories.make_submitted(personas.owner)
    services.referral_update(
        referral=referral, actor=personas.owner, data={"summary": "Changed"}, expected_version=referral.version
    )
    latest = Referral.history.filter(id=referral.pk).order_by("-history_date").first()
    assert latest.summary == "Changed"
    assert latest.history_user == personas.owner
    subject_history = Person.history.filter(referral_id=referral.pk)
    assert subject_history.exists()
    assert all(row.history_user_id == personas.owner.pk for row in subject_history)


def test_optimistic_lock_refuses_a_stale_version(personas):
    referral = factories.make_submitted(personas.owner)
    stale = referral.version
    services.referral_update(referral=referral, actor=personas.owner, data={"summary": "A"}, expected_version=stale)
    with pytest.raises(services.EditConflict):
        services.referral_update(
            referral=referral, actor=personas.yv_coordinator, data={"summary": "B"}, expected_version=stale
        )
    assert Referral.objects.get(pk=referral.pk).summary == "A"


def test_only_the_hub_coordinator_accepts(personas):
    referral = factories.make_submitted(personas.owner)
    with pytest.raises(InvalidTransition):
        services.referral_transition(referral=referral, actor=personas.owner, name="accept")
    with pytest.raises(InvalidTransition):
        services.referral_transition(referral=referral, actor=personas.coordinator, name="accept")  # MARAC hub
    accepted = services.referral_transition(referral=referral, actor=personas.yv_coordinator, name="accept")
    assert accepted.status == Status.ACCEPTED and accepted.accepted_at


def test_decline_needs_a_reason_and_is_terminal(personas):
    referral = factories.make_submitted(personas.owner)
    with pytest.raises(ValidationError):
        services.referral_transition(referral=referral, actor=personas.yv_coordinator, name="decline")
    declined = services.referral_transition(
        referral=referral, actor=personas.yv_coordinator, name="decline", reason="Below threshold"
    )
    assert declined.status == Status.DECLINED and declined.decline_reason == "Below threshold"
    with pytest.raises(InvalidTransition):
        services.referral_transition(referral=declined, actor=personas.yv_coordinator, name="accept")
    assert not permissions.can_change_referral(personas.owner, declined)


def test_share_and_revoke_take_effect_on_the_next_query(personas):
    referral = factories.make_submitted(personas.owner)
    assert not permissions.referrals_visible_to(personas.shared).filter(pk=referral.pk).exists()
    granted = share(referral, personas.owner, personas.hospital)
    assert permissions.referrals_visible_to(personas.shared).filter(pk=referral.pk).exists()
    assert not permissions.can_change_referral(personas.shared, referral)  # view only
    services.referral_share_revoke(share=granted, actor=personas.owner, reason="No longer needed")
    assert not permissions.referrals_visible_to(personas.shared).filter(pk=referral.pk).exists()
    kinds = set(ReferralEvent.objects.filter(referral=referral).values_list("kind", flat=True))
    assert {EventKind.SHARED, EventKind.SHARE_REVOKED} <= kinds


def test_contribute_share_gives_change(personas):
    referral = factories.make_submitted(personas.owner)
    share(referral, personas.owner, personas.hospital, level=ShareLevel.CONTRIBUTE)
    assert permissions.can_change_referral(personas.shared, referral)


def test_sharing_rules(personas):
    referral = factories.make_submitted(personas.owner)
    with pytest.raises(services.ShareRefused, match="owns it"):
        share(referral, personas.owner, personas.police)
    share(referral, personas.owner, personas.hospital)
    with pytest.raises(services.ShareRefused, match="already shared"):
        share(referral, personas.owner, personas.hospital)
    with pytest.raises(services.ShareRefused, match="owning agency"):
        share(referral, personas.yv_coordinator, personas.housing)  # the hub cannot share on the owner's behalf
    draft = factories.make_draft(personas.owner)
    with pytest.raises(services.ShareRefused):
        share(draft, personas.owner, personas.hospital)


def test_revoking_one_source_keeps_access_from_another(personas):
    """Access is the union of its sources: revoking a share to the hub agency leaves the hub's own access."""
    referral = factories.make_submitted(personas.owner)
    granted = share(referral, personas.owner, personas.yjs, level=ShareLevel.VIEW)
    services.referral_share_revoke(share=granted, actor=personas.owner)
    assert permissions.agency_can(personas.yjs, referral, "change")


def test_no_model_level_permission_or_superuser_leaks_cases(personas):
    from django.contrib.auth.models import Permission

    referral = factories.make_submitted(personas.owner)
    view_all = Permission.objects.get(codename="view_referral")
    personas.outsider.user_permissions.add(view_all)
    personas.housing.group.permissions.add(view_all)
    personas.outsider.is_superuser = True
    personas.outsider.save()
    assert not permissions.referrals_visible_to(personas.outsider).filter(pk=referral.pk).exists()


def test_deleting_a_referral_leaves_no_permission_rows(personas):
    referral = factories.make_submitted(personas.owner)
    assert ReferralGroupObjectPermission.objects.filter(content_object=referral).exists()
    pk = referral.pk
    Referral.objects.filter(pk=pk).delete()
    assert not ReferralGroupObjectPermission.objects.filter(content_object_id=pk).exists()


def test_permission_rows_carry_the_referrals_order_and_owner(personas):
    """The shared list walks the copies of created_at and "owner's row" on the permission rows, so every write
    must fill them (save), and the migration that added them fills rows already there."""
    import datetime

    from django.apps import apps

    referral = factories.make_submitted(personas.owner)
    share(referral, personas.owner, personas.yjs)
    rows = ReferralGroupObjectPermission.objects.filter(content_object=referral)
    expected = {
        (
            row.group_id,
            row.permission_id,
            referral.created_at,
            row.group_id == personas.owner.membership.agency.group_id,
        )
        for row in rows
    }
    assert {(r.group_id, r.permission_id, r.case_created_at, r.by_owner) for r in rows} == expected
    assert {r.by_owner for r in rows} == {True, False}
    rows.update(case_created_at=referral.created_at - datetime.timedelta(days=400), by_owner=True)
    migration = __import__("referrals.migrations.0007_permission_list_columns", fromlist=["fill"])
    migration.fill(apps, None)
    assert {(r.group_id, r.permission_id, r.case_created_at, r.by_owner) for r in rows.all()} == expected


def test_access_log_records_no_case_content(personas):
    referral = factories.make_submitted(personas.owner, first_name="Zebedee")
    row = services.access_log_record(user=personas.owner, referral=referral, action="view_case", page="x")
    values = " ".join(str(v) for v in AccessLog.objects.filter(pk=row.pk).values().first().values())
    assert "Zebedee" not in values and referral.summary not in values
    with pytest.raises(ValueError, match="append-only"):
        row.save()
    with pytest.raises(ValueError, match="append-only"):
        row.delete()


def test_timeline_is_append_only(personas):
    referral = factories.make_submitted(personas.owner)
    event = ReferralEvent.objects.filter(referral=referral).first()
    event.summary = "rewritten"
    with pytest.raises(ValueError):
        event.save()


def test_subject_cannot_be_removed_but_others_can(personas):
    referral = factories.make_submitted(personas.owner)
    subject = referral.people.get(role=PersonRole.SUBJECT)
    with pytest.raises(ValidationError):
        services.person_remove(referral=referral, actor=personas.owner, person=subject, expected_version=None)
    other = Person(referral=referral, role=PersonRole.CHILD, first_name="Kid", last_name="Sibling")
    services.referral_part_save(
        referral=referral, actor=personas.owner, instance=other, expected_version=None, section="people"
    )
    services.person_remove(referral=referral, actor=personas.owner, person=other, expected_version=None)
    assert not Person.objects.filter(pk=other.pk).exists()
    assert ReferralEvent.objects.filter(referral=referral, kind=EventKind.PERSON_REMOVED).exists()


def test_youth_violence_detail_refuses_25_and_over(personas):
    draft = factories.make_draft(personas.owner)
    with pytest.raises(ValidationError) as excinfo:
        factories.add_youth_violence(draft, personas.owner, age_at_referral=25)
    assert "under 25" in str(excinfo.value)


def test_only_caseworkers_and_coordinators_file(personas):
    with pytest.raises(ValidationError):
        services.referral_create_draft(actor=personas.owner_manager, pathway=Pathway.YOUTH_VIOLENCE)


def test_section_16_sharing_is_only_between_authorities_under_the_duty(personas):
    charity = factories.make_agency(kind=AgencyKind.IDVA, duty_status=DutyStatus.PARTNER, name="Test Charity")
    referral = factories.make_submitted(personas.owner)
    with pytest.raises(services.ShareRefused, match="Test Charity is not one"):
        share(referral, personas.owner, charity, basis="svd_s16")
    assert not permissions.referrals_visible_to(factories.make_user(charity, "caseworker")).exists()
    share(referral, personas.owner, charity, basis="consent")  # another basis is for the owner to judge
    assert permissions.agency_can(charity, referral)
    # the other way round: a partner cannot use s16 to share its own case with a duty authority
    partner_user = factories.make_user(charity, "caseworker")
    own = factories.make_submitted(partner_user)
    with pytest.raises(services.ShareRefused, match="Test Charity is not one"):
        share(own, partner_user, personas.hospital, basis="svd_s16")
