"""Every write on the HSB pathway: typed, keyword-only, atomic; each writes a timeline event.

Rows are saved through referrals.services.referral_part_save, so they are validated (full_clean), saved under
the referral's optimistic-lock version with the acting user on the history row, and the referral's timeline
gets a pathway event naming what happened (never personal data).

Obligations (see "Obligations" at the end): each function is called here whenever the obligation is created,
changed or met, keeps its reminder rows in step (referrals.reminders) and returns what is owed and when.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import permissions
from hsb_pathway.models import (
    ADULT_AGE,
    AIM3_MAX_AGE,
    AIM3_MIN_AGE,
    SEND_TRANSITION_MAX_AGE,
    STRATEGY_DUE_WORKING_DAYS,
    Assessment,
    AssessmentKind,
    ClosureReason,
    HsbDetail,
    Intervention,
    Order,
    OrderEvent,
    OrderEventKind,
    Review,
    Stage,
    StrategyDiscussion,
    birthday,
)
from hsb_pathway.workflow import REQUIREMENTS, StageMove, StageMoveRefused, check_move
from referrals import reminders
from referrals import services as core
from referrals.models import EventKind, Pathway, Referral, ReminderKind, Status
from referrals.reminders import Obligation
from svd_portal.lib.working_days import deadline_after

ORDER_END_NOTICE_DAYS = 90


class HsbRefused(ValidationError):
    """A write the pathway's rules do not allow; the message says why, for the person who asked. A
    ValidationError, so any page that shows validation errors (the core journey pages too) shows it."""


def _detail(referral: Referral) -> HsbDetail:
    try:
        return HsbDetail.objects.get(referral=referral)
    except HsbDetail.DoesNotExist as exc:
        raise HsbRefused("The HSB referral details have not been recorded for this case") from exc


def _require(condition: bool, message: str = "You cannot record this on the case") -> None:
    if not condition:
        raise HsbRefused(message)


# --- Due dates --------------------------------------------------------------------------------------


def strategy_due_at(referral: Referral) -> datetime.datetime | None:
    """The end of the working day one working day after the referral was received (weekends and England and
    Wales bank holidays skipped), or None before it is received."""
    if referral.received_at is None:
        return None
    return deadline_after(referral.received_at, STRATEGY_DUE_WORKING_DAYS)


def person_age_on(referral: Referral, day: datetime.date, detail: HsbDetail | None = None) -> int | None:
    """The subject's age on `day`: from the date of birth when known, else the estimated age given when the
    referral was made, else the age at the time of the behaviour, each carried forward by the years since."""
    subject = referral.subject
    if subject is not None and subject.date_of_birth:
        return subject.age_on(day)
    base = timezone.localtime(referral.received_at or referral.created_at).date()
    years = max(0, day.year - base.year - ((day.month, day.day) < (base.month, base.day)))
    if subject is not None and subject.estimated_age is not None:
        return subject.estimated_age + years
    if detail is not None:
        return detail.age_at_behaviour + years
    return None


def adult_transition_due_on(referral: Referral, detail: HsbDetail) -> datetime.date | None:
    """When the move to adult services is due: the 18th birthday, or the 25th for a young person with SEND.
    None when the date of birth is not known."""
    subject = referral.subject
    if subject is None or subject.date_of_birth is None:
        return None
    return birthday(subject.date_of_birth, SEND_TRANSITION_MAX_AGE if detail.send else ADULT_AGE)


def aim3_applies(referral: Referral, day: datetime.date, detail: HsbDetail | None = None) -> bool:
    age = person_age_on(referral, day, detail)
    return age is not None and AIM3_MIN_AGE <= age <= AIM3_MAX_AGE


# --- Stage records --------------------------------------------------------------------------------


@transaction.atomic
def hsb_detail_save(
    *, referral: Referral, actor, detail: HsbDetail, expected_version: int | None, section: str
) -> HsbDetail:
    """Save the HSB referral details from the filing journey's pages (or their "Change" links later)."""
    _require(permissions.can_change_referral(actor, referral), "You cannot change this referral")
    core.referral_lock(referral)
    if referral.pathway != Pathway.HSB or detail.referral_id != referral.pk:
        raise ValidationError("These details do not belong to this referral")
    if detail.pk is not None and detail.stage == Stage.CLOSED:
        raise HsbRefused("The HSB case is closed")
    core.referral_part_save(
        referral=referral, actor=actor, instance=detail, expected_version=expected_version, section=section
    )
    return detail


@transaction.atomic
def strategy_discussion_save(
    *, referral: Referral, actor, discussion: StrategyDiscussion, expected_version: int | None
) -> StrategyDiscussion:
    """Record (or correct) the strategy discussion."""
    _require(permissions.hsb_can_record(actor, referral))
    core.referral_lock(referral)
    detail = _detail(referral)
    _require(detail.stage != Stage.CLOSED, "The HSB case is closed")
    if discussion.referral_id != referral.pk:
        raise ValidationError("That strategy discussion is not on this case")
    if (
        discussion.held_on
        and referral.received_at
        and discussion.held_on < timezone.localtime(referral.received_at).date()
    ):
        raise ValidationError(
            {"held_on": "Date of the strategy discussion must be on or after the referral was received"}
        )
    if discussion.held_on and discussion.held_on > timezone.localdate():
        raise ValidationError({"held_on": "Date of the strategy discussion must be today or in the past"})
    is_new = discussion.pk is None
    due = strategy_due_at(referral)
    on_time = due is None or discussion.held_on is None or discussion.held_on <= timezone.localtime(due).date()
    core.referral_part_save(
        referral=referral,
        actor=actor,
        instance=discussion,
        expected_version=expected_version,
        section="HSB strategy discussion",
        event_summary=("Strategy discussion recorded" if is_new else "Strategy discussion updated")
        + ("" if on_time else " (held after the one working day target)"),
        event_data={"route": discussion.route, "on_time": on_time},
    )
    hsb_obligation_strategy_discussion(referral=referral, actor=actor)
    return discussion


@transaction.atomic
def assessment_add(*, referral: Referral, actor, assessment: Assessment, expected_version: int | None) -> Assessment:
    """Record an assessment: AIM3 only for a young person aged 12 to 18 on the day; another assessment (the
    assessment used and its outcome) for anyone, for example an early help assessment before AIM3."""
    _require(permissions.hsb_can_record(actor, referral))
    core.referral_lock(referral)
    detail = _detail(referral)
    _require(detail.stage != Stage.CLOSED, "The HSB case is closed")
    if assessment.pk is not None or assessment.referral_id != referral.pk:
        raise ValidationError("Assessments are added, not changed: record a re-assessment instead")
    if assessment.assessed_on:
        aim3 = aim3_applies(referral, assessment.assessed_on, detail)
        if assessment.kind == AssessmentKind.AIM3 and not aim3:
            raise HsbRefused(
                "AIM3 is for young people aged 12 to 18. This person was not in that age range on the date of the "
                "assessment: record the assessment used and its outcome instead"
            )
    label = "AIM3 assessment" if assessment.kind == AssessmentKind.AIM3 else "Assessment"
    previous = (
        Assessment.objects.filter(referral=referral, kind=AssessmentKind.AIM3).exists()
        if assessment.kind == AssessmentKind.AIM3
        else Assessment.objects.filter(referral=referral).exists()
    )
    core.referral_part_save(
        referral=referral,
        actor=actor,
        instance=assessment,
        expected_version=expected_version,
        section="HSB assessment",
        event_summary=f"{label} recorded" if not previous else f"{label} recorded (re-assessment)",
        event_data={"kind": assessment.kind},
    )
    hsb_obligation_reassessment(assessment=assessment, actor=actor)
    return assessment


@transaction.atomic
def intervention_save(
    *, referral: Referral, actor, intervention: Intervention, expected_version: int | None
) -> Intervention:
    """Record an intervention (a safety or care plan and who provides it), or update it as it goes on."""
    _require(permissions.hsb_can_record(actor, referral))
    core.referral_lock(referral)
    detail = _detail(referral)
    _require(detail.stage != Stage.CLOSED, "The HSB case is closed")
    if intervention.referral_id != referral.pk:
        raise ValidationError("That intervention is not on this case")
    is_new = intervention.pk is None
    core.referral_part_save(
        referral=referral,
        actor=actor,
        instance=intervention,
        expected_version=expected_version,
        section="HSB intervention",
        event_summary=f"{intervention.get_plan_type_display()} {'recorded' if is_new else 'updated'}",
        event_data={"provider": intervention.provider_agency_id},
    )
    return intervention


@transaction.atomic
def review_save(*, referral: Referral, actor, review: Review, expected_version: int | None) -> Review:
    """Schedule a review, or record its outcome once held."""
    _require(permissions.hsb_can_record(actor, referral))
    core.referral_lock(referral)
    detail = _detail(referral)
    _require(detail.stage != Stage.CLOSED, "The HSB case is closed")
    if review.referral_id != referral.pk:
        raise ValidationError("That review is not on this case")
    if review.held_on and review.held_on > timezone.localdate():
        raise ValidationError({"held_on": "Date held must be today or in the past"})
    is_new = review.pk is None
    if is_new and review.held_on is None and review.scheduled_for < timezone.localdate():
        raise ValidationError({"scheduled_for": "Review date must be today or in the future"})
    summary = (
        f"Review outcome recorded: {review.get_outcome_display().lower()}"
        if review.held_on
        else f"Review scheduled for {review.scheduled_for:%-d %B %Y}"
    )
    core.referral_part_save(
        referral=referral,
        actor=actor,
        instance=review,
        expected_version=expected_version,
        section="HSB review",
        event_summary=summary,
        event_data={"outcome": review.outcome},
    )
    hsb_obligation_review(review=review, actor=actor)
    return review


@transaction.atomic
def adult_transition_save(
    *,
    referral: Referral,
    actor,
    send: bool,
    transition_on: datetime.date | None,
    adult_service: str,
    expected_version: int | None,
) -> HsbDetail:
    """Record SEND and the transition to adult services: at 18, or up to 25 for a young person with SEND."""
    _require(permissions.hsb_can_record(actor, referral))
    core.referral_lock(referral)
    detail = _detail(referral)
    _require(detail.stage != Stage.CLOSED, "The HSB case is closed")
    if transition_on is not None:
        if not adult_service.strip():
            raise ValidationError({"adult_service": "Enter the adult service taking over"})
        age = person_age_on(referral, transition_on, detail)
        if age is not None and age < ADULT_AGE:
            raise ValidationError(
                {"transition_on": "Transition to adult services is at 18: the person is under 18 on that date"}
            )
        if age is not None and age > SEND_TRANSITION_MAX_AGE:
            raise ValidationError(
                {"transition_on": "Children's services support ends by 25: the person is over 25 on that date"}
            )
    detail.send = send
    detail.adult_transition_on = transition_on
    detail.adult_service = adult_service.strip()
    core.referral_part_save(
        referral=referral,
        actor=actor,
        instance=detail,
        expected_version=expected_version,
        section="HSB transition to adult services",
        event_summary="Transition to adult services recorded" if transition_on else "SEND recorded",
    )
    return detail


# --- Stage moves ----------------------------------------------------------------------------------


def _requirement_met(name: str, referral: Referral) -> bool:
    if name == "strategy":
        return StrategyDiscussion.objects.filter(referral=referral).exists()
    if name == "assessment":
        return Assessment.objects.filter(referral=referral).exists()
    if name == "intervention":
        return Intervention.objects.filter(referral=referral).exists()
    raise ValueError(f"Unknown requirement {name!r}")


def stage_move_problem(*, referral: Referral, detail: HsbDetail, move: StageMove) -> str | None:
    """Why this move cannot be made now, or None."""
    if referral.status not in permissions.HSB_MOVING_STATUSES:
        return "Accept the referral before moving the HSB case on"
    for name in move.requires:
        if not _requirement_met(name, referral):
            return REQUIREMENTS[name]
    return None


@transaction.atomic
def stage_move(
    *,
    referral: Referral,
    actor,
    name: str,
    reason: str = "",
    closure_reason: str = "",
    expected_version: int | None = None,
) -> HsbDetail:
    """Move the case to its next stage. Closing also closes the referral (the core "close" move)."""
    if not permissions.hsb_can_move_stage(actor, referral):
        raise StageMoveRefused("Only the HSB hub's coordinators can move an HSB case between stages")
    core.referral_lock(referral)
    detail = HsbDetail.objects.select_for_update().filter(referral=referral).first()
    if detail is None:
        raise StageMoveRefused("The HSB referral details have not been recorded for this case")
    move = check_move(detail.stage, name)
    problem = stage_move_problem(referral=referral, detail=detail, move=move)
    if problem:
        raise StageMoveRefused(problem)
    reason = (reason or "").strip()
    if move.needs_reason and not reason:
        raise ValidationError({"reason": "Enter the reason"})
    previous = detail.stage
    if move.target == Stage.CLOSED:
        if closure_reason not in ClosureReason.values:
            raise ValidationError({"closure_reason": "Select why the case is closing"})
        detail.closure_reason = closure_reason
        detail.closure_details = reason
        detail.closed_from_stage = previous
    detail.stage = move.target
    detail.stage_changed_at = timezone.now()
    core.referral_part_save(
        referral=referral,
        actor=actor,
        instance=detail,
        expected_version=expected_version,
        section="HSB stage",
        event_summary=(
            f"HSB case closed: {ClosureReason(closure_reason).label.lower()}"
            if move.target == Stage.CLOSED
            else f"HSB stage: {Stage(previous).label.lower()} to {Stage(move.target).label.lower()}"
        ),
        event_data={"from": previous, "to": move.target},
    )
    if move.target == Stage.CLOSED:
        core.referral_transition(
            referral=referral, actor=actor, name="close", reason=f"{ClosureReason(closure_reason).label}. {reason}"
        )  # its transition hook (on_referral_transition) brings the strategy discussion reminder in step
    return detail


def on_referral_transition(*, referral: Referral, transition, actor) -> None:
    """Registered with referrals.registry: keep the HSB stage in step with the core workflow. Runs inside the
    core service's transaction."""
    if referral.pathway != Pathway.HSB:
        return
    detail = HsbDetail.objects.select_for_update().filter(referral=referral).first()
    if transition.name != "submit":
        if detail is None:
            return
        _stage_follow(referral=referral, detail=detail, transition=transition, actor=actor)
    hsb_obligation_strategy_discussion(referral=referral, actor=actor)


def _stage_follow(*, referral: Referral, detail: HsbDetail, transition, actor) -> None:
    """Closing the referral closes the HSB case; reopening it returns the case to the stage it closed from."""
    if transition.name == "close" and detail.stage != Stage.CLOSED:
        detail.closed_from_stage = detail.stage
        detail.stage = Stage.CLOSED
        detail.closure_reason = ClosureReason.OTHER
        detail.closure_details = (referral.close_reason or "")[:2000]
    elif transition.name == "reopen" and detail.stage == Stage.CLOSED:
        detail.stage = detail.closed_from_stage or Stage.REVIEW
        detail.closed_from_stage = ""
        detail.closure_reason = ""
        detail.closure_details = ""
    else:
        return
    detail.stage_changed_at = timezone.now()
    core.attributed(detail, actor)
    detail._change_reason = f"hsb:referral_{transition.name}"
    detail.full_clean()
    detail.save()
    core.event_record(
        referral=referral,
        actor=actor,
        kind=EventKind.PATHWAY,
        summary=f"HSB stage: {Stage(detail.stage).label.lower()}",
        data={"to": detail.stage},
    )


# --- Orders ---------------------------------------------------------------------------------------


@transaction.atomic
def order_save(*, referral: Referral, actor, order: Order, expected_version: int | None) -> Order:
    """Record an order (SHPO, interim SHPO, SRO, interim SRO or other), or correct its details."""
    _require(permissions.hsb_can_record_order(actor, referral))
    core.referral_lock(referral)
    if order.referral_id != referral.pk:
        raise ValidationError("That order is not on this case")
    is_new = order.pk is None
    if not is_new and order.is_discharged:
        raise HsbRefused("This order has been discharged and can no longer be changed")
    core.referral_part_save(
        referral=referral,
        actor=actor,
        instance=order,
        expected_version=expected_version,
        section="HSB order",
        event_summary=f"{order.display_kind} {'recorded' if is_new else 'details corrected'}",
        event_data={"kind": order.kind},
    )
    hsb_obligation_order_end(order=order, actor=actor)
    return order


def discharge_problem(*, order: Order, on: datetime.date, person_consented: bool, police_consented: bool) -> str | None:
    """The five-year rule: an SHPO may not be discharged within five years of being made without the recorded
    consent of both the person and the police (not for an order that only prohibits foreign travel)."""
    free_from = order.consent_period_end()
    if free_from is None or on >= free_from:
        return None
    if person_consented and police_consented:
        return None
    missing = " and ".join(
        who for who, given in (("the person", person_consented), ("the police", police_consented)) if not given
    )
    return (
        f"A {order.get_kind_display()} cannot be discharged within five years of being made (before "
        f"{free_from:%-d %B %Y}) without the consent of the person and the police. Record the consent of {missing}, "
        "or the discharge cannot be recorded"
    )


@transaction.atomic
def order_event_add(*, referral: Referral, actor, event: OrderEvent, expected_version: int | None) -> OrderEvent:
    """Record a variation, renewal, breach or discharge. A discharge ends the order; a renewal or variation with a
    new end date moves the order's end date."""
    _require(permissions.hsb_can_record_order(actor, referral))
    core.referral_lock(referral)
    order = Order.objects.select_for_update().get(pk=event.order_id)
    if order.referral_id != referral.pk or event.referral_id != referral.pk:
        raise ValidationError("That order is not on this case")
    if order.is_discharged:
        raise HsbRefused(f"This order was discharged on {order.discharged_on:%-d %B %Y}: nothing more can be recorded")
    if event.happened_on and event.happened_on < order.made_on:
        raise ValidationError({"happened_on": "Date must be on or after the date the order was made"})
    if event.kind == OrderEventKind.DISCHARGE and event.happened_on:
        problem = discharge_problem(
            order=order,
            on=event.happened_on,
            person_consented=event.person_consented,
            police_consented=event.police_consented,
        )
        if problem:
            raise HsbRefused(problem)
    core.referral_part_save(
        referral=referral,
        actor=actor,
        instance=event,
        expected_version=expected_version,
        section="HSB order event",
        event_summary=f"{order.display_kind}: {event.get_kind_display().lower()} recorded",
        event_data={"order": str(order.public_id), "kind": event.kind},
    )
    changed = False
    if event.kind == OrderEventKind.DISCHARGE:
        order.discharged_on = event.happened_on
        changed = True
    elif event.new_end_on is not None:
        order.end_on = event.new_end_on
        order.indefinite = False
        changed = True
    if changed:
        core.attributed(order, actor)
        order._change_reason = f"hsb:order_{event.kind}"
        order.full_clean()
        order.save()
    hsb_obligation_order_end(order=order, actor=actor)
    return event


# --- Obligations: each keeps its reminder rows in step (referrals.reminders) --------------------------


def _hub_or_owner(referral: Referral) -> int | None:
    return permissions.hub_agency_id(Pathway.HSB) or referral.owner_agency_id


def hsb_obligation_strategy_discussion(*, referral: Referral, actor=None) -> Obligation:
    """The strategy discussion is due within one working day of the referral being received. Called when an HSB
    referral is submitted, when the discussion is recorded, and on every other workflow transition (accepted,
    declined, closed, reopened: on_referral_transition). A stage move changes none of what it depends on; closing
    the case is a "close" transition."""
    referral = Referral.objects.get(pk=referral.pk)
    held = StrategyDiscussion.objects.filter(referral=referral).exists()
    live = referral.status in {Status.SUBMITTED, Status.ACCEPTED, Status.OPEN}
    due = strategy_due_at(referral) if live and not held else None
    obligation = Obligation(
        kind=ReminderKind.HSB_STRATEGY_DISCUSSION,
        key=f"hsb-strategy-{referral.public_id}",
        agency_ids=(_hub_or_owner(referral),),
        due_at=due,
        referral=referral,
    )
    return reminders.obligation_keep(obligation, actor=actor)


def _end_of_day(day: datetime.date | None) -> datetime.datetime | None:
    if day is None:
        return None
    return datetime.datetime.combine(day, datetime.time(17, 0), tzinfo=timezone.get_default_timezone())


def hsb_obligation_reassessment(*, assessment: Assessment, actor=None) -> Obligation:
    """An AIM3 re-assessment is due on the newest assessment's next re-assessment date. Called when an assessment
    is recorded (the newer one supersedes the older's date: use the key per case)."""
    referral = assessment.referral
    newest = Assessment.objects.filter(referral=referral).order_by("-assessed_on", "-id").first()
    obligation = Obligation(
        kind=ReminderKind.HSB_AIM3_REASSESSMENT,
        key=f"hsb-reassessment-{referral.public_id}",
        agency_ids=(_hub_or_owner(referral),),
        due_at=_end_of_day(newest.next_assessment_on if newest else None),
        referral=referral,
    )
    return reminders.obligation_keep(obligation, actor=actor)


def hsb_obligation_review(*, review: Review, actor=None) -> Obligation:
    """A scheduled review is due on its date; it is met when its outcome is recorded."""
    obligation = Obligation(
        kind=ReminderKind.HSB_REVIEW,
        key=f"hsb-review-{review.public_id}",
        agency_ids=(_hub_or_owner(review.referral),),
        due_at=None if review.held_on else _end_of_day(review.scheduled_for),
        referral=review.referral,
    )
    return reminders.obligation_keep(obligation, actor=actor)


def hsb_obligation_order_end(*, order: Order, actor=None) -> Obligation:
    """An order's end date is approaching: a reminder ORDER_END_NOTICE_DAYS before it ends (renewal may be
    needed). Nothing is owed for an indefinite or discharged order."""
    due = None
    if order.end_on and not order.discharged_on:
        due = _end_of_day(order.end_on - datetime.timedelta(days=ORDER_END_NOTICE_DAYS))
    obligation = Obligation(
        kind=ReminderKind.HSB_ORDER_END,
        key=f"hsb-order-end-{order.public_id}",
        agency_ids=(order.applicant_agency_id,),
        due_at=due,
        referral=order.referral,
    )
    return reminders.obligation_keep(obligation, actor=actor)
