"""python manage.py run_bench: seed to each size, measure every page against its hand-written SQL floor, and
write the figures to bench-results/ (JSON and Markdown). PostgreSQL only. `make bench` runs it."""

from __future__ import annotations

import os
import time
import warnings
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from referrals import bench, benchmarks
from referrals.models import Referral


class Command(BaseCommand):
    help = "Benchmark the pages at each size against hand-written SQL (PostgreSQL; see docs/performance.md)."

    def add_arguments(self, parser):
        parser.add_argument("--sizes", default="100000,1000000", help="comma-separated referral counts")
        parser.add_argument("--iterations", type=int, default=20)
        parser.add_argument("--warmup", type=int, default=2)
        parser.add_argument("--deep-page", type=int, default=200)
        parser.add_argument("--recreate", action="store_true", help="drop and create the (bench) database first")
        parser.add_argument("--no-seed", action="store_true", help="measure the database as it is")
        parser.add_argument("--only", default="", help="measure only cases whose name contains this")
        parser.add_argument("--out", default=str(Path(settings.BASE_DIR) / "bench-results"))

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        warnings.filterwarnings("ignore", message="No directory at", module="whitenoise")
        if not settings.USING_POSTGRES:
            raise CommandError(
                "The benchmark runs on PostgreSQL only: set DATABASE_URL=postgres://... (make bench uses a "
                "database of its own, svd_bench by default, on that server)"
            )
        try:
            sizes = [int(s.replace("_", "")) for s in options["sizes"].split(",") if s.strip()]
        except ValueError as exc:
            raise CommandError("--sizes takes numbers, for example 100000,1000000") from exc
        if options["recreate"]:
            self._recreate()
        runs: list[benchmarks.SizeRun] = []
        machine = benchmarks.machine_report()
        for size in sizes:
            seed_seconds, timings = 0.0, {}
            have = Referral.objects.count()
            if not options["no_seed"] and have < size:
                self.stdout.write(self.style.MIGRATE_HEADING(f"Seeding to {size:,} referrals (have {have:,})"))
                started = time.monotonic()
                ctx = bench.seed_bench(referrals=size - have, stdout=self.stdout)
                seed_seconds, timings = time.monotonic() - started, {k: round(v, 1) for k, v in ctx.timings.items()}
            count = Referral.objects.count()
            self.stdout.write(self.style.MIGRATE_HEADING(f"Measuring at {count:,} referrals"))
            personas = benchmarks.bench_personas()
            cases = benchmarks.all_cases(personas, deep_page=options["deep_page"])
            if options["only"]:
                cases = [c for c in cases if options["only"].lower() in c.name.lower()]
            started_at = time.strftime("%Y-%m-%d %H:%M:%S")
            results = benchmarks.measure(
                cases, iterations=options["iterations"], warmup=options["warmup"], say=self._quiet
            )
            runs.append(
                benchmarks.SizeRun(
                    referrals=count,
                    seed_seconds=round(seed_seconds, 1),
                    seed_timings=timings,
                    database=benchmarks.database_report(),
                    results=results,
                    iterations=options["iterations"],
                    started_at=started_at,
                    load_average=tuple(round(x, 1) for x in os.getloadavg()),
                )
            )
            json_path, md_path = benchmarks.write_results(runs, machine, Path(options["out"]))
            self.stdout.write(benchmarks.markdown(runs[-1:], machine))
            self.stdout.write(f"Written {json_path} and {md_path}")

    def _quiet(self, text: str) -> None:
        if "MISMATCH" in text:
            self.stderr.write(text)
        elif self.verbosity > 1:
            self.stdout.write(text)

    def _recreate(self) -> None:
        import psycopg

        params = connection.get_connection_params()
        name = settings.DATABASES["default"]["NAME"]
        if "bench" not in name:
            raise CommandError(f"--recreate drops the database: it refuses one whose name lacks 'bench' ({name!r})")
        connection.close()
        params = {k: v for k, v in params.items() if k in {"host", "port", "user", "password", "sslmode"}}
        self.stdout.write(f"Recreating database {name}")
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
        call_command("migrate", verbosity=0, interactive=False)
