"""Settings for Alliance Tracker: one module, configured by the environment.

Secure by default: DEBUG is off unless ``DJANGO_DEBUG`` turns it on, and with
DEBUG off a real ``DJANGO_SECRET_KEY`` is required. A malformed value is
refused at start-up with a message that names the variable.
"""

import os
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envbool(name, default):
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}."
    )


def envint(name, default, *, minimum=0):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer; got {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}.")
    return value


def envlist(name, default):
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def envurl(name, schemes):
    raw = os.environ.get(name, "").strip()
    if not raw:
        return ""
    parsed = urlparse(raw)
    if parsed.scheme not in schemes:
        raise ImproperlyConfigured(
            f"{name} must be a URL with scheme {' or '.join(sorted(schemes))}; got {raw!r}."
        )
    return raw


def envrate(name, default):
    """A DRF throttle rate such as "60/min": a count, a slash, a period."""
    raw = os.environ.get(name, "").strip() or default
    count, _, period = raw.partition("/")
    if not (count.isdigit() and int(count) > 0 and period[:1] in {"s", "m", "h", "d"}):
        raise ImproperlyConfigured(
            f"{name} must be a rate such as 60/min (per s, min, hour or day); got {raw!r}."
        )
    return raw


DEBUG = envbool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off "
            "(set DJANGO_DEBUG=1 for local development)."
        )
    SECRET_KEY = "insecure-development-key-only-for-debug-mode"

ALLOWED_HOSTS = envlist(
    "DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS is required when DJANGO_DEBUG is off.")

CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "csp",
    "editorial",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions and everything else: a cached page skips all of it.
    "editorial.middleware.PageCacheMiddleware",
    # The API's data endpoints: they need none of what follows (a token, no session).
    "editorial.api.middleware.ApiMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes must be last: it turns a locked-out login into its own response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "alliance.urls"
WSGI_APPLICATION = "alliance.wsgi.application"
ASGI_APPLICATION = "alliance.asgi.application"

TEMPLATES = [
    # The public site (editorial.templating); the admin keeps Django's templates.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,  # editorial/jinja2/
        "OPTIONS": {"environment": "editorial.templating.environment"},
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    },
]

_database_url = (
    envurl("DATABASE_URL", {"sqlite", "postgres", "postgresql", "pgsql", "postgis"})
    or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
)
DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, health-checking a persistent connection only after it
    # was idle (alliance/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "alliance.postgresql"
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # JIT compilation pays off for long analytical queries, not for a web
    # page's short ones: it once added 0.8 s to a 15 ms search. Off.
    # A broad search ranks the first matches a scan yields; with synchronized
    # scans a sequential scan starts wherever a concurrent one is, and the
    # same search could rank other rows from one request to the next. Off.
    # A page read priced as the data being in memory or on SSD, not on a
    # spinning disk (PostgreSQL's default of 4 against a sequential read's 1):
    # at 4 the planner walked claims' search matches by their rows rather
    # than by the index that holds their vectors (editorial.search), at
    # twice the cost; no other page's plan changed for the worse (bench/).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        "-c jit=off -c synchronize_seqscans=off -c random_page_cost=1.1"
    )
    # The hand-written statements of the hottest pages are prepared once per
    # connection (editorial.db); off for a transaction-mode pooler (PgBouncer
    # before 1.21), which cannot keep a connection's prepared statements.
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = (
        2 if envbool("DJANGO_DB_PREPARED_STATEMENTS", True) else None
    )
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get(
        "DJANGO_TEST_DATABASE_NAME", "test_alliance"
    )
else:
    # Several processes (runserver, imports, tests) may touch the file at once.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = envurl("REDIS_URL", {"redis", "rediss", "unix"})
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "alliance",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

SITE_NAME = "Alliance Tracker"

# Public pages are cached for anonymous readers, keyed on the content stamp
# (a publish invalidates them at once); 0 turns the page cache off.
PAGE_CACHE_SECONDS = envint("DJANGO_PAGE_CACHE_SECONDS", 600)
# On PostgreSQL, each process keeps the stamp in memory, kept current by
# LISTEN/NOTIFY (editorial.freshness), instead of reading it per request.
CONTENT_STAMP_LISTEN = envbool("DJANGO_CONTENT_STAMP_LISTEN", True)

# --- Security -------------------------------------------------------------
# Behind a TLS-terminating proxy the app sees plain HTTP; the proxy says so.
if envbool("DJANGO_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = envint("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

from csp.constants import NONCE, NONE, SELF  # noqa: E402

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

# django-axes: lock an account+address pair for 15 minutes after 5 failures.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = envbool("DJANGO_AXES_ENABLED", True)
# A page that says what happened and when to try again (status 429).
AXES_LOCKOUT_TEMPLATE = "admin/lockout.html"
# Behind the TLS proxy every request comes from the proxy's address; the
# client's is the one the proxy appended to X-Forwarded-For.
AXES_CLIENT_IP_CALLABLE = "alliance.security.client_ip"

# --- API ------------------------------------------------------------------
# Anonymous clients share API_ANON_RATE per address; partners (token holders)
# get API_PARTNER_RATE each. Read at request time, so tests can change them.
API_ANON_RATE = envrate("API_ANON_RATE", "60/min")
API_PARTNER_RATE = envrate("API_PARTNER_RATE", "1200/min")

REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_RENDERER_CLASSES": ["editorial.api.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "editorial.api.schema.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["editorial.api.filters.FilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "editorial.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_THROTTLE_CLASSES": [
        "editorial.api.throttling.AnonymousRateThrottle",
        "editorial.api.throttling.PartnerRateThrottle",
    ],
    "EXCEPTION_HANDLER": "editorial.api.errors.exception_handler",
    # How many proxies in front of the app append to X-Forwarded-For. With 0
    # the throttles key on the connecting address: a client cannot dodge its
    # limit by sending a made-up X-Forwarded-For.
    "NUM_PROXIES": envint("API_NUM_PROXIES", 0),
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Alliance Tracker API",
    "DESCRIPTION": (
        "Read-only access to the published documents, claims, policies and "
        "recommendations of Alliance Tracker.\n\n"
        "Anonymous clients may make API_ANON_RATE requests (default 60 a minute) "
        "per address; partners send `Authorization: Token <key>` and get "
        "API_PARTNER_RATE (default 1,200 a minute). Every GET carries an ETag and "
        "Last-Modified; send them back in If-None-Match / If-Modified-Since to get a "
        "304. Lists are paginated (`page`, `page_size` from 1 to 100) and "
        "available as CSV with `format=csv`. Errors are JSON: "
        '`{"detail": "...", "errors": {"parameter": ["..."]}}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Swagger UI and its assets are served from our own static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "editorial.models.Status",
        "DocumentKindEnum": "editorial.models.Document.Kind",
        "ClaimKindEnum": "editorial.models.Claim.Kind",
        "EvidenceRoleEnum": "editorial.models.Evidence.Role",
        "PrecisionEnum": "editorial.dates.Precision",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
