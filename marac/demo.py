"""Synthetic MARAC demo data, on top of the demo referrals (referrals.demo): DASH checklists and MARAC details for
every demo MARAC referral, repeats (confirmed and one for a coordinator to check), past meetings with their case
lists, attendance, research and actions (some overdue), an upcoming published meeting and a draft one.

Every person and case is invented. Rows are written with model saves attributed to a demo user (so history
records them) because the services stamp "now", which a back-dated demo cannot use; access is then put in step
through accounts.permissions.referral_access_sync, exactly as the services leave it. Safe to run again.
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from accounts import permissions
from accounts.demo import Partnership
from marac import dash, services
from marac.models import (
    Action,
    ActionStatus,
    Attendance,
    DashAssessment,
    IdvaContact,
    MaracDetail,
    Meeting,
    MeetingAgency,
    MeetingCase,
    MeetingStatus,
    PerpetratorRelationship,
    PossibleRepeat,
    Research,
    VenueKind,
    referrer_category_for,
)
from referrals.demo import demo_event, demo_save
from referrals.models import Pathway, PersonRole, Referral, Status, YesNoUnknown

ATTENDING = ["OBP", "SHDAS", "OBH", "OBC-HSG", "OBC-CS", "PS-OB", "OBMH", "RPCN"]
RESEARCHERS = {
    "OBP": ("police.caseworker", "Synthetic demo: 3 call-outs to the address since January; bail conditions in place."),
    "OBH": ("health.caseworker", "Synthetic demo: A&E attendance with bruising in February; safeguarding flag added."),
    "OBC-HSG": ("housing.caseworker", "Synthetic demo: tenancy in victim's sole name; no housing register entry."),
    "SHDAS": ("idva.caseworker", "Synthetic demo: IDVA contact made; victim wants a non-molestation order."),
}
ACTIONS = [
    ("OBP", "Add a warning marker to the address and review bail conditions."),
    ("SHDAS", "Support the victim to apply for a non-molestation order."),
    ("OBC-HSG", "Assess for the sanctuary scheme and fit extra locks."),
    ("OBH", "Flag the record so staff see the MARAC plan at any attendance."),
    ("OBC-CS", "Check whether the children need a child and family assessment."),
    ("PS-OB", "Raise the risk with the offender manager and review licence conditions."),
]


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=timezone.get_current_timezone())


def _details(referrals, rng: random.Random) -> None:
    """A DASH checklist and MARAC details for each demo MARAC referral that has none."""
    keys = dash.keys_for(dash.FORM_VERSION)
    for referral in referrals:
        actor = referral.referrer
        yes = min(24, max(0, int(rng.gauss(15, 4))))
        chosen = set(rng.sample(keys, yes))
        answers = {key: "yes" if key in chosen else rng.choice(["no", "no", "no", "dont_know"]) for key in keys}
        assessment = DashAssessment(
            referral=referral, answers=answers, completed_by=actor, completed_at=referral.created_at
        )
        assessment.score_refresh()
        demo_save(assessment, actor, clean=True)
        judged = "high" if yes < 14 and rng.random() < 0.5 else ""
        contact_on, contact = _idva_contact(referral, rng)
        demo_save(
            MaracDetail(
                referral=referral,
                perpetrator_relationship=rng.choice(PerpetratorRelationship.values[:3]),
                children_in_household=rng.choice([0, 0, 1, 1, 2, 3]),
                incidents_last_12_months=rng.choice([0, 1, 2, 3, 4, 6]),
                previous_marac=rng.choice([YesNoUnknown.NO] * 5 + [YesNoUnknown.UNKNOWN]),
                judged_band=judged,
                judgement_rationale="Synthetic demo: recent non-fatal strangulation reported." if judged else "",
                victim_afraid_of="Synthetic demo: the alleged perpetrator and his brother.",
                safe_to_contact="Synthetic demo: her sister, by text after 6pm.",
                not_safe_to_contact="Synthetic demo: the alleged perpetrator's mother.",
                idva_contact_on=contact_on,
                idva_contact=contact,
                referrer_category=referrer_category_for(referral.owner_agency)
                if referral.status != Status.DRAFT
                else "",
            ),
            actor,
            clean=True,
        )


def _idva_contact(referral: Referral, rng: random.Random) -> tuple[datetime.date | None, str]:
    """Most submitted cases older than a few days have the IDVA service's first contact recorded; the newest
    have none yet, so the coordinator's view shows some still due."""
    if referral.submitted_at is None or rng.random() < 0.15:
        return None, ""
    submitted_on = timezone.localdate(referral.submitted_at)
    contact_on = submitted_on + datetime.timedelta(days=rng.choice([0, 1, 1, 2]))
    if contact_on > timezone.localdate() - datetime.timedelta(days=3):
        return None, ""
    return contact_on, rng.choice([IdvaContact.ENGAGED] * 6 + [IdvaContact.DECLINED] * 2 + [IdvaContact.NOT_REACHED])


def _copy_people(source: Referral, target: Referral, *, same_dob: bool) -> None:
    """Make `target` name the same victim and alleged perpetrator as `source` (synthetic people)."""
    old = {p.role: p for p in source.people.all()}
    for person in target.people.all():
        match = old.get(person.role)
        if match is None or person.role not in (PersonRole.SUBJECT, PersonRole.ALLEGED_PERPETRATOR):
            continue
        person.first_name, person.last_name = match.first_name, match.last_name
        if same_dob or person.role != PersonRole.SUBJECT:
            person.date_of_birth = match.date_of_birth
        else:
            person.date_of_birth = match.date_of_birth + datetime.timedelta(days=400)
        demo_save(person, target.referrer, clean=True)


def _repeats(referrals: list[Referral], coordinator) -> int:
    """Three confirmed repeats and one possible repeat for a coordinator to check."""
    submitted = sorted((r for r in referrals if r.submitted_at), key=lambda r: r.submitted_at)
    pairs = []
    for earlier in submitted:
        later = next(
            (
                r
                for r in submitted
                if 20 < (r.submitted_at - earlier.submitted_at).days < 300 and r not in pairs and earlier not in pairs
            ),
            None,
        )
        if later is not None and later is not earlier:
            pairs.extend([earlier, later])
        if len(pairs) >= 8:
            break
    made = 0
    for index in range(0, len(pairs) - 1, 2):
        earlier, later = pairs[index], pairs[index + 1]
        if index < 6:
            _copy_people(earlier, later, same_dob=True)
            detail = later.marac
            detail.is_repeat, detail.repeat_of = True, earlier
            demo_save(detail, coordinator, clean=True)
            demo_event(
                later,
                coordinator,
                f"Flagged as a MARAC repeat of {earlier.reference} (within 12 months)",
                later.submitted_at,
            )
        else:
            _copy_people(earlier, later, same_dob=False)
            demo_save(
                PossibleRepeat(
                    referral=later,
                    earlier=earlier,
                    reason="The victim's name matches, but the victim's date of birth differs",
                    found_at=later.submitted_at,
                ),
                coordinator,
                clean=True,
            )
        made += 1
    return made


def _meeting(day, status, coordinator, agencies, rng) -> Meeting:
    meeting = Meeting(
        date=day,
        start_time=datetime.time(10, 0),
        duration_minutes=180,
        venue_kind=rng.choice(VenueKind.values),
        venue="Synthetic demo: Civic Centre, Committee Room 2 (video link sent by the coordinator)",
        chair="DI Alex Chairperson, Public Protection",
        referral_cutoff=day - datetime.timedelta(days=8),
        status=status,
        created_by=coordinator,
        created_at=_at(day - datetime.timedelta(days=21)),
    )
    if status != MeetingStatus.DRAFT:
        meeting.published_at = _at(day - datetime.timedelta(days=7))
    if status == MeetingStatus.HELD:
        meeting.held_at = _at(day, 13)
        meeting.confidentiality_acknowledged_at = _at(day, 10)
        meeting.confidentiality_acknowledged_by = coordinator
    demo_save(meeting, coordinator, clean=True)
    for short in ATTENDING:
        invitation = MeetingAgency(meeting=meeting, agency=agencies[short], added_at=meeting.created_at)
        if status == MeetingStatus.HELD:
            invitation.attendance = rng.choice([Attendance.ATTENDED] * 5 + [Attendance.APOLOGIES])
            invitation.representative = "Synthetic demo representative" if invitation.attendance == "attended" else ""
            invitation.information_sent = invitation.attendance == Attendance.APOLOGIES
        demo_save(invitation, coordinator, clean=True)
    return meeting


def _list(meeting, referrals, coordinator, users, agencies, rng, today) -> None:
    held = meeting.status == MeetingStatus.HELD
    for position, referral in enumerate(referrals, start=1):
        case = MeetingCase(
            meeting=meeting,
            referral=referral,
            position=position,
            added_by=coordinator,
            added_at=_at(meeting.date - datetime.timedelta(days=9)),
            heard_at=_at(meeting.date, 11) if held else None,
            research_shared_at=_at(meeting.date, 10) if held else None,
        )
        demo_save(case, coordinator, clean=True)
        demo_event(referral, coordinator, f"Added to the case list for the {meeting.title}", case.added_at)
        if meeting.status == MeetingStatus.DRAFT:
            continue
        for short, (local, text) in rng.sample(sorted(RESEARCHERS.items()), k=rng.randint(1, 3)):
            demo_save(
                Research(meeting_case=case, agency=agencies[short], content=text, author=users[local]),
                users[local],
                clean=True,
            )
        if not held:
            continue
        demo_event(referral, coordinator, f"Heard at the {meeting.title}", case.heard_at)
        for short, text in rng.sample(ACTIONS, k=rng.randint(1, 3)):
            due = meeting.date + datetime.timedelta(days=rng.choice([14, 21, 28]))
            status = ActionStatus.OPEN
            if due < today:
                status = rng.choice(
                    [ActionStatus.COMPLETE] * 6
                    + [ActionStatus.OPEN, ActionStatus.NOT_COMPLETED_CIRCUMSTANCES, ActionStatus.NOT_COMPLETED]
                )
            action = Action(
                meeting_case=case,
                referral=referral,
                description=text,
                agency=agencies[short],
                due_date=due,
                status=status,
                created_by=coordinator,
                created_at=_at(meeting.date, 12),
            )
            if status != ActionStatus.OPEN:
                action.status_note = (
                    "" if status == ActionStatus.COMPLETE else "Synthetic demo: victim moved out of the area."
                )
                action.status_reported_at = _at(min(due, today))
                action.status_reported_by = coordinator
            demo_save(action, coordinator, clean=True)


def seed(partnership: Partnership, *, seed: int = 4) -> str:
    users, agencies = partnership.users, partnership.agencies
    coordinator = users["marac.coordinator"]
    if Meeting.objects.filter(created_by=coordinator).exists():
        return "MARAC demo data already present"
    rng = random.Random(seed)
    today = timezone.localdate()
    demo_ids = [u.pk for u in users.values()]
    referrals = list(
        Referral.objects.filter(pathway=Pathway.MARAC, referrer_id__in=demo_ids, marac__isnull=True)
        .select_related("owner_agency", "referrer")
        .prefetch_related("people")
        .order_by("created_at", "id")
    )
    _details(referrals, rng)
    repeats = _repeats([r for r in referrals if r.status != Status.DRAFT], coordinator)
    eligible = [r for r in referrals if r.status in (Status.ACCEPTED, Status.OPEN, Status.CLOSED) and r.accepted_at]
    used: set[int] = set()
    meetings = 0
    for weeks_back in (21, 17, 13, 9, 5, 1):
        day = today - datetime.timedelta(weeks=weeks_back, days=today.weekday() - 1)
        if day >= today:
            day -= datetime.timedelta(days=7)
        pool = [r for r in eligible if r.pk not in used and r.accepted_at.date() < day - datetime.timedelta(days=3)]
        chosen = pool[-rng.randint(6, 9) :] if pool else []
        if not chosen:
            continue
        used.update(r.pk for r in chosen)
        meeting = _meeting(day, MeetingStatus.HELD, coordinator, agencies, rng)
        _list(meeting, chosen, coordinator, users, agencies, rng, today)
        meetings += 1
    waiting = [r for r in eligible if r.pk not in used and r.status in (Status.ACCEPTED, Status.OPEN)]
    upcoming = _meeting(today + datetime.timedelta(days=7), MeetingStatus.PUBLISHED, coordinator, agencies, rng)
    _list(upcoming, waiting[:5], coordinator, users, agencies, rng, today)
    draft = _meeting(today + datetime.timedelta(days=35), MeetingStatus.DRAFT, coordinator, agencies, rng)
    _list(draft, waiting[5:7], coordinator, users, agencies, rng, today)
    for referral in Referral.objects.filter(pk__in=[r.pk for r in referrals]):
        permissions.referral_access_sync(referral)
        services.waiting_refresh(referral)
    return (
        f"{len(referrals)} MARAC referrals given DASH checklists and details; {repeats} repeats; "
        f"{meetings + 2} meetings ({meetings} held, one published, one draft)"
    )
