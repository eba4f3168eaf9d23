# SVD Portal, production-like image: one image for web (gunicorn), worker and beat (Celery).
# Build: docker compose build. Run: see docker-compose.yml and the README ("Deploying with docker-compose").
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_ENV=production

# Pango and HarfBuzz for WeasyPrint's PDF exports, and fonts for it to draw with. psycopg's binary wheel
# brings its own libpq; vl-convert-python (chart SVGs) is a self-contained wheel.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz-subset0 \
        fonts-liberation2 \
        fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# The service runs as an unprivileged user that owns nothing but the collected static files.
RUN groupadd --system --gid 10001 svd \
    && useradd --system --uid 10001 --gid svd --home-dir /app --no-create-home --shell /usr/sbin/nologin svd

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them.
COPY pyproject.toml README.md ./
RUN pip install .

COPY . .

# Static files are built into the image (WhiteNoise serves them with hashed names). The key here is a
# throwaway that exists only for this build step; the real SECRET_KEY comes from the environment at run time.
RUN DJANGO_ENV=production \
    SECRET_KEY=build-only-collectstatic-key-not-used-at-run-time-0123456789abcdef \
    ALLOWED_HOSTS=build.invalid \
    python manage.py collectstatic --noinput --verbosity 0 \
    && chown -R svd:svd /app/staticfiles \
    && chmod 0755 /app/scripts/docker-entrypoint.sh

USER svd
EXPOSE 8000

ENTRYPOINT ["/app/scripts/docker-entrypoint.sh"]
CMD ["gunicorn", "svd_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
