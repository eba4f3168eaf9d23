"""python manage.py seed_bench --referrals N: London-scale synthetic data on PostgreSQL (referrals/bench.py)."""

from django.core.management.base import BaseCommand, CommandError

from referrals.bench import BATCH, SEED, USERS, seed_bench
from referrals.models import Referral


class Command(BaseCommand):
    help = "Fill a PostgreSQL database with N synthetic referrals across 33 boroughs' agencies and 20,000 users."

    def add_arguments(self, parser):
        how_many = parser.add_mutually_exclusive_group(required=True)
        how_many.add_argument("--referrals", type=int, help="add this many referrals")
        how_many.add_argument("--total", type=int, help="add referrals until there are this many")
        parser.add_argument("--users", type=int, default=USERS)
        parser.add_argument("--seed", type=int, default=SEED)
        parser.add_argument("--batch", type=int, default=BATCH, help="referrals per transaction")
        parser.add_argument(
            "--rebuild-indexes",
            action="store_true",
            default=None,
            help="drop the loaded tables' indexes and rebuild them after (default: for large loads)",
        )
        parser.add_argument("--keep-indexes", dest="rebuild_indexes", action="store_false")

    def handle(self, *args, **options):
        referrals = options["referrals"]
        if options["total"] is not None:
            referrals = max(0, options["total"] - Referral.objects.count())
        if referrals < 0 or options["batch"] < 1:
            raise CommandError("--referrals and --batch must be positive")
        if referrals == 0:
            self.stdout.write("Nothing to add: the database already holds that many referrals")
            return
        try:
            ctx = seed_bench(
                referrals=referrals,
                users=options["users"],
                seed=options["seed"],
                batch=options["batch"],
                rebuild_indexes=options["rebuild_indexes"],
                stdout=self.stdout,
            )
        except (RuntimeError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        for name, seconds in ctx.timings.items():
            rows = ctx.rows.get(name)
            self.stdout.write(f"{name:28} {seconds:8.1f} s" + (f"  {rows:>12,} rows" if rows else ""))
