"""python manage.py reminders_sweep [--loop SECONDS]: send due reminders in this process, with no broker.

The same cycle the dev server's sweeper thread and Celery beat + worker run (referrals.reminders). Use it to
send reminders where there is no Redis, from cron, or to flush due reminders by hand.
"""

from django.core.management.base import BaseCommand

from referrals import reminders


class Command(BaseCommand):
    help = "Send due reminders, waiting emails and due digests now (in this process, without Celery)."

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=float, default=0, help="Keep sweeping every this many seconds")

    def handle(self, *args, **options):
        if options["loop"]:
            from referrals.dev_sweeper import run_forever

            self.stdout.write(f"Sweeping every {options['loop']} seconds; Ctrl-C to stop")
            run_forever(max(1.0, options["loop"]))
            return
        result = reminders.sweep_and_send()
        self.stdout.write(
            f"Reminders: {len(result.reminders)}, emails: {len(result.emails)}, digests: {len(result.digests)}"
        )
