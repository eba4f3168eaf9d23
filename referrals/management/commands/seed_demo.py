"""python manage.py seed_demo: the synthetic demo partnership, its referrals, and each pathway's demo data.

Safe to run again: nothing is duplicated. Pathway apps add their own demo data through a `demo.seed(p)`
function of their own (marac.demo, hsb_pathway.demo, ...), called here in INSTALLED_APPS order.
"""

import importlib

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.demo import DEMO_PASSWORD, USERS, demo_email, seed_partnership
from referrals.demo import seed_referrals
from referrals.reporting.demo import seed_reports
from referrals.reporting.tally import tally_rebuild


class Command(BaseCommand):
    help = "Create the synthetic demo partnership (agencies, users, referrals). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--referrals", type=int, default=300, help="How many demo referrals to create")

    def handle(self, *args, **options):
        with transaction.atomic():
            partnership = seed_partnership()
            made = seed_referrals(partnership, count=options["referrals"])
            self.stdout.write(f"Demo referrals created: {made}")
            self.stdout.write(f"Reports: {seed_reports(partnership)}")
            for config in apps.get_app_configs():
                module_name = f"{config.name}.demo"
                try:
                    module = importlib.import_module(module_name)
                except ModuleNotFoundError:
                    continue
                seed = getattr(module, "seed", None)
                if callable(seed):
                    summary = seed(partnership)
                    self.stdout.write(f"{config.verbose_name}: {summary}")
            # The demo data is saved as the services would, but back-dated and in bulk: count the reports' tally.
            self.stdout.write(f"Report tally: {tally_rebuild():,} referrals counted")
        self.stdout.write(
            self.style.SUCCESS(f"Demo partnership ready. Every login uses the password '{DEMO_PASSWORD}':")
        )
        for local, _name, agency, roles in USERS:
            self.stdout.write(f"  {demo_email(local):45} {agency:8} {', '.join(r[3:] for r in roles)}")
        self.stdout.write(f"  {demo_email('sysadmin'):45} system administrator")
