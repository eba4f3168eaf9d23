"""Every MARAC write: typed, keyword-only, atomic; each checks the state and the actor, saves with the history
user, writes a timeline event on the referral it touches, and keeps case access in step through
accounts.permissions.referral_access_sync.

Rows that belong to a referral and are typed by a person (the DASH checklist, the MARAC details) are saved
through referrals.services.referral_part_save, under the referral's optimistic-lock version. Fields the system
sets itself (the repeat flag, the referring agency category) are in no form, so they are saved under a row lock
on the referral without moving its version.

Obligations (IDVA contact, research, action due dates, 12 months since a case was heard) are described by the
`obligation_*_changed` functions at the end, which keep their reminder rows in step (referrals.reminders).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from accounts import permissions
from accounts.models import Agency
from marac import dash
from marac.models import (
    Action,
    ActionStatus,
    Attendance,
    DashAssessment,
    InfoSource,
    MaracDetail,
    Meeting,
    MeetingAgency,
    MeetingCase,
    MeetingStatus,
    PossibleRepeat,
    RepeatStatus,
    Research,
    referrer_category_for,
)
from referrals import reminders
from referrals.models import EventKind, Pathway, Person, PersonRole, Referral, ReminderKind, Status, name_key
from referrals.reminders import Obligation
from referrals.reporting.tally import tally_refresh
from referrals.services import attributed, event_record, referral_lock, referral_part_save, referrals_lock
from svd_portal.lib.working_days import deadline_after, end_of_working_day, subtract_working_days

logger = logging.getLogger(__name__)

REPEAT_WINDOW_DAYS = 365  # "within 12 months of the last referral": 365 days inclusive
CANDIDATE_STATUSES = (Status.ACCEPTED, Status.OPEN)
EARLIER_STATUSES = (Status.SUBMITTED, Status.ACCEPTED, Status.OPEN, Status.CLOSED)


class MeetingRefused(Exception):
    """The meeting is not in a state that allows this, or the request does not make sense for it."""


def _save(instance, actor, reason: str):
    attributed(instance, actor)
    instance._change_reason = reason
    instance.full_clean()
    instance.save()
    return instance


def current_assessment(referral: Referral) -> DashAssessment | None:
    """The latest DASH checklist: from the checklists prefetched with the referral where they were (the case
    and journey pages, journey.ASSESSMENTS_PREFETCH; newest first, the model's ordering), else one query."""
    prefetched = getattr(referral, "_prefetched_objects_cache", {}).get("dash_assessments")
    if prefetched is not None:
        return next(iter(prefetched), None)
    return referral.dash_assessments.order_by("-completed_at", "-id").first()


def detail_of(referral: Referral) -> MaracDetail | None:
    try:
        return referral.marac
    except MaracDetail.DoesNotExist:
        return None


# --- The DASH checklist and the MARAC details (journey pages) -------------------------------------


@transaction.atomic
def dash_assessment_save(
    *,
    referral: Referral,
    actor,
    answers: dict[str, str],
    info_source: str,
    info_source_detail: str = "",
    expected_version: int | None,
) -> DashAssessment:
    """Record a DASH checklist. While the referral is a draft its one checklist is corrected in place; once it
    is submitted, each save is a re-assessment: a new checklist, the old ones kept."""
    if referral.pathway != Pathway.MARAC:
        raise ValidationError("The DASH checklist belongs to MARAC referrals")
    existing = current_assessment(referral) if referral.status == Status.DRAFT else None
    assessment = existing or DashAssessment(referral=referral, completed_by=actor)
    assessment.form_version = dash.FORM_VERSION
    assessment.answers = {key: answers.get(key, "") for key in dash.keys_for(dash.FORM_VERSION)}
    assessment.info_source = info_source
    assessment.info_source_detail = (info_source_detail or "").strip() if info_source == InfoSource.OTHER else ""
    assessment.completed_by = actor
    assessment.completed_at = timezone.now()
    assessment.score_refresh()
    section = "DASH risk checklist" if existing or referral.status == Status.DRAFT else "DASH re-assessment"
    saved = referral_part_save(
        referral=referral, actor=actor, instance=assessment, expected_version=expected_version, section=section
    )
    getattr(referral, "_prefetched_objects_cache", {}).pop("dash_assessments", None)  # now out of date
    return saved


def judgement_problem(*, referral: Referral, judged_band: str) -> str | None:
    """Professional judgement can raise a DASH band but never lower it."""
    assessment = current_assessment(referral)
    if assessment is None:
        return None
    return dash.judgement_problem(judged_band, assessment.band, assessment.score)


@transaction.atomic
def marac_detail_save(
    *,
    referral: Referral,
    actor,
    detail: MaracDetail,
    expected_version: int | None,
    section: str,
    check_judgement: bool = True,
) -> MaracDetail:
    """Save the MARAC details (or the restricted safety answers, which live on the same row)."""
    if referral.pathway != Pathway.MARAC or detail.referral_id != referral.pk:
        raise ValidationError("MARAC details belong to MARAC referrals")
    problem = judgement_problem(referral=referral, judged_band=detail.judged_band) if check_judgement else None
    if problem:
        raise ValidationError({"judged_band": problem})
    return referral_part_save(
        referral=referral, actor=actor, instance=detail, expected_version=expected_version, section=section
    )


@transaction.atomic
def idva_contact_record(*, referral: Referral, actor, detail: MaracDetail, expected_version: int | None) -> MaracDetail:
    """The IDVA service's first contact with the victim, or its attempt (`detail.idva_contact_on` and
    `detail.idva_contact`): kept with history and a timeline event that names the outcome (no personal data),
    and it lifts the 2-working-day IDVA contact reminder. Who may record it: permissions.can_record_idva_contact."""
    if referral.pathway != Pathway.MARAC or detail.referral_id != referral.pk or referral.submitted_at is None:
        raise ValidationError("IDVA contact is recorded on submitted MARAC referrals")
    if not permissions.can_record_idva_contact(actor, referral):
        raise PermissionDenied("Only the IDVA service or a MARAC coordinator records IDVA contact")
    if not detail.idva_contact or detail.idva_contact_on is None:
        raise ValidationError("Enter the date and what happened")
    submitted_on = timezone.localdate(referral.submitted_at)
    if not submitted_on <= detail.idva_contact_on <= timezone.localdate():
        when = f"between {submitted_on:%-d %B %Y}, when the referral was submitted, and today"
        raise ValidationError({"idva_contact_on": f"The date of the first contact or attempt must be {when}"})
    referral_part_save(
        referral=referral,
        actor=actor,
        instance=detail,
        expected_version=expected_version,
        section="IDVA contact",
        event_summary=f"IDVA contact recorded: {detail.get_idva_contact_display()}",
    )
    obligation_idva_contact_changed(referral=referral, actor=actor)
    return detail


# --- Submission: the referring agency's category, repeats and the IDVA obligation ------------------


def waiting_since_for(referral: Referral):
    """The truth behind MaracDetail.waiting_since: accepted or open, and never heard at a meeting."""
    if referral.status not in CANDIDATE_STATUSES:
        return None
    if MeetingCase.objects.heard().filter(referral=referral).exists():
        return None
    return waiting_start(referral)


def waiting_start(referral: Referral):
    """When a case started waiting for a meeting: the hub's acceptance (earlier moments for old data)."""
    return referral.accepted_at or referral.submitted_at or referral.created_at


# waiting_start in SQL, for lists that read one date a row rather than three (the candidate list).
WAITING_START = Coalesce("accepted_at", "submitted_at", "created_at")


def waiting_refresh(referral: Referral) -> None:
    """Bring the derived waiting marker into line after the status or a meeting listing changed."""
    MaracDetail.objects.filter(referral=referral).update(waiting_since=waiting_since_for(referral))


def marac_transition_hook(*, referral: Referral, transition, actor) -> None:
    """Registered with referrals.registry; runs inside the core's transition transaction."""
    if referral.pathway != Pathway.MARAC:
        return
    if transition.name != "submit":
        waiting_refresh(referral)
        return
    detail = detail_of(referral) or MaracDetail(referral=referral)
    detail.referrer_category = referrer_category_for(referral.owner_agency)
    _save(detail, actor, "marac_submitted")
    repeat_detect(referral=referral, actor=actor)
    criteria = referral_criteria(referral)
    if criteria.band == dash.RiskBand.HIGH or criteria.any:
        obligation_idva_contact_changed(referral=referral, actor=actor)


def referral_criteria(referral: Referral):
    from marac.models import Criteria

    assessment = current_assessment(referral)
    return Criteria.for_detail(score=assessment.score if assessment else None, detail=detail_of(referral))


@dataclass
class RepeatMatch:
    earlier: Referral
    certain: bool
    reason: str


def _name(person: Person) -> str:
    return name_key(person.first_name, person.last_name)


def _same_or_unknown(a, b) -> bool:
    return a is None or b is None or a == b


def repeat_matches(referral: Referral, *, today: datetime.date | None = None) -> list[RepeatMatch]:
    """Earlier MARAC referrals (submitted in the 365 days before today, inclusive) for the same victim.

    Certain: the victim's name (ignoring case, spacing and punctuation) and date of birth are the same, and an
    alleged perpetrator's name is the same with no conflicting date of birth. Anything less is uncertain:
    a coordinator decides. Newest first."""
    today = today or timezone.localdate()
    people = list(referral.people.all())
    victim = next((p for p in people if p.role == PersonRole.SUBJECT), None)
    if victim is None or not _name(victim):
        return []
    key = _name(victim)
    perpetrators = [p for p in people if p.role == PersonRole.ALLEGED_PERPETRATOR]
    start = today - datetime.timedelta(days=REPEAT_WINDOW_DAYS)
    earlier = (
        Referral.objects.filter(
            pathway=Pathway.MARAC,
            status__in=EARLIER_STATUSES,
            submitted_at__date__gte=start,
            submitted_at__date__lte=today,
        )
        .exclude(pk=referral.pk)
        .filter(people__role=PersonRole.SUBJECT, people__name_key__contains=key)
    )
    if referral.submitted_at:
        earlier = earlier.filter(submitted_at__lt=referral.submitted_at)
    candidates = list(earlier.distinct().prefetch_related("people").order_by("-submitted_at", "-id"))
    matches = []
    for candidate in candidates:
        old_people = list(candidate.people.all())
        old_victim = candidate.subject
        if old_victim is None:
            continue
        issues = []
        if _name(old_victim) != key:
            issues.append("the name matches another name recorded on the earlier case")
        if victim.date_of_birth and old_victim.date_of_birth and victim.date_of_birth != old_victim.date_of_birth:
            issues.append("the victim's date of birth differs")
        elif not (victim.date_of_birth and old_victim.date_of_birth):
            issues.append("the victim's date of birth is missing on one referral")
        old_perpetrators = [p for p in old_people if p.role == PersonRole.ALLEGED_PERPETRATOR]
        named = [(new, old) for new in perpetrators for old in old_perpetrators if _name(new) == _name(old)]
        if not named:
            issues.append("the alleged perpetrator is different or not recorded")
        elif not any(_same_or_unknown(new.date_of_birth, old.date_of_birth) for new, old in named):
            issues.append("the alleged perpetrator's date of birth differs")
        reason = "The victim's name matches" + (f", but {'; '.join(issues)}" if issues else "")
        matches.append(RepeatMatch(earlier=candidate, certain=not issues, reason=reason[:300]))
    return matches


def _mark_repeat(referral: Referral, earlier: Referral, actor, reason: str) -> None:
    detail = detail_of(referral) or MaracDetail(referral=referral)
    detail.is_repeat = True
    detail.repeat_of = earlier
    _save(detail, actor, reason)
    tally_refresh(referral=referral)  # a repeat is one of the facts the reports count


@transaction.atomic
def repeat_detect(*, referral: Referral, actor, today: datetime.date | None = None) -> list[RepeatMatch]:
    """Flag a certain repeat and link it to the latest earlier case; record uncertain ones for a coordinator."""
    matches = repeat_matches(referral, today=today)
    certain = next((m for m in matches if m.certain), None)
    if certain is not None:
        _mark_repeat(referral, certain.earlier, actor, "repeat_detect")
        event_record(
            referral=referral,
            actor=actor,
            kind=EventKind.PATHWAY,
            summary=f"Flagged as a MARAC repeat of {certain.earlier.reference} (within 12 months)",
            data={"repeat_of": str(certain.earlier.public_id)},
        )
        return matches
    for match in matches:
        if PossibleRepeat.objects.filter(referral=referral, earlier=match.earlier).exists():
            continue
        _save(PossibleRepeat(referral=referral, earlier=match.earlier, reason=match.reason), actor, "repeat_detect")
    if matches:
        event_record(
            referral=referral,
            actor=actor,
            kind=EventKind.PATHWAY,
            summary="Possible MARAC repeat found: waiting for a coordinator to check",
            data={"possible": len(matches)},
        )
    return matches


@transaction.atomic
def possible_repeat_decide(*, possible: PossibleRepeat, actor, confirm: bool, note: str = "") -> PossibleRepeat:
    permissions.require(permissions.can_decide_repeats(actor))
    referral = referral_lock(possible.referral)
    possible = PossibleRepeat.objects.select_for_update().select_related("earlier").get(pk=possible.pk)
    if possible.status != RepeatStatus.PENDING:
        raise ValidationError("A coordinator has already decided this possible repeat")
    possible.status = RepeatStatus.CONFIRMED if confirm else RepeatStatus.REJECTED
    possible.decided_by = actor
    possible.decided_at = timezone.now()
    possible.decision_note = (note or "").strip()
    _save(possible, actor, "possible_repeat_decide")
    if confirm:
        _mark_repeat(referral, possible.earlier, actor, "possible_repeat_confirm")
        summary = f"Confirmed as a MARAC repeat of {possible.earlier.reference}"
    else:
        summary = f"Checked: not a repeat of {possible.earlier.reference}"
    event_record(referral=referral, actor=actor, kind=EventKind.PATHWAY, summary=summary)
    return possible


# --- Meetings -------------------------------------------------------------------------------------

MEETING_FIELDS = ("date", "start_time", "duration_minutes", "venue_kind", "venue", "chair", "referral_cutoff")


def _sync(referral_ids: Iterable[int]) -> None:
    permissions.referrals_access_sync(Referral.objects.filter(pk__in=set(referral_ids)))


def _listed(meeting: Meeting):
    return MeetingCase.objects.listed().filter(meeting=meeting)


def _agencies_set(meeting: Meeting, agencies: Iterable[Agency], actor) -> bool:
    """Invite, re-invite or withdraw agencies. Returns whether anyone's access may have changed."""
    wanted = {agency.pk for agency in agencies}
    changed = False
    now = timezone.now()
    for invitation in MeetingAgency.objects.select_for_update().filter(meeting=meeting):
        if invitation.agency_id in wanted:
            wanted.discard(invitation.agency_id)
            if invitation.withdrawn_at is not None:
                invitation.withdrawn_at = None
                _save(invitation, actor, "meeting_agency_reinvite")
                changed = True
        elif invitation.withdrawn_at is None:
            invitation.withdrawn_at = now
            _save(invitation, actor, "meeting_agency_withdraw")
            changed = True
    for agency_id in wanted:
        _save(MeetingAgency(meeting=meeting, agency_id=agency_id), actor, "meeting_agency_invite")
        changed = True
    return changed


@transaction.atomic
def meeting_create(*, actor, data: dict, agencies: Iterable[Agency]) -> Meeting:
    permissions.require(permissions.can_manage_meetings(actor))
    meeting = Meeting(created_by=actor, **{name: data[name] for name in MEETING_FIELDS})
    _save(meeting, actor, "meeting_create")
    _agencies_set(meeting, agencies, actor)
    return meeting


@transaction.atomic
def meeting_update(*, meeting: Meeting, actor, data: dict, agencies: Iterable[Agency]) -> Meeting:
    """Change a meeting's details and the agencies attending. Withdrawing an agency from a published meeting
    ends its access to the listed cases at once."""
    permissions.require(permissions.can_manage_meetings(actor))
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status == MeetingStatus.HELD:
        raise MeetingRefused("A meeting that has been held cannot be changed")
    for name in MEETING_FIELDS:
        setattr(meeting, name, data[name])
    _save(meeting, actor, "meeting_update")
    if _agencies_set(meeting, agencies, actor) and meeting.status == MeetingStatus.PUBLISHED:
        _sync(_listed(meeting).values_list("referral_id", flat=True))
        obligation_research_changed(meeting=meeting, actor=actor)
    return meeting


def listing_problem(referral: Referral) -> str | None:
    """Why a referral cannot be added to a case list, or None."""
    if referral.pathway != Pathway.MARAC:
        return f"{referral.display_reference} is not a MARAC referral"
    if referral.status not in CANDIDATE_STATUSES:
        return f"{referral.display_reference} has not been accepted"
    if MeetingCase.objects.heard().filter(referral=referral).exists():
        return f"{referral.display_reference} has already been heard"
    if MeetingCase.objects.upcoming().filter(referral=referral).exists():
        return f"{referral.display_reference} is already on the case list for a meeting"
    return None


@transaction.atomic
def meeting_cases_add(*, meeting: Meeting, actor, referrals: Iterable[Referral]) -> list[MeetingCase]:
    permissions.require(permissions.can_manage_meetings(actor))
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status == MeetingStatus.HELD:
        raise MeetingRefused("Cases cannot be added to a meeting that has been held")
    position = _listed(meeting).aggregate(last=Max("position"))["last"] or 0
    added = []
    referrals = list(referrals)
    locked = referrals_lock([referral.pk for referral in referrals])  # one query, in primary-key order
    for referral in referrals:
        referral = locked[referral.pk]
        problem = listing_problem(referral)
        if problem:
            raise MeetingRefused(problem)
        position += 1
        added.append(
            _save(
                MeetingCase(meeting=meeting, referral=referral, position=position, added_by=actor),
                actor,
                "meeting_cases_add",
            )
        )
        event_record(
            referral=referral,
            actor=actor,
            kind=EventKind.PATHWAY,
            summary=f"Added to the case list for the {meeting.title}",
            data={"meeting": str(meeting.public_id)},
        )
    if meeting.status == MeetingStatus.PUBLISHED:
        _sync(case.referral_id for case in added)
        obligation_research_changed(meeting=meeting, actor=actor)
    return added


@transaction.atomic
def meeting_case_remove(*, meeting_case: MeetingCase, actor, reason: str) -> MeetingCase:
    """Take a case off a list. The attending agencies lose the access the listing gave them at once."""
    permissions.require(permissions.can_manage_meetings(actor))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Enter why the case is being removed"})
    meeting_case = MeetingCase.objects.select_for_update().select_related("meeting").get(pk=meeting_case.pk)
    if meeting_case.removed_at is not None:
        raise MeetingRefused("That case has already been removed")
    if meeting_case.meeting.status == MeetingStatus.HELD:
        raise MeetingRefused("Cases cannot be removed from a meeting that has been held")
    meeting_case.removed_at = timezone.now()
    meeting_case.removed_by = actor
    meeting_case.removal_reason = reason
    _save(meeting_case, actor, "meeting_case_remove")
    referral = referral_lock(meeting_case.referral)
    permissions.referral_access_sync(referral)
    waiting_refresh(referral)
    event_record(
        referral=referral,
        actor=actor,
        kind=EventKind.PATHWAY,
        summary=f"Removed from the case list for the {meeting_case.meeting.title}",
    )
    if meeting_case.meeting.status == MeetingStatus.PUBLISHED:
        obligation_research_changed(meeting=meeting_case.meeting, actor=actor)
    return meeting_case


def _notify_after_commit(meeting: Meeting) -> None:
    """Queue the "case list published" email once the transaction commits. A broker that is down must not
    turn a published list into an error page: the failure is logged and the coordinator can tell agencies."""
    meeting_id = meeting.pk

    def send() -> None:
        from marac.tasks import meeting_published_notify_task

        try:
            meeting_published_notify_task.delay(meeting_id)
        except Exception:  # noqa: BLE001 - any broker failure; the list is published regardless
            logger.exception("Could not queue the publication email for meeting %s", meeting_id)

    transaction.on_commit(send)


@transaction.atomic
def meeting_publish(*, meeting: Meeting, actor) -> Meeting:
    """Publish the case list: every attending agency can now see the listed cases, and is told so."""
    permissions.require(permissions.can_manage_meetings(actor))
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status != MeetingStatus.DRAFT:
        raise MeetingRefused("The case list for this meeting has already been published")
    listed = list(_listed(meeting))
    if not listed:
        raise MeetingRefused("Add at least one case before publishing the case list")
    if not MeetingAgency.objects.filter(meeting=meeting, withdrawn_at__isnull=True).exists():
        raise MeetingRefused("Choose the agencies attending before publishing the case list")
    meeting.status = MeetingStatus.PUBLISHED
    meeting.published_at = timezone.now()
    _save(meeting, actor, "meeting_publish")
    locked = referrals_lock([case.referral_id for case in listed])
    permissions.referrals_access_sync(locked[case.referral_id] for case in listed)  # a fixed number of queries
    for case in listed:
        event_record(
            referral=locked[case.referral_id],
            actor=actor,
            kind=EventKind.PATHWAY,
            summary=f"Case list published for the {meeting.title}",
            data={"meeting": str(meeting.public_id)},
        )
    obligation_research_changed(meeting=meeting, actor=actor)
    _notify_after_commit(meeting)
    return meeting


def meeting_published_notify(*, meeting_id: int) -> int:
    """Email the members of every attending agency that a case list is ready. No case content: a link only.
    Returns how many people were emailed."""
    from django.core.mail import send_mass_mail

    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None or meeting.status == MeetingStatus.DRAFT:
        return 0
    recipients = list(permissions.meeting_notice_recipients(meeting).values_list("email", flat=True))
    link = settings.SITE_URL.rstrip("/") + reverse("marac:meeting", kwargs={"public_id": meeting.public_id})
    subject = f"MARAC case list published: {meeting.date:%-d %B %Y}"
    body = (
        f"The case list for the MARAC meeting on {meeting.date:%-d %B %Y} has been published.\n\n"
        f"Sign in to see the cases and record your agency's research before the meeting:\n{link}\n"
    )
    send_mass_mail([(subject, body, None, [email]) for email in recipients], fail_silently=False)
    return len(recipients)


@transaction.atomic
def meeting_attendance_record(
    *,
    meeting: Meeting,
    actor,
    rows: list[tuple[MeetingAgency, str, str, bool]],
    confidentiality_acknowledged: bool,
) -> Meeting:
    """Attendance and apologies by agency, and the confidentiality statement read and acknowledged."""
    permissions.require(permissions.can_manage_meetings(actor))
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status == MeetingStatus.DRAFT:
        raise MeetingRefused("Publish the case list before recording attendance")
    for invitation, attendance, representative, information_sent in rows:
        if invitation.meeting_id != meeting.pk or attendance not in ("", *Attendance.values):
            raise MeetingRefused("That agency is not invited to this meeting")
        invitation.attendance = attendance
        invitation.representative = (representative or "").strip() if attendance == Attendance.ATTENDED else ""
        invitation.information_sent = bool(information_sent) and attendance == Attendance.APOLOGIES
        _save(invitation, actor, "meeting_attendance_record")
    if confidentiality_acknowledged and meeting.confidentiality_acknowledged_at is None:
        meeting.confidentiality_acknowledged_at = timezone.now()
        meeting.confidentiality_acknowledged_by = actor
        _save(meeting, actor, "meeting_confidentiality")
    return meeting


@transaction.atomic
def meeting_case_research_share(*, meeting_case: MeetingCase, actor) -> MeetingCase:
    """The meeting shares every agency's research on this case with the agencies attending."""
    permissions.require(permissions.can_manage_meetings(actor))
    meeting_case = MeetingCase.objects.select_for_update().select_related("meeting").get(pk=meeting_case.pk)
    if meeting_case.meeting.status == MeetingStatus.DRAFT:
        raise MeetingRefused("Research can be shared once the case list is published")
    if meeting_case.removed_at is not None:
        raise MeetingRefused("That case is no longer on the list")
    if meeting_case.research_shared_at is None:
        meeting_case.research_shared_at = timezone.now()
        _save(meeting_case, actor, "meeting_case_research_share")
        event_record(
            referral=meeting_case.referral,
            actor=actor,
            kind=EventKind.PATHWAY,
            summary=f"Agencies' research shared at the {meeting_case.meeting.title}",
        )
    return meeting_case


@transaction.atomic
def meeting_mark_held(*, meeting: Meeting, actor, heard: Iterable[MeetingCase]) -> Meeting:
    """Record that the meeting took place and which listed cases were heard. Cases not heard go back to the
    cases waiting for a meeting."""
    permissions.require(permissions.can_manage_meetings(actor))
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status != MeetingStatus.PUBLISHED:
        raise MeetingRefused("Only a meeting whose case list has been published can be marked as held")
    if meeting.date > timezone.localdate():
        raise MeetingRefused("A meeting cannot be marked as held before its date")
    if meeting.confidentiality_acknowledged_at is None:
        raise MeetingRefused("Record that the confidentiality statement was read and acknowledged first")
    heard_ids = {case.pk for case in heard}
    now = timezone.now()
    heard_referrals = []
    for case in _listed(meeting).select_related("referral"):
        if case.pk in heard_ids:
            case.heard_at = now
            _save(case, actor, "meeting_mark_held")
            heard_referrals.append(case.referral_id)
            summary = f"Heard at the {meeting.title}"
            obligation_repeat_review_changed(referral=case.referral, heard_on=meeting.date, actor=actor)
        else:
            summary = f"Not heard at the {meeting.title}: waiting for a meeting again"
        event_record(referral=case.referral, actor=actor, kind=EventKind.PATHWAY, summary=summary)
    MaracDetail.objects.filter(referral_id__in=heard_referrals).update(waiting_since=None)  # heard: not waiting
    meeting.status = MeetingStatus.HELD
    meeting.held_at = now
    _save(meeting, actor, "meeting_mark_held")
    obligation_research_changed(meeting=meeting, actor=actor)
    return meeting


# --- Research and actions -------------------------------------------------------------------------


@transaction.atomic
def research_save(*, meeting_case: MeetingCase, actor, content: str) -> Research:
    """The actor's agency's research on one listed case (one entry per agency, updated in place)."""
    meeting_case = MeetingCase.objects.select_related("meeting").get(pk=meeting_case.pk)
    permissions.require(permissions.can_record_research(actor, meeting_case))
    content = (content or "").strip()
    if not content:
        raise ValidationError({"content": "Enter what your agency's records show"})
    agency = permissions.agency_of(actor)
    research = Research.objects.select_for_update().filter(meeting_case=meeting_case, agency=agency).first()
    is_new = research is None
    if research is None:
        research = Research(meeting_case=meeting_case, agency=agency, author=actor, content=content)
    research.content = content
    research.author = actor
    research.updated_at = timezone.now()
    _save(research, actor, "research_save")
    if is_new:
        event_record(
            referral=meeting_case.referral,
            actor=actor,
            kind=EventKind.PATHWAY,
            summary=f"Research recorded by {agency.short_name} for the {meeting_case.meeting.title}",
        )
    return research


@transaction.atomic
def action_create(
    *, meeting_case: MeetingCase, actor, description: str, agency: Agency, due_date: datetime.date
) -> Action:
    permissions.require(permissions.can_manage_meetings(actor))
    meeting_case = MeetingCase.objects.select_related("meeting").get(pk=meeting_case.pk)
    if meeting_case.meeting.status == MeetingStatus.DRAFT:
        raise MeetingRefused("Actions are agreed at the meeting, once the case list is published")
    if meeting_case.removed_at is not None:
        raise MeetingRefused("That case is no longer on the list")
    if not agency.is_active:
        raise ValidationError({"agency": "That agency is no longer active"})
    referral = referral_lock(meeting_case.referral)
    action = _save(
        Action(
            meeting_case=meeting_case,
            referral=referral,
            description=(description or "").strip(),
            agency=agency,
            due_date=due_date,
            created_by=actor,
        ),
        actor,
        "action_create",
    )
    permissions.referral_access_sync(referral)
    event_record(
        referral=referral,
        actor=actor,
        kind=EventKind.PATHWAY,
        summary=f"MARAC action agreed for {agency.short_name}, due {due_date:%-d %B %Y}",
        data={"action": str(action.public_id)},
    )
    obligation_action_changed(action=action, actor=actor)
    return action


@transaction.atomic
def action_update(*, action: Action, actor, status: str, note: str = "") -> Action:
    """An agency reports on its own action (a MARAC coordinator may report on any)."""
    action = Action.objects.select_for_update().select_related("agency").get(pk=action.pk)
    permissions.require(permissions.can_update_action(actor, action))
    if status not in ActionStatus.values:
        raise ValidationError({"status": "Select the status of the action"})
    previous = action.status
    action.status = status
    action.status_note = (note or "").strip()
    if status != previous:  # when the status was reported (a later change to the note alone keeps it: on time stays)
        action.status_reported_at = timezone.now()
        action.status_reported_by = actor
    _save(action, actor, "action_update")
    referral = referral_lock(action.referral)
    if previous != status:
        permissions.referral_access_sync(referral)
        event_record(
            referral=referral,
            actor=actor,
            kind=EventKind.PATHWAY,
            summary=f"MARAC action for {action.agency.short_name}: {ActionStatus(status).label.lower()}",
            data={"action": str(action.public_id)},
        )
    obligation_action_changed(action=action, actor=actor)
    return action


# --- Obligations, for the reminders module ---------------------------------------------------------


def obligation_idva_contact_changed(*, referral: Referral, actor=None) -> Obligation:
    """A high-risk MARAC referral: the IDVA service should contact the victim within 2 working days
    (domain.md 1.5). Addressed to the MARAC hub, whose coordinators make sure it happens.
    Called on submission, and met once the contact (or an attempt) is recorded (idva_contact_record)."""
    hub = permissions.hub_agency_id(Pathway.MARAC)
    detail = detail_of(referral)
    met = detail is not None and bool(detail.idva_contact)
    obligation = Obligation(
        kind=ReminderKind.MARAC_IDVA_CONTACT,
        key=f"marac_idva_contact:{referral.public_id}",
        agency_ids=(hub,) if hub else (),
        due_at=None if met else deadline_after(referral.submitted_at or timezone.now(), 2),
        link=reverse("referrals:detail", kwargs={"public_id": referral.public_id}),
        referral=referral,
    )
    return reminders.obligation_keep(obligation, actor=actor)


def obligation_research_changed(*, meeting: Meeting, actor=None) -> list[Obligation]:
    """Research from every attending agency is due by the end of the working day before the meeting (a referral
    cut-off has usually passed by the time the list is published, so it cannot be the research deadline).
    Called on publish, list and agency changes, and when the meeting is held (which lifts every one of them)."""
    due = None
    if meeting.status == MeetingStatus.PUBLISHED:
        due = end_of_working_day(subtract_working_days(meeting.date, 1))
    agency_ids = MeetingAgency.objects.filter(meeting=meeting).values_list("agency_id", "withdrawn_at")
    link = reverse("marac:meeting", kwargs={"public_id": meeting.public_id})
    label = f"MARAC on {meeting.date:%-d %B %Y}"  # no case in it: the meeting's research for every listed case
    obligations = [
        Obligation(
            kind=ReminderKind.MARAC_RESEARCH,
            key=f"marac_research:{meeting.public_id}:{agency_id}",
            agency_ids=(agency_id,),
            due_at=due if withdrawn_at is None else None,
            link=link,
            label=label,
        )
        for agency_id, withdrawn_at in agency_ids
    ]
    return [reminders.obligation_keep(o, actor=actor) for o in obligations]


def obligation_action_changed(*, action: Action, actor=None) -> Obligation:
    """A MARAC action is due at the end of its due date; reporting any status other than open lifts it. Once
    due, an overdue reminder comes back until a status is reported.
    Called when an action is agreed and whenever its status is reported."""
    obligation = Obligation(
        kind=ReminderKind.MARAC_ACTION_DUE,
        overdue_kind=ReminderKind.MARAC_ACTION_OVERDUE,
        key=f"marac_action:{action.public_id}",
        agency_ids=(action.agency_id,),
        due_at=end_of_working_day(action.due_date) if action.status == ActionStatus.OPEN else None,
        link=reverse("marac:action", kwargs={"public_id": action.public_id}),
        referral=action.referral,
    )
    return reminders.obligation_keep(obligation, actor=actor)


def obligation_repeat_review_changed(*, referral: Referral, heard_on: datetime.date, actor=None) -> Obligation:
    """12 months after a case was last heard at a MARAC (a new referral after that is no longer a repeat), the
    MARAC hub's coordinators are reminded to look at it again. Called when a case is heard; hearing it again
    moves the reminder on."""
    hub = permissions.hub_agency_id(Pathway.MARAC)
    obligation = Obligation(
        kind=ReminderKind.MARAC_REPEAT_REVIEW,
        key=f"marac_repeat_review:{referral.public_id}",
        agency_ids=(hub,) if hub else (),
        due_at=reminders.due_months_after(ReminderKind.MARAC_REPEAT_REVIEW, heard_on),
        link=reverse("referrals:detail", kwargs={"public_id": referral.public_id}),
        referral=referral,
    )
    return reminders.obligation_keep(obligation, actor=actor)
