"""Celery tasks for reminders: thin wrappers taking ids only (never names or case content, which Celery
copies into message headers and logs). The logic, and every retry and failure rule, is in referrals.reminders.

Beat runs `referrals.reminders_sweep` every SVD_REMINDER_SWEEP_SECONDS (settings.CELERY_BEAT_SCHEDULE). The
sweep claims due rows and publishes one short task per reminder, email or digest. Every task re-checks its
row under a lock, so a message delivered twice (acks_late redelivery, two beats, a requeue after a lost
message) sends once. Failures are recorded on the row with a backoff time and picked up by a later sweep,
rather than as ETA retries on the broker: nothing is lost if Redis is restarted or flushed.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from referrals import reminders
from referrals.reporting import tally
from referrals.reporting.periods import add_months

# Publishing from the sweep: fail fast if the broker is down, so the claim rolls forward to the next sweep.
PUBLISH_OPTIONS = {"retry": True, "retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 0.5}}


class CeleryPublisher:
    def reminder(self, reminder_id: int) -> None:
        reminder_send.apply_async((reminder_id,), **PUBLISH_OPTIONS)

    def email(self, notification_id: int) -> None:
        notification_email.apply_async((notification_id,), **PUBLISH_OPTIONS)

    def digest(self, user_id: int, day: str) -> None:
        digest_send.apply_async((user_id, day), **PUBLISH_OPTIONS)


@shared_task(name="referrals.reminders_sweep")
def reminders_sweep() -> dict:
    result = reminders.sweep(publish=CeleryPublisher())
    return {"reminders": len(result.reminders), "emails": len(result.emails), "digests": len(result.digests)}


@shared_task(name="referrals.reminder_send")
def reminder_send(reminder_id: int) -> str:
    return reminders.reminder_process(reminder_id=reminder_id).outcome


@shared_task(name="referrals.notification_email")
def notification_email(notification_id: int) -> bool:
    return reminders.notification_email_send(notification_id=notification_id)


@shared_task(name="referrals.digest_send")
def digest_send(user_id: int, day: str) -> bool:
    return reminders.digest_send(user_id=user_id, day=day)


@shared_task(name="referrals.report_tally_rebuild", soft_time_limit=3000, time_limit=3600)
def report_tally_rebuild() -> int:
    """Nightly (settings.CELERY_BEAT_SCHEDULE): count the last 13 months of the report tally again, or all of it
    if it has never been counted. The services keep it exact; this puts right, within a day, anything changed
    outside them (a fix made in the database by hand)."""
    since = add_months(timezone.localdate().replace(day=1), -13) if tally.is_built() else None
    return tally.tally_rebuild(since=since)


@shared_task(name="referrals.retention_sweep", soft_time_limit=3000, time_limit=3600)
def retention_sweep() -> dict:
    """Nightly (settings.CELERY_BEAT_SCHEDULE): erase the cases the retention rules say are due, and warn the
    authors of drafts soon due, or only count them where SVD_RETENTION_ERASE is off. At most
    SVD_RETENTION_NIGHTLY_LIMIT cases a night (about 80 ms each at a million referrals), so a first run over years
    of backlog ends well inside the time limit and the rest follows on later nights. Counts only in the result:
    never a case's details."""
    from referrals.retention.services import sweep

    result = sweep(erase_due=settings.SVD_RETENTION_ERASE, limit=settings.SVD_RETENTION_NIGHTLY_LIMIT)
    erased, refused = len(result.erased), len(result.refused)
    return {"due": len(result.due), "erased": erased, "refused": refused, "warned": result.warned}
