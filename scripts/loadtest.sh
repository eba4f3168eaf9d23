#!/usr/bin/env bash
# make loadtest: 50 signed-in users on gunicorn (loopback) against PostgreSQL for 60 seconds, with locust.
# Uses the bench database (BENCH_DB, default svd_bench, on the DATABASE_URL server): creates and seeds it to
# LOADTEST_REFERRALS (default 100000) if it holds fewer, so run it after `make bench` to test at 1,000,000.
# Settings: LOADTEST_USERS (50), LOADTEST_SECONDS (60), LOADTEST_PORT (8765), GUNICORN_WORKERS (3),
# GUNICORN_THREADS (4). Results: bench-results/loadtest-*.md and .json.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
source scripts/bench_database.sh
export DATABASE_URL="$BENCH_URL" DJANGO_ENV=development DEBUG=0 SVD_DEMO_MODE=0
unset REDIS_URL  # Celery tasks run in-process; the page cache is per process
mkdir -p bench-results
"$PY" - <<'PY'
import os, urllib.parse as u, psycopg
p = u.urlsplit(os.environ["DATABASE_URL"])
name = p.path.lstrip("/")
with psycopg.connect(u.urlunsplit(p._replace(path="/postgres")), autocommit=True) as admin:
    if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        admin.execute(f'CREATE DATABASE "{name}"')
PY
"$PY" manage.py migrate --noinput -v 0
"$PY" manage.py seed_bench --total "${LOADTEST_REFERRALS:-100000}"
"$PY" manage.py bench_sessions --users "${LOADTEST_USERS:-50}" --out bench-results/sessions.json
PORT=${LOADTEST_PORT:-8765}
.venv/bin/gunicorn svd_portal.wsgi:application --bind "127.0.0.1:$PORT" --worker-class gthread \
  --workers "${GUNICORN_WORKERS:-3}" --threads "${GUNICORN_THREADS:-4}" --log-level warning \
  --pid bench-results/gunicorn.pid &
GUNICORN=$!
trap 'kill "$GUNICORN" 2>/dev/null; wait "$GUNICORN" 2>/dev/null || true' EXIT
for _ in $(seq 60); do
  if "$PY" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/healthz', timeout=2)" 2>/dev/null; then break; fi
  sleep 1
done
STAMP=$(date +%Y%m%d-%H%M%S)
LOCUST_SESSIONS=bench-results/sessions.json .venv/bin/locust -f scripts/locustfile.py --headless \
  --users "${LOADTEST_USERS:-50}" --spawn-rate 10 --run-time "${LOADTEST_SECONDS:-60}s" \
  --host "http://127.0.0.1:$PORT" --csv "bench-results/loadtest-$STAMP" --only-summary || true
"$PY" scripts/loadtest_report.py "bench-results/loadtest-$STAMP" "${LOADTEST_USERS:-50}" "${LOADTEST_SECONDS:-60}"
