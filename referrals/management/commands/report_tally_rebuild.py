"""python manage.py report_tally_rebuild [--since YYYY-MM-DD]: count the report tally again from the referrals.

Run it once after `migrate` creates the tally (until then the reports count the referrals themselves, slowly)
and after loading referrals by any route other than the services. The nightly task
`referrals.report_tally_rebuild` counts the last 13 months again (docs/performance.md, ADR 17).
"""

import datetime
import time

from django.core.management.base import BaseCommand

from referrals.reporting.tally import tally_rebuild


class Command(BaseCommand):
    help = "Count the report tally again from the submitted referrals (all of them, or from --since's month)."

    def add_arguments(self, parser):
        parser.add_argument("--since", type=datetime.date.fromisoformat, help="Only from this date's month on")

    def handle(self, *args, **options):
        started = time.perf_counter()
        counted = tally_rebuild(since=options["since"])
        self.stdout.write(f"Report tally: {counted:,} referrals counted in {time.perf_counter() - started:.1f} s")
