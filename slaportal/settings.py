"""Settings for slaportal, read from the environment (see .env.example)."""

import datetime as dt
import sys
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEVELOPMENT_SECRET_KEY = "django-insecure-slaportal-development-key-do-not-use-in-production"

DEBUG = env.bool("DEBUG", default=False)
# The test run uses the development key and plain HTTP; nothing else may.
TESTING = "pytest" in sys.modules
SECRET_KEY = env.str("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY and not TESTING:
    raise ImproperlyConfigured(
        "SECRET_KEY is the built-in development key. Set SECRET_KEY in the environment, "
        "or DEBUG=true for local development."
    )

# Keys for the MACs on signatures and audit events, separate from SECRET_KEY so that the
# database and the web server's secret can leak without letting anyone forge evidence.
# "id:secret,id:secret": the first signs, the others still verify (rotation).
DEVELOPMENT_AUDIT_KEYS = "dev:slaportal-development-audit-key-do-not-use-in-production"
AUDIT_SIGNING_KEYS = dict(
    item.split(":", 1)
    for item in env.list("AUDIT_SIGNING_KEYS", default=[DEVELOPMENT_AUDIT_KEYS])
    if ":" in item
)
if not DEBUG and not TESTING and "dev" in AUDIT_SIGNING_KEYS:
    raise ImproperlyConfigured(
        "AUDIT_SIGNING_KEYS holds the built-in development key. Set AUDIT_SIGNING_KEYS in the "
        "environment (id:secret,...), or DEBUG=true for local development."
    )

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
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "bootstrap",
    "axes",
    "pgtrigger",
    # The task queue's table (django_tasks_db), installed whichever backend runs the tasks.
    "django_tasks_db",
    "teams",
    "agreements",
    "performance",
]

MIDDLEWARE = [
    "slaportal.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "teams.middleware.SessionTimeoutMiddleware",
    "teams.middleware.NoStoreForSignedInMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "slaportal.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "slaportal.wsgi.application"
ASGI_APPLICATION = "slaportal.asgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Keep connections open between requests, checked before reuse, so a restarted database is
# reconnected to without an error page.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool(
    "DATABASE_PREPARED_STATEMENTS", default=True
):
    # Parameters bound by PostgreSQL rather than spliced in by psycopg, so that psycopg can
    # prepare a statement a connection has run 5 times: PostgreSQL then plans it once, where
    # planning a page's joins costs more than running them. Turn it off
    # (DATABASE_PREPARED_STATEMENTS=false) behind a pooler in transaction mode, such as
    # PgBouncer without max_prepared_statements, which cannot keep a connection's statements.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 5}
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    # WAL and a busy timeout keep the development server and tests from "database is locked".
    DATABASES["default"]["OPTIONS"].update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )

# CACHE_URL: locmemcache:// (default, one process), dbcache://slaportal_cache (one machine, several
# processes; `manage.py createcachetable` makes the table), redis://host:6379/1 (several
# machines). The pages cache only what every viewer sees alike: signed content by its digest,
# a draft's by its revision (agreements.page_cache), the dashboard's figures and the
# portfolio's lights by their series' revision and the minute (performance.series_changes).
CACHES = {
    "default": env.cache_url_config(env.str("CACHE_URL", default="") or "locmemcache://slaportal")
}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # An unreachable Redis costs each request half a second, not a hang: pages then render
    # without the cache (agreements.page_cache treats a cache error as a miss).
    for _option in ("socket_connect_timeout", "socket_timeout"):
        CACHES["default"].setdefault("OPTIONS", {}).setdefault(_option, 0.5)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

if TESTING:
    # A deliberately slow hash is pointless for throwaway test users and costs minutes.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

AUTHENTICATION_BACKENDS = [
    # Refuses credentials while an account or an address is locked out, before any check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one account, or from
# one address, further attempts are refused for AXES_COOLOFF_MINUTES. Staff unlock in the
# admin (Axes › Access attempts: delete the attempts).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "teams.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "agreements.client.client_ip"
AXES_VERBOSE = False

LOGIN_URL = "login"
# A session ends after SESSION_IDLE_TIMEOUT seconds without a request, and in any case
# SESSION_COOKIE_AGE seconds after signing in.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 60 * 60)
# Changing who may sign (memberships and roles) asks for the password again after this long.
REAUTHENTICATION_SECONDS = env.int("REAUTHENTICATION_SECONDS", default=5 * 60)
LOGIN_REDIRECT_URL = "agreements:list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
# One display format per kind of value (date, date and time with its zone): see the module.
FORMAT_MODULE_PATH = ["slaportal.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
CRISPY_FAIL_SILENTLY = not DEBUG

# Scripts and styles come only from this site; htmx swaps need no inline script.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Behind a reverse proxy, how many hops of X-Forwarded-For to trust for audit addresses.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if not DEBUG and not TESTING:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Load balancers probe over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# EMAIL_URL: consolemail:// (default), smtp://user:pass@host:25, smtp+tls://…:587, smtps://…:465
_email = env.email_url("EMAIL_URL", default="consolemail://")
_smtp_options = {
    "host": _email.get("EMAIL_HOST"),
    "port": _email.get("EMAIL_PORT"),
    "username": _email.get("EMAIL_HOST_USER"),
    "password": _email.get("EMAIL_HOST_PASSWORD"),
    "use_tls": _email.get("EMAIL_USE_TLS"),
    "use_ssl": _email.get("EMAIL_USE_SSL"),
    "timeout": env.int("EMAIL_TIMEOUT", default=10),
}
MAILERS = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": (
            {key: value for key, value in _smtp_options.items() if value not in (None, "")}
            if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend")
            else {}
        ),
    }
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="slaportal <slaportal@localhost>")
# Absolute links in emails (the request is not at hand after commit).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# Emails are sent by tasks (agreements.tasks, performance.services.alerts.tasks), each through
# the outbox (agreements.services.outbox). TASKS_BACKEND=immediate (the default, and always in
# tests) runs a task in the enqueuing process once the act has committed; =database keeps the
# queue in the app's own database (django-tasks-db) for `make worker` (manage.py db_worker).
_TASKS_BACKENDS = {
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
_tasks_backend = "immediate" if TESTING else env.str("TASKS_BACKEND", default="immediate")
if _tasks_backend not in _TASKS_BACKENDS:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND={_tasks_backend!r}: use one of {', '.join(sorted(_TASKS_BACKENDS))}."
    )
TASKS = {"default": {"BACKEND": _TASKS_BACKENDS[_tasks_backend]}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    "loggers": {
        **{
            app: {"handlers": ["console"], "level": "INFO", "propagate": False}
            for app in ("teams", "agreements", "performance")
        },
        # The task framework: db_worker raises these to INFO (each task's start and end, once).
        **{
            name: {"handlers": ["console"], "level": "WARNING", "propagate": False}
            for name in ("django.tasks", "django_tasks_db")
        },
        # One JSON line per request (slaportal.request_log); REQUEST_LOG_LEVEL=WARNING mutes it.
        "slaportal.requests": {
            "handlers": ["console"],
            "level": env.str("REQUEST_LOG_LEVEL", default="WARNING" if TESTING else "INFO"),
            "propagate": False,
        },
    },
}
