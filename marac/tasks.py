"""Thin Celery wrappers: ids in, a service call, nothing else."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, max_retries=5, default_retry_delay=60)
def meeting_published_notify_task(meeting_id: int) -> int:
    from marac.services import meeting_published_notify

    return meeting_published_notify(meeting_id=meeting_id)
