"""python manage.py bench_sessions --users 50 --out FILE: signed-in sessions for the load test (make loadtest).

Writes, for a realistic mix of seed_bench's synthetic users, a database session that has passed both factors
(referrals.benchmarks.verified_session: the keys the real sign-in leaves), and a JSON file of their cookies
for locust. Only seed_bench's users (@bench.svd.invalid) can be given one, and nothing in the application
changes: it is the same as each of them signing in once, without 50 password hashes and TOTP codes at the
start of the run. The sign-in pages themselves are covered by tests/browser/test_sign_in.py.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from referrals.bench import BENCH_EMAIL_DOMAIN
from referrals.benchmarks import agencies_by_owned_referrals, verified_session
from referrals.models import PathwayHub


class Command(BaseCommand):
    help = "Create verified sessions for seed_bench users and write their cookies for the load test."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=50)
        parser.add_argument("--out", required=True)
        parser.add_argument("--seed", type=int, default=8)

    def handle(self, *args, **options):
        rng = random.Random(options["seed"])
        bench = User.objects.filter(email__endswith=BENCH_EMAIL_DOMAIN, is_active=True, membership__isnull=False)
        if not bench.exists():
            raise CommandError("No bench users: run python manage.py seed_bench first")
        wanted = options["users"]
        hubs = dict(PathwayHub.objects.values_list("pathway", "agency_id"))
        chosen: list[tuple[str, User]] = []
        # The hubs' coordinators (they triage; the MARAC hub's run the meetings), a few managers (reports), and
        # caseworkers of agencies picked in proportion to how many referrals they own.
        for pathway, agency_id in hubs.items():
            for user in bench.filter(membership__agency_id=agency_id, membership__is_coordinator=True)[:2]:
                chosen.append(("marac" if pathway == "marac" else "coordinator", user))
        managers = list(bench.filter(membership__is_manager=True).order_by("pk"))
        for user in rng.sample(managers, min(len(managers), max(1, wanted // 10))):
            chosen.append(("manager", user))
        taken = {user.pk for _, user in chosen}
        # Every bench caseworker not already chosen, by agency, loaded once; each pick takes one at random from
        # an agency drawn by weight, and an agency with none left is dropped, so the loop ends when all are used.
        caseworkers: dict[int, list[int]] = {}
        for pk, agency_id in (
            bench.filter(membership__is_caseworker=True)
            .exclude(pk__in=taken)
            .order_by("pk")
            .values_list("pk", "membership__agency_id")
        ):
            caseworkers.setdefault(agency_id, []).append(pk)
        owners = [
            (agency_id, n) for agency_id, n in agencies_by_owned_referrals() if n > 0 and agency_id in caseworkers
        ]
        picked: list[int] = []
        while len(chosen) + len(picked) < wanted and owners:
            index = rng.choices(range(len(owners)), weights=[n for _, n in owners])[0]
            pool = caseworkers[owners[index][0]]
            picked.append(pool.pop(rng.randrange(len(pool))))
            if not pool:
                del owners[index]
        users = User.objects.in_bulk(picked)
        chosen.extend(("caseworker", users[pk]) for pk in picked)
        chosen = chosen[:wanted]
        sessions = [
            {"cookie": settings.SESSION_COOKIE_NAME, "session": verified_session(user), "role": role}
            for role, user in chosen
        ]
        Path(options["out"]).write_text(json.dumps(sessions, indent=1))
        roles = {role: sum(1 for s in sessions if s["role"] == role) for role in {s["role"] for s in sessions}}
        short = f" (only {len(sessions)} bench users to sign in, {wanted} asked for)" if len(sessions) < wanted else ""
        self.stdout.write(f"{len(sessions)} sessions written to {options['out']}: {roles}{short}")
