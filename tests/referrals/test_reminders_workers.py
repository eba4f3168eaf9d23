"""Issue 6, proven under faults: real Redis (a redis-server of this test's own), real Celery workers and beat
started as subprocesses against the test database. Not eager mode.

- a due reminder is delivered exactly once with one worker, with two workers, and with beat started twice;
- a worker killed with SIGKILL in the middle of sending (the pool process, then the whole worker): still
  delivered, and not twice;
- Redis stopped while a referral is submitted: the page succeeds, and the reminder goes out once Redis is back;
- Redis flushed (FLUSHALL) after the sweep handed the work over: nothing lost, the rows are in the database;
- meeting an obligation before its reminder is sent cancels it, even with its message already queued;
- the emails the workers send carry no names or case content.

Skipped when redis-server is not installed, failed when SVD_REQUIRE_SERVICES=1 (CI). Workers need committed
rows, hence transaction=True; they find the test database through DATABASE_URL (on SQLite the test database
is a file: see the reminders section of settings.py).
"""

from __future__ import annotations

import datetime
import os
import signal
import time
from urllib.parse import quote

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from referrals import reminders, services
from referrals.models import EmailState, Notification, Referral, Reminder, ReminderKind, ReminderState
from referrals.tasks import CeleryPublisher
from svd_portal.celery import app as celery_app
from tests import factories
from tests.helpers import require_service
from tests.referrals.worker_support import (
    SLOW_MARKER,
    Processes,
    RedisServer,
    sent_emails,
    wait_for,
)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

NAMES = ("Zebedee", "Quarrington", "Testy", "Subjectson")


def database_url() -> str:
    """The URL of the database this test is using (the test database), for the worker subprocesses."""
    s = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = quote(s["USER"] or "")
        if s.get("PASSWORD"):
            auth += ":" + quote(s["PASSWORD"])
        return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    name = str(s["NAME"])
    require_service(
        connection.vendor == "sqlite" and "memory" not in name and name != ":memory:",
        "a test database other processes can open (PostgreSQL, or SQLite with a file test database)",
    )
    return f"sqlite:///{name}?timeout=30&transaction_mode=IMMEDIATE"


@pytest.fixture
def redis_server(tmp_path):
    require_service(bool(RedisServer.binary), "redis-server (Debian package 'redis-server')")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def broker(redis_server):
    """Point this process's Celery app at the test's Redis, not in eager mode, for the span of a test."""
    saved = {k: celery_app.conf[k] for k in ("broker_url", "task_always_eager", "broker_transport_options")}
    celery_app.close()
    celery_app.conf.update(
        broker_url=redis_server.url,
        task_always_eager=False,
        broker_transport_options={**saved["broker_transport_options"], "socket_connect_timeout": 1},
    )
    yield redis_server
    celery_app.close()
    celery_app.conf.update(saved)


@pytest.fixture
def sqlite_shared_with_workers():
    """On SQLite, this process writes to the same file as the workers: take the write lock at the start of each
    transaction and wait for it (as the workers do), rather than fail when a worker wrote first."""
    if connection.vendor != "sqlite":
        yield
        return
    options = connection.settings_dict.setdefault("OPTIONS", {})
    saved = dict(options)
    options.update(transaction_mode="IMMEDIATE", timeout=30)
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=WAL")  # readers here, writers in the workers
    yield
    options.clear()
    options.update(saved)
    connection.close()


@pytest.fixture
def processes(tmp_path, broker, sqlite_shared_with_workers):
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "DJANGO_SETTINGS_MODULE": "svd_portal.settings",
        "DJANGO_ENV": "development",
        "DATABASE_URL": database_url(),
        "DB_CONN_MAX_AGE": "0",
        "REDIS_URL": broker.url,
        "CELERY_BROKER_URL": broker.url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "EMAIL_BACKEND": "tests.referrals.worker_support.FileEmailBackend",
        "SVD_TEST_EMAIL_DIR": str(tmp_path),
        "SVD_REMINDER_SWEEP_SECONDS": "1",
        "SVD_REMINDER_REQUEUE_SECONDS": "3",
        "SVD_DIGEST_HOUR": "24",  # no digests in these tests
        "SVD_DEV_SWEEPER": "0",
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }
    procs = Processes(env, tmp_path)
    yield procs
    procs.stop_all()


def publish_sweep() -> None:
    """What beat does every SVD_REMINDER_SWEEP_SECONDS: put one sweep task on the queue."""
    celery_app.send_task("referrals.reminders_sweep")


def publish_send(reminder_id: int) -> None:
    """A send task for one reminder, as the sweep publishes it (used to force duplicate messages)."""
    celery_app.send_task("referrals.reminder_send", args=[reminder_id])


def sweep_until(condition, processes, timeout: float = 60, what: str = "delivery"):
    """Publish a sweep every second (a beat) until `condition()` holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        publish_sweep()
        try:
            return wait_for(condition, 1.0, interval=0.2, what=what)
        except AssertionError:
            continue
    raise AssertionError(f"Timed out waiting for {what}\n{processes.logs()}")


def due_reminders(personas, count: int, **subject) -> list[Reminder]:
    """`count` submitted referrals whose decision reminders (to the youth violence hub's coordinator) are due."""
    rows = []
    for _ in range(count):
        referral = factories.make_submitted(personas.owner, **subject)
        reminder = Reminder.objects.get(referral=referral, kind=ReminderKind.REFERRAL_DECISION)
        reminder.due_at = timezone.now() - datetime.timedelta(minutes=5)  # test set-up: it has fallen due
        reminder.save()
        rows.append(reminder)
    return rows


def all_sent(ids) -> bool:
    return Reminder.objects.filter(pk__in=ids, state=ReminderState.SENT).count() == len(ids) and not (
        Notification.objects.filter(reminder_id__in=ids, email_state=EmailState.PENDING).exists()
    )


def assert_exactly_once(reminders_, recipient, tmp_path):
    ids = [r.pk for r in reminders_]
    for reminder in Reminder.objects.filter(pk__in=ids):
        assert reminder.state == ReminderState.SENT
        assert Notification.objects.filter(reminder=reminder).count() == 1
        assert reminder.referral.events.filter(kind="reminder").count() == 1
    emails = [e for e in sent_emails(tmp_path) if e["to"] == [recipient.email]]
    references = sorted(e["subject"].rsplit(": ", 1)[1] for e in emails)
    assert references == sorted(r.referral.reference for r in reminders_), "each reminder emailed exactly once"
    for email in emails:
        for name in NAMES:
            assert name.lower() not in (email["subject"] + email["body"]).lower()
    return emails


# --- Exactly once -----------------------------------------------------------------------------------


def test_one_worker_delivers_each_due_reminder_once_even_with_duplicate_messages(personas, processes, tmp_path):
    due = due_reminders(personas, 4, first_name="Zebedee", last_name="Quarrington")
    processes.worker("solo")
    for reminder in due:  # duplicates, as after a redelivery or a requeue
        publish_send(reminder.pk)
        publish_send(reminder.pk)
    sweep_until(lambda: all_sent([r.pk for r in due]), processes)
    time.sleep(1.5)  # let any duplicate still queued run, so a second delivery would show
    emails = assert_exactly_once(due, personas.yv_coordinator, tmp_path)
    for email in emails:
        assert "/cases/" in email["body"]


def test_two_workers_deliver_each_due_reminder_once(personas, processes, tmp_path):
    due = due_reminders(personas, 6)
    processes.worker("first", concurrency=2)
    processes.worker("second", concurrency=2)
    for reminder in due:
        for _ in range(3):  # the same reminder in flight on several processes at once
            publish_send(reminder.pk)
    publish_sweep()
    publish_sweep()
    sweep_until(lambda: all_sent([r.pk for r in due]), processes)
    time.sleep(1.5)
    assert_exactly_once(due, personas.yv_coordinator, tmp_path)
    pids = {e["pid"] for e in sent_emails(tmp_path)}
    assert len(pids) >= 1


def test_beat_started_twice_still_delivers_once(personas, processes, tmp_path):
    due = due_reminders(personas, 3)
    processes.worker("worker", concurrency=2)
    processes.beat("beat-one")
    processes.beat("beat-two")  # a mistake in deployment: two schedulers
    wait_for(lambda: all_sent([r.pk for r in due]), 60, what="beat-driven delivery")
    time.sleep(4)  # several more double sweeps, past the requeue interval
    assert_exactly_once(due, personas.yv_coordinator, tmp_path)


# --- Killed in the middle of sending --------------------------------------------------------------------


def parent_pid(pid: int) -> int:
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[1])


def _slow_send_started(tmp_path) -> int:
    marker = tmp_path / SLOW_MARKER
    wait_for(lambda: marker.exists() and marker.read_text(), 60, what="the slowed send to start")
    return int(marker.read_text())


def test_a_pool_process_killed_mid_send_still_delivers_once(personas, processes, tmp_path):
    (due,) = due_reminders(personas, 1)
    worker = processes.worker("victim", extra_env={"SVD_TEST_SLOW_SEND": "60"})
    publish_send(due.pk)
    child = _slow_send_started(tmp_path)
    assert parent_pid(child) == worker.pid  # the pool process of the worker this test started
    os.kill(child, signal.SIGKILL)
    # task_reject_on_worker_lost puts the message back; a fresh pool process finishes the job
    wait_for(lambda: all_sent([due.pk]), 60, what="delivery after the kill")
    time.sleep(1.5)
    assert_exactly_once([due], personas.yv_coordinator, tmp_path)
    assert worker.poll() is None


def test_a_whole_worker_killed_mid_send_is_finished_by_another_once(personas, processes, tmp_path):
    (due,) = due_reminders(personas, 1)
    victim = processes.worker("victim", extra_env={"SVD_TEST_SLOW_SEND": "60"})
    publish_send(due.pk)
    _slow_send_started(tmp_path)
    processes.kill(victim)  # SIGKILL to the worker and its pool: the message stays unacknowledged in Redis
    assert sent_emails(tmp_path) == []
    processes.worker("rescuer")
    # the email is still waiting in the database: a sweep hands it over again once it is stale
    sweep_until(lambda: all_sent([due.pk]), processes, what="the rescuing worker to deliver")
    time.sleep(1.5)
    assert_exactly_once([due], personas.yv_coordinator, tmp_path)


# --- Redis stopped, Redis flushed -----------------------------------------------------------------------


def test_submitting_with_redis_stopped_succeeds_and_the_reminder_goes_out_after_restart(
    personas, processes, broker, client_for, tmp_path
):
    processes.worker("steady")
    broker.stop()
    draft = factories.make_draft(personas.owner, first_name="Zebedee", last_name="Quarrington")
    draft = factories.complete_core(draft, personas.owner)
    factories.add_youth_violence(draft, personas.owner)
    draft = Referral.objects.get(pk=draft.pk)
    dead_cache = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": broker.url}}
    started = time.monotonic()
    with override_settings(CACHES=dead_cache):
        response = client_for(personas.owner).post(
            reverse("referrals:check", args=[draft.public_id]), {"version": draft.version}
        )
    assert response.status_code == 302, response.content[:2000]
    assert response["Location"] == reverse("referrals:confirmation", args=[draft.public_id])
    assert time.monotonic() - started < 5  # no waiting on the broker either
    referral = Referral.objects.get(pk=draft.pk)
    assert referral.status == "submitted"
    decision = Reminder.objects.get(referral=referral, kind=ReminderKind.REFERRAL_DECISION)
    assert decision.state == ReminderState.PENDING
    decision.due_at = timezone.now() - datetime.timedelta(minutes=1)  # test set-up: two working days pass
    decision.save()
    # a sweep while Redis is down cannot hand anything over, and loses nothing
    assert reminders.sweep(publish=CeleryPublisher()).reminders == []
    decision.refresh_from_db()
    assert decision.enqueued_at is None
    broker.start()  # the same port: the worker reconnects
    sweep_until(lambda: all_sent([decision.pk]), processes, timeout=90, what="delivery after Redis restarted")
    time.sleep(1.5)
    assert_exactly_once([decision], personas.yv_coordinator, tmp_path)


def test_redis_flushed_after_hand_over_loses_nothing(personas, processes, broker, tmp_path):
    due = due_reminders(personas, 3)
    # the sweep hands the work to the broker and stamps the rows; no worker is running yet
    claimed = reminders.sweep(publish=CeleryPublisher()).reminders
    assert sorted(claimed) == sorted(r.pk for r in due)
    broker.flushall()  # every queued message is gone
    processes.worker("after-flush")
    # the rows are still pending in the database: once stale they are handed over again
    sweep_until(lambda: all_sent([r.pk for r in due]), processes, what="delivery after FLUSHALL")
    time.sleep(1.5)
    assert_exactly_once(due, personas.yv_coordinator, tmp_path)


# --- Meeting the obligation first -----------------------------------------------------------------------


def test_meeting_the_obligation_before_sending_cancels_it_even_with_a_message_queued(personas, processes, tmp_path):
    (due,) = due_reminders(personas, 1)
    publish_send(due.pk)  # already on the queue when the hub accepts the referral
    services.referral_transition(referral=due.referral, actor=personas.yv_coordinator, name="accept")
    processes.worker("late")
    (other,) = due_reminders(personas, 1)  # a reminder that does go out, to know the worker has run
    sweep_until(lambda: all_sent([other.pk]), processes)
    time.sleep(1.5)
    due.refresh_from_db()
    assert due.state == ReminderState.CANCELLED
    assert not Notification.objects.filter(reminder=due).exists()
    assert [e["subject"] for e in sent_emails(tmp_path)] == [
        f"Referral waiting for a decision: {other.referral.reference}"
    ]
