"""One shared set of factories. Agencies and referrals are made through the services, so their groups and
permission rows are exactly what production would have."""

from __future__ import annotations

import datetime
import itertools

import factory
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Agency, AgencyKind, DutyStatus, Membership, User
from referrals import services
from referrals.models import (
    ConsentGiven,
    IncidentLocation,
    IncidentType,
    InjurySeverity,
    Pathway,
    PathwayHub,
    Person,
    PersonRole,
    Referral,
    Weapon,
    YesNoUnknown,
    YouthViolenceDetail,
    YVRole,
)

_agency_seq = itertools.count(1)
PASSWORD = "correct horse battery staple"  # noqa: S105


def make_agency(
    *,
    short_name: str | None = None,
    kind: str = AgencyKind.POLICE,
    duty_status: str = DutyStatus.SPECIFIED,
    name: str | None = None,
) -> Agency:
    n = next(_agency_seq)
    short_name = short_name or f"AG{n}"
    return account_services.agency_create(
        name=name or f"Test agency {short_name}", short_name=short_name, kind=kind, duty_status=duty_status
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@test.svd.invalid")
    full_name = factory.Sequence(lambda n: f"Test Person {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def make_user(agency: Agency | None, *roles: str, **kwargs) -> User:
    """A user in `agency` holding `roles` (caseworker, coordinator, manager, agency_admin)."""
    user = UserFactory(**kwargs)
    if agency is not None:
        Membership.objects.create(user=user, agency=agency, **{f"is_{role}": True for role in roles})
    return user


def set_hub(pathway: str, agency: Agency) -> None:
    PathwayHub.objects.update_or_create(pathway=pathway, defaults={"agency": agency})


def add_subject(referral: Referral, actor: User, **fields) -> Person:
    data = {"first_name": "Testy", "last_name": "Subjectson", "date_of_birth": datetime.date(2008, 5, 17)}
    data.update(fields)
    person = Person(referral=referral, role=PersonRole.SUBJECT, **data)
    return services.referral_part_save(
        referral=referral, actor=actor, instance=person, expected_version=None, section="subject"
    )


def make_draft(actor: User, pathway: str = Pathway.YOUTH_VIOLENCE, **subject) -> Referral:
    referral = services.referral_create_draft(actor=actor, pathway=pathway)
    add_subject(referral, actor, **subject)
    return Referral.objects.get(pk=referral.pk)


def complete_core(referral: Referral, actor: User) -> Referral:
    return services.referral_update(
        referral=referral,
        actor=actor,
        expected_version=None,
        section="test",
        data={"summary": "Test concerns", "subject_aware": YesNoUnknown.YES, "consent_given": ConsentGiven.YES},
    )


def add_youth_violence(referral: Referral, actor: User, **fields) -> YouthViolenceDetail:
    data = dict(  # noqa: C408 - keyword style matches the model's fields
        role=YVRole.VICTIM,
        age_at_referral=17,
        incident_type=IncidentType.KNIFE_INJURY,
        weapon=Weapon.KNIFE,
        injury_severity=InjurySeverity.SERIOUS,
        location=IncidentLocation.STREET,
    )
    data.update(fields)
    detail = YouthViolenceDetail(referral=referral, **data)
    return services.referral_part_save(
        referral=referral, actor=actor, instance=detail, expected_version=None, section="youth violence"
    )


def make_submitted(actor: User, pathway: str = Pathway.YOUTH_VIOLENCE, **subject) -> Referral:
    """A youth violence referral filed and submitted by `actor` (other pathways add their own details)."""
    referral = make_draft(actor, pathway, **subject)
    referral = complete_core(referral, actor)
    if pathway == Pathway.YOUTH_VIOLENCE:
        add_youth_violence(referral, actor)
    referral = Referral.objects.get(pk=referral.pk)
    return services.referral_transition(referral=referral, actor=actor, name="submit")


def days_ago(n: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=n)


def bulk_referrals(actor: User, count: int, *, shared_with: Agency | None = None) -> list[Referral]:
    """Many submitted referrals at once, for query-count tests (no history rows: not what is under test).
    Permission rows are written exactly as referral_access_sync would write them."""
    from django.contrib.auth.models import Permission

    from referrals.models import ReferralGroupObjectPermission, Status, name_key

    agency = actor.membership.agency
    start = Referral.objects.count()
    referrals = Referral.objects.bulk_create(
        [
            Referral(
                pathway=Pathway.YOUTH_VIOLENCE,
                owner_agency=agency,
                referrer=actor,
                status=Status.SUBMITTED,
                reference=f"BULK-2026-{start + i:07d}",
                summary="Bulk",
                created_at=timezone.now() - datetime.timedelta(minutes=i),
            )
            for i in range(count)
        ]
    )
    Person.objects.bulk_create(
        [
            Person(
                referral=r,
                role=PersonRole.SUBJECT,
                first_name="Bulk",
                last_name=f"Person{i}",
                name_key=name_key("Bulk", f"Person{i}"),
            )
            for i, r in enumerate(referrals)
        ]
    )
    view = Permission.objects.get(content_type__app_label="referrals", codename="view_referral")
    change = Permission.objects.get(content_type__app_label="referrals", codename="change_referral")
    rows = []
    for r in referrals:
        rows += [
            ReferralGroupObjectPermission(group=agency.group, permission=view, content_object=r),
            ReferralGroupObjectPermission(group=agency.group, permission=change, content_object=r),
        ]
        if shared_with is not None:
            rows.append(ReferralGroupObjectPermission(group=shared_with.group, permission=view, content_object=r))
    ReferralGroupObjectPermission.objects.bulk_create(rows)
    return referrals


# --- Reminders and notifications (issue 6) ---------------------------------------------------------


def make_reminder(referral: Referral, *, kind: str = "referral_decision", due_in_minutes: int = -1, **fields):
    """A reminder on `referral`, due `due_in_minutes` from now (negative: already due), made by the service.
    Goes to the owning agency's caseworkers unless `agency`/`user`/`role` say otherwise."""
    from referrals import reminders

    if "user" not in fields:
        fields.setdefault("agency", referral.owner_agency)
        fields.setdefault("role", "caseworker")
    due_at = timezone.now() + datetime.timedelta(minutes=due_in_minutes)
    return reminders.reminder_schedule(kind=kind, referral=referral, due_at=due_at, **fields)


def make_notification(user: User, referral: Referral, **fields):
    """A delivered in-app notification for `user`, as reminders.reminder_deliver leaves it."""
    from referrals.models import Notification, ReminderState

    reminder = make_reminder(referral, user=user, key=f"test:{referral.pk}:{user.pk}:{next(_agency_seq)}")
    reminder.state = ReminderState.SENT
    reminder.save()
    data = {
        "user": user,
        "reminder": reminder,
        "referral": referral,
        "kind": reminder.kind,
        "reference": referral.display_reference,
        "due_at": reminder.due_at,
        "email_state": "sent",
    }
    data.update(fields)
    return Notification.objects.create(**data)
