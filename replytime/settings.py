"""Django settings for replytime. Everything comes from the environment (see .env.example)."""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from replytime.lib.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("REPLYTIME_DATA", "replytime-data")).resolve()

DEBUG = env_bool("REPLYTIME_DEBUG", False)
# A fixed development key is acceptable only for the embedded default on one machine;
# production deployments set REPLYTIME_SECRET_KEY (or REPLYTIME_SECRET_KEY_FILE).
SECRET_KEY = env_str("REPLYTIME_SECRET_KEY", "") or "replytime-insecure-development-key"
ALLOWED_HOSTS = env_list("REPLYTIME_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "replytime.tenancy",
    "replytime.mailboxes",
    "replytime.ingestion",
    "replytime.conversations",
    "replytime.metrics",
    "replytime.reports",
    "replytime.keystore",
    # Web app (issue 4): sign-in, MFA, SSO.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.microsoft",
    # Background work (issue 5).
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "replytime.urls"
WSGI_APPLICATION = "replytime.wsgi.application"

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
            ],
        },
    },
]


def _database() -> dict[str, object]:
    url = env_str("DATABASE_URL", "")
    if not url:
        url = f"sqlite:///{DATA_DIR / 'replytime.sqlite3'}"
    config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=60))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # The web app and the worker share one SQLite file: WAL lets readers and one writer
        # work at once, and the busy timeout makes a writer wait instead of failing.
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "timeout": env_int("REPLYTIME_SQLITE_TIMEOUT", 30),
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536;"
            ),
        }
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("REPLYTIME_LOG_LEVEL", "WARNING")},
}

# Product settings.
# How many parsed records one database transaction stores during an import.
REPLYTIME_IMPORT_BATCH = env_int("REPLYTIME_IMPORT_BATCH", 2000)
# Dates before this year, or more than this many days in the future, are not usable times.
REPLYTIME_MIN_YEAR = env_int("REPLYTIME_MIN_YEAR", 1990)
REPLYTIME_MAX_FUTURE_DAYS = env_int("REPLYTIME_MAX_FUTURE_DAYS", 2)

# --- web app (issue 4): authentication, security headers, static files ---------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

# --- live sync (issue 5): keystore database, background tasks, outgoing email --------------
# Background work goes through the django_tasks API; the database backend needs no broker.
TASKS = {
    "default": {
        "BACKEND": env_str("REPLYTIME_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}
