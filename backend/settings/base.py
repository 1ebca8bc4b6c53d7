"""Settings shared by every environment. Values that vary come from ``env``."""
from django.utils.translation import gettext_lazy as _

from . import env

BASE_DIR = env.BASE_DIR
SECRET_KEY = env.SECRET_KEY
DEBUG = env.DEBUG
ALLOWED_HOSTS = env.ALLOWED_HOSTS
CSRF_TRUSTED_ORIGINS = env.CSRF_TRUSTED_ORIGINS

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_filters",
    "import_export",
    "django_tasks",
    "django_tasks_db",
    "backend",
    "workforce",
    "training",
    "careers",
    "imports",
    "personnel",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "backend.middleware.AuditRefusalMiddleware",  # every 403 (CSRF included) is audited
    "core.i18n.ChineseByDefaultMiddleware",  # Chinese unless chosen in the language menu
    "django.middleware.locale.LocaleMiddleware",
    "core.i18n.DownloadLanguageMiddleware",  # spreadsheet downloads stay Chinese whatever the page language
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "backend.middleware.SessionSecurityMiddleware",  # idle expiry, no-store for signed-in pages
    "backend.routers.ReplicaReadsMiddleware",  # dashboards and exports read from the replica, if any
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "backend.urls"

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
                "backend.navigation.nav_context",
            ],
        },
    },
]

WSGI_APPLICATION = "backend.wsgi.application"

DATABASES = {"default": env.DATABASE}
# The read replica, when configured: the dashboards and exports read from it (backend/routers.py).
READ_REPLICA = "replica" if env.REPLICA_DATABASE else ""
if READ_REPLICA:
    DATABASES[READ_REPLICA] = env.REPLICA_DATABASE
    # Only then: the router is asked on every foreign key set on an object (the demo sets millions).
    DATABASE_ROUTERS = ["backend.routers.ReplicaRouter"]

AUTH_USER_MODEL = "backend.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "backend.security.CharacterClassesValidator", "OPTIONS": {"min_classes": env.PASSWORD_MIN_CLASSES}},
]
# Login lockout (backend/security.py) is enforced in the authentication backend itself.
AUTHENTICATION_BACKENDS = ["backend.security.LockoutBackend"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.TIME_ZONE
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.STATIC_ROOT
MEDIA_URL = "media/"
MEDIA_ROOT = env.MEDIA_ROOT

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background tasks: Django's tasks framework (django-tasks backport), database backend, so
# SQLite needs no broker. ``python manage.py db_worker`` runs them.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

IMPORT_EXPORT_USE_TRANSACTIONS = True
# The admin's Excel import/export of the reference tables (workforce.resources, which also limits
# the formats to .xlsx and CSV): blank lines Excel leaves below a table are not rows.
IMPORT_EXPORT_IMPORT_IGNORE_BLANK_LINES = True

# Domain knobs read from the environment (see README).
LOGIN_MAX_FAILURES = env.LOGIN_MAX_FAILURES
LOGIN_LOCKOUT_MINUTES = env.LOGIN_LOCKOUT_MINUTES
LOGIN_MAX_FAILURES_PER_ADDRESS = env.LOGIN_MAX_FAILURES_PER_ADDRESS
SESSION_IDLE_MINUTES = env.SESSION_IDLE_MINUTES
PASSWORD_MIN_CLASSES = env.PASSWORD_MIN_CLASSES
AUDIT_RETENTION_DAYS = env.AUDIT_RETENTION_DAYS
CITY_CODE = env.CITY_CODE
CITY_NAME = env.CITY_NAME
CITY_COUNT_CACHE_SECONDS = env.CITY_COUNT_CACHE_SECONDS
IMPORT_MAX_BYTES = env.IMPORT_MAX_BYTES
IMPORT_MAX_UNCOMPRESSED_BYTES = env.IMPORT_MAX_UNCOMPRESSED_BYTES
IMPORT_MAX_CELLS = env.IMPORT_MAX_CELLS
EVIDENCE_MAX_BYTES = env.EVIDENCE_MAX_BYTES
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Idle expiry is enforced and audited by backend.middleware.SessionSecurityMiddleware at
# SESSION_IDLE_MINUTES; the stored session outlives that by an hour so the middleware sees the
# stale session (and records the timeout) instead of the store silently dropping it first.
SESSION_COOKIE_AGE = (env.SESSION_IDLE_MINUTES + 60) * 60
# Saved when it changes: the middleware records each request's activity in it, so an active
# session is saved (and its expiry moved on) at every request; a progress poll, which is not
# activity, writes nothing (backend.middleware.not_activity).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True  # shared school computers: closing the browser signs out
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # No full 身份证件号 in any log line (issue 7): every handler masks them.
    "filters": {"mask_identity": {"()": "core.masking.MaskIdentityFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["mask_identity"]}},
    "root": {"handlers": ["console"], "level": env.LOG_LEVEL},
    # Django's own loggers keep their default handlers otherwise (unmasked): route them here.
    "loggers": {
        "django": {"handlers": ["console"], "level": env.LOG_LEVEL, "propagate": False},
        "django.server": {"handlers": ["console"], "level": env.LOG_LEVEL, "propagate": False},
    },
}
