"""Summarise a locust run (its --csv statistics) as Markdown and JSON beside them, and print the Markdown.

python scripts/loadtest_report.py bench-results/loadtest-STAMP USERS SECONDS
Exits 1 when the run missed the targets (any error, or a 95th percentile over 300 ms).
"""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path

P95_TARGET_MS = 300


def main(prefix: str, users: str, seconds: str) -> int:
    with open(f"{prefix}_stats.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    pages = [r for r in rows if r["Name"] != "Aggregated"]
    load = os.getloadavg()

    def figures(row):
        return {
            "name": row["Name"],
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "requests_per_s": float(row["Requests/s"]),
            "median_ms": float(row["50%"] or 0),
            "p95_ms": float(row["95%"] or 0),
            "p99_ms": float(row["99%"] or 0),
            "max_ms": float(row["Max Response Time"] or 0),
        }

    result = {
        "users": int(users),
        "seconds": int(seconds),
        "total": figures(total),
        "pages": [figures(r) for r in pages],
        "load_average_at_end": load,
    }
    met = result["total"]["failures"] == 0 and result["total"]["p95_ms"] <= P95_TARGET_MS
    lines = [
        f"# Load test: {users} users for {seconds} s",
        "",
        f"Throughput {result['total']['requests_per_s']:.1f} requests/s; median {result['total']['median_ms']:.0f} ms; "
        f"95th percentile {result['total']['p95_ms']:.0f} ms; errors {result['total']['failures']} of "
        f"{result['total']['requests']} ({'targets met' if met else 'targets MISSED'}: no errors, p95 <= "
        f"{P95_TARGET_MS} ms). Load average at the end {tuple(round(x, 1) for x in load)}.",
        "",
        "| page | requests | errors | req/s | median ms | p95 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for f in sorted(result["pages"], key=lambda f: -f["requests"]) + [result["total"]]:
        lines.append(
            f"| {f['name']} | {f['requests']} | {f['failures']} | {f['requests_per_s']:.1f} | {f['median_ms']:.0f} | "
            f"{f['p95_ms']:.0f} | {f['p99_ms']:.0f} | {f['max_ms']:.0f} |"
        )
    failures = Path(f"{prefix}_failures.csv")
    if failures.exists():
        with failures.open(newline="") as handle:
            for row in csv.DictReader(handle):
                lines.append(f"- failure: {row.get('Name')}: {row.get('Error')} ({row.get('Occurrences')} times)")
    text = "\n".join(lines) + "\n"
    Path(f"{prefix}.md").write_text(text)
    Path(f"{prefix}.json").write_text(json.dumps(result, indent=2))
    Path(prefix).parent.joinpath("loadtest-latest.md").write_text(text)
    print(text)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
