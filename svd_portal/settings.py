"""SVD Portal settings: one file, every value from the environment (django-environ).

Profiles: DJANGO_ENV=development (default, used by `make run`), test, or production. Production refuses
to start with DEBUG on, the default secret key, or demo mode on. Nothing here is a secret.
"""

import os
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """A yes/no setting that fails loudly: anything but 1/0, true/false, yes/no or on/off is refused rather than
    quietly read as "no" (django-environ's env.bool reads DEBUG=ture as False)."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be 1 or 0 (or true/false, yes/no, on/off), not {raw!r}")


DJANGO_ENV = env.str("DJANGO_ENV", default="test" if "pytest" in sys.modules else "development")
if DJANGO_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be development, test or production, not {DJANGO_ENV!r}")
PRODUCTION = DJANGO_ENV == "production"

_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production-0123456789abcdef"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY)
DEBUG = env_bool("DEBUG", default=False)
DEMO_MODE = env_bool("SVD_DEMO_MODE", default=False)

if PRODUCTION:
    problems = []
    if DEBUG:
        problems.append("DEBUG is on")
    if SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 50:
        problems.append("SECRET_KEY is the development default or shorter than 50 characters")
    if DEMO_MODE:
        problems.append("SVD_DEMO_MODE is on")
    if not env.list("ALLOWED_HOSTS", default=[]):
        problems.append("ALLOWED_HOSTS is not set")
    if problems:
        raise ImproperlyConfigured("Refusing to start in production: " + "; ".join(problems))

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "guardian",
    "simple_history",
    "svd_portal",
    "accounts",
    "referrals",
    "marac",
    "hsb_pathway",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "svd_portal.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "accounts.middleware.SecondFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "svd_portal.middleware.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "svd_portal.urls"
WSGI_APPLICATION = "svd_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "svd_portal.context_processors.portal",
            ],
            "builtins": ["svd_portal.templatetags.govuk"],
        },
    }
]
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database -------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})
    # JIT costs 25-40 ms on OLTP queries that look expensive to the planner (performance.md).
    # Issue 8 (docs/performance.md): PostgreSQL's default random_page_cost (4) prices an index lookup for a disk
    # seek. With the data on SSD or in memory, the reports then hash whole tables (a million people) instead of
    # looking up the rows they need: five times slower at 1,000,000 referrals. 1.1 is the usual SSD setting.
    DATABASES["default"]["OPTIONS"].setdefault(
        "options", f"-c jit=off -c random_page_cost={env.float('DB_RANDOM_PAGE_COST', default=1.1)}"
    )
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USING_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

# --- Cache and Celery -----------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
# Without a broker (make run, the embedded default) tasks run in-process.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Europe/London"
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = 10
CELERY_BEAT_SCHEDULE: dict = {}

# --- Authentication -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.ModelBackendWithMembership",  # ModelBackend, loading membership and agency with the user
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60  # one hour
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="SVD Portal")
GUARDIAN_ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False

# Lockout by username and IP together with a cool-off (security.md 3.6).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "accounts.views.lockout_username"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout_response"
AXES_IPWARE_PROXY_COUNT = env.int("AXES_IPWARE_PROXY_COUNT", default=0)
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True

# --- Sessions and cookies -------------------------------------------------------------------------
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_SECONDS", default=12 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS
SESSION_SAVE_EVERY_REQUEST = False  # saved when it changes; SessionTimeoutMiddleware touches it each minute
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "svd_portal.views.csrf_failure"

# --- Security headers -----------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "camera": [],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "payment": [],
    "usb": [],
}
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    # The container health check asks over plain HTTP from inside; /healthz shows nothing but "ok".
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 63072000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_SSL_HOST = None
else:
    SESSION_COOKIE_SECURE = False
    CSRF_COOKIE_SECURE = False

DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

# --- Email ----------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://" if not PRODUCTION else "smtp://localhost:25")
EMAIL_BACKEND = EMAIL_CONFIG["EMAIL_BACKEND"]
EMAIL_HOST = EMAIL_CONFIG.get("EMAIL_HOST", "")
EMAIL_PORT = EMAIL_CONFIG.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = EMAIL_CONFIG.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = EMAIL_CONFIG.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = EMAIL_CONFIG.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = EMAIL_CONFIG.get("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="svd-portal@example.invalid")

# --- Internationalisation -------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, g:i a"

# --- Static files ---------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# --- Portal ---------------------------------------------------------------------------------------
SVD_SERVICE_NAME = env.str("SVD_SERVICE_NAME", default="Serious Violence Duty referrals")
SVD_PARTNERSHIP_NAME = env.str("SVD_PARTNERSHIP_NAME", default="Outer Borough Community Safety Partnership")
SVD_REFERENCE_PREFIX = env.str("SVD_REFERENCE_PREFIX", default="OB")
SVD_PAGE_SIZE = env.int("SVD_PAGE_SIZE", default=25)

# --- Reminders and notifications (issue 6: referrals/reminders.py; rules documented in docs/reminders.md) -
# Each rule counts working days in England and Wales. These are the defaults: override any of them with
# SVD_REMINDER_RULES, a JSON object merged over them, e.g. SVD_REMINDER_RULES='{"referral_decision":
# {"working_days": 3}}'; a system administrator's timings (the Reminder timings page) go over both.
SVD_REMINDER_RULES = {
    # The core: a submitted referral not accepted or declined within 2 working days goes to the receiving hub's
    # coordinators, and after 2 more to its managers (deadlines counted from submission).
    "referral_decision": {"working_days": 2, "role": "coordinator"},
    "referral_decision_escalation": {"working_days": 4, "role": "manager"},
    # Dates set on a case: remind this many working days before, at the start of the working day.
    "yv_review": {"working_days_before": 2, "role": "coordinator"},
    # Obligations whose deadline the pathway app sets (marac/services.py, hsb_pathway/services.py): remind
    # `working_days_before` the deadline (0: the morning it is due); overdue reminders repeat every
    # `repeat_days` (at least 1) until the obligation is met. No role: every case role in the agency.
    "marac_idva_contact": {"working_days_before": 0, "role": "coordinator"},
    "marac_research": {"working_days_before": 1},
    "marac_action_due": {"working_days_before": 2},
    "marac_action_overdue": {"repeat_days": 1},
    "marac_repeat_review": {"months": 12, "role": "coordinator"},
    "hsb_strategy_discussion": {"working_days_before": 0, "role": "coordinator"},
    "hsb_aim3_reassessment": {"working_days_before": 5, "role": "coordinator"},
    "hsb_review": {"working_days_before": 2, "role": "coordinator"},
    "hsb_order_end": {"working_days_before": 0},
}
for _kind, _rule in env.json("SVD_REMINDER_RULES", default={}).items():
    SVD_REMINDER_RULES[_kind] = {**SVD_REMINDER_RULES.get(_kind, {}), **_rule}
SVD_REMINDER_SWEEP_SECONDS = env.int("SVD_REMINDER_SWEEP_SECONDS", default=120)
# A claimed row still pending this long after it was handed to the broker is handed over again.
SVD_REMINDER_REQUEUE_SECONDS = env.int("SVD_REMINDER_REQUEUE_SECONDS", default=900)
SVD_REMINDER_MAX_ATTEMPTS = env.int("SVD_REMINDER_MAX_ATTEMPTS", default=6)
SVD_REMINDER_BACKOFF_SECONDS = env.int("SVD_REMINDER_BACKOFF_SECONDS", default=60)
SVD_DIGEST_HOUR = env.int("SVD_DIGEST_HOUR", default=7)  # London time; digests go out at the first sweep after
# `manage.py runserver` with no broker (make run) starts an in-process sweeper thread running the same code.
SVD_DEV_SWEEPER = env_bool("SVD_DEV_SWEEPER", default=not PRODUCTION)
CELERY_BEAT_SCHEDULE["reminders-sweep"] = {
    "task": "referrals.reminders_sweep",
    "schedule": float(SVD_REMINDER_SWEEP_SECONDS),
    "options": {"expires": float(SVD_REMINDER_SWEEP_SECONDS)},
}
CELERY_BEAT_SCHEDULE["report-tally-rebuild"] = {
    "task": "referrals.report_tally_rebuild",
    "schedule": crontab(hour=2, minute=40),  # London time (CELERY_TIMEZONE)
}
# Retention (referrals.retention): the periods are data (the Retention pages); this only says whether the nightly
# sweep erases what is due, or only counts it (a dry run every night, for a deployment not yet signed off).
SVD_RETENTION_ERASE = env_bool("SVD_RETENTION_ERASE", default=True)
SVD_RETENTION_NIGHTLY_LIMIT = env.int("SVD_RETENTION_NIGHTLY_LIMIT", default=20_000)
CELERY_BEAT_SCHEDULE["retention-sweep"] = {
    "task": "referrals.retention_sweep",
    "schedule": crontab(hour=3, minute=10),  # London time, after the tally's nightly count
}
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default=EMAIL_BACKEND)  # e.g. a GOV.UK Notify backend
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
if DJANGO_ENV == "test" and not USING_POSTGRES:
    # Tests that start real Celery workers need a test database other processes can open: a file per run.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = env.str(
        "SVD_TEST_SQLITE_NAME", default=str(Path(tempfile.gettempdir()) / f"svd-test-{os.getpid()}.sqlite3")
    )

if DJANGO_ENV == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    DEMO_MODE = env_bool("SVD_DEMO_MODE", default=False)
    SVD_REQUIRE_SERVICES = env_bool("SVD_REQUIRE_SERVICES", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# --- MARAC (issue 4: marac app) ----------------------------------------------------------------------
# The DASH question wording is SafeLives' copyright: the app shows short paraphrases unless the partnership names
# a JSON file of licensed wording here ({"q01_injury": "...", ...}; see marac/dash.py).
SVD_DASH_WORDING_FILE = env.str("SVD_DASH_WORDING_FILE", default="")
# "Potential escalation": domestic abuse incidents in the last 12 months (SafeLives' usual threshold is 3).
SVD_MARAC_ESCALATION_THRESHOLD = env.int("SVD_MARAC_ESCALATION_THRESHOLD", default=3)
# Agencies whose SafeLives referral category is not implied by their kind, e.g. "MASH=mash,DAS=voluntary_sector".
SVD_MARAC_REFERRER_CATEGORIES = env.dict("SVD_MARAC_REFERRER_CATEGORIES", default={})
