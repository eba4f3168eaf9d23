#!/bin/sh
# Container entrypoint for every SVD Portal service (web, worker, beat).
# On the web service (SVD_MIGRATE_ON_START=1) it first brings the database schema and the static files up to
# date; then it runs the service's own command: gunicorn, `celery -A svd_portal worker` or `... beat`.
set -eu
cd /app

if [ "${SVD_MIGRATE_ON_START:-0}" = "1" ]; then
    python manage.py migrate --noinput
    python manage.py collectstatic --noinput --verbosity 0
fi

exec "$@"
