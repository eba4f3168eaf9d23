"""The core reminder rules, wired through the registry so the core services stay free of them.

- A submitted referral waits for the receiving hub's decision: its coordinators are reminded when the rule's
  working days are up (default 2), its managers when the escalation's are (default 4, "2 more").
  Accepting or declining cancels both.
- Youth violence: a reminder to the hub's coordinators before the next review date, kept in step whenever
  the youth violence details are saved.
- Declining or closing a case cancels every reminder still waiting on it, except those about obligations that
  outlive the case work (an HSB order's end date).

Also the "Notifications" navigation item with its unread count, and "Failed reminders" for administrators.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from accounts import permissions
from accounts.models import Role
from referrals import registry, reminders, selectors
from referrals.models import Pathway, Referral, ReminderKind, Status, YouthViolenceDetail
from svd_portal.lib import working_days

DECISION_KINDS = (ReminderKind.REFERRAL_DECISION, ReminderKind.REFERRAL_DECISION_ESCALATION)
LIVE_STATUSES = frozenset({Status.SUBMITTED, Status.ACCEPTED, Status.OPEN})


def decision_reminders_schedule(*, referral: Referral, actor, kinds=DECISION_KINDS) -> None:
    """The reminders to the receiving hub that a submitted referral waits for its decision (`kinds`: both the
    coordinators' and the managers' escalation unless told)."""
    hub = reminders.hub_agency_id(referral)
    for kind in kinds:
        reminders.reminder_schedule(
            kind=kind,
            referral=referral,
            due_at=reminders.due_after(kind, referral.submitted_at),
            agency=hub,
            role=reminders.rule(kind).get("role", Role.COORDINATOR),
            actor=actor,
        )


def yv_review_sync(*, referral: Referral, actor, detail: YouthViolenceDetail | None = None) -> None:
    """One review reminder for the current next review date of a live youth violence case; none otherwise."""
    if referral.pathway != Pathway.YOUTH_VIOLENCE:
        return
    if detail is None:
        detail = YouthViolenceDetail.objects.filter(referral=referral).first()
    review = detail.next_review_date if detail is not None else None
    key = f"yv_review:{referral.pk}:{review.isoformat()}" if review else ""
    stale = [k for k in _pending_keys(referral, ReminderKind.YV_REVIEW) if k != key]
    for old in stale:
        reminders.reminders_cancel(referral=referral, kinds=[ReminderKind.YV_REVIEW], key_prefix=old, actor=actor)
    if not review or referral.status not in LIVE_STATUSES:
        return
    due = max(reminders.due_before(ReminderKind.YV_REVIEW, review), timezone.now())
    reminders.reminder_schedule(
        kind=ReminderKind.YV_REVIEW,
        referral=referral,
        due_at=due,
        agency=reminders.hub_agency_id(referral),
        role=reminders.rule(ReminderKind.YV_REVIEW).get("role", Role.COORDINATOR),
        key=key,
        deadline=working_days.end_of_working_day(review),
        actor=actor,
    )


def _pending_keys(referral: Referral, kind: str) -> list[str]:
    from referrals.models import Reminder, ReminderState

    return list(
        Reminder.objects.filter(referral=referral, kind=kind, state=ReminderState.PENDING).values_list("key", flat=True)
    )


def on_transition(*, referral: Referral, transition, actor) -> None:
    name = transition.name
    if name == "submit":
        decision_reminders_schedule(referral=referral, actor=actor)
        yv_review_sync(referral=referral, actor=actor)
    elif name == "accept":
        reminders.reminders_cancel(referral=referral, kinds=DECISION_KINDS, actor=actor)
    elif name in {"decline", "close"}:
        kinds = [kind for kind in ReminderKind.values if reminders.ends_with_case(kind)]
        reminders.reminders_cancel(referral=referral, kinds=kinds, actor=actor)
    elif name == "reopen":
        yv_review_sync(referral=referral, actor=actor)


def on_part_saved(*, referral: Referral, instance, actor, is_new: bool) -> None:
    if isinstance(instance, YouthViolenceDetail):
        yv_review_sync(referral=referral, actor=actor, detail=instance)


def _notifications_url() -> str:
    return reverse("referrals:notifications")


def unread_badge(user, items: list[dict]) -> None:
    """The unread count on the "Notifications" item: one COUNT on a partial index (user, unread)."""
    url = _notifications_url()
    for item in items:
        if item["url"] == url:
            item["badge"] = selectors.notifications_unread_count(user=user) or None


def register() -> None:
    registry.register_transition_hook(on_transition)
    registry.register_part_saved_hook(on_part_saved)
    registry.register_navigation("Notifications", _notifications_url, lambda user: user.is_authenticated)
    registry.register_navigation(
        "Failed reminders", lambda: reverse("referrals:reminder_failures"), permissions.can_manage_reminders
    )
    registry.register_navigation(
        "Reminder timings", lambda: reverse("referrals:reminder_rules"), permissions.can_manage_reminder_rules
    )
    registry.register_navigation_badge(unread_badge)


def demo_seed(*, limit: int = 20) -> str:
    """Demo data (seed_demo, through referrals.demo.seed): decision reminders for the demo's referrals still
    waiting for a hub's decision, as submitting them through the service would have made (the coordinators'
    ones; not the managers' escalation). Their due times have passed, so the sweep (the dev server's sweeper
    on `make run`) delivers them to the hub coordinators.
    Safe to run again: one reminder per key."""
    waiting = Referral.objects.filter(status=Status.SUBMITTED, submitted_at__isnull=False).order_by("-submitted_at")
    made = 0
    for referral in waiting[:limit]:
        decision_reminders_schedule(referral=referral, actor=None, kinds=[ReminderKind.REFERRAL_DECISION])
        made += 1
    return f"{made} decision reminders"
