"""Retention and erasure (security.md scenario 33): past the period a dry run lists the case; the real run
deletes the case, its history rows, its permission rows and its access log, and leaves a tombstone with no
personal data."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts import permissions
from marac import services as marac_services
from marac.models import Action, MaracDetail, MeetingCase, Research
from referrals import services
from referrals.models import (
    AccessLog,
    ErasureRecord,
    Pathway,
    Person,
    PersonRole,
    Referral,
    ReferralEvent,
    ReferralGroupObjectPermission,
    ReferralShare,
    ShareLevel,
    Status,
)
from referrals.reporting.tally import tally_rebuild
from referrals.retention import services as retention
from referrals.retention.services import _history_models
from tests import factories
from tests.helpers import tally_rows

pytestmark = pytest.mark.django_db


def _history_pointing_at(ids: dict[type, set]) -> dict[str, int]:
    """History rows, in every history table, that are one of `ids` or point at one of them by a foreign key."""
    from django.db.models import Q

    found = {}
    for history in _history_models():
        wanted = Q(pk__in=[])
        own = ids.get(history.instance_type)
        if own:
            wanted |= Q(**{f"{history.instance_type._meta.pk.attname}__in": own})
        for fk in history._meta.concrete_fields:
            if fk.is_relation and fk.related_model in ids and fk.name != "history_user":
                wanted |= Q(**{f"{fk.attname}__in": ids[fk.related_model]})
        count = history.objects.filter(wanted).count()
        if count:
            found[history._meta.label] = count
    return found


# --- What is due ---------------------------------------------------------------------------------


def test_with_no_rule_nothing_is_ever_due(personas, marac_case):
    factories.close_case(marac_case, personas.coordinator, ended=factories.years_ago(30))
    assert not retention.due().exists()
    result = retention.sweep(erase_due=True)
    assert result.due == [] and result.erased == []
    assert Referral.objects.filter(pk=marac_case.pk).exists()


def test_due_is_ended_before_the_period_or_a_draft_left_alone(personas):
    factories.retention_rule(keep_years=6, draft_days=90)
    old = factories.close_case(
        factories.make_marac_referral(personas.owner, accept_by=personas.coordinator),
        personas.coordinator,
        ended=factories.years_ago(6, days=2),
    )
    recent = factories.close_case(
        factories.make_marac_referral(personas.owner, accept_by=personas.coordinator),
        personas.coordinator,
        ended=factories.years_ago(6) + datetime.timedelta(days=2),
    )
    still_open = factories.make_marac_referral(personas.owner, accept_by=personas.coordinator)
    Referral.objects.filter(pk=still_open.pk).update(submitted_at=factories.years_ago(20))
    stale_draft = factories.make_marac_referral(personas.owner, submit=False)
    fresh_draft = factories.make_marac_referral(personas.owner, submit=False)
    Referral.objects.filter(pk=stale_draft.pk).update(updated_at=timezone.now() - datetime.timedelta(days=91))
    Referral.objects.filter(pk=fresh_draft.pk).update(updated_at=timezone.now() - datetime.timedelta(days=89))
    factories.drafts_warned_a_week_ago()  # the stale draft's author, not the fresh one's
    other_pathway = factories.make_submitted(personas.owner)  # youth violence: no rule
    Referral.objects.filter(pk=other_pathway.pk).update(status=Status.CLOSED, closed_at=factories.years_ago(30))

    assert set(retention.due().values_list("pk", flat=True)) == {old.pk, stale_draft.pk}
    counts = retention.due_counts()
    assert (counts["marac"].ended, counts["marac"].drafts) == (1, 1)
    assert Pathway.YOUTH_VIOLENCE not in counts
    assert {recent.pk, still_open.pk, fresh_draft.pk} <= set(Referral.objects.values_list("pk", flat=True))


def test_a_dry_run_lists_and_changes_nothing(personas, marac_case):
    factories.retention_rule()
    factories.close_case(marac_case, personas.coordinator, ended=factories.years_ago(7))
    before = (Referral.objects.count(), Person.objects.count(), Person.history.count(), AccessLog.objects.count())
    result = retention.sweep(erase_due=False)
    assert result.due == [marac_case.pk] and result.erased == []
    assert (Referral.objects.count(), Person.objects.count(), Person.history.count(), AccessLog.objects.count()) == (
        before
    )
    assert not ErasureRecord.objects.exists()


def test_the_years_count_back_from_29_february():
    assert retention.years_before(datetime.date(2028, 2, 29), 1) == datetime.date(2027, 2, 28)
    assert retention.years_before(datetime.date(2028, 2, 29), 4) == datetime.date(2024, 2, 29)


# --- Erasing -------------------------------------------------------------------------------------


def _a_full_marac_case(personas, client_for):
    """A MARAC case with everything that can hang off one: a shared agency, a person removed again, DASH,
    MARAC details, a listing at a held meeting with research and an action, a reminder, and the access log of
    its case page. A second case heard at the same meeting must come through untouched."""
    case = factories.make_marac_referral(personas.owner, accept_by=personas.coordinator)
    neighbour = factories.make_marac_referral(  # nobody in common: not a possible repeat of the case
        personas.owner,
        accept_by=personas.coordinator,
        victim={"first_name": "Nell", "last_name": "Neighbour", "date_of_birth": datetime.date(1979, 1, 2)},
        perpetrator={"first_name": "Ned", "last_name": "Nobody", "date_of_birth": datetime.date(1975, 5, 6)},
    )
    removed = factories.add_person(
        case, personas.owner, PersonRole.OTHER, first_name="Rita", last_name="Removed", date_of_birth=None
    )
    removed_id = removed.pk
    services.person_remove(
        referral=case, actor=personas.owner, person=removed, expected_version=Referral.objects.get(pk=case.pk).version
    )
    services.referral_share(
        referral=Referral.objects.get(pk=case.pk),
        actor=personas.owner,
        request=services.ShareRequest(
            agency=personas.housing, level=ShareLevel.VIEW, reason="Tenancy safety", lawful_basis="svd_s16"
        ),
    )
    meeting = factories.make_published_meeting(
        personas.coordinator, [case, neighbour], agencies=[personas.hospital, personas.idva_service], days_ahead=0
    )
    listing = MeetingCase.objects.get(meeting=meeting, referral=case)
    marac_services.research_save(meeting_case=listing, actor=personas.shared, content="Seen at A&E twice")
    factories.hold_meeting(personas.coordinator, meeting, heard=[case, neighbour])
    factories.add_action(personas.coordinator, listing, personas.hospital)
    factories.make_reminder(Referral.objects.get(pk=case.pk), kind="referral_decision")
    assert client_for(personas.owner).get(reverse("referrals:detail", args=[case.public_id])).status_code == 200
    return Referral.objects.get(pk=case.pk), neighbour, meeting, removed_id


def test_erasing_removes_the_case_its_history_permissions_and_access_log(personas, client_for):
    case, neighbour, meeting, removed = _a_full_marac_case(personas, client_for)
    reference, victim = case.reference, case.people.get(role=PersonRole.SUBJECT)
    listing = MeetingCase.objects.get(referral=case)
    parts = {
        Referral: {case.pk},
        Person: {removed, *case.people.values_list("pk", flat=True)},
        MeetingCase: {listing.pk},
        Research: set(Research.objects.filter(meeting_case=listing).values_list("pk", flat=True)),
        Action: set(Action.objects.filter(referral=case).values_list("pk", flat=True)),
        ReferralShare: set(ReferralShare.objects.filter(referral=case).values_list("pk", flat=True)),
    }
    assert all(parts.values()), parts
    assert _history_pointing_at(parts)  # there is history to erase
    assert AccessLog.objects.filter(referral=case).exists()
    neighbour_history = _history_pointing_at({Referral: {neighbour.pk}})
    factories.retention_rule()
    factories.close_case(case, personas.coordinator, ended=factories.years_ago(7))
    tally_before = tally_rows()

    record = retention.erase(referral_id=case.pk)

    assert record is not None
    assert not Referral.objects.filter(pk=case.pk).exists()
    for model, ids in parts.items():
        assert not model.objects.filter(pk__in=ids).exists(), model
    assert not ReferralEvent.objects.filter(referral_id=case.pk).exists()
    assert not ReferralGroupObjectPermission.objects.filter(content_object_id=case.pk).exists()
    assert not AccessLog.objects.filter(referral_reference=reference).exists()
    assert _history_pointing_at(parts) == {}
    # The meeting and the other case heard at it are untouched, history and all.
    assert MeetingCase.objects.filter(meeting=meeting, referral=neighbour).exists()
    assert _history_pointing_at({Referral: {neighbour.pk}}) == neighbour_history
    # The report tally no longer counts it, and agrees with a count from scratch.
    tally_after = tally_rows()
    assert sum(tally_before.values()) - sum(tally_after.values()) >= 1
    tally_rebuild()
    assert tally_rows() == tally_after
    # The tombstone: what, when and why, with no reference and no name in it.
    assert record.pathway == Pathway.MARAC and record.owner_agency == personas.police
    assert record.reason == "ended" and record.keep_for == "6 years after it ended"
    assert record.rows["referrals.Referral"] == 1 and record.rows["referrals.AccessLog"] >= 1
    written = json.dumps(
        {f.attname: str(getattr(record, f.attname)) for f in ErasureRecord._meta.concrete_fields}
    ).lower()
    for personal in (reference, victim.first_name, victim.last_name, str(case.public_id)):
        assert personal.lower() not in written
    with pytest.raises(ValueError):
        record.delete()


def test_another_case_that_names_it_as_an_earlier_referral_keeps_its_history(personas):
    earlier = factories.make_marac_referral(personas.owner, accept_by=personas.coordinator)
    later = factories.make_marac_referral(
        personas.owner,
        accept_by=personas.coordinator,
        victim={"first_name": "Lola", "last_name": "Later", "date_of_birth": datetime.date(1981, 3, 4)},
        perpetrator={"first_name": "Larry", "last_name": "Lone", "date_of_birth": datetime.date(1970, 7, 8)},
    )
    MaracDetail.objects.filter(referral=later).update(repeat_of=earlier)
    detail = MaracDetail.objects.get(referral=later)
    detail._history_user = personas.coordinator
    detail.save()  # a version of the later case's details that names the earlier case
    versions = detail.history.count()
    factories.retention_rule()
    factories.close_case(earlier, personas.coordinator, ended=factories.years_ago(7))

    assert retention.erase(referral_id=earlier.pk) is not None

    detail.refresh_from_db()
    assert detail.repeat_of_id is None
    assert detail.history.count() == versions
    assert Referral.objects.filter(pk=later.pk).exists()


def test_a_case_reopened_since_the_dry_run_is_left_alone(personas, marac_case):
    factories.retention_rule()
    closed = factories.close_case(marac_case, personas.coordinator, ended=factories.years_ago(7))
    due = retention.sweep(erase_due=False).due
    services.referral_transition(referral=closed, actor=personas.coordinator, name="reopen", reason="New incident")
    assert retention.erase(referral_id=due[0]) is None
    assert Referral.objects.filter(pk=marac_case.pk, status=Status.OPEN).exists()


def test_a_stale_draft_is_erased_with_its_people(personas):
    factories.retention_rule(draft_days=30)
    draft = factories.make_marac_referral(personas.owner, submit=False)
    people = set(draft.people.values_list("pk", flat=True))
    Referral.objects.filter(pk=draft.pk).update(updated_at=timezone.now() - datetime.timedelta(days=31))
    assert len(factories.drafts_warned_a_week_ago()) == 1
    result = retention.sweep(erase_due=True)
    assert [r.reason for r in result.erased] == ["draft"]
    assert result.erased[0].keep_for == "30 days as a draft"
    assert not Person.objects.filter(pk__in=people).exists()
    assert _history_pointing_at({Referral: {draft.pk}, Person: people}) == {}


def test_something_outside_the_case_that_depends_on_it_stops_its_erasure(personas, client_for):
    case, neighbour, _meeting, _removed = _a_full_marac_case(personas, client_for)
    listing = MeetingCase.objects.get(referral=case)
    # An action recorded against another case but hung on this case's listing: not part of this case.
    Action.objects.filter(referral=case).update(referral=neighbour)
    assert Action.objects.filter(meeting_case=listing, referral=neighbour).exists()
    factories.retention_rule()
    factories.close_case(case, personas.coordinator, ended=factories.years_ago(7))
    people = Person.objects.filter(referral=case).count()

    result = retention.sweep(erase_due=True)

    assert result.erased == [] and list(result.refused) == [case.pk]
    assert "MARAC actions" in result.refused[case.pk] or "actions" in result.refused[case.pk]
    assert Referral.objects.filter(pk=case.pk).exists()
    assert Person.objects.filter(referral=case).count() == people  # rolled back: nothing half-erased
    assert AccessLog.objects.filter(referral=case).exists()
    assert not ErasureRecord.objects.exists()


# --- Rules ---------------------------------------------------------------------------------------


def test_only_a_system_administrator_sets_the_periods(personas):
    with pytest.raises(PermissionDenied):
        retention.retention_rule_save(
            actor=personas.owner_manager, pathway=Pathway.MARAC, keep_years=6, draft_days=90, basis="x"
        )
    assert permissions.can_manage_retention(factories.make_sysadmin())


def test_a_rule_is_checked_and_its_changes_are_kept(personas):
    admin = factories.make_sysadmin()
    with pytest.raises(ValidationError) as error:
        retention.retention_rule_save(actor=admin, pathway=Pathway.MARAC, keep_years=0, draft_days=3, basis=" ")
    assert {"keep_years", "draft_days", "basis"} <= set(error.value.message_dict)
    rule = retention.retention_rule_save(actor=admin, pathway=Pathway.MARAC, keep_years=6, draft_days=90, basis="ISA")
    retention.retention_rule_save(actor=admin, pathway=Pathway.MARAC, keep_years=7, draft_days=90, basis="ISA v2")
    assert [h.keep_years for h in rule.history.order_by("history_date")] == [6, 7]
    assert {h.history_user for h in rule.history.all()} == {admin}


# --- The command and the nightly task ----------------------------------------------------------------


def test_the_command_lists_by_default_and_erases_when_told(personas, marac_case, capsys):
    factories.retention_rule()
    closed = factories.close_case(marac_case, personas.coordinator, ended=factories.years_ago(7))
    call_command("retention_sweep")
    out = capsys.readouterr().out
    assert closed.reference in out and "nothing was changed" in out
    assert Referral.objects.filter(pk=closed.pk).exists()
    call_command("retention_sweep", "--erase")
    assert "Erased 1 of 1 case(s) due" in capsys.readouterr().out
    assert not Referral.objects.filter(pk=closed.pk).exists()


def test_the_nightly_task_erases_only_when_erasing_is_switched_on(personas, marac_case, settings):
    from referrals.tasks import retention_sweep

    factories.retention_rule()
    factories.close_case(marac_case, personas.coordinator, ended=factories.years_ago(7))
    settings.SVD_RETENTION_ERASE = False
    assert retention_sweep.apply().get() == {"due": 1, "erased": 0, "refused": 0, "warned": 0}
    assert Referral.objects.filter(pk=marac_case.pk).exists()
    settings.SVD_RETENTION_ERASE = True
    settings.SVD_RETENTION_NIGHTLY_LIMIT = 1
    later = factories.close_case(
        factories.make_marac_referral(personas.owner, accept_by=personas.coordinator),
        personas.coordinator,
        ended=factories.years_ago(8),
    )
    # one a night, oldest key first
    assert retention_sweep.apply().get() == {"due": 1, "erased": 1, "refused": 0, "warned": 0}
    assert not Referral.objects.filter(pk=marac_case.pk).exists()
    assert retention_sweep.apply().get() == {"due": 1, "erased": 1, "refused": 0, "warned": 0}
    assert not Referral.objects.filter(pk=later.pk).exists()
    assert "retention-sweep" in settings.CELERY_BEAT_SCHEDULE


# --- What a pathway still needs --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("order", "due"),
    [
        ({"indefinite": True}, False),  # in force until further order
        ({"indefinite": False, "end_on": "years_ago:2"}, False),  # ended within the period: kept
        ({"indefinite": False, "end_on": "years_ago:8"}, True),  # ended before the period: due
        ({"indefinite": True, "discharged_on": "years_ago:8"}, True),  # discharged long ago
        ({"indefinite": True, "discharged_on": "years_ago:1"}, False),  # discharged recently
    ],
)
def test_an_hsb_case_is_kept_while_an_order_needs_it(personas, order, due):
    factories.retention_rule(Pathway.HSB, keep_years=6)
    today = timezone.localdate()

    def day(value):
        return retention.years_before(today, int(value.split(":")[1])) if isinstance(value, str) else value

    referral = factories.make_hsb_referral(personas.owner, accept_by=personas.hsb_coordinator)
    made = retention.years_before(today, 20)
    fields = {name: day(value) for name, value in order.items()}
    factories.hsb_order(referral, personas.hsb_coordinator, made_on=made, **fields)
    Referral.objects.filter(pk=referral.pk).update(status=Status.CLOSED, closed_at=factories.years_ago(10))
    assert retention.due().filter(pk=referral.pk).exists() is due
    assert (retention.erase(referral_id=referral.pk) is not None) is due
