#!/usr/bin/env bash
# make loadtest: 50 signed-in users on gunicorn (loopback) against PostgreSQL for 60 seconds, with locust.
# Uses the bench database (BENCH_DB, default svd_bench, on the DATABASE_URL server): creates and seeds it to
# LOADTEST_REFERRALS (default 100000) if it holds fewer, so run it after `make bench` to test at 1,000,000.
# Settings: LOADTEST_USERS (50), LOADTEST_SECONDS (60), LOADTEST_PORT (8799), GUNICORN_CLASS (sync: one process
# per request in flight, 2 x cores + 1 of them, so a slow report holds one process rather than its threads'
# share of one interpreter), GUNICORN_WORKERS (5),
# GUNICORN_THREADS (1), LOCUST_WAIT (think time between clicks, default "2,8" seconds). Keep-alive outlasts the
# think time, so no request is sent down a connection the server has just closed. Results:
# bench-results/loadtest-*.md and .json.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
source scripts/bench_database.sh
export DATABASE_URL="$BENCH_URL" DJANGO_ENV=development DEBUG=0 SVD_DEMO_MODE=0
# With REDIS_URL set (as in production) the cache is shared by the gunicorn processes; Celery tasks run
# in-process either way (no worker is started). Without it each process has its own cache.
export CELERY_TASK_ALWAYS_EAGER=1
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
PORT=${LOADTEST_PORT:-8799}
.venv/bin/gunicorn svd_portal.wsgi:application --bind "127.0.0.1:$PORT" --worker-class "${GUNICORN_CLASS:-sync}" \
  --workers "${GUNICORN_WORKERS:-5}" --threads "${GUNICORN_THREADS:-1}" --keep-alive 10 --timeout 60 \
  --log-level warning \
  --pid bench-results/gunicorn.pid &
GUNICORN=$!
trap 'kill "$GUNICORN" 2>/dev/null; wait "$GUNICORN" 2>/dev/null || true' EXIT
for _ in $(seq 60); do
  if "$PY" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/healthz', timeout=2)" 2>/dev/null; then break; fi
  sleep 1
done
# Warm-up, not measured: each gunicorn process imports the chart libraries and fills its caches on first use.
"$PY" scripts/loadtest_warmup.py "http://127.0.0.1:$PORT" bench-results/sessions.json
LOCUST_SESSIONS=bench-results/sessions.json .venv/bin/locust -f scripts/locustfile.py --headless \
  --users "${LOADTEST_USERS:-50}" --spawn-rate 10 --run-time "${LOADTEST_WARMUP:-20}s" \
  --host "http://127.0.0.1:$PORT" --only-summary > /dev/null 2>&1 || true
STAMP=$(date +%Y%m%d-%H%M%S)
LOCUST_SESSIONS=bench-results/sessions.json .venv/bin/locust -f scripts/locustfile.py --headless \
  --users "${LOADTEST_USERS:-50}" --spawn-rate 10 --run-time "${LOADTEST_SECONDS:-60}s" \
  --host "http://127.0.0.1:$PORT" --csv "bench-results/loadtest-$STAMP" --only-summary || true
"$PY" scripts/loadtest_report.py "bench-results/loadtest-$STAMP" "${LOADTEST_USERS:-50}" "${LOADTEST_SECONDS:-60}"
