"""Cohesion settings, read from the environment.

With nothing configured this is the embedded default: SQLite, eager Celery tasks, local-memory
cache and console email. Production sets DEBUG off, SECRET_KEY, DATABASE_URL, REDIS_URL,
ALLOWED_HOSTS and EMAIL_URL.
"""

import hashlib
import os
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-local-development-only"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_filters",
    "csp",
    "simple_history",
    "cohesion",
    "accounts",
    "communities",
    "workinggroups",
    "meetings",
    "safetyplans",
    "engagement",
    "dashboards",
    "participation",
    "activity",
    "offline",
    "recommendations",
    "api",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Cache-Control: private, no-store on everything a signed-in user is sent.
    "cohesion.middleware.PrivateResponsesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.DefaultLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs sign-in unless its view is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Records who made each change kept by django-simple-history.
    "simple_history.middleware.HistoryRequestMiddleware",
    "accounts.middleware.RequireStaffMFAMiddleware",
    "api.middleware.ApiRequestLogMiddleware",
]

ROOT_URLCONF = "cohesion.urls"
WSGI_APPLICATION = "cohesion.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
            ],
        },
    },
]

# Database: SQLite when DATABASE_URL is absent. Persistent connections because opening a
# PostgreSQL connection per request costs several times a simple page (see NOTES.md).
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Covering indexes (Index(include=...)) are PostgreSQL's; SQLite, the embedded default, builds
# the same index without the included columns, which is all this warning says.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiles a query whose estimated cost crosses its thresholds; at national
    # scale the dashboard's plan-actions query crossed them and paid about 1 s of compilation on
    # every execution, for queries that run in milliseconds. Our queries are short: no JIT.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"]["options"] = " ".join(
        filter(None, [DATABASES["default"]["OPTIONS"].get("options"), "-c jit=off"])
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves several threads (the dev server, the tests' live server):
    # a writer waits its turn (timeout) rather than failing, takes the write lock when its
    # transaction begins (IMMEDIATE: two transactions never deadlock upgrading their locks),
    # and WAL lets readers go on beside it.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL"
    )
    # Tests get a file (in memory-backed /dev/shm where there is one), not Django's shared
    # in-memory database: with that, the live server's threads share the test's one
    # connection, and two requests at once (the offline outbox sends a record twice on
    # purpose) interleaved their transactions on it until SQLite stalled. One file per
    # checkout and database, so that two suites can run side by side (another DATABASE_URL).
    _shm = Path("/dev/shm")
    _test_dir = _shm if _shm.is_dir() and os.access(_shm, os.W_OK) else BASE_DIR
    _source = f"{BASE_DIR}:{DATABASES['default']['NAME']}"
    _checkout = hashlib.sha256(_source.encode()).hexdigest()[:10]
    DATABASES["default"].setdefault("TEST", {})
    DATABASES["default"]["TEST"].setdefault(
        "NAME", str(_test_dir / f"cohesion-test-{_checkout}.sqlite3")
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: Celery broker and cache. Without it, tasks run eagerly and the cache is local memory.
REDIS_URL = env.str("REDIS_URL", default="")
# Seconds Redis gets to answer the cache before the page does without it (cohesion/cache.py),
# and how long a process then keeps to its own memory before asking Redis again.
CACHE_TIMEOUT = env.float("CACHE_TIMEOUT", default=0.5)
CACHE_FALLBACK_SECONDS = env.int("CACHE_FALLBACK_SECONDS", default=30)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "cohesion.cache.FallbackRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="cohesion"),
            "OPTIONS": {"socket_connect_timeout": CACHE_TIMEOUT, "socket_timeout": CACHE_TIMEOUT},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# A request hands work to the broker after its commit (cohesion/broker.py): with these
# timeouts and no retry it waits at most about BROKER_TIMEOUT seconds when Redis is down or
# hung, and then not again for BROKER_RETRY_AFTER seconds; the beat sweeps queue what waited.
BROKER_TIMEOUT = env.float("BROKER_TIMEOUT", default=1.0)
BROKER_RETRY_AFTER = env.int("BROKER_RETRY_AFTER", default=30)
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_TIMEOUT
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # One attempt: kombu would otherwise sleep 2 s before its first retry. Workers keep their
    # own reconnection loop (broker_connection_retry), which does not read this.
    "max_retries": 0,
    "socket_connect_timeout": BROKER_TIMEOUT,
    # Above the workers' 1-second BRPOP polls, below a page's patience.
    "socket_timeout": max(BROKER_TIMEOUT, 1.5),
}
CELERY_TASK_PUBLISH_RETRY = False
# The outbox (cohesion/outbox.py): a job claimed longer than JOB_CLAIM_TIMEOUT seconds ago
# belongs to a dead worker; a failed job waits JOB_RETRY_AFTER x 2^attempts seconds and is
# tried up to JOB_MAX_ATTEMPTS times; one the broker never got is queued by the sweep
# JOB_QUEUE_GRACE seconds after it was due; failed jobs are deleted after JOB_KEEP_FAILED_DAYS.
JOB_CLAIM_TIMEOUT = env.int("JOB_CLAIM_TIMEOUT", default=600)
JOB_RETRY_AFTER = env.int("JOB_RETRY_AFTER", default=60)
JOB_MAX_ATTEMPTS = env.int("JOB_MAX_ATTEMPTS", default=6)
JOB_QUEUE_GRACE = env.int("JOB_QUEUE_GRACE", default=60)
JOB_KEEP_FAILED_DAYS = env.int("JOB_KEEP_FAILED_DAYS", default=30)
# Reminders (meetings/reminders.py): a row claimed longer than REMINDER_CLAIM_TIMEOUT seconds
# ago belongs to a worker that died mid-send (one send is killed after 180 s); a row never
# tried REMINDER_QUEUE_GRACE seconds after it was planned lost its queue message; a row
# waiting for a retry for REMINDER_RETRY_LOST_AFTER seconds (longer than the retry chain)
# lost its retry message. The sweep (deliver-reminders below) runs every 2 minutes.
# Plan PDFs, meeting protocols and exports: claimed longer ago than this, the worker died (a
# rendering is killed after 150 s, an export's build after 660 s); queued ones the broker never
# got are swept JOB_QUEUE_GRACE seconds after they were asked for.
PLAN_PDF_CLAIM_TIMEOUT = env.int("PLAN_PDF_CLAIM_TIMEOUT", default=300)
EXPORT_CLAIM_TIMEOUT = env.int("EXPORT_CLAIM_TIMEOUT", default=900)
# An export that fails is tried again this many times in all, after 1, then 4 minutes (the
# sweep runs every 2); then it is marked failed and its user may ask again with one click.
EXPORT_ATTEMPTS = env.int("EXPORT_ATTEMPTS", default=3)
EXPORT_RETRY_DELAY = env.int("EXPORT_RETRY_DELAY", default=60)
REMINDER_CLAIM_TIMEOUT = env.int("REMINDER_CLAIM_TIMEOUT", default=300)
REMINDER_QUEUE_GRACE = env.int("REMINDER_QUEUE_GRACE", default=120)
REMINDER_RETRY_LOST_AFTER = env.int("REMINDER_RETRY_LOST_AFTER", default=2 * 3600)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Europe/Kyiv"
# Reminders (meetings/tasks.py). Each run is idempotent: reminders are rows, unique per kind,
# subject and recipient, so a run that repeats or overlaps sends nothing twice.
MEETING_ANNOUNCE_DAYS_BEFORE = env.int("MEETING_ANNOUNCE_DAYS_BEFORE", default=3)
# Members are told of a change to an announced meeting this many seconds after it, so that a
# meeting moved twice in a minute (a typo put right) is told once, as it then stands.
CHANGE_NOTICE_DELAY = env.int("CHANGE_NOTICE_DELAY", default=120)
NO_MEETING_REMINDER_DAY = env.int("NO_MEETING_REMINDER_DAY", default=10)
# An open action overdue for longer than this is stale: the weekly digest lists it once, and
# the leader's page offers to close or re-date it.
ACTION_STALE_AFTER_DAYS = env.int("ACTION_STALE_AFTER_DAYS", default=90)
if ACTION_STALE_AFTER_DAYS < 1:
    raise ImproperlyConfigured("ACTION_STALE_AFTER_DAYS must be a positive number of days.")
CELERY_BEAT_SCHEDULE = {
    "announce-meetings": {
        "task": "meetings.tasks.announce_upcoming_meetings",
        "schedule": crontab(minute=0, hour="*"),
        "options": {"expires": 50 * 60},
    },
    "record-missing": {
        "task": "meetings.tasks.remind_missing_records",
        "schedule": crontab(minute=0, hour=9),
        "options": {"expires": 6 * 3600},
    },
    "no-meeting-planned": {
        "task": "meetings.tasks.remind_unplanned_months",
        "schedule": crontab(minute=0, hour=9),
        "options": {"expires": 6 * 3600},
    },
    "overdue-digest": {
        "task": "meetings.tasks.send_overdue_digests",
        # Daily, so that a Monday outage does not lose the week's digest; the subject key is
        # the ISO week, so each leader still gets one a week.
        "schedule": crontab(minute=0, hour=8),
        "options": {"expires": 6 * 3600},
    },
    "deliver-reminders": {
        "task": "meetings.tasks.deliver_pending_reminders",
        "schedule": crontab(minute="*/2"),
        "options": {"expires": 100},
    },
    # After a change the dashboard's cached body goes with the old version of its figures:
    # rendered again here within a minute, not by the next visitor.
    "warm-dashboards": {
        "task": "dashboards.tasks.warm_dashboards",
        "schedule": crontab(minute="*"),
        "options": {"expires": 50},
    },
    "requeue-jobs": {
        "task": "cohesion.tasks.requeue_jobs",
        "schedule": crontab(minute="*"),
        "options": {"expires": 50},
    },
    "requeue-exports": {
        "task": "dashboards.tasks.requeue_waiting_exports",
        "schedule": crontab(minute="*/2"),
        "options": {"expires": 100},
    },
    # Coordinators hear of new applications at most once a day.
    "application-digests": {
        "task": "participation.tasks.send_application_digests",
        "schedule": crontab(minute=30, hour=8),
        "options": {"expires": 6 * 3600},
    },
    "purge-applications": {
        "task": "participation.tasks.purge_applications",
        "schedule": crontab(minute=30, hour=3),
        "options": {"expires": 6 * 3600},
    },
    "requeue-imports": {
        "task": "workinggroups.tasks.requeue_imports",
        "schedule": crontab(minute="*/2"),
        "options": {"expires": 100},
    },
    # Uploaded lists hold people's data: gone a day after upload.
    "purge-imports": {
        "task": "workinggroups.tasks.purge_imports",
        "schedule": crontab(minute=45, hour="*"),
        "options": {"expires": 3000},
    },
    "render-waiting-plan-pdfs": {
        "task": "safetyplans.tasks.render_waiting_documents",
        "schedule": crontab(minute="*/2"),
        "options": {"expires": 100},
    },
    "render-waiting-protocols": {
        "task": "meetings.tasks.render_waiting_protocols",
        "schedule": crontab(minute="*/2"),
        "options": {"expires": 100},
    },
}

AUTH_USER_MODEL = "accounts.User"
# Django's and allauth's, each reading a request's user with one plain query (accounts/backends.py).
AUTHENTICATION_BACKENDS = [
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: sign-in by email, no open sign-up (people are invited), rate limits on.
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Cohesion] "
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Cohesion"
# A code typed as its 30 s step ends reaches the server in the next: accept the step before
# and after, as RFC 6238 advises for network delay (leaders sign in on slow phones).
MFA_TOTP_TOLERANCE = 1
# Coordinators and administrators must have TOTP before they see any data. The zero-setup demo
# may switch this off (make run does, and says so); production keeps the default.
MFA_REQUIRED_FOR_STAFF = env.bool("MFA_REQUIRED_FOR_STAFF", default=True)
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=7)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Internationalisation: Ukrainian first, English beside it.
LANGUAGE_CODE = "uk"
LANGUAGES = [("uk", _("Ukrainian")), ("en", _("English"))]
# Dates in English as in Britain (day, month, year), not Django's US order.
FORMAT_MODULE_PATH = ["cohesion.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Kyiv"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/media/"
# Files that only some people may see (pre-reads, signed decisions, plan PDFs, exports): never
# served directly (cohesion/storage.py).
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "private-media")
# Long text (minutes, notes) is limited in characters, said in the form's error with the text
# kept; the request body limit leaves room for that much Ukrainian, which URL-encoding makes
# six bytes a letter (100,000 letters: about 600 kB), several fields at once.
TEXT_MAX_CHARS = env.int("TEXT_MAX_CHARS", default=100_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=10 * 1024 * 1024)
PREREAD_MAX_BYTES = env.int("PREREAD_MAX_BYTES", default=10 * 1024 * 1024)
# Pre-reads travel with the meeting announcement up to this total size per email.
PREREAD_ATTACH_MAX_BYTES = env.int("PREREAD_ATTACH_MAX_BYTES", default=15 * 1024 * 1024)
# Dashboards: computed figures are cached per programme this long at most (changes to the
# records invalidate them sooner). The map draws tiles from MAP_TILE_URL when it is set, e.g.
# https://tile.openstreetmap.org/{z}/{x}/{y}.png; without it, the map shows the communities only.
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=600)
# ...and stored in the database this long (dashboards.cache): Redis emptied by a restart or its
# copy expired, figures whose records have not changed are read, not computed again.
DASHBOARD_STORED_SECONDS = env.int("DASHBOARD_STORED_SECONDS", default=7 * 24 * 3600)
# The bodies of a programme's list pages (groups, compliance grid, plans), kept per version of
# its figures (dashboards.page.programme_body); 0 renders them on every request.
PAGE_BODY_CACHE_SECONDS = env.int("PAGE_BODY_CACHE_SECONDS", default=600)
# Whole pages, frame and all, shared by viewers with the same roles (cohesion.frames): the
# dashboard, per version of its figures; 0 renders them on every request.
WHOLE_PAGE_CACHE_SECONDS = env.int("WHOLE_PAGE_CACHE_SECONDS", default=600)
MAP_TILE_URL = env.str("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env.str("MAP_TILE_ATTRIBUTION", default="© OpenStreetMap contributors")
# "Become a participant": applications nobody reviewed are deleted after this many days, with
# their personal data; the public form takes so many submissions per client address an hour and
# per phone or email a day. Behind a proxy that sets X-Forwarded-For, trust it for the address.
APPLICATION_RETENTION_DAYS = env.int("APPLICATION_RETENTION_DAYS", default=60)
APPLICATION_LIMIT_PER_ADDRESS = env.int("APPLICATION_LIMIT_PER_ADDRESS", default=5)
APPLICATION_LIMIT_PER_CONTACT = env.int("APPLICATION_LIMIT_PER_CONTACT", default=3)
APPLICATION_TRUST_FORWARDED_FOR = env.bool("APPLICATION_TRUST_FORWARDED_FOR", default=False)
# The leader's pages kept on the phone by the service worker (offline/) are dropped this many
# days after they were last fetched: a lost phone holds a member list this long at most.
OFFLINE_CACHE_DAYS = env.int("OFFLINE_CACHE_DAYS", default=7)
if OFFLINE_CACHE_DAYS < 1:
    raise ImproperlyConfigured("OFFLINE_CACHE_DAYS must be a positive number of days.")
# The scan of a council's signed decision approving a safety plan.
PLAN_DECISION_MAX_BYTES = env.int("PLAN_DECISION_MAX_BYTES", default=10 * 1024 * 1024)
# The scan of a meeting's protocol as signed by its chair and secretary.
PROTOCOL_SCAN_MAX_BYTES = env.int("PROTOCOL_SCAN_MAX_BYTES", default=10 * 1024 * 1024)
# A body answers a group's recommendation within this many days of its sending unless the
# leader sets another deadline: the Law of Ukraine "On Citizens' Appeals" gives 30 days.
RECOMMENDATION_ANSWER_DAYS = env.int("RECOMMENDATION_ANSWER_DAYS", default=30)
if RECOMMENDATION_ANSWER_DAYS < 1:
    raise ImproperlyConfigured("RECOMMENDATION_ANSWER_DAYS must be a positive number of days.")
# The scan of a body's answer to a recommendation (PDF, JPEG or PNG).
RECOMMENDATION_ANSWER_MAX_BYTES = env.int(
    "RECOMMENDATION_ANSWER_MAX_BYTES", default=10 * 1024 * 1024
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed files need `collectstatic` first; development and tests skip it.
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
if EMAIL_CONFIG["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend":
    # The same backend, pipelining each message's commands where the server offers it.
    EMAIL_CONFIG["EMAIL_BACKEND"] = "cohesion.smtp.EmailBackend"
vars().update(EMAIL_CONFIG)
# A hung SMTP session must end well before a reminder's claim expires (15 minutes), or a
# second worker could take the reminder over and send it again.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Cohesion <noreply@cohesion.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security. Production (DEBUG off) gets HTTPS-only cookies, HSTS and a strict CSP.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^health/live/$"]
# Django's database sessions, read with one plain query (cohesion/sessions.py).
SESSION_ENGINE = "cohesion.sessions"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"


# Content Security Policy: no inline script or style anywhere; everything is served from here.
def _tile_origin(url: str) -> list[str]:
    """The map tile server's origin, for the Content Security Policy (none when unset)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url.replace("{s}", "a"))
    if not parts.scheme or not parts.netloc:
        return []
    host = parts.netloc.replace("a.", "*.", 1) if "{s}" in url else parts.netloc
    return [f"{parts.scheme}://{host}"]


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *_tile_origin(MAP_TILE_URL)],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint logs every layout step at INFO and every font subset at DEBUG.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# The address people reach the site at, for links in emails sent outside a request.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")


# The read API (/api/v1/): requests a personal token may make, per token. An aggregator that
# pulls every programme's figures once a night needs a few hundred; the limit keeps a runaway
# script from taking the site's two workers.
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="600/h")
API_PAGE_SIZE = 100
