"""Issue 6: the processes around the engine. Celery is configured for reliability; beat runs the sweep; with no
broker, the dev server's sweeper thread and `manage.py reminders_sweep` send due reminders with the same code."""

from __future__ import annotations

import datetime
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from referrals import dev_sweeper
from referrals.models import Notification, Reminder, ReminderKind, ReminderState
from svd_portal.celery import app
from tests import factories


def test_celery_is_configured_for_at_least_once_delivery():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.broker_connection_retry_on_startup is True
    assert conf.worker_cancel_long_running_tasks_on_connection_loss is True
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    # a task must finish well within the visibility timeout, or Redis hands it to a second worker
    assert conf.task_time_limit < conf.broker_transport_options["visibility_timeout"]


def test_beat_runs_the_sweep_and_the_tasks_are_registered(settings):
    entry = app.conf.beat_schedule["reminders-sweep"]
    assert entry["task"] == "referrals.reminders_sweep"
    assert entry["schedule"] == settings.SVD_REMINDER_SWEEP_SECONDS
    app.loader.import_default_modules()
    for name in ("referrals.reminders_sweep", "referrals.reminder_send", "referrals.notification_email"):
        assert name in app.tasks


@pytest.mark.parametrize(
    ("argv", "environ", "eager", "enabled", "expected"),
    [
        (["manage.py", "runserver"], {"RUN_MAIN": "true"}, True, True, True),  # the autoreloader's server child
        (["manage.py", "runserver", "--noreload"], {}, True, True, True),
        (["manage.py", "runserver"], {}, True, True, False),  # the autoreloader's watcher: not twice
        (["manage.py", "runserver"], {"RUN_MAIN": "true"}, False, True, False),  # a broker: use worker and beat
        (["manage.py", "runserver"], {"RUN_MAIN": "true"}, True, False, False),  # switched off
        (["manage.py", "migrate"], {"RUN_MAIN": "true"}, True, True, False),
        (["gunicorn"], {}, True, True, False),
    ],
)
def test_the_dev_sweeper_starts_only_under_runserver_without_a_broker(
    settings, argv, environ, eager, enabled, expected
):
    settings.CELERY_TASK_ALWAYS_EAGER = eager
    settings.SVD_DEV_SWEEPER = enabled
    assert dev_sweeper.should_start(argv, environ) is expected


def _due_decision(personas) -> Reminder:
    referral = factories.make_submitted(personas.owner)
    reminder = Reminder.objects.get(referral=referral, kind=ReminderKind.REFERRAL_DECISION)
    reminder.due_at = timezone.now() - datetime.timedelta(minutes=1)
    reminder.save()
    return reminder


@pytest.mark.django_db(transaction=True)
def test_the_dev_sweeper_thread_sends_due_reminders(personas):
    reminder = _due_decision(personas)
    stop = threading.Event()
    thread = threading.Thread(target=dev_sweeper.run_forever, args=(0.2, stop), daemon=True)
    thread.start()
    try:
        deadline = timezone.now() + datetime.timedelta(seconds=30)
        while timezone.now() < deadline and not Notification.objects.filter(reminder=reminder).exists():
            stop.wait(0.2)
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert Notification.objects.get(reminder=reminder).user == personas.yv_coordinator
    assert Reminder.objects.get(pk=reminder.pk).state == ReminderState.SENT


@pytest.mark.django_db
def test_the_management_command_sends_due_reminders(personas):
    reminder = _due_decision(personas)
    out = StringIO()
    call_command("reminders_sweep", stdout=out)
    assert "Reminders: 1" in out.getvalue()
    assert Notification.objects.filter(reminder=reminder, user=personas.yv_coordinator).exists()
    call_command("reminders_sweep", stdout=out)
    assert Notification.objects.filter(reminder=reminder).count() == 1


@pytest.mark.django_db
def test_the_demo_has_decision_reminders_that_the_sweep_delivers():
    from accounts.demo import seed_partnership
    from referrals import demo, reminders
    from referrals.demo import seed_referrals

    partnership = seed_partnership()
    seed_referrals(partnership, count=40)
    demo.seed(partnership)
    waiting = Reminder.objects.filter(kind=ReminderKind.REFERRAL_DECISION)
    assert waiting.exists()
    assert all(r.referral.status == "submitted" for r in waiting)
    count = waiting.count()
    demo.seed(partnership)  # again: nothing more
    assert Reminder.objects.filter(kind=ReminderKind.REFERRAL_DECISION).count() == count
    reminders.sweep_and_send()
    due = Reminder.objects.filter(kind=ReminderKind.REFERRAL_DECISION, due_at__lte=timezone.now())
    assert due.exists() and not due.filter(state=ReminderState.PENDING).exists()
    notifications = Notification.objects.filter(reminder__kind=ReminderKind.REFERRAL_DECISION)
    assert notifications.exists()
    assert all(n.user.membership.is_coordinator for n in notifications.select_related("user__membership"))
