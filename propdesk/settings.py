"""propdesk settings: everything that varies between installs comes from the environment."""

from pathlib import Path

from propdesk.envconf import database_from_url, env_bool, env_int, env_list, env_str, sqlite_database

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PROPDESK_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("PROPDESK_DEBUG", False)
_INSECURE_DEFAULT_KEY = "propdesk-insecure-development-key-change-me"
SECRET_KEY = env_str("PROPDESK_SECRET_KEY", _INSECURE_DEFAULT_KEY)
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
                "propdesk.core.context_processors.shell",
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
# Failed logins allowed per username+address in LOGIN_THROTTLE_WINDOW seconds.
LOGIN_THROTTLE_LIMIT = env_int("PROPDESK_LOGIN_THROTTLE_LIMIT", 5)
LOGIN_THROTTLE_WINDOW = env_int("PROPDESK_LOGIN_THROTTLE_WINDOW", 300)
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
STATICFILES_DIRS = [BASE_DIR / "propdesk" / "static"]
# Third-party front-end assets installed from the npm registry by `make install`
# (pinned in package-lock.json); never committed, never loaded from a CDN.
NODE_MODULES = BASE_DIR / "node_modules"
if NODE_MODULES.exists():
    STATICFILES_DIRS.append(("vendor", NODE_MODULES))
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("PROPDESK_MAX_BODY_BYTES", 5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
_redis_cache = env_str("PROPDESK_CACHE_URL", "")
if _redis_cache:
    CACHES["default"] = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _redis_cache}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("PROPDESK_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"

EMAIL_BACKEND = env_str("PROPDESK_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("PROPDESK_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("PROPDESK_EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = env_str("PROPDESK_FROM_EMAIL", "propdesk@localhost")

# Background work: with no broker, tasks run inline and `runserver_with_scheduler`
# runs periodic jobs in-process; with CELERY_BROKER_URL, Celery workers and beat do.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("PROPDESK_LOG_LEVEL", "WARNING")},
}
