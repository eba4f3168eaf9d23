"""Reminders that are never lost (issue 6; ARCHITECTURE.md "Reminders"; docs/reminders.md).

Rows, not queued timers. The service that creates an obligation calls `reminder_schedule(...)` in its own
transaction, and the service that meets it calls `reminders_cancel(...)`. Nothing here talks to the broker on
a web request: a request only writes rows.

Sending has three steps, each safe to run twice and each driven from the database:
1. `sweep(publish=...)` claims due rows with SELECT ... FOR UPDATE SKIP LOCKED, hands each id to `publish`
   (a Celery task per reminder; or, with no broker, a direct call) and stamps `enqueued_at`. A row still
   pending `SVD_REMINDER_REQUEUE_SECONDS` after it was handed over is handed over again, so a message lost
   with Redis (restart, FLUSHALL, a worker killed) only delays a reminder.
2. `reminder_deliver(reminder_id=...)` locks the row, re-checks that it is pending and due, writes one in-app
   Notification per recipient and marks the reminder sent, all in one transaction: delivered exactly once.
3. `notification_email_send(...)` and `digest_send(...)` email what was delivered, each under its own row lock
   and state check (an email is marked sent in the transaction that sent it; digests are unique per person
   and day). SMTP is not transactional: a process killed after the mail server accepted a message and before
   the commit would send that one message again on retry. That window is milliseconds; the in-app
   notification is exactly once.

Failures retry with exponential backoff (`next_attempt_at`, picked up by the sweep); after
`SVD_REMINDER_MAX_ATTEMPTS` the row is marked failed and shown to administrators, who can retry it. A reminder
with nobody to go to fails at once. Messages carry the case reference, the due date and a link: never names or
case content.
"""

from __future__ import annotations

import calendar
import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from accounts import permissions
from accounts.models import NotificationPreference, Role, User
from referrals import registry
from referrals.models import (
    EmailState,
    EventKind,
    Notification,
    NotificationDigest,
    Referral,
    Reminder,
    ReminderKind,
    ReminderRule,
    ReminderState,
    Status,
)
from referrals.services import attributed, event_record
from svd_portal.lib import working_days

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 3600  # keep well under the broker's visibility timeout
CLOSED_STATUSES = frozenset({Status.DECLINED, Status.CLOSED})
# Obligations that outlive the case work: an HSB order runs on after the case is closed.
OUTLIVES_CASE = frozenset({ReminderKind.HSB_ORDER_END})
# Reminders that promise notice (a draft's deletion): sent late, their deadline moves on by as much, so the notice
# runs in full from when it is sent. Other deadlines (a review, an action) are fixed.
KEEPS_NOTICE = frozenset({ReminderKind.DRAFT_ERASURE})


class NoRecipients(Exception):
    """Nobody who may see the case holds the role the reminder is for. Fails at once: a person must act."""


# --- Rules ----------------------------------------------------------------------------------------


RULE_FIELDS = ("working_days", "working_days_before", "months", "repeat_days", "role")
ROLE_WORDS = {  # who a reminder is for, in words (the administrators' page, the timeline's "sent to")
    "": "everyone with a case role",
    Role.CASEWORKER: "caseworkers",
    Role.COORDINATOR: "coordinators",
    Role.MANAGER: "managers",
    Role.AGENCY_ADMIN: "administrators",
}
RULES_CACHE_SECONDS = 300
# What an administrator may set. Not "months": the one rule that has it (a year since a case was heard) is tied
# to the MARAC repeat window (marac.services.REPEAT_WINDOW_DAYS).
SETTABLE = ("working_days", "working_days_before", "repeat_days", "role")
# An escalation counts from the same moment as the reminder it escalates, and must come after it.
ESCALATES = {ReminderKind.REFERRAL_DECISION_ESCALATION: ReminderKind.REFERRAL_DECISION}


def _known(kind: str) -> None:
    if kind not in ReminderKind.values:
        raise ValueError(f"Unknown reminder kind {kind!r}")


def rule(kind: str, overrides: dict[str, dict] | None = None) -> dict:
    """The rule for a kind of reminder: the deployment's default (settings.SVD_REMINDER_RULES) with what a system
    administrator has set over it (ReminderRule; `overrides` when the caller has read rule_overrides already)."""
    _known(kind)
    overrides = rule_overrides() if overrides is None else overrides
    return {**settings.SVD_REMINDER_RULES.get(kind, {}), **overrides.get(kind, {})}


def default_rule(kind: str) -> dict:
    return dict(settings.SVD_REMINDER_RULES.get(kind, {}))


def rule_fields(kind: str) -> list[str]:
    """What an administrator may set for a kind: what its default has, of SETTABLE. Who is reminded only where the
    default names a role: the others go to every case role of agencies other than the hub (each agency at a
    meeting, an action's owner), whose members a role could miss. Nothing for a kind with no default timing (a
    draft's deletion warning, whose week is the retention rules')."""
    default = default_rule(kind)
    return [name for name in SETTABLE if name in default]


def rules_cache_key() -> str:
    """The cached rules' key, per database: two deployments, or a test run and a development server, that share a
    Redis never share rules."""
    from django.db import connection

    return f"svd:reminder-rules:{connection.settings_dict['NAME']}"


def rule_overrides() -> dict[str, dict]:
    """{kind: {field: value}}: the values administrators have set, read once and cached (shared by every process
    where the cache is Redis) until one changes or RULES_CACHE_SECONDS pass. A cache that is down means a query."""
    from django.core.cache import cache

    try:
        cached = cache.get(rules_cache_key())
    except Exception:  # noqa: BLE001 - the database has the answer
        cached = None
    if cached is not None:
        return cached
    overrides = {}
    for saved in ReminderRule.objects.all():
        values = {name: getattr(saved, name) for name in RULE_FIELDS if getattr(saved, name) is not None}
        if values:
            overrides[saved.kind] = values
    try:
        cache.set(rules_cache_key(), overrides, RULES_CACHE_SECONDS)
    except Exception:  # noqa: BLE001
        logger.warning("Could not cache the reminder rules", exc_info=True)
    return overrides


def _forget_rules() -> None:
    from django.core.cache import cache

    def forget() -> None:
        try:
            cache.delete(rules_cache_key())
        except Exception:  # noqa: BLE001 - read again after RULES_CACHE_SECONDS at the latest
            logger.warning("Could not clear the cached reminder rules", exc_info=True)

    forget()
    transaction.on_commit(forget)  # and again, in case a request read the old rules meanwhile


def describe_rule(values: dict) -> str:
    """A rule in words, for the administrators' page: "2 working days after, to coordinators"."""

    def count(n: int, unit: str) -> str:
        return f"{n} {unit}{'' if n == 1 else 's'}"

    parts = []
    if "working_days" in values:
        parts.append(f"{count(values['working_days'], 'working day')} after")
    if "working_days_before" in values:
        before = values["working_days_before"]
        parts.append("on the morning it is due" if before == 0 else f"{count(before, 'working day')} before it is due")
    if "months" in values:
        parts.append(f"{count(values['months'], 'month')} after")
    if "repeat_days" in values:
        parts.append(
            "every day while overdue"
            if values["repeat_days"] == 1
            else f"every {values['repeat_days']} days while overdue"
        )
    parts.append("to " + ROLE_WORDS.get(values.get("role", ""), "everyone with a case role"))
    return ", ".join(parts).capitalize()


@transaction.atomic
def reminder_rule_save(*, actor, kind: str, values: dict) -> ReminderRule:
    """Set one kind of reminder's timing (a system administrator): a value left blank (None) keeps the default.
    Applies to reminders scheduled from now on. The change is in the rule's history."""
    permissions.require(permissions.can_manage_reminder_rules(actor))
    fields = rule_fields(kind) if kind in ReminderKind.values else []
    if not fields:
        raise ValidationError("This kind of reminder has no timing to set")
    saved = ReminderRule.objects.select_for_update().filter(kind=kind).first() or ReminderRule(kind=kind)
    for name in RULE_FIELDS:
        setattr(saved, name, values.get(name) if name in fields else None)
    if saved.role not in (None, "", *[role.value for role in permissions.CASE_ROLES]):
        raise ValidationError({"role": "Choose who is reminded"})
    _escalation_after_first(kind, saved)
    saved.updated_by = actor
    attributed(saved, actor)
    saved.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            saved.save()
    except IntegrityError as exc:  # another administrator saved this kind's first timing at the same moment
        raise ValidationError("Someone else set this timing at the same moment. Check it and try again.") from exc
    _forget_rules()
    return saved


def _escalation_after_first(kind: str, saved: ReminderRule) -> None:
    """Refuse an escalation due no later than the reminder it escalates (both count working days from the same
    moment), whichever of the two is being changed."""
    pair = next(((escalation, first) for escalation, first in ESCALATES.items() if kind in (escalation, first)), None)
    if pair is None:
        return
    mine = default_rule(kind).get("working_days", 0) if saved.working_days is None else saved.working_days
    days = {k: mine if k == kind else rule(k).get("working_days", 0) for k in pair}
    escalation, first = pair
    if days[escalation] <= days[first]:
        other = days[first] if kind == escalation else days[escalation]
        side = "more" if kind == escalation else "fewer"
        raise ValidationError(
            {"working_days": f"Working days after the event must be {side} than {other}: the escalation comes last"}
        )


def due_after(kind: str, moment: datetime.datetime) -> datetime.datetime:
    """End of the working day that is the rule's `working_days` after `moment` ("within 2 working days")."""
    return working_days.deadline_after(moment, int(rule(kind).get("working_days", 0)))


def due_before(kind: str, day: datetime.date) -> datetime.datetime:
    """Start of the working day the rule's `working_days_before` working days before `day` (a review date)."""
    days = int(rule(kind).get("working_days_before", 0))
    return working_days.start_of_working_day(working_days.subtract_working_days(day, days))


def due_months_after(kind: str, day: datetime.date) -> datetime.datetime:
    """Start of the first working day on or after `day` plus the rule's `months` ("12 months since")."""
    months = day.month - 1 + int(rule(kind).get("months", 12))
    year, month = day.year + months // 12, months % 12 + 1
    target = datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
    return working_days.start_of_working_day(working_days.add_working_days(target, 0))


def default_key(*, kind: str, referral: Referral, agency_id, user_id, role: str) -> str:
    return f"{kind}:{referral.pk}:{agency_id or '-'}:{user_id or '-'}:{role or '-'}"


def case_path(referral: Referral) -> str:
    return reverse("referrals:detail", args=[referral.public_id])


def hub_agency_id(referral: Referral) -> int:
    """The agency that receives referrals on this pathway (the owner's, if no hub is set)."""
    return permissions.hub_agency_id(referral.pathway) or referral.owner_agency_id


# --- Scheduling and cancelling (called inside the services that create and meet obligations) ---------


@transaction.atomic
def reminder_schedule(
    *,
    kind: str,
    referral: Referral | None,
    due_at: datetime.datetime,
    agency=None,
    user=None,
    role: str = "",
    key: str | None = None,
    repeat_days: int | None = None,
    label: str = "",
    link: str = "",
    deadline: datetime.datetime | None = None,
    actor=None,
) -> Reminder:
    """Create (or re-arm) the reminder for an obligation, in the caller's transaction.

    It is about `referral`, or, for an obligation that is not about one case (a MARAC meeting's research), about
    `label` (no personal data: "MARAC on 3 March 2027"), with a `key` of the caller's. `link` is the path the
    message links to (default: the case page). `deadline` is when what it reminds about is due, when the reminder
    is sent before it (`due_at`): the message gives the deadline.

    One row per `key` (default: kind, case, recipient and role). Scheduling the same key again moves a
    pending, cancelled or failed reminder to the new due time and recipient; a reminder already sent stays
    sent (pass a different key for a new obligation, for example one that includes the due date).
    `repeat_days` (default from the rule; at least 1) makes it come back every so many days until cancelled.
    """
    _known(kind)
    if agency is None and user is None:
        raise ValueError("A reminder needs an agency or a person to go to")
    if role and role not in Role.values:
        raise ValueError(f"Unknown role {role!r}")
    if timezone.is_naive(due_at) or (deadline is not None and timezone.is_naive(deadline)):
        raise ValueError("due_at and deadline must be timezone-aware")
    if referral is None and not (label and key):
        raise ValueError("A reminder that is not about a case needs a label and a key")
    if link and (not link.startswith("/") or link.startswith("//") or len(link) > 200):
        raise ValueError("A reminder's link is a path in this service")
    if repeat_days is None:
        repeat_days = rule(kind).get("repeat_days")
    if repeat_days is not None and int(repeat_days) < 1:
        raise ValueError("Reminders repeat at most daily")
    agency_id = getattr(agency, "pk", agency)
    user_id = getattr(user, "pk", user)
    key = key or default_key(kind=kind, referral=referral, agency_id=agency_id, user_id=user_id, role=role)
    if "#" in key or len(key) > 180:
        raise ValueError("A reminder key must not contain '#' and must be at most 180 characters")
    fields = {
        "kind": kind,
        "referral_id": referral.pk if referral is not None else None,
        "label": label[:60],
        "link": link,
        "agency_id": agency_id,
        "user_id": user_id,
        "role": role,
        "due_at": due_at,
        "deadline": deadline,
        "repeat_days": repeat_days,
    }
    reminder = Reminder.objects.select_for_update().filter(key=key).first()
    if reminder is None:
        reminder = attributed(Reminder(key=key, **fields), actor)
        reminder.full_clean(validate_unique=False, validate_constraints=False)
        try:
            with transaction.atomic():
                reminder.save()
            return reminder
        except IntegrityError:  # scheduled at the same moment by another transaction: re-arm that one
            reminder = Reminder.objects.select_for_update().get(key=key)
    if reminder.state == ReminderState.SENT:
        return reminder
    if reminder.state == ReminderState.PENDING and all(getattr(reminder, k) == v for k, v in fields.items()):
        return reminder  # nothing has changed: no write, no history row
    for name, value in fields.items():
        setattr(reminder, name, value)
    _rearm(reminder)
    attributed(reminder, actor)
    reminder.full_clean(validate_unique=False, validate_constraints=False)
    reminder.save()
    return reminder


def _rearm(reminder: Reminder) -> None:
    reminder.state = ReminderState.PENDING
    reminder.attempts = 0
    reminder.next_attempt_at = None
    reminder.enqueued_at = None
    reminder.last_error = ""
    reminder.failed_at = None
    reminder.cancelled_at = None


@transaction.atomic
def reminders_cancel(
    *, referral: Referral | None, kinds: Iterable[str] | None = None, key_prefix: str = "", actor=None
) -> int:
    """The obligation was met (or the case closed): cancel its pending and failed reminders. Returns how many.

    `kinds` limits it to some kinds (all when None); `key_prefix` to one obligation's keys (for example the
    keys a MARAC action's reminders were scheduled with, including their daily repeats). With no referral (an
    obligation about a meeting), `key_prefix` is required."""
    if referral is None and not key_prefix:
        raise ValueError("Cancelling reminders needs a referral or a key prefix")
    rows = Reminder.objects.select_for_update().filter(state__in=[ReminderState.PENDING, ReminderState.FAILED])
    if referral is not None:
        rows = rows.filter(referral=referral)
    if kinds is not None:
        kinds = list(kinds)
        for kind in kinds:
            _known(kind)
        rows = rows.filter(kind__in=kinds)
    if key_prefix:
        rows = rows.filter(key__startswith=key_prefix)
    now = timezone.now()
    count = 0
    for reminder in rows.order_by("pk"):
        _cancel(reminder, now, actor)
        count += 1
    return count


def _cancel(reminder: Reminder, now: datetime.datetime, actor) -> None:
    """Cancel one locked row (pending or failed): it is not sent, and no longer counts as handed over."""
    reminder.state = ReminderState.CANCELLED
    reminder.cancelled_at = now
    reminder.enqueued_at = None
    attributed(reminder, actor).save()


def ends_with_case(kind: str) -> bool:
    """Whether declining or closing a case cancels reminders of this kind (all but OUTLIVES_CASE)."""
    return kind not in OUTLIVES_CASE


# --- Obligations described by pathway apps ---------------------------------------------------------


def remind_before(kind: str, due_at: datetime.datetime) -> datetime.datetime:
    """When to remind about something due at `due_at`: the start of the working day the rule's
    `working_days_before` working days earlier (0: the morning of the day it is due), never after `due_at`."""
    return min(due_before(kind, timezone.localtime(due_at).date()), due_at)


@dataclass(frozen=True)
class Obligation:
    """Something agencies owe by a time, as a pathway app describes it (MARAC research, an HSB review...): one
    shape for every app, kept in step by `obligation_keep`. `key` is stable per obligation, so describing it
    again changes nothing; `due_at` None means it has been met or lifted. `kind` (and `overdue_kind`) are the
    reminder kinds. It is about `referral`, or, when it is not about one case, about `label` (no personal
    data). `link` is a path with no case content in it (default: the case page)."""

    kind: str
    key: str
    agency_ids: tuple[int | None, ...]
    due_at: datetime.datetime | None
    referral: Referral | None = None
    link: str = ""
    label: str = ""
    overdue_kind: str | None = None


@transaction.atomic
def obligation_keep(obligation: Obligation, *, actor=None) -> Obligation:
    """Keep one obligation's reminders in step with it. A pathway app calls this whenever the obligation is
    created, changed or met (`due_at` None), in its own transaction; calling it again with the same facts
    changes nothing. Returns the obligation, so that the app's obligation function can hand back what it
    described.

    For each agency: a `kind` reminder at `remind_before(kind, due_at)`, to the rule's `role` (any case role when
    the rule names none); with `overdue_kind`, another at `due_at` itself that comes back every `repeat_days`
    (the overdue rule's; at most daily) until the obligation is met. Reminders of the same obligation for an
    earlier due date or an agency no longer involved are cancelled; one already sent for this due date is not
    sent again."""
    kind, due_at, overdue_kind = obligation.kind, obligation.due_at, obligation.overdue_kind
    prefix = f"{obligation.key}|"
    wanted: dict[str, tuple[str, int, datetime.datetime, int | None]] = {}
    if due_at is not None:
        day = timezone.localtime(due_at).date().isoformat()
        for agency_id in sorted({a for a in obligation.agency_ids if a}):
            base = f"{prefix}{agency_id}@{day}"
            wanted[base] = (kind, agency_id, remind_before(kind, due_at), None)  # the message says due_at
            if overdue_kind:
                repeat = rule(overdue_kind).get("repeat_days")
                wanted[f"{base}:overdue"] = (overdue_kind, agency_id, due_at, repeat)
    now = timezone.now()
    stale = Reminder.objects.select_for_update().filter(
        key__startswith=prefix, state__in=[ReminderState.PENDING, ReminderState.FAILED]
    )
    for reminder in stale.order_by("pk"):
        if reminder.key.partition("#")[0] not in wanted:
            _cancel(reminder, now, actor)
    for full_key, (reminder_kind, agency_id, at, repeat) in wanted.items():
        reminder_schedule(
            kind=reminder_kind,
            referral=obligation.referral,
            due_at=at,
            deadline=due_at,
            agency=agency_id,
            role=rule(reminder_kind).get("role", ""),
            key=full_key,
            repeat_days=repeat,
            label=obligation.label,
            link=obligation.link,
            actor=actor,
        )
    return obligation


# --- Sweeping: claim due rows and hand them over ---------------------------------------------------


class Publisher(Protocol):
    """Where claimed work goes: Celery tasks (referrals.tasks.CeleryPublisher) or direct calls (no broker)."""

    def reminder(self, reminder_id: int) -> None: ...

    def email(self, notification_id: int) -> None: ...

    def digest(self, user_id: int, day: str) -> None: ...


@dataclass
class SweepResult:
    reminders: list[int] = field(default_factory=list)
    emails: list[int] = field(default_factory=list)
    digests: list[tuple[int, str]] = field(default_factory=list)


def sweep(*, publish: Publisher, now: datetime.datetime | None = None, limit: int = 500) -> SweepResult:
    """Hand every due reminder, waiting email and due digest to `publish`. Safe to run concurrently (two beats,
    two sweeper threads): rows are claimed under FOR UPDATE SKIP LOCKED and stamped before the claim commits.
    If the broker refuses a hand-over, the rest stay unclaimed for the next sweep."""
    now = now or timezone.now()
    return SweepResult(
        reminders=_claim_reminders(publish, now, limit),
        emails=_claim_emails(publish, now, limit),
        digests=_claim_digests(publish, now),
    )


def _stale(now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(seconds=settings.SVD_REMINDER_REQUEUE_SECONDS)


def _claim_reminders(publish: Publisher, now: datetime.datetime, limit: int) -> list[int]:
    claimed: list[int] = []
    with transaction.atomic():
        rows = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(state=ReminderState.PENDING, due_at__lte=now)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=_stale(now)))
            .order_by("due_at", "id")[:limit]
        )
        for reminder in rows:
            try:
                publish.reminder(reminder.pk)
            except Exception as exc:  # the broker is down: leave the rest for the next sweep
                logger.warning("Could not hand reminders to the broker (%s); the next sweep will", type(exc).__name__)
                break
            reminder.enqueued_at = now
            attributed(reminder, None)
            reminder.save(update_fields=["enqueued_at"])
            claimed.append(reminder.pk)
    return claimed


def _claim_emails(publish: Publisher, now: datetime.datetime, limit: int) -> list[int]:
    claimed: list[int] = []
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(email_state=EmailState.PENDING)
            .filter(Q(email_next_attempt_at__isnull=True) | Q(email_next_attempt_at__lte=now))
            .filter(Q(email_enqueued_at__isnull=True) | Q(email_enqueued_at__lt=_stale(now)))
            .order_by("created_at", "id")[:limit]
        )
        for notification in rows:
            try:
                publish.email(notification.pk)
            except Exception as exc:
                logger.warning("Could not hand emails to the broker (%s); the next sweep will", type(exc).__name__)
                break
            notification.email_enqueued_at = now
            notification.save(update_fields=["email_enqueued_at"])
            claimed.append(notification.pk)
    return claimed


def _digest_day(now: datetime.datetime) -> datetime.date | None:
    """Today (London) once the digest hour has passed, else None."""
    local = timezone.localtime(now)
    return local.date() if local.hour >= settings.SVD_DIGEST_HOUR else None


def _claim_digests(publish: Publisher, now: datetime.datetime) -> list[tuple[int, str]]:
    """People with digest notifications waiting and no digest yet today. Not stamped: `digest_send` is unique
    per person and day, so handing the same person over twice sends one digest."""
    day = _digest_day(now)
    if day is None:
        return []
    done_today = NotificationDigest.objects.filter(user=OuterRef("user"), day=day)
    user_ids = list(
        Notification.objects.filter(email_state=EmailState.DIGEST)
        .filter(Q(email_next_attempt_at__isnull=True) | Q(email_next_attempt_at__lte=now))
        .exclude(Exists(done_today))
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )
    claimed = []
    for user_id in user_ids:
        try:
            publish.digest(user_id, day.isoformat())
        except Exception as exc:
            logger.warning("Could not hand digests to the broker (%s); the next sweep will", type(exc).__name__)
            break
        claimed.append((user_id, day.isoformat()))
    return claimed


# --- Delivering: one in-app notification per recipient, exactly once ------------------------------


@dataclass
class Delivery:
    reminder_id: int
    sent: bool = False
    outcome: str = ""
    emails: list[int] = field(default_factory=list)  # notifications to email now (immediate preference)


def reminder_deliver(*, reminder_id: int, now: datetime.datetime | None = None) -> Delivery:
    """Deliver a due reminder if it is still pending. Idempotent: the state is re-checked under a row lock, and
    notifications, the 'sent' mark and the timeline entry commit together or not at all."""
    now = now or timezone.now()
    try:
        return _deliver(reminder_id, now)
    except NoRecipients as exc:
        _reminder_failed(reminder_id, str(exc), now=now, permanent=True)
        return Delivery(reminder_id, outcome="failed: no recipients")
    except Exception as exc:
        logger.warning("Reminder %s not delivered (%s); it will be retried", reminder_id, type(exc).__name__)
        _reminder_failed(reminder_id, f"Could not deliver ({type(exc).__name__})", now=now, permanent=False)
        return Delivery(reminder_id, outcome=f"error: {type(exc).__name__}")


@transaction.atomic
def _deliver(reminder_id: int, now: datetime.datetime) -> Delivery:
    reminder = (
        Reminder.objects.select_for_update(of=("self",))
        .select_related("referral", "agency")
        .filter(pk=reminder_id)
        .first()
    )
    if reminder is None or reminder.state != ReminderState.PENDING:
        return Delivery(reminder_id, outcome="not pending")
    if reminder.due_at > now:
        return Delivery(reminder_id, outcome="not due")
    referral = reminder.referral
    if referral is not None and referral.status in CLOSED_STATUSES and ends_with_case(reminder.kind):
        _cancel(reminder, now, None)
        return Delivery(reminder_id, outcome="case closed")
    stale = registry.reminder_stale(reminder.kind)
    if stale is not None and stale(reminder):
        _cancel(reminder, now, None)
        return Delivery(reminder_id, outcome="no longer holds")
    if reminder.kind in KEEPS_NOTICE and reminder.deadline is not None and now > reminder.due_at:
        reminder.deadline += now - reminder.due_at
    recipients = permissions.reminder_recipients(reminder)
    if not recipients:
        raise NoRecipients(f"Nobody to send it to: no active {audience(reminder)} who can see the case")
    emails = []
    for user in recipients:
        digest = user.notification_preference == NotificationPreference.DIGEST
        notification = Notification(
            user=user,
            reminder=reminder,
            referral=referral,
            kind=reminder.kind,
            reference=referral.display_reference if referral is not None else reminder.label,
            link=reminder.link or (case_path(referral) if referral is not None else ""),
            due_at=reminder.due_at,
            deadline=reminder.deadline,
            created_at=now,
            email_state=EmailState.DIGEST if digest else EmailState.PENDING,
            # emailed straight after this commits; the sweep takes it over if that does not happen
            email_enqueued_at=None if digest else now,
        )
        notification.save()
        if not digest:
            emails.append(notification.pk)
    reminder.state = ReminderState.SENT
    reminder.sent_at = now
    reminder.attempts += 1
    reminder.last_error = ""
    reminder.next_attempt_at = None
    attributed(reminder, None).save()
    if referral is not None:
        event_record(
            referral=referral,
            actor=None,
            kind=EventKind.REMINDER,
            summary=f"Reminder sent to {audience(reminder)}: {reminder.get_kind_display().lower()}",
            data={"reminder": str(reminder.public_id), "kind": reminder.kind, "recipients": len(recipients)},
        )
    if reminder.repeat_days:
        _schedule_repeat(reminder, now)
    return Delivery(reminder_id, sent=True, outcome="sent", emails=emails)


def _schedule_repeat(reminder: Reminder, now: datetime.datetime) -> None:
    """The next occurrence of a repeating reminder: `repeat_days` after the last due time, never in the past
    (so a reminder sent late comes back tomorrow, not at once: at most daily)."""
    step = datetime.timedelta(days=reminder.repeat_days)
    due = reminder.due_at + step
    while due <= now:
        due += step
    base, _, number = reminder.key.partition("#")
    Reminder.objects.create(
        key=f"{base}#{int(number or 0) + 1}",
        kind=reminder.kind,
        referral_id=reminder.referral_id,
        label=reminder.label,
        link=reminder.link,
        agency_id=reminder.agency_id,
        user_id=reminder.user_id,
        role=reminder.role,
        due_at=due,
        deadline=reminder.deadline,
        repeat_days=reminder.repeat_days,
    )


def audience(reminder: Reminder) -> str:
    """Who a reminder is for, in words, with no personal data: "CSP coordinators", "a named person"."""
    if reminder.user_id:
        return "a named person"
    who = ROLE_WORDS[reminder.role] if reminder.role else "case workers"
    return f"{reminder.agency.short_name} {who}" if reminder.agency else who


def _backoff(attempts: int) -> datetime.timedelta:
    seconds = settings.SVD_REMINDER_BACKOFF_SECONDS * 2 ** max(0, attempts - 1)
    return datetime.timedelta(seconds=min(seconds, MAX_BACKOFF_SECONDS))


def _reminder_failed(reminder_id: int, error: str, *, now: datetime.datetime, permanent: bool) -> None:
    with transaction.atomic():
        reminder = Reminder.objects.select_for_update().filter(pk=reminder_id, state=ReminderState.PENDING).first()
        if reminder is None:
            return
        reminder.attempts += 1
        reminder.last_error = error[:300]
        reminder.enqueued_at = None
        if permanent or reminder.attempts >= settings.SVD_REMINDER_MAX_ATTEMPTS:
            reminder.state = ReminderState.FAILED
            reminder.failed_at = now
            reminder.next_attempt_at = None
            logger.error("Reminder %s failed after %s attempts", reminder.pk, reminder.attempts)
        else:
            reminder.next_attempt_at = now + _backoff(reminder.attempts)
        attributed(reminder, None).save()


# --- Email -----------------------------------------------------------------------------------------


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def due_text(due_at: datetime.datetime) -> str:
    local = timezone.localtime(due_at)
    return f"{local:%-I:%M%p}".lower() + f" on {local:%A %-d %B %Y}"


# How a message introduces its deadline, where "due by" would read wrongly
DEADLINE_WORDS = {ReminderKind.DRAFT_ERASURE: "from"}


def message_line(notification: Notification) -> str:
    """The whole of what a notification says: kind, case reference and when it is due (the deadline, not when the
    reminder was sent). Nothing else, ever."""
    words = DEADLINE_WORDS.get(notification.kind, "due by")
    return f"{notification.get_kind_display()}: {notification.reference}, {words} {due_text(notification.due_by)}"


def _email_for(notification: Notification) -> EmailMessage:
    body = "\n".join(
        [
            message_line(notification),
            "",
            "Sign in to see it:",
            absolute(notification.link),
            "",
            "This email has no case details in it, by design. Please do not reply to it.",
            settings.SVD_SERVICE_NAME,
        ]
    )
    subject = f"{notification.get_kind_display()}: {notification.reference}"
    return EmailMessage(subject=subject, body=body, to=[notification.user.email])


def _digest_email(user: User, day: datetime.date, items: list[Notification]) -> EmailMessage:
    lines = [f"You have {len(items)} reminder{'s' if len(items) != 1 else ''} from {settings.SVD_SERVICE_NAME}:", ""]
    for item in items:
        lines += [f"- {message_line(item)}", f"  {absolute(item.link)}"]
    lines += ["", "This email has no case details in it, by design. Please do not reply to it."]
    subject = f"Your reminders for {day:%-d %B %Y}"
    return EmailMessage(subject=subject, body="\n".join(lines), to=[user.email])


def notification_email_send(*, notification_id: int, now: datetime.datetime | None = None) -> bool:
    """Email one notification to a person who chose immediate emails, if it is still waiting. Returns whether
    an email went out."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            notification = (
                Notification.objects.select_for_update(of=("self",))
                .select_related("user")
                .filter(pk=notification_id)
                .first()
            )
            if notification is None or notification.email_state != EmailState.PENDING:
                return False
            if notification.email_next_attempt_at and notification.email_next_attempt_at > now:
                return False
            if not notification.user.is_active:
                notification.email_state = EmailState.FAILED
                notification.email_error = "The account is no longer active"
                notification.save()
                return False
            _email_for(notification).send(fail_silently=False)
            notification.email_state = EmailState.SENT
            notification.emailed_at = now
            notification.email_attempts += 1
            notification.email_error = ""
            notification.save()
        return True
    except Exception as exc:
        logger.warning("Email for notification %s not sent (%s)", notification_id, type(exc).__name__)
        _emails_failed([notification_id], f"Could not send the email ({type(exc).__name__})", now=now)
        return False


def digest_send(*, user_id: int, day: datetime.date | str, now: datetime.datetime | None = None) -> bool:
    """Send one person's daily digest of notifications waiting for it: at most one digest per person per day."""
    now = now or timezone.now()
    if isinstance(day, str):
        day = datetime.date.fromisoformat(day)
    ids: list[int] = []
    try:
        with transaction.atomic():
            items = list(
                Notification.objects.select_for_update(of=("self",))
                .select_related("user")
                .filter(user_id=user_id, email_state=EmailState.DIGEST)
                .filter(Q(email_next_attempt_at__isnull=True) | Q(email_next_attempt_at__lte=now))
                .order_by("due_at", "id")
            )
            ids = [item.pk for item in items]
            if not items or not items[0].user.is_active:
                return False
            try:
                with transaction.atomic():
                    NotificationDigest.objects.create(user_id=user_id, day=day, sent_at=now, count=len(items))
            except IntegrityError:
                return False  # today's digest has gone already
            _digest_email(items[0].user, day, items).send(fail_silently=False)
            for item in items:
                item.email_state = EmailState.SENT
                item.emailed_at = now
                item.email_attempts += 1
                item.email_error = ""
                item.save()
        return True
    except Exception as exc:
        logger.warning("Digest for user %s not sent (%s)", user_id, type(exc).__name__)
        _emails_failed(ids, f"Could not send the daily digest ({type(exc).__name__})", now=now)
        return False


def _emails_failed(ids: list[int], error: str, *, now: datetime.datetime) -> None:
    with transaction.atomic():
        rows = Notification.objects.select_for_update().filter(
            pk__in=ids, email_state__in=[EmailState.PENDING, EmailState.DIGEST]
        )
        for notification in rows:
            notification.email_attempts += 1
            notification.email_error = error[:300]
            notification.email_enqueued_at = None
            if notification.email_attempts >= settings.SVD_REMINDER_MAX_ATTEMPTS:
                notification.email_state = EmailState.FAILED
                notification.email_next_attempt_at = None
            else:
                notification.email_next_attempt_at = now + _backoff(notification.email_attempts)
            notification.save()


# --- Running the steps ------------------------------------------------------------------------------


def reminder_process(*, reminder_id: int, now: datetime.datetime | None = None) -> Delivery:
    """Deliver a reminder, then send its immediate emails (what a send task does). Run again for a reminder
    already delivered (a message redelivered after a worker was killed mid-send), it sends whichever of its
    emails are still waiting, and nothing twice: each email is re-checked under its own lock."""
    now = now or timezone.now()
    delivery = reminder_deliver(reminder_id=reminder_id, now=now)
    emails = delivery.emails
    if not delivery.sent and delivery.outcome == "not pending":
        emails = list(
            Notification.objects.filter(
                reminder_id=reminder_id, reminder__state=ReminderState.SENT, email_state=EmailState.PENDING
            )
            .filter(Q(email_next_attempt_at__isnull=True) | Q(email_next_attempt_at__lte=now))
            .values_list("pk", flat=True)
        )
    for notification_id in emails:
        notification_email_send(notification_id=notification_id, now=now)
    return delivery


class CollectingPublisher:
    """A publisher that only remembers what it was handed (for running the steps in this process)."""

    def __init__(self) -> None:
        self.result = SweepResult()

    def reminder(self, reminder_id: int) -> None:
        self.result.reminders.append(reminder_id)

    def email(self, notification_id: int) -> None:
        self.result.emails.append(notification_id)

    def digest(self, user_id: int, day: str) -> None:
        self.result.digests.append((user_id, day))


def sweep_and_send(*, now: datetime.datetime | None = None) -> SweepResult:
    """The whole cycle in this process, with no broker: the dev server's sweeper thread and
    `manage.py reminders_sweep` run this. Same claims and the same idempotent steps as the Celery path."""
    result = sweep(publish=CollectingPublisher(), now=now)
    for reminder_id in result.reminders:
        reminder_process(reminder_id=reminder_id, now=now)
    for notification_id in result.emails:
        notification_email_send(notification_id=notification_id, now=now)
    for user_id, day in result.digests:
        digest_send(user_id=user_id, day=day, now=now)
    return result


# --- Actions on notifications and failures (called from views) -------------------------------------


@transaction.atomic
def notification_mark_read(*, notification: Notification, actor) -> Notification:
    if notification.user_id != actor.pk:
        raise ValidationError("That notification is not yours")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, actor) -> int:
    """Mark every unread notification of this person as read. Notifications are not audited (see the model),
    so a single UPDATE on the person's own unread rows is allowed here."""
    return Notification.objects.filter(user=actor, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def reminder_retry(*, reminder: Reminder, actor) -> Reminder:
    """An administrator fixed the cause (for example added a coordinator): try a failed reminder again."""
    locked = Reminder.objects.select_for_update().get(pk=reminder.pk)
    if locked.state != ReminderState.FAILED:
        raise ValidationError("Only a failed reminder can be tried again")
    _rearm(locked)
    attributed(locked, actor)
    locked._change_reason = "reminder_retry"
    locked.save()
    return locked


@transaction.atomic
def notification_email_retry(*, notification: Notification, actor) -> Notification:
    locked = Notification.objects.select_for_update().get(pk=notification.pk)
    if locked.email_state != EmailState.FAILED:
        raise ValidationError("Only a failed email can be tried again")
    digest = locked.user.notification_preference == NotificationPreference.DIGEST
    locked.email_state = EmailState.DIGEST if digest else EmailState.PENDING
    locked.email_attempts = 0
    locked.email_next_attempt_at = None
    locked.email_enqueued_at = None
    locked.email_error = ""
    locked.save()
    return locked
