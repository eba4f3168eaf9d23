#!/usr/bin/env bash
# make bench: seed a PostgreSQL database to each size and measure every page against its hand-written SQL
# floor (docs/performance.md). It uses a database of its own, BENCH_DB (default svd_bench), on the server
# DATABASE_URL points at, and drops and recreates it. Settings: BENCH_SIZES (default 100000,1000000),
# BENCH_ITERATIONS (default 20), BENCH_ARGS (more run_bench options, e.g. --deep-page 100).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
source scripts/bench_database.sh
DATABASE_URL="$BENCH_URL" "$PY" manage.py run_bench --recreate \
  --sizes "${BENCH_SIZES:-100000,1000000}" --iterations "${BENCH_ITERATIONS:-20}" ${BENCH_ARGS:-}
