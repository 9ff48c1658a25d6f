"""Heed settings: one file, embedded defaults, every difference read from the environment.

The embedded default (no environment at all) is the demo: SQLite under ``var/``, a generated
secret kept under ``var/``, DEBUG on. A deployment sets ``HEED_DEBUG=0`` and must then give
``HEED_SECRET_KEY``; start-up refuses a missing or well-known secret.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("HEED_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}")


DEBUG = env_bool("HEED_DEBUG", True)
TESTING = env_bool("HEED_TESTING", False)

# Secrets that must never run a deployment: placeholders from docs and examples.
WELL_KNOWN_SECRETS = frozenset(
    {
        "",
        "changeme",
        "change-me",
        "secret",
        "insecure",
        "django-insecure",
        "heed",
        "heed-secret",
        "your-secret-key",
    }
)


def _generated_secret(path: Path) -> str:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


_secret = os.environ.get("HEED_SECRET_KEY")
if DEBUG:
    SECRET_KEY = _secret or _generated_secret(VAR_DIR / "secret_key")
else:
    if _secret is None:
        raise ImproperlyConfigured("HEED_SECRET_KEY is required when HEED_DEBUG=0")
    if (
        _secret.strip().lower() in WELL_KNOWN_SECRETS
        or _secret.startswith("django-insecure")
        or len(_secret) < 32
    ):
        raise ImproperlyConfigured(
            "HEED_SECRET_KEY is a well-known or too short value (need 32+ random characters)"
        )
    SECRET_KEY = _secret

ALLOWED_HOSTS = env_list("HEED_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("HEED_CSRF_TRUSTED_ORIGINS", [])

# Field-encryption keys (used by the portfolio): "id:base64key,id:base64key", newest last.
FIELD_KEYS_RAW = os.environ.get("HEED_FIELD_KEYS", "")
FIELD_KEYS_FILE = VAR_DIR / "field_keys"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "heed.core",
    "heed.audit",
    "heed.users",
    "heed.tasks",
    "heed.api",
    "heed.portfolio",
    "heed.collection",
    "heed.compliance",
    "heed.payments",
    "heed.screening",
    "heed.web",
    "heed.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "heed.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "heed.api.errors.MethodNotAllowedMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "heed.core.middleware.ActorMiddleware",
    "heed.users.middleware.UserLanguageMiddleware",
    "heed.users.middleware.MfaRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "heed" / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "heed.web.context_processors.navigation",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
_database_url = os.environ.get("DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
    # Hot paths (heed.core.db) prepare their statements on the server; the ORM keeps binding on
    # the client and never prepares. Off (0) behind a transaction-pooling proxy that cannot
    # carry prepared statements from one transaction to the next.
    if env_bool("HEED_DB_PREPARE", True):
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 5
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(Path(os.environ.get("HEED_SQLITE_PATH", VAR_DIR / "heed.sqlite3"))),
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE: a writing transaction takes the write lock at BEGIN, so two writers queue
        # instead of failing half-way with "database is locked".
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        # wal_autocheckpoint: a checkpoint every 4,000 pages (16 MiB) instead of 1,000, so
        # fewer commits pay for one (the gateway's preflight p99, compliance bench).
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA wal_autocheckpoint=4000;"
        ),
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "users.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
if TESTING:
    # Tests create many users; Argon2 stays the production hasher and is tested explicitly.
    PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
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
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = env_int("HEED_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("HEED_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True

# Roles that must use TOTP two-factor. Production default: the three privileged roles.
# The demo (DEBUG) relaxes this so the demo logins work without an authenticator app.
MFA_REQUIRED_ROLES = env_list(
    "HEED_MFA_REQUIRED_ROLES",
    [] if DEBUG else ["administrator", "compliance_officer", "data_manager"],
)
OTP_TOTP_ISSUER = "Heed"

# The audit log is hash-chained in lanes (PostgreSQL): concurrent transactions append to
# different lanes instead of queueing for one lock. 1 = a single chain.
HEED_AUDIT_LANES = env_int("HEED_AUDIT_LANES", 8)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_AGE = 60 * 60 * 10
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- i18n ---------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "heed" / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# --- Static -------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
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
MEDIA_ROOT = VAR_DIR / "media"

# --- Background tasks ---------------------------------------------------------------------
_tasks_backend = os.environ.get("HEED_TASKS_BACKEND", "database")
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "dummy": "django_tasks.backends.dummy.DummyBackend",
}
if _tasks_backend not in _TASK_BACKENDS and "." not in _tasks_backend:
    raise ImproperlyConfigured(
        f"HEED_TASKS_BACKEND must be one of {sorted(_TASK_BACKENDS)} or a dotted path, "
        f"got {_tasks_backend!r}"
    )
TASKS = {"default": {"BACKEND": _TASK_BACKENDS.get(_tasks_backend, _tasks_backend)}}

# --- API ----------------------------------------------------------------------------------
API_RATE_LIMIT_PER_MINUTE = env_int("HEED_API_RATE_LIMIT_PER_MINUTE", 600)

# Outgoing messages (heed/screening/adapters.py): "file" (outbox under var/, the default),
# "console", "provider" (SMTP for e-mail, the HTTP provider for SMS/IM/voicemail) or a dotted path.
HEED_MESSAGE_ADAPTER = os.environ.get("HEED_MESSAGE_ADAPTER", "file")
HEED_SMS_HTTP_URL = os.environ.get("HEED_SMS_HTTP_URL", "")
HEED_SMS_HTTP_TOKEN = os.environ.get("HEED_SMS_HTTP_TOKEN", "")
EMAIL_HOST = os.environ.get("HEED_SMTP_HOST", "localhost")
EMAIL_PORT = env_int("HEED_SMTP_PORT", 25)
EMAIL_HOST_USER = os.environ.get("HEED_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("HEED_SMTP_PASSWORD", "")
EMAIL_USE_TLS = env_bool("HEED_SMTP_STARTTLS", False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = os.environ.get("HEED_MAIL_FROM", "Heed <no-reply@localhost>")
# What templates' {callback_number} and {payment_channels} say (empty: a template that uses one
# cannot be sent). The demo has a made-up number.
HEED_CALLBACK_NUMBER = os.environ.get("HEED_CALLBACK_NUMBER", "400-000-0000" if DEBUG else "")
HEED_PAYMENT_CHANNELS = os.environ.get("HEED_PAYMENT_CHANNELS", "")
NINJA_PAGINATION_PER_PAGE = 50

# --- Logging ------------------------------------------------------------------------------
# Deployments log one JSON object per line (structlog); the demo logs readable lines.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "heed.core.logging.json_formatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain" if DEBUG else "json"}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("HEED_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Lockout is per username: a collection floor shares one NAT address, so locking by IP would lock
# out a whole office after one person's typos. Attackers rotating addresses still hit the account
# lock.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
