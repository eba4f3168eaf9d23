"""Retention: which cases a rule says are due, and erasing them completely (security.md §2.5, §3.2, scenario 33).

Erasing a case deletes the referral and everything that hangs off it (people, shares, timeline, the pathway's
details, DASH, MARAC listings with their research and actions, HSB records, reminders, notifications), its
object-permission rows, the access-log rows about it, and every history row of any of those, including the
rows simple-history writes for the deletion itself. The report tally's day is counted again. What is left is
one ErasureRecord, which holds no personal data.

Each case is erased in its own transaction, with the referral locked and its rule read again, so a case reopened
(or a rule lengthened) since the dry run is left alone, and one case that cannot be erased does not undo the rest.
"""

from __future__ import annotations

import datetime
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, models, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.deletion import Collector, ProtectedError
from django.utils import timezone

from accounts import permissions
from referrals import registry, reminders
from referrals.models import (
    AccessLog,
    ErasureRecord,
    EventKind,
    Pathway,
    Referral,
    Reminder,
    ReminderKind,
    ReminderState,
    RetentionHold,
    RetentionRule,
    Status,
)
from referrals.reporting.periods import london_midnight
from referrals.reporting.tally import tally_erasing
from referrals.retention.models import ErasureReason
from referrals.services import attributed, event_record, referral_lock

logger = logging.getLogger(__name__)

ENDED = sorted(permissions.ENDED)


class ErasureRefused(Exception):
    """Something outside the case still depends on it: it is left as it is and the sweep reports it."""


# --- What is due ---------------------------------------------------------------------------------


def years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February, to a year that has none
        return day.replace(year=day.year - years, day=28)


WARN = datetime.timedelta(days=7)  # a draft's author is told at least this long before it may be deleted
WARN_DAYS = WARN.days


def _standing_warnings(rule: RetentionRule, now: datetime.datetime, referral: Referral | None = None) -> QuerySet:
    """The warnings that still stand for a draft (`referral`, or the outer query's OuterRef("pk")): not cancelled,
    given since its last change (draft_warning_stale in SQL), for a day no sooner than its rule gives
    now (a rule lengthened since makes an earlier warning stale), and not more than WARN past that day (a draft
    kept longer, erasing switched off meanwhile, is warned again before it goes)."""
    updated = OuterRef("updated_at") if referral is None else referral.updated_at
    return Reminder.objects.filter(
        Q(deadline__gte=updated + datetime.timedelta(days=rule.draft_days)) & Q(deadline__gte=now - WARN),
        kind=ReminderKind.DRAFT_ERASURE,
        referral=OuterRef("pk") if referral is None else referral,
        created_at__gte=updated,
    ).exclude(state=ReminderState.CANCELLED)


def draft_warning_stale(reminder: Reminder) -> bool:
    """A deletion warning no longer holds once its case is no longer a draft or has changed since the warning was
    scheduled (a change moves the day on, and a new warning comes nearer it): registered for DRAFT_ERASURE with
    registry.register_reminder_stale, so the reminders cancel it instead of sending it. _standing_warnings in
    Python."""
    referral = reminder.referral
    return referral.status != Status.DRAFT or referral.updated_at > reminder.created_at


def _warned(rule: RetentionRule, now: datetime.datetime) -> Exists:
    """The draft's author, or its agency's case workers if the author cannot be told, has been sent a warning that
    still stands, and the day it gave has come. A warning not yet sent, or that failed, keeps the draft: the
    failed reminder is on the administrators' list to send again."""
    return Exists(_standing_warnings(rule, now).filter(state=ReminderState.SENT, deadline__lte=now))


def _due_q(rule: RetentionRule, now: datetime.datetime, *, drafts: bool = True, warned: bool = True) -> Q:
    """Ended (closed or declined) before the London day `keep_years` ago began, and not still needed by its pathway
    (registry.register_retention_keep), or (with `drafts`) a draft untouched for `draft_days` whose author was
    warned at least WARN before (draft_warnings_schedule; `warned=False` leaves that out, to count the drafts
    past their period); never a case someone has kept from erasure (RetentionHold). The ended half is a range of
    the partial index ref_ended_idx."""
    cutoff = years_before(timezone.localdate(now), rule.keep_years)
    wanted = Q(status__in=ENDED, closed_at__lt=london_midnight(cutoff))
    for keep in registry.retention_keeps(rule.pathway):  # what the pathway still needs (HSB: orders)
        wanted &= ~keep(cutoff)
    if drafts:
        wanted |= _past_period(rule, now) & (_warned(rule, now) if warned else Q())
    return Q(pathway=rule.pathway) & wanted & Q(retention_hold__isnull=True)


def _past_period(rule: RetentionRule, now: datetime.datetime) -> Q:
    """A draft untouched for its rule's days."""
    return Q(status=Status.DRAFT, updated_at__lt=now - datetime.timedelta(days=rule.draft_days))


def due(*, now: datetime.datetime | None = None, rules: list[RetentionRule] | None = None) -> QuerySet[Referral]:
    """Every referral a retention rule says should be erased now. No rule, nothing due."""
    return _due_among(Referral.objects.all(), now=now or timezone.now(), rules=rules)


def _due_among(
    referrals: QuerySet[Referral],
    *,
    now: datetime.datetime,
    rules: list[RetentionRule] | None,
    drafts: bool = True,
    warned: bool = True,
) -> QuerySet[Referral]:
    """`referrals` that the rules (all of them when None) say are due at `now`: one filter over the referral, so
    the ended half stays a range of ref_ended_idx."""
    rules = list(RetentionRule.objects.all()) if rules is None else rules
    if not rules:
        return referrals.none()
    wanted = Q()
    for rule in rules:
        wanted |= _due_q(rule, now, drafts=drafts, warned=warned)
    return referrals.filter(wanted)


def ended_at(referral: Referral) -> datetime.datetime:
    """The moment a case's retention period counts from: when it was closed or declined, or a draft's last change."""
    return referral.updated_at if referral.status == Status.DRAFT else referral.closed_at


@dataclass(frozen=True)
class DueCount:
    pathway: str
    ended: int
    drafts: int


def due_counts(
    *, now: datetime.datetime | None = None, rules: list[RetentionRule] | None = None
) -> dict[str, DueCount]:
    """The dry run by pathway (one query): how many ended cases the next sweep would erase, and how many drafts are
    past their period. A draft goes once its author's warning has run its week, so a sweep erases fewer: none
    the first night, or while erasing is switched off (nobody is warned then)."""
    counted = (
        _due_among(Referral.objects.all(), now=now or timezone.now(), rules=rules, warned=False)
        .values("pathway")
        .annotate(ended=Count("pk", filter=Q(status__in=ENDED)), drafts=Count("pk", filter=Q(status=Status.DRAFT)))
        .order_by()
    )
    return {row["pathway"]: DueCount(row["pathway"], row["ended"], row["drafts"]) for row in counted}


# --- Rules ---------------------------------------------------------------------------------------


@transaction.atomic
def retention_rule_save(*, actor, pathway: str, keep_years: int, draft_days: int, basis: str) -> RetentionRule:
    """Set one pathway's retention periods (a system administrator). The change is in the rule's history."""
    permissions.require(permissions.can_manage_retention(actor))
    if pathway not in Pathway.values:
        raise ValidationError({"pathway": "Choose a pathway"})
    rule = RetentionRule.objects.select_for_update().filter(pathway=pathway).first() or RetentionRule(pathway=pathway)
    rule.keep_years, rule.draft_days, rule.basis = keep_years, draft_days, (basis or "").strip()
    rule.updated_by = actor
    attributed(rule, actor)
    rule.full_clean()
    rule.save()
    return rule


def draft_erased_on(referral: Referral, *, now: datetime.datetime | None = None) -> datetime.date | None:
    """The day from which a draft left as it is may be erased by its pathway's rule (the first nightly sweep after
    it has been untouched for the rule's days, and at least WARN_DAYS after its author was warned); None if it is
    not a draft or there is no rule. Shown on the draft so its author is not surprised."""
    if referral.status != Status.DRAFT:
        return None
    rule = RetentionRule.objects.filter(pathway=referral.pathway).first()
    if rule is None:
        return None
    now = now or timezone.now()
    warning = _standing_warnings(rule, now, referral).order_by("-deadline").only("deadline").first()
    return timezone.localdate(warning.deadline if warning else _draft_deadline(referral, rule, now))


def _draft_deadline(referral: Referral, rule: RetentionRule, now: datetime.datetime) -> datetime.datetime:
    """When a draft not yet warned could first be erased: its rule's days after its last change, and never sooner
    than WARN_DAYS after a warning sent now."""
    return max(ended_at(referral) + datetime.timedelta(days=rule.draft_days), now + datetime.timedelta(days=WARN_DAYS))


def draft_warnings_schedule(*, now: datetime.datetime | None = None, limit: int | None = None) -> int:
    """Warn each draft's author (a notification, and its email) that the draft may be deleted, when that is WARN or
    less away and no warning stands (_standing_warnings): once after each change, and again if the rule or a long
    pause in erasing has made the last one stale. The warning gives the day, at least WARN on (and moved on if it
    goes out late: reminders.KEEPS_NOTICE); the sweep erases the draft only once that day has come (_warned).
    Returns how many warnings it scheduled (at most `limit`)."""
    now = now or timezone.now()
    scheduled = 0
    for rule in RetentionRule.objects.order_by("pathway"):
        drafts = Referral.objects.filter(_past_period(rule, now + WARN), pathway=rule.pathway).exclude(
            Exists(_standing_warnings(rule, now))
        )
        for referral in drafts.order_by("pk")[: None if limit is None else limit - scheduled]:
            try:
                scheduled += _draft_warn(referral, rule, now)
            except Exception:  # one draft's warning must not stop the others, nor the night's erasing
                logger.exception("retention: could not warn about draft %s", referral.pk)
    return scheduled


@transaction.atomic
def _draft_warn(referral: Referral, rule: RetentionRule, now: datetime.datetime) -> int:
    """Schedule one draft's warning, with the draft locked: a change made meanwhile (which waits for the lock, and
    then makes the warning stale) is seen, and that draft is left for the next night. To its author if they can
    be told (reminder_recipients), otherwise to its agency's case workers."""
    locked = referral_lock(referral)
    if locked.status != Status.DRAFT or locked.updated_at != referral.updated_at:
        return 0
    author = Reminder(kind=ReminderKind.DRAFT_ERASURE, referral=locked, user_id=locked.referrer_id)
    to = {"user": locked.referrer_id} if permissions.reminder_recipients(author) else {"agency": locked.owner_agency_id}
    reminders.reminder_schedule(
        kind=ReminderKind.DRAFT_ERASURE,
        referral=locked,
        due_at=now,
        deadline=_draft_deadline(locked, rule, now),
        key=f"draft_erasure:{locked.pk}@{now.isoformat()}",
        **to,
    )
    return 1


REVIEW_DAYS = 30  # how far ahead the owning agencies' list of cases due for erasure looks


def due_soon_for(
    user, *, rules: list[RetentionRule] | None = None, now: datetime.datetime | None = None, days: int = REVIEW_DAYS
) -> QuerySet[Referral]:
    """The ended cases this user may keep from erasure that a sweep in the next `days` days would erase, oldest
    ending first: what an owning agency's managers and coordinators, or a hub's coordinators, review to decide
    which to keep."""
    soon = (now or timezone.now()) + datetime.timedelta(days=days)
    holdable = permissions.referrals_holdable_by(user)
    return _due_among(holdable, now=soon, rules=rules, drafts=False).order_by("closed_at", "pk")


def erased_from(referral: Referral, rule: RetentionRule) -> datetime.date:
    """The first day its rule lets the sweep erase an ended case: the day after its period ends (_due_q)."""
    return years_before(timezone.localdate(ended_at(referral)), -rule.keep_years) + datetime.timedelta(days=1)


def held_counts() -> dict[str, int]:
    """How many cases of each pathway are kept from erasure (counts only, for the Retention page)."""
    held = RetentionHold.objects.values("referral__pathway").annotate(n=Count("pk")).order_by()
    return {row["referral__pathway"]: row["n"] for row in held}


# --- Holds ---------------------------------------------------------------------------------------


@transaction.atomic
def retention_hold_place(*, referral: Referral, actor, reason: str) -> RetentionHold:
    """Keep a case beyond its retention period (a review, proceedings). The reason is kept with the hold, in its
    history; the timeline says only that the case is kept. Who may: permissions.can_hold_from_erasure."""
    locked = referral_lock(referral)
    if not permissions.can_hold_from_erasure(actor, locked):
        raise PermissionDenied("Only the owning agency's managers and coordinators, or the hub's, keep a case")
    if RetentionHold.objects.filter(referral=locked).exists():
        raise ValidationError("This case is already kept from erasure")
    hold = attributed(RetentionHold(referral=locked, reason=(reason or "").strip(), placed_by=actor), actor)
    hold.full_clean()
    hold.save()
    event_record(referral=locked, actor=actor, kind=EventKind.RETENTION, summary="Kept from erasure")
    return hold


@transaction.atomic
def retention_hold_release(*, referral: Referral, actor, reason: str) -> None:
    """Let a kept case follow its retention period again; the reason goes in the hold's history."""
    locked = referral_lock(referral)
    if not permissions.can_hold_from_erasure(actor, locked):
        raise PermissionDenied("Only the owning agency's managers and coordinators, or the hub's, release a case")
    hold = RetentionHold.objects.select_for_update().filter(referral=locked).first()
    if hold is None:
        raise ValidationError("This case is not kept from erasure")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Enter why the case no longer needs to be kept"})
    attributed(hold, actor)
    hold._change_reason = f"Released: {reason}"
    hold.delete()
    event_record(referral=locked, actor=actor, kind=EventKind.RETENTION, summary="No longer kept from erasure")


# --- Erasing -------------------------------------------------------------------------------------


def erase(*, referral_id: int, now: datetime.datetime | None = None) -> ErasureRecord | None:
    """Erase one referral if its rule still says it is due; None if it is gone or no longer due. Raises
    ErasureRefused, with nothing changed, if something that is not part of the case depends on it."""
    now = now or timezone.now()
    with transaction.atomic():
        referral = Referral.objects.select_for_update().filter(pk=referral_id).first()
        if referral is None:
            return None
        rule = RetentionRule.objects.filter(pathway=referral.pathway).first()
        if rule is None or not Referral.objects.filter(_due_q(rule, now), pk=referral.pk).exists():
            return None
        is_draft = referral.status == Status.DRAFT
        rows: Counter = Counter()
        with tally_erasing({referral.pk}):
            rows.update(_delete_case(referral))
        return ErasureRecord.objects.create(
            at=now,
            pathway=referral.pathway,
            owner_agency_id=referral.owner_agency_id,
            reason=ErasureReason.DRAFT if is_draft else ErasureReason.ENDED,
            ended_month=timezone.localdate(ended_at(referral)).replace(day=1),
            keep_for=f"{rule.draft_days} days as a draft" if is_draft else f"{rule.keep_years} years after it ended",
            rows=dict(sorted(rows.items())),
        )


def _delete_case(referral: Referral) -> Counter:
    """Delete the referral, what depends on it, the access log about it and all their history."""
    rows: Counter = Counter()
    erased: dict[type[models.Model], set] = defaultdict(set)
    # The access log would otherwise keep its rows with the referral set to null (and the reference kept).
    rows[AccessLog._meta.label] += AccessLog.objects.filter(referral=referral).delete()[0]
    _delete([referral], referral=referral, erased=erased, rows=rows)
    rows.update(_purge_history(erased))
    return +rows


def _delete(objs: list[models.Model], *, referral: Referral, erased: dict, rows: Counter, depth: int = 0) -> None:
    """Delete `objs` (one model) with Django's cascade. A part of the case that protects something from an
    accidental delete (a MARAC listing protects its referral; an action, its listing) is deleted first; anything
    else that protects it refuses the erasure."""
    collector = Collector(using=DEFAULT_DB_ALIAS, origin=objs[0])
    try:
        collector.collect(objs)
    except ProtectedError as error:
        protecting = list(error.protected_objects)
        outside = [obj for obj in protecting if getattr(obj, "referral_id", None) != referral.pk]
        if outside or depth > 5:
            raise ErasureRefused(
                "Kept: "
                + ", ".join(sorted({str(obj._meta.verbose_name_plural) for obj in outside or protecting}))
                + " outside the case depend on it"
            ) from error
        by_model = defaultdict(list)
        for obj in protecting:
            by_model[type(obj)].append(obj)
        for group in by_model.values():
            _delete(group, referral=referral, erased=erased, rows=rows, depth=depth + 1)
        return _delete(objs, referral=referral, erased=erased, rows=rows, depth=depth + 1)  # nothing protects them now
    for model, instances in collector.data.items():
        erased[model].update(obj.pk for obj in instances)
    rows.update(collector.delete()[1])


def _history_models() -> list[type[models.Model]]:
    return [model for model in apps.get_models() if getattr(model, "instance_type", None) is not None]


def _cascades(model: type[models.Model], name: str) -> bool:
    """Does `model`'s foreign key `name` delete its row with the row it points at? Then the row was part of what
    is erased, and so is its history. Another case's history that merely names an erased case (a repeat of it:
    SET_NULL) is that case's record and stays."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:  # the history's own columns (history_user)
        return False
    return getattr(field.remote_field, "on_delete", None) is models.CASCADE


def _purge_history(erased: dict[type[models.Model], set]) -> Counter:
    """Every history row that is something erased, or belonged to it: the deleted rows' own history (with the
    "-" rows their deletion wrote) and the history of parts deleted earlier (a person removed from the case)."""
    rows: Counter = Counter()
    for history in _history_models():
        wanted = Q()
        ids = erased.get(history.instance_type)
        if ids:
            wanted |= Q(**{f"{history.instance_type._meta.pk.attname}__in": ids})
        for fk in history._meta.concrete_fields:
            if fk.is_relation and fk.related_model in erased and _cascades(history.instance_type, fk.name):
                wanted |= Q(**{f"{fk.attname}__in": erased[fk.related_model]})
        if wanted:
            deleted = history.objects.filter(wanted).delete()[0]
            if deleted:
                rows[history._meta.label] += deleted
    return rows


# --- The sweep -----------------------------------------------------------------------------------


@dataclass
class SweepResult:
    due: list[int]
    warned: int = 0  # drafts whose authors are warned they may be deleted
    erased: list[ErasureRecord] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)


def sweep(*, erase_due: bool, now: datetime.datetime | None = None, limit: int | None = None) -> SweepResult:
    """The nightly job (referrals.retention_sweep) and `manage.py retention_sweep`: find what is due and, unless
    this is a dry run, warn the authors of drafts that will be due soon and erase what is due, case by case."""
    now = now or timezone.now()
    result = SweepResult(due=list(due(now=now).order_by("pk").values_list("pk", flat=True)[:limit]))
    if not erase_due:
        return result
    result.warned = draft_warnings_schedule(now=now, limit=limit)
    for referral_id in result.due:
        try:
            record = erase(referral_id=referral_id, now=now)
        except ErasureRefused as refused:
            result.refused[referral_id] = str(refused)
            logger.warning("retention: referral %s not erased: %s", referral_id, refused)
            continue
        if record is not None:
            result.erased.append(record)
    logger.info(
        "retention: %s due, %s erased, %s refused, %s drafts' authors warned",
        len(result.due),
        len(result.erased),
        len(result.refused),
        result.warned,
    )
    return result
