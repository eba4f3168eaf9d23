# SVD Portal. `make run` and `make test` work on a fresh machine with only Python 3.11+.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: run test venv migrate demo assets lint check bench loadtest worker beat clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

venv: $(STAMP)

migrate: venv
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

## The embedded default: SQLite, Celery in-process, demo data, no Redis or PostgreSQL needed.
run: export DEBUG ?= 1
run: export SVD_DEMO_MODE ?= 1
run: demo
	$(PY) manage.py runserver 127.0.0.1:8000

## The whole suite. With DATABASE_URL and REDIS_URL set it uses them; SVD_REQUIRE_SERVICES=1 turns skips
## for a missing service or browser into failures (CI).
## The real-worker reminder tests run in a process of their own: they repoint this process's Celery app at a
## redis-server they start, which earlier tests in the same process can leave in a state they do not expect.
WORKER_TESTS := tests/referrals/test_reminders_workers.py
## Both runs always run (a failure in the first does not hide the second); exit 5 is "nothing selected" (-k).
test: venv
	@status=0; \
	$(PY) -m pytest --ignore=$(WORKER_TESTS) $(PYTEST_ARGS) || { rc=$$?; [ $$rc -eq 5 ] || status=$$rc; }; \
	$(PY) -m pytest $(WORKER_TESTS) $(PYTEST_ARGS) || { rc=$$?; [ $$rc -eq 5 ] || status=$$rc; }; \
	exit $$status

lint: venv
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run

check: venv lint
	DJANGO_ENV=production SECRET_KEY=$$($(PY) -c 'import secrets;print(secrets.token_urlsafe(64))') \
	  ALLOWED_HOSTS=svd.example.invalid $(PY) manage.py check --deploy --fail-level WARNING

## Rebuild the committed GOV.UK Frontend assets under static/govuk (needs Node and npm).
assets:
	bash scripts/build_assets.sh

## Benchmarks (docs/performance.md). PostgreSQL only: DATABASE_URL points at the server; both work in a database
## of their own there (BENCH_DB, default svd_bench). `make bench` drops and recreates it, seeds 100,000 and then
## 1,000,000 referrals (BENCH_SIZES) and measures every page against hand-written SQL; `make loadtest` runs 50
## users on gunicorn for 60 seconds (run it after make bench to load-test at 1,000,000). Results: bench-results/.
bench: venv
	PY=$(PY) bash scripts/bench.sh

loadtest: venv
	PY=$(PY) bash scripts/loadtest.sh

worker: venv
	$(VENV)/bin/celery -A svd_portal worker --loglevel=INFO --concurrency=2

beat: venv
	$(VENV)/bin/celery -A svd_portal beat --loglevel=INFO

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
