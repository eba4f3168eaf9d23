"""Warm every gunicorn process before the measured run (make loadtest): each imports the chart libraries,
starts vl-convert's JavaScript engine and builds its URL resolver on first use, about ten seconds for the first
report it serves, which a long-running server pays once. Sends each page a round of concurrent requests, as
the bench users, twice over.

python scripts/loadtest_warmup.py http://127.0.0.1:PORT bench-results/sessions.json
"""

from __future__ import annotations

import json
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

PAGES = [
    "/",
    "/cases/",
    "/cases/?scope=shared",
    "/reports/targets-and-actuals/",
    "/reports/year-on-year/",
    "/reports/breakdowns/",
    "/reports/marac-benchmarks/",
    "/marac/meetings/",
]


def fetch(host: str, session: dict, path: str) -> int:
    cookie = f"{session['cookie']}={session['session']}"
    request = urllib.request.Request(host + path, headers={"Cookie": cookie})  # noqa: S310 - our loopback URL
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 - loopback, our own URL
            return response.status
    except Exception:  # noqa: BLE001 - a warm-up request that fails only warms less
        return 0


def main(host: str, sessions_file: str, concurrency: int = 10) -> None:
    sessions = json.loads(open(sessions_file).read())  # noqa: SIM115
    managers = [s for s in sessions if s["role"] == "manager"] or sessions
    marac = [s for s in sessions if s["role"] == "marac"] or sessions
    with ThreadPoolExecutor(concurrency) as pool:
        for round_ in range(2):
            for path in PAGES:
                # Reports as managers and as others: their figures differ, so each process renders a chart of its
                # own (vl-convert starts its JavaScript engine on a process's first chart, several seconds).
                who = (managers if round_ == 0 else sessions) if path.startswith("/reports/") else sessions
                who = marac if path.startswith("/marac/") else who
                start = time.monotonic()
                codes = list(
                    pool.map(lambda i, path=path, who=who: fetch(host, who[i % len(who)], path), range(concurrency))
                )
                print(
                    f"warm-up {round_ + 1}: {path} {codes.count(200)}/{len(codes)} in {time.monotonic() - start:.1f} s"
                )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
