"""python manage.py seed_bench --referrals N: London-scale synthetic data on PostgreSQL (referrals/bench.py)."""

from django.core.management.base import BaseCommand

from referrals.bench import seed_bench


class Command(BaseCommand):
    help = "Fill a PostgreSQL database with N synthetic referrals across 33 boroughs' agencies and 20,000 users."

    def add_arguments(self, parser):
        parser.add_argument("--referrals", type=int, required=True)
        parser.add_argument("--users", type=int, default=20_000)
        parser.add_argument("--seed", type=int, default=33)

    def handle(self, *args, **options):
        ctx = seed_bench(
            referrals=options["referrals"], users=options["users"], seed=options["seed"], stdout=self.stdout
        )
        for name, seconds in ctx.timings.items():
            self.stdout.write(f"{name:20} {seconds:8.1f} s")
