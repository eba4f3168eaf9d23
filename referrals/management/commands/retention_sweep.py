"""python manage.py retention_sweep [--erase] [--limit N]: the retention sweep by hand.

Without --erase it is a dry run: it lists the cases the retention rules say are due (reference, pathway, owning
agency, when it ended) and changes nothing. With --erase it erases them as the nightly task does
(referrals.retention), one case per transaction, warns the authors of drafts due within a week, and prints what the
erasure records say.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from referrals.models import Referral
from referrals.retention.services import ended_at, sweep


class Command(BaseCommand):
    help = "List the cases due for erasure under the retention rules (a dry run), or erase them with --erase."

    def add_arguments(self, parser):
        parser.add_argument("--erase", action="store_true", help="Erase what is due (without it: list only)")
        parser.add_argument("--limit", type=int, default=None, help="At most this many cases")

    def handle(self, *args, **options):
        result = sweep(erase_due=options["erase"], limit=options["limit"])
        if not options["erase"]:
            due = Referral.objects.filter(pk__in=result.due).select_related("owner_agency").order_by("pk")
            for referral in due:
                self.stdout.write(
                    f"{referral.display_reference}\t{referral.get_pathway_display()}\t"
                    f"{referral.owner_agency.short_name}\t{referral.get_status_display()} "
                    f"{timezone.localdate(ended_at(referral)):%Y-%m-%d}"
                )
            self.stdout.write(f"Dry run: {len(result.due)} case(s) due for erasure; nothing was changed")
            return
        for referral_id, reason in result.refused.items():
            self.stderr.write(f"Not erased (referral {referral_id}): {reason}")
        self.stdout.write(
            f"Erased {len(result.erased)} of {len(result.due)} case(s) due "
            f"({sum(record.rows_total for record in result.erased):,} records); {len(result.refused)} refused; "
            f"{result.warned} draft author(s) warned"
        )
