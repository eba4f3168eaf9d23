"""Due reminders still go out on `make run`, which has no Redis and so no Celery worker or beat.

When the development server runs with no broker (CELERY_TASK_ALWAYS_EAGER, the embedded default), a daemon
thread in the serving process runs `reminders.sweep_and_send()` every SVD_REMINDER_SWEEP_SECONDS: the same
claims and the same idempotent steps as beat and the worker. It starts only under `manage.py runserver`
(in the autoreloader's serving child, or with --noreload), only with SVD_DEV_SWEEPER on (the default outside
production), and never when a broker is configured: there, run `celery worker` and `celery beat`.
`manage.py reminders_sweep --loop` runs the same cycle as a process of its own.
"""

from __future__ import annotations

import logging
import os
import sys
import threading

from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)

_started = threading.Event()


def should_start(argv: list[str] | None = None, environ: dict | None = None) -> bool:
    argv = sys.argv if argv is None else argv
    environ = os.environ if environ is None else environ
    if len(argv) < 2 or argv[1] != "runserver":
        return False
    if not getattr(settings, "SVD_DEV_SWEEPER", False) or not settings.CELERY_TASK_ALWAYS_EAGER:
        return False
    # With the autoreloader, the parent only watches files; the child (RUN_MAIN=true) serves requests.
    return "--noreload" in argv or environ.get("RUN_MAIN") == "true"


def run_forever(interval: float, stop: threading.Event | None = None) -> None:
    from referrals import reminders

    stop = stop or threading.Event()
    while not stop.wait(interval):
        try:
            result = reminders.sweep_and_send()
            if result.reminders or result.emails or result.digests:
                logger.info(
                    "Reminder sweep: %s reminders, %s emails, %s digests",
                    len(result.reminders),
                    len(result.emails),
                    len(result.digests),
                )
        except Exception:
            logger.exception("Reminder sweep failed; trying again in %s seconds", interval)
        finally:
            close_old_connections()


def maybe_start() -> bool:
    if _started.is_set() or not should_start():
        return False
    _started.set()
    interval = max(5.0, float(settings.SVD_REMINDER_SWEEP_SECONDS))
    thread = threading.Thread(target=run_forever, args=(interval,), name="svd-reminder-sweeper", daemon=True)
    thread.start()
    logger.info("In-process reminder sweeper started (every %s seconds; no broker configured)", interval)
    return True
