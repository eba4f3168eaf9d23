"""One shared set of factories. Agencies and referrals are made through the services, so their groups and
permission rows are exactly what production would have."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

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
from referrals.reporting.models import Direction, PeriodKind, Target, TargetType

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
    for row in rows:
        row.copy_from_referral()  # what save() does, which bulk_create skips
    ReferralGroupObjectPermission.objects.bulk_create(rows)
    return referrals


# --- HSB pathway (hsb_pathway) ---------------------------------------------------------------------


def add_hsb_details(referral: Referral, actor: User, **fields):
    """The HSB pathway's journey pages answered (behaviour and screening) for a 14 year old."""
    from hsb_pathway import services as hsb_services
    from hsb_pathway.models import BrookAgeBand, BrookRating, HackettCategory, HsbDetail, ParentsTold, Setting

    data = dict(  # noqa: C408 - keyword style matches the model's fields
        age_at_behaviour=14,
        concern="Synthetic test concern",
        setting=Setting.SCHOOL,
        victim_identified=YesNoUnknown.YES,
        victim_age=11,
        victim_relationship="Younger pupil",
        parents_told=ParentsTold.YES,
        brook_rating=BrookRating.RED,
        brook_age_band=BrookAgeBand.BAND_13_17,
        hackett_category=HackettCategory.ABUSIVE,
    )
    data.update(fields)
    detail = HsbDetail(referral=referral, **data)
    return hsb_services.hsb_detail_save(
        referral=referral, actor=actor, detail=detail, expected_version=None, section="test"
    )


def make_hsb_referral(
    actor: User,
    *,
    submit: bool = True,
    accept_by: User | None = None,
    details: dict | None = None,
    received_at: datetime.datetime | None = None,
    **subject,
) -> Referral:
    """An HSB referral filed by `actor` (subject born 17 May 2008 unless given), submitted unless submit=False
    (at `received_at` if given: the clock the submit service reads is set, nothing is back-dated by hand), and
    accepted by `accept_by` (the HSB hub coordinator) if given."""
    from unittest import mock

    referral = make_draft(actor, Pathway.HSB, **subject)
    referral = complete_core(referral, actor)
    add_hsb_details(referral, actor, **(details or {}))
    referral = Referral.objects.get(pk=referral.pk)
    if not submit:
        return referral
    if received_at is not None:
        with mock.patch("django.utils.timezone.now", return_value=received_at):
            referral = services.referral_transition(referral=referral, actor=actor, name="submit")
    else:
        referral = services.referral_transition(referral=referral, actor=actor, name="submit")
    if accept_by is not None:
        referral = services.referral_transition(referral=referral, actor=accept_by, name="accept")
    return Referral.objects.get(pk=referral.pk)


def hsb_strategy(referral: Referral, actor: User, **fields):
    from hsb_pathway import services as hsb_services
    from hsb_pathway.models import Route, StrategyDiscussion

    data = {
        "held_on": timezone.localdate(),
        "participants": "Children's social care, police, youth justice service",
        "route": Route.CHILD_PROTECTION,
        "lead_agency": actor.membership.agency,
    }
    data.update(fields)
    return hsb_services.strategy_discussion_save(
        referral=referral, actor=actor, discussion=StrategyDiscussion(referral=referral, **data), expected_version=None
    )


def hsb_aim3(referral: Referral, actor: User, *, ratings=(2, 2, 3, 3, 2), **fields):
    from hsb_pathway import services as hsb_services
    from hsb_pathway.models import AIM3_DOMAINS, Assessment, AssessmentKind

    data = {
        "kind": AssessmentKind.AIM3,
        "assessed_on": timezone.localdate(),
        "assessor": "Test Assessor",
        "summary": "Synthetic formulation",
        "next_assessment_on": timezone.localdate() + datetime.timedelta(days=90),
        **{name: rating for (name, _), rating in zip(AIM3_DOMAINS, ratings, strict=True)},
    }
    data.update(fields)
    return hsb_services.assessment_add(
        referral=referral, actor=actor, assessment=Assessment(referral=referral, **data), expected_version=None
    )


def hsb_intervention(referral: Referral, actor: User, **fields):
    from hsb_pathway import services as hsb_services
    from hsb_pathway.models import FamilyEngagement, Intervention, PlanType

    data = {
        "plan_type": PlanType.SAFETY,
        "plan": "Synthetic safety plan",
        "provider_agency": actor.membership.agency,
        "start_on": timezone.localdate(),
        "sessions_attended": 0,
        "family_engagement": FamilyEngagement.ENGAGED,
    }
    data.update(fields)
    return hsb_services.intervention_save(
        referral=referral, actor=actor, intervention=Intervention(referral=referral, **data), expected_version=None
    )


def hsb_review(referral: Referral, actor: User, **fields):
    """A review through the service, scheduled a week ahead unless `scheduled_for` is given (with `held_on` and
    `outcome`, already held)."""
    from hsb_pathway import services as hsb_services
    from hsb_pathway.models import Review

    data = {"scheduled_for": timezone.localdate() + datetime.timedelta(days=7)}
    data.update(fields)
    return hsb_services.review_save(
        referral=referral, actor=actor, review=Review(referral=referral, **data), expected_version=None
    )


def hsb_move(referral: Referral, actor: User, name: str, **kwargs):
    from hsb_pathway import services as hsb_services

    return hsb_services.stage_move(referral=Referral.objects.get(pk=referral.pk), actor=actor, name=name, **kwargs)


def hsb_order(referral: Referral, actor: User, **fields):
    from hsb_pathway import services as hsb_services
    from hsb_pathway.models import Order, OrderKind

    data = {
        "kind": OrderKind.SHPO,
        "made_on": datetime.date(2024, 3, 10),
        "applicant_agency": actor.membership.agency,
        "court": "Test Magistrates' Court",
        "indefinite": True,
        "prohibitions": "Synthetic: no unsupervised contact with children under 16",
    }
    data.update(fields)
    return hsb_services.order_save(
        referral=referral, actor=actor, order=Order(referral=referral, **data), expected_version=None
    )


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
        "link": f"/cases/{referral.public_id}/",
        "due_at": reminder.due_at,
        "email_state": "sent",
    }
    data.update(fields)
    return Notification.objects.create(**data)


# --- MARAC (issue 4: marac app) ----------------------------------------------------------------------


def local_noon(days_before_today: int = 0) -> datetime.datetime:
    """Noon, London time, `days_before_today` calendar days ago: a moment whose local date is exact."""
    day = timezone.localdate() - datetime.timedelta(days=days_before_today)
    return datetime.datetime.combine(day, datetime.time(12, 0), tzinfo=timezone.get_current_timezone())


def dash_answers(yes: int, dont_know: int = 0) -> dict[str, str]:
    """Answers to the DASH checklist with `yes` questions answered yes (the first ones), then don't knows."""
    from marac import dash

    keys = dash.keys_for(dash.FORM_VERSION)
    return {key: "yes" if i < yes else ("dont_know" if i < yes + dont_know else "no") for i, key in enumerate(keys)}


def add_dash(referral: Referral, actor: User, yes: int = 15, **kwargs):
    from marac import services as marac_services

    return marac_services.dash_assessment_save(
        referral=Referral.objects.get(pk=referral.pk),
        actor=actor,
        answers=dash_answers(yes),
        info_source=kwargs.pop("info_source", "victim"),
        info_source_detail=kwargs.pop("info_source_detail", ""),
        expected_version=None,
    )


def add_person(referral: Referral, actor: User, role: str, **fields) -> Person:
    person = Person(referral=referral, role=role, **fields)
    return services.referral_part_save(
        referral=referral, actor=actor, instance=person, expected_version=None, section="people"
    )


MARAC_VICTIM = {
    "first_name": "Vicky",
    "last_name": "Victimson",
    "date_of_birth": datetime.date(1990, 4, 12),
    "gender": "female",
}
MARAC_PERPETRATOR = {
    "first_name": "Percy",
    "last_name": "Perpetratorson",
    "date_of_birth": datetime.date(1987, 9, 3),
    "relationship": "Ex-partner",
}


def add_marac_detail(referral: Referral, actor: User, **fields):
    from marac import services as marac_services
    from marac.models import MaracDetail

    data = {
        "perpetrator_relationship": "ex_partner",
        "children_in_household": 1,
        "incidents_last_12_months": 1,
        "previous_marac": YesNoUnknown.NO,
        "victim_afraid_of": "Afraid of the ex-partner and his brother",
        "safe_to_contact": "Her sister, by text after 6pm",
        "not_safe_to_contact": "Her mother-in-law",
    }
    data.update(fields)
    referral = Referral.objects.get(pk=referral.pk)
    detail = marac_services.detail_of(referral) or MaracDetail(referral=referral)
    for name, value in data.items():
        setattr(detail, name, value)
    return marac_services.marac_detail_save(
        referral=referral, actor=actor, detail=detail, expected_version=None, section="test", check_judgement=False
    )


def make_marac_referral(
    actor: User,
    *,
    dash_yes: int = 15,
    victim: dict | None = None,
    perpetrator: dict | None = None,
    submit: bool = True,
    accept_by: User | None = None,
    submitted_days_ago: int | None = None,
    **detail,
) -> Referral:
    """A MARAC referral filed by `actor`: victim, alleged perpetrator (perpetrator={} for none), DASH with
    `dash_yes` yes answers, MARAC details (override with keyword arguments); submitted unless submit=False,
    then accepted by `accept_by` if given. `submitted_days_ago` back-dates an earlier submission (before
    anything else is filed), for repeat tests."""
    referral = make_draft(actor, Pathway.MARAC, **{**MARAC_VICTIM, **(victim or {})})
    referral = complete_core(referral, actor)
    if perpetrator != {}:
        add_person(referral, actor, PersonRole.ALLEGED_PERPETRATOR, **{**MARAC_PERPETRATOR, **(perpetrator or {})})
    add_dash(referral, actor, yes=dash_yes)
    add_marac_detail(referral, actor, **detail)
    referral = Referral.objects.get(pk=referral.pk)
    if not submit:
        return referral
    referral = services.referral_transition(referral=referral, actor=actor, name="submit")
    if submitted_days_ago is not None:
        from referrals.reporting.tally import tally_refresh_days

        moved_from = timezone.localtime(referral.submitted_at).date()
        referral.submitted_at = referral.received_at = local_noon(submitted_days_ago)
        referral._history_user = actor
        referral.save()
        tally_refresh_days([moved_from, referral.submitted_at.date()])  # the report tally, as for any submission
    if accept_by is not None:
        referral = services.referral_transition(
            referral=Referral.objects.get(pk=referral.pk), actor=accept_by, name="accept"
        )
    return Referral.objects.get(pk=referral.pk)


def make_meeting(coordinator: User, *, agencies=(), days_ahead: int = 7, **fields):
    from marac import services as marac_services

    date = timezone.localdate() + datetime.timedelta(days=days_ahead)
    data = {
        "date": date,
        "start_time": datetime.time(10, 0),
        "duration_minutes": 180,
        "venue_kind": "online",
        "venue": "Video call (link sent by the coordinator)",
        "chair": "DI Sam Chair",
        "referral_cutoff": date - datetime.timedelta(days=7),
    }
    data.update(fields)
    return marac_services.meeting_create(actor=coordinator, data=data, agencies=list(agencies))


def hold_meeting(coordinator: User, meeting, heard):
    """Mark a published meeting (dated today or earlier) as held, with the confidentiality statement
    acknowledged and `heard` (referrals) heard."""
    from marac import services as marac_services

    meeting.confidentiality_acknowledged_at = timezone.now()
    meeting._history_user = coordinator
    meeting.save()
    cases = [c for c in meeting.cases.filter(removed_at__isnull=True) if c.referral_id in {r.pk for r in heard}]
    return marac_services.meeting_mark_held(meeting=meeting, actor=coordinator, heard=cases)


def make_published_meeting(coordinator: User, referrals, *, agencies=(), **fields):
    """A meeting attended by `agencies`, listing `referrals` (accepted MARAC referrals), published."""
    from marac import services as marac_services

    meeting = make_meeting(coordinator, agencies=agencies, **fields)
    marac_services.meeting_cases_add(meeting=meeting, actor=coordinator, referrals=list(referrals))
    return marac_services.meeting_publish(meeting=meeting, actor=coordinator)


def set_attending(coordinator: User, meeting, agencies):
    """Change which agencies attend `meeting` and nothing else about it, through the service the edit page
    uses: an agency left out is withdrawn (on a published meeting it loses the access the list gave it at
    once), one added is invited."""
    from marac import services as marac_services

    data = {name: getattr(meeting, name) for name in marac_services.MEETING_FIELDS}
    return marac_services.meeting_update(meeting=meeting, actor=coordinator, data=data, agencies=list(agencies))


# --- Reports (issue 7) -----------------------------------------------------------------------------

_report_seq = itertools.count(1)


def add_action(coordinator: User, case, agency: Agency, *, days: int = 7, due_date=None, description="Do a thing"):
    """An action agreed for `case` (a listed meeting case, or a published meeting listing exactly one case), owned by
    `agency` and due in `days` days (or on `due_date`)."""
    from marac import services as marac_services
    from marac.models import Meeting

    if isinstance(case, Meeting):
        case = case.cases.get()
    return marac_services.action_create(
        meeting_case=case,
        actor=coordinator,
        description=description,
        agency=agency,
        due_date=due_date or timezone.localdate() + datetime.timedelta(days=days),
    )


def make_target(
    manager: User,
    measure: str,
    value,
    *,
    period_kind: str = PeriodKind.ROLLING_12,
    year: int | None = None,
    target_type: str = TargetType.ABSOLUTE,
    direction: str = Direction.INCREASE,
) -> Target:
    """A target set by `manager` through the service (so with its history row): unless told, a number for the
    rolling 12 months where an increase is good. `year` is for a financial or calendar year target."""
    from referrals.reporting import services as reporting_services

    target, _ = reporting_services.target_set(
        actor=manager,
        measure=measure,
        period_kind=period_kind,
        year=year,
        target_type=target_type,
        value=Decimal(value),
        direction=direction,
    )
    return target


def make_reported_referral(
    actor: User,
    *,
    pathway: str = Pathway.MARAC,
    submitted_at: datetime.datetime,
    incident_type: str = IncidentType.OTHER_ASSAULT,
    share_with: Agency | None = None,
    **victim,
) -> Referral:
    """A submitted referral back-dated to `submitted_at`, made as the demo data is (model saves with history,
    access through permissions.referral_access_sync), because the services stamp "now". Quick enough to make
    dozens for the report tests. `victim` sets fields on the subject (gender, ethnicity, disability...)."""
    from accounts import permissions
    from referrals.models import LawfulBasis, ReferralShare, ShareLevel, Status

    agency = permissions.agency_of(actor)
    referral = Referral(
        pathway=pathway,
        owner_agency=agency,
        referrer=actor,
        status=Status.SUBMITTED,
        reference=f"RPT-{next(_report_seq):06d}",
        summary="Synthetic report test case",
        subject_aware=YesNoUnknown.YES,
        consent_given=ConsentGiven.YES,
        created_at=submitted_at,
        submitted_at=submitted_at,
        received_at=submitted_at,
    )
    referral._history_user = actor
    referral.save()
    subject = Person(referral=referral, role=PersonRole.SUBJECT, first_name="Report", last_name="Subject", **victim)
    subject._history_user = actor
    subject.save()
    if pathway == Pathway.YOUTH_VIOLENCE:
        detail = YouthViolenceDetail(
            referral=referral,
            role=YVRole.VICTIM,
            age_at_referral=17,
            incident_type=incident_type,
            weapon=Weapon.KNIFE if incident_type == IncidentType.KNIFE_INJURY else Weapon.NONE,
            injury_severity=InjurySeverity.SERIOUS,
            location=IncidentLocation.STREET,
        )
        detail._history_user = actor
        detail.save()
    if share_with is not None:
        share = ReferralShare(
            referral=referral,
            agency=share_with,
            level=ShareLevel.VIEW,
            reason="Report test",
            lawful_basis=LawfulBasis.SVD_S16,
            shared_by=actor,
        )
        share._history_user = actor
        share.save()
    permissions.referral_access_sync(referral)
    return referral


def london(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime.datetime:
    """An aware London moment, for back-dating test data."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=timezone.get_default_timezone())


def make_sysadmin(**kwargs) -> User:
    """A system administrator: no agency, keeps the outside data and the population setting."""
    return make_user(None, is_staff=True, **kwargs)


# --- Retention (referrals.retention) ------------------------------------------------------------------


def years_ago(years: int, days: int = 0) -> datetime.datetime:
    """This moment `years` years ago (28 February for 29 February), less `days` days."""
    from referrals.retention.services import years_before

    now = timezone.localtime()
    return datetime.datetime.combine(years_before(now.date(), years), now.timetz()) - datetime.timedelta(days=days)


def retention_rule(pathway: str = Pathway.MARAC, *, keep_years: int = 6, draft_days: int = 90, basis: str = "ISA s9"):
    """A pathway's retention periods, set by a system administrator through the service."""
    from referrals.retention.services import retention_rule_save

    return retention_rule_save(
        actor=make_sysadmin(), pathway=pathway, keep_years=keep_years, draft_days=draft_days, basis=basis
    )


def drafts_warned_a_week_ago() -> list[int]:
    """What the nightly sweep and the reminders did a week (WARN_DAYS) ago: warn the authors of the drafts then
    due within a week that they may be deleted, and deliver the warnings. Returns the warnings' ids."""
    from referrals import reminders
    from referrals.models import Reminder, ReminderKind, ReminderState
    from referrals.retention.services import WARN_DAYS, draft_warnings_schedule

    then = timezone.now() - datetime.timedelta(days=WARN_DAYS)
    draft_warnings_schedule(now=then)
    waiting = Reminder.objects.filter(kind=ReminderKind.DRAFT_ERASURE, state=ReminderState.PENDING)
    warnings = list(waiting.values_list("pk", flat=True))
    for pk in warnings:
        reminders.reminder_deliver(reminder_id=pk, now=then)
    return warnings


def close_case(referral: Referral, actor: User, *, ended: datetime.datetime | None = None) -> Referral:
    """Close `referral` through the workflow (as `actor`, its hub's coordinator), then move its end to `ended`."""
    closed = services.referral_transition(
        referral=Referral.objects.get(pk=referral.pk), actor=actor, name="close", reason="Safety plan in place"
    )
    if ended is not None:
        Referral.objects.filter(pk=closed.pk).update(closed_at=ended)
    return Referral.objects.get(pk=closed.pk)
