"""
One settings file, driven by environment variables.

With no variables at all it runs for development: SQLite beside manage.py,
DEBUG on, a development key. With DEBUG off it refuses to start without a
real SECRET_KEY and ALLOWED_HOSTS.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}.")


def env_list(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


# "production" makes DEBUG default to off and refuses to start with it on.
ENVIRONMENT = os.environ.get("ENVIRONMENT", "development")
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured(f"ENVIRONMENT must be development or production, not {ENVIRONMENT!r}.")
DEBUG = env_bool("DEBUG", ENVIRONMENT == "development")
if DEBUG and ENVIRONMENT == "production":
    raise ImproperlyConfigured("DEBUG must be off in production: it shows settings and code to anyone.")

_DEVELOPMENT_KEY = "django-insecure-development-key-never-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = _DEVELOPMENT_KEY
elif not DEBUG and (SECRET_KEY == _DEVELOPMENT_KEY or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured("SECRET_KEY is too weak for production: use 32 or more random characters.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

SITE_NAME = os.environ.get("SITE_NAME", "New Eastern Outlook")
# The publication named in the "exclusively for …" credit line of new articles.
PUBLICATION_NAME = os.environ.get("PUBLICATION_NAME", SITE_NAME)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "taggit",
    "reversion",
    "django_prose_editor",
    "axes",
    "csp",
    "authors",
    "articles",
    "search",
    "api",
    "series",
    # The page cache's invalidation receivers, connected in every process (magazine.apps).
    "magazine",
]

MIDDLEWARE = [
    # First, so that every response (redirects and refusals included) and every log line carries the id.
    "magazine.middleware.RequestIDMiddleware",
    # The request's URLconf and script prefix, read once for the page's hundred links (magazine.links).
    "magazine.links.LinkMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "magazine.middleware.RefuseBadInputMiddleware",
    "magazine.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication, to tell readers from staff; inside the per-request headers (magazine.cache).
    "magazine.cache.PageCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it answers locked-out logins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "magazine.urls"
WSGI_APPLICATION = "magazine.wsgi.application"

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
                "magazine.context_processors.site",
            ],
        },
    },
]

AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out login is refused before a password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # Write-ahead logging: readers no longer wait for a writer, and a commit is an append to the log, not an
        # fsync of the database (https://www.sqlite.org/wal.html); NORMAL stays safe from corruption in WAL mode.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        # Take the write lock when a transaction begins, not half-way through it: no "database is locked"
        # after a transaction has read (https://docs.djangoproject.com/en/5.2/ref/databases/#transactions-behavior).
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# An optional read replica for anonymous readers' pages; requests that write, and staff, read the primary.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
        # Tests see one database under both names.
        test_options={"MIRROR": "default"},
    )
    DATABASE_ROUTERS = ["magazine.replicas.ReplicaRouter"]
    MIDDLEWARE.insert(1, "magazine.replicas.PrimaryAfterWriteMiddleware")
# No parallel query: a search that walks articles newest first with parallel workers reads far past its LIMIT
# (350 ms instead of 45 ms at 100,000 articles), and on a few cores workers take CPU from other requests.
# docs/benchmarks.md, "Search at 100,000 articles".
# Long values (bodies, search documents, revisions) compressed with LZ4 rather than PostgreSQL's default pglz:
# a third less of the server's CPU for an import of 10,000 articles. Empty keeps the server's own default (a
# PostgreSQL built without LZ4, which few packages are, refuses "lz4").
TOAST_COMPRESSION = os.environ.get("PG_TOAST_COMPRESSION", "lz4")
for database in DATABASES.values():
    if database["ENGINE"] == "django.db.backends.sqlite3":
        # The sqlite3 module keeps 128 statements prepared by default: an import's bulk inserts of every size
        # filled it and held 5-6 MB more at 10,000 articles than at 1,000; with 16 its memory stays level, and
        # no slower (docs/benchmarks.md, "Fifth pass").
        database.setdefault("OPTIONS", {}).setdefault("cached_statements", 16)
    if database["ENGINE"] == "django.db.backends.postgresql":
        # Django's, with a health check that costs no round trip while the connection is sound.
        database["ENGINE"] = "magazine.postgresql"
        # Prepared statements (ours only: magazine.prepared) are planned once, whatever their values (an
        # address, the time): planning the article page's query took four times as long as running it.
        options = "-c max_parallel_workers_per_gather=0 -c plan_cache_mode=force_generic_plan"
        if TOAST_COMPRESSION:
            options += f" -c default_toast_compression={TOAST_COMPRESSION}"
        database.setdefault("OPTIONS", {})["options"] = options
# The public pages' queries are prepared on the PostgreSQL server once per connection (magazine.prepared).
# Turn it off behind a pooler in transaction mode (PgBouncer's default), which shares server sessions.
PREPARED_STATEMENTS = env_bool("PREPARED_STATEMENTS", True)

# The shared cache when REDIS_URL is set: pages, the navigation and sessions, the same for every
# app server. Without it a per-process cache, and no page cache: an edit saved through one process
# could not reach the pages another one keeps.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "magazine.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "magazine"),
            # Fail fast when Redis is down: the site then serves from the database (magazine.cache).
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    # Written through to the database: a Redis restart signs nobody out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Anonymous readers' pages: at most this many seconds in the shared cache (0: no page cache),
# and what browsers and CDNs are told (Cache-Control max-age, stale-while-revalidate).
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 600 if REDIS_URL else 0)
PAGE_CACHE_MAX_AGE = env_int("PAGE_CACHE_MAX_AGE", 60)
PAGE_CACHE_STALE_WHILE_REVALIDATE = env_int("PAGE_CACHE_STALE_WHILE_REVALIDATE", 30)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Russian"), ("fr", "French")]
# The magazine dates its pieces on its own clock: article URLs and archives
# use this zone's calendar day.
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Uploads on S3-compatible object storage (django-storages) when a bucket is named: app servers keep
# no files of their own. Credentials come from the usual AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            # The cookie-less media domain (see the README's "Serving uploads").
            "custom_domain": os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None,
            # Public images under random names: plain addresses that a CDN can keep.
            "querystring_auth": False,
            "file_overwrite": False,
        },
    }

LOGIN_URL = "admin:login"

# Login throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one
# username from one address, that pair is locked out until the cool-off passes.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
# Behind a reverse proxy, set AXES_IPWARE_META_PRECEDENCE_ORDER to the header it sets.
AXES_IPWARE_META_PRECEDENCE_ORDER = env_list("AXES_IPWARE_META_PRECEDENCE_ORDER", ["REMOTE_ADDR"])

# Cookies and headers for production; development over plain HTTP keeps working.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Nothing of ours reads the token from JavaScript; forms carry it.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if not DEBUG:
    # The proxy in front must set this header itself and drop any copy a client sent.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers probe over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^healthz$", r"^readyz$"]
# HSTS (RFC 6797): a year, subdomains included (the media domain too: serve it over HTTPS),
# and eligible for browsers' preload lists. Browsers ignore the header on plain HTTP.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)

# Content-Security-Policy (django-csp), in development too so that a violation shows up early.
# No inline or third-party scripts anywhere: the site has no JavaScript of its own, and the
# admin's (Django's, select2, django-prose-editor's ES modules) comes from static files; the
# editor's one inline import map is allowed by its hash (magazine.middleware.CSPMiddleware).
# Inline styles stay allowed: the admin's widgets set style attributes, and the 500 page
# carries its own <style> because it must render without static files or a database.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        # Imported bodies link images on other https hosts; data: for the admin's icons.
        "img-src": ["'self'", "https:", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Request sizes, stated rather than inherited. Form fields (not files) are held in memory up
# to this many bytes: a long article body with tables is well under 1 MB of HTML.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Uploads larger than this are spooled to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# The article form with its inlines needs about a hundred; a bulk action one per selected row.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
# Whole request bodies above this are refused with 413 before anything reads them
# (uploads are limited to 15 MB, articles.images.MAX_BYTES). Cap them at the proxy too.
MAX_REQUEST_BYTES = env_int("MAX_REQUEST_BYTES", 20 * 1024 * 1024)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "magazine.log.RequestIDFilter"}},
    "formatters": {
        "default": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": "default"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
