"""propdesk settings: everything that varies between installs comes from the environment."""

import os
import sys
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from propdesk.envconf import (
    database_from_url,
    env_bool,
    env_int,
    env_list,
    env_networks,
    env_str,
    secret_key,
    sqlite_database,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PROPDESK_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("PROPDESK_DEBUG", False)
# pytest (pytest-django loads these settings inside it) or `manage.py test`.
TESTING = "pytest" in sys.modules or sys.argv[1:2] == ["test"]
# The public development key is accepted only while debugging or testing; with
# PROPDESK_SECRET_KEY unset a random key is generated once into var/secret_key.
INSECURE_DEFAULT_KEY = "propdesk-insecure-development-key-change-me"
SECRET_KEY = secret_key(
    os.environ.get("PROPDESK_SECRET_KEY"),
    key_file=VAR_DIR / "secret_key",
    insecure=INSECURE_DEFAULT_KEY,
    allow_insecure=DEBUG or TESTING,
)
ALLOWED_HOSTS = env_list("PROPDESK_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("PROPDESK_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "propdesk.core",
    "propdesk.tickets",
    "propdesk.sla",
    "propdesk.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "propdesk.core.middleware.CurrentProjectMiddleware",
    "propdesk.core.middleware.ApiErrorShapeMiddleware",
    "propdesk.web.middleware.RequestGuardMiddleware",
]

ROOT_URLCONF = "propdesk.urls"
WSGI_APPLICATION = "propdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "propdesk" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "propdesk.web.context_processors.shell",
            ],
            # The page components and the shell's registry tags (propdesk.web is not an app).
            "libraries": {"ui": "propdesk.web.templatetags.ui", "shell": "propdesk.web.templatetags.shell"},
        },
    },
]

_db_url = env_str("DATABASE_URL", "")
DATABASES = {
    "default": database_from_url(_db_url, BASE_DIR) if _db_url else sqlite_database(VAR_DIR / "propdesk.sqlite3")
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "core:login"
# Failed logins allowed per user name and client address within
# LOGIN_THROTTLE_WINDOW seconds (core/throttle.py); counted in the shared cache.
LOGIN_THROTTLE_LIMIT = env_int("PROPDESK_LOGIN_THROTTLE_LIMIT", 5)
LOGIN_THROTTLE_WINDOW = env_int("PROPDESK_LOGIN_THROTTLE_WINDOW", 300)
# Reverse proxies whose X-Forwarded-For entry names the client (addresses or CIDR blocks).
TRUSTED_PROXIES = env_networks("PROPDESK_TRUSTED_PROXIES")
# Show the demo logins of API.md on the login page (also shown when DEBUG); never on in production.
SHOW_DEMO_LOGINS = env_bool("PROPDESK_SHOW_DEMO_LOGINS", False)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # collectstatic fills it; WhiteNoise warns when it is missing
STATICFILES_DIRS: list[Path | tuple[str, Path]] = [BASE_DIR / "propdesk" / "static"]
# Third-party front-end assets installed from the npm registry by `make install`
# (pinned in package-lock.json); never committed, never loaded from a CDN.
NODE_MODULES = BASE_DIR / "node_modules"
if NODE_MODULES.exists():
    STATICFILES_DIRS.append(("vendor", NODE_MODULES))
# Attachments live here; never served as static files (views check the record's visibility).
MEDIA_ROOT = Path(env_str("PROPDESK_MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
# The largest attachment (bytes) and the largest image (pixels: decompression bombs) accepted.
ATTACHMENT_MAX_BYTES = env_int("PROPDESK_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
ATTACHMENT_MAX_PIXELS = env_int("PROPDESK_ATTACHMENT_MAX_PIXELS", 64_000_000)

DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("PROPDESK_MAX_BODY_BYTES", 5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

# One cache shared by every worker and machine (login throttling relies on it):
# a table in the database by default (`manage.py createcachetable`, run by
# `make install` and `serve`), Redis when PROPDESK_CACHE_URL is set.
_cache_url = env_str("PROPDESK_CACHE_URL", "")
if _cache_url.startswith(("redis://", "rediss://", "unix://")):
    CACHES: dict[str, dict[str, object]] = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}
    }
elif _cache_url:
    raise ImproperlyConfigured(f"PROPDESK_CACHE_URL={_cache_url!r}: use redis://host:port/db")
elif TESTING:
    # Tests clear the cache around every test, also those without database access;
    # the shared backends are exercised explicitly (core/tests/test_throttle.py).
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "propdesk_cache",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("PROPDESK_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"

# Outgoing e-mail: SMTP as soon as PROPDESK_EMAIL_HOST is set, else printed to the console.
EMAIL_HOST = env_str("PROPDESK_EMAIL_HOST", "")
EMAIL_BACKEND = env_str(
    "PROPDESK_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = EMAIL_HOST or "localhost"
EMAIL_USE_TLS = env_bool("PROPDESK_EMAIL_USE_TLS", False)  # STARTTLS, usually port 587
EMAIL_USE_SSL = env_bool("PROPDESK_EMAIL_USE_SSL", False)  # implicit TLS, usually port 465
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("PROPDESK_EMAIL_USE_TLS and PROPDESK_EMAIL_USE_SSL exclude each other: set one")
EMAIL_PORT = env_int("PROPDESK_EMAIL_PORT", 465 if EMAIL_USE_SSL else 587 if EMAIL_USE_TLS else 25)
EMAIL_HOST_USER = env_str("PROPDESK_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("PROPDESK_EMAIL_PASSWORD", "")
EMAIL_TIMEOUT = env_int("PROPDESK_EMAIL_TIMEOUT", 10)  # seconds: a dead mail server must not hang a worker
DEFAULT_FROM_EMAIL = env_str("PROPDESK_FROM_EMAIL", "propdesk@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background work: with no broker, tasks run inline and `manage.py serve`
# runs periodic jobs in-process; with CELERY_BROKER_URL, Celery workers and beat do.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE

# `manage.py serve` (gunicorn beside the in-process scheduler).
SERVE_WORKERS = env_int("PROPDESK_WORKERS", 2)
SERVE_THREADS = env_int("PROPDESK_THREADS", 4)
SERVE_TIMEOUT = env_int("PROPDESK_WORKER_TIMEOUT", 30)  # a request running longer gets its worker restarted
SERVE_GRACEFUL_TIMEOUT = env_int("PROPDESK_GRACEFUL_TIMEOUT", 20)  # on stop: time to finish requests in flight
SERVE_ACCESS_LOG = env_bool("PROPDESK_ACCESS_LOG", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("PROPDESK_LOG_LEVEL", "WARNING")},
}
