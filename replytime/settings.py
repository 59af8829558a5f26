"""Django settings for replytime. Everything comes from the environment (see .env.example)."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

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
REPLYTIME_IMPORT_BATCH = env_int("REPLYTIME_IMPORT_BATCH", 10000)
# Parser processes of a file import (each takes whole input paths; see ingestion/parallel.py);
# 0 = one per core beyond the one the store needs (at least 1, at most 4).
REPLYTIME_IMPORT_PARSERS = env_int("REPLYTIME_IMPORT_PARSERS", 0)
# Dates before this year, or more than this many days in the future, are not usable times.
REPLYTIME_MIN_YEAR = env_int("REPLYTIME_MIN_YEAR", 1990)
REPLYTIME_MAX_FUTURE_DAYS = env_int("REPLYTIME_MAX_FUTURE_DAYS", 2)

# --- web app (issue 4): authentication, security headers, static files ---------------------
# Every setting below is documented in docs/web.md and .env.example.
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
TEMPLATES[0]["OPTIONS"]["context_processors"].append(  # type: ignore[index]
    "replytime.tenancy.context.web"
)

# Static files (vendored HTMX and Chart.js, our CSS) are served by the app through WhiteNoise:
# no CDN and no separate web server. Finders let it serve them without `collectstatic`.
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "replytime.tenancy.middleware.StaticFiles",  # WhiteNoise
)
MIDDLEWARE += [
    "csp.middleware.CSPMiddleware",
    "replytime.tenancy.middleware.permissions_policy",
]

# HTTPS and security headers. REPLYTIME_HTTPS marks cookies secure and sends HSTS; behind a
# TLS-terminating proxy also set REPLYTIME_BEHIND_PROXY so Django trusts X-Forwarded-Proto.
REPLYTIME_HTTPS = env_bool("REPLYTIME_HTTPS", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = REPLYTIME_HTTPS
SECURE_HSTS_SECONDS = env_int("REPLYTIME_HSTS_SECONDS", 31536000) if REPLYTIME_HTTPS else 0
REPLYTIME_BEHIND_PROXY = env_bool("REPLYTIME_BEHIND_PROXY", False)
if REPLYTIME_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("REPLYTIME_CSRF_TRUSTED_ORIGINS", [])
SESSION_COOKIE_AGE = env_int("REPLYTIME_SESSION_DAYS", 14) * 86400
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Sign-in through Google or Microsoft is enabled only when its client id and secret are set.
_SSO_HOSTS = {
    "google": "https://accounts.google.com",
    "microsoft": "https://login.microsoftonline.com",
}


def _social_providers() -> dict[str, dict[str, object]]:
    providers: dict[str, dict[str, object]] = {}
    for name in ("google", "microsoft"):
        client_id = env_str(f"REPLYTIME_{name.upper()}_CLIENT_ID", "")
        secret = env_str(f"REPLYTIME_{name.upper()}_CLIENT_SECRET", "")
        if client_id and secret:
            providers[name] = {"APPS": [{"client_id": client_id, "secret": secret}]}
    if "google" in providers:
        # Google only returns verified addresses, so a Google sign-in may log into the
        # replytime user with that address. Microsoft's email claim is not verified: no.
        providers["google"].update(SCOPE=["openid", "email", "profile"], EMAIL_AUTHENTICATION=True)
    if "microsoft" in providers:
        tenant = env_str("REPLYTIME_MICROSOFT_TENANT", "organizations")
        providers["microsoft"]["TENANT"] = tenant
    return providers


SOCIALACCOUNT_PROVIDERS = _social_providers()

# A strict Content-Security-Policy: scripts and styles only from our own origin, nothing
# inline, no eval. Form posts may only leave for the configured sign-in providers.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'", *(_SSO_HOSTS[p] for p in SOCIALACCOUNT_PROVIDERS)],
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-allauth: people sign in with their email address.
ACCOUNT_ADAPTER = "replytime.tenancy.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "replytime.tenancy.adapters.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env_str("REPLYTIME_EMAIL_VERIFICATION", "mandatory")
if ACCOUNT_EMAIL_VERIFICATION not in ("mandatory", "optional", "none"):
    raise ImproperlyConfigured("REPLYTIME_EMAIL_VERIFICATION must be mandatory, optional or none")
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[replytime] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if REPLYTIME_HTTPS else "http"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
# Rate limits of every authentication form ("amount/period/key": per IP, per user or per
# the submitted address). Counters live in Django's cache (per process with the default).
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    # Failed sign-ins, and failed two-factor codes (allauth counts both here).
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
    "request_login_code": "20/m/ip,3/m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "replytime"
SOCIALACCOUNT_LOGIN_ON_GET = False

# Who may sign up: "open" (anyone; each new person starts their own account) or "invite"
# (only people holding an invitation).
REPLYTIME_SIGNUP = env_str("REPLYTIME_SIGNUP", "open")
if REPLYTIME_SIGNUP not in ("open", "invite"):
    raise ImproperlyConfigured("REPLYTIME_SIGNUP must be open or invite")
REPLYTIME_INVITATION_DAYS = env_int("REPLYTIME_INVITATION_DAYS", 14)
# The largest mail file the import page accepts, in MB.
REPLYTIME_UPLOAD_MAX_MB = env_int("REPLYTIME_UPLOAD_MAX_MB", 1024)
# How long computed dashboard figures are kept (they are dropped at once when the facts under
# them change; see replytime/reports/caching.py); 0 turns the cache off.
REPLYTIME_REPORTS_CACHE_SECONDS = env_int("REPLYTIME_REPORTS_CACHE_SECONDS", 600)

# --- live sync (issue 5): keystore database, background tasks, outgoing email --------------
# Background work goes through the django_tasks API; the database backend needs no broker.
TASKS = {
    "default": {
        "BACKEND": env_str("REPLYTIME_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}


def _keystore_database() -> dict[str, object]:
    """The keystore's own database: KEYSTORE_DATABASE_URL, else a second SQLite file."""
    url = env_str("KEYSTORE_DATABASE_URL", "") or f"sqlite:///{DATA_DIR / 'keystore.sqlite3'}"
    config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=60))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "timeout": env_int("REPLYTIME_SQLITE_TIMEOUT", 30),
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA secure_delete=ON;",
        }
    return config


# Wrapped data keys live in their own database; the main one holds only sealed secrets.
DATABASES["keystore"] = _keystore_database()
DATABASE_ROUTERS = ["replytime.keystore.router.KeystoreRouter"]

# The master key (REPLYTIME_MASTER_KEY / _FILE; the embedded default generates
# $REPLYTIME_DATA/master.key on first start). A missing or malformed key stops every process
# here; a key that does not match the keystore is refused by the start-up check of `serve`,
# `worker`, `sync` and `keys check` (replytime.keystore.services.verify_keyring).
import dj_email_url  # noqa: E402

from replytime.keystore.master import load_keyring  # noqa: E402

REPLYTIME_KEYRING = load_keyring(DATA_DIR)

# Outgoing email (activation links): EMAIL_URL such as smtp+tls://user:pass@host:587;
# the default prints messages on the console.
_email = dj_email_url.parse(env_str("EMAIL_URL", "") or "console://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"] or "localhost"
EMAIL_PORT = _email["EMAIL_PORT"] or 25
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"] or ""
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"] or ""
EMAIL_USE_TLS = bool(_email["EMAIL_USE_TLS"])
EMAIL_USE_SSL = bool(_email["EMAIL_USE_SSL"])
EMAIL_TIMEOUT = _email.get("EMAIL_TIMEOUT") or 30
DEFAULT_FROM_EMAIL = env_str("REPLYTIME_FROM_EMAIL", "replytime@localhost")
# The address people use to reach this replytime (links in emails).
REPLYTIME_BASE_URL = env_str("REPLYTIME_BASE_URL", "http://localhost:8000").rstrip("/")
# Seconds an activation link stays valid.
REPLYTIME_ACTIVATION_MAX_AGE = env_int("REPLYTIME_ACTIVATION_MAX_AGE", 7 * 24 * 3600)

# Live sync: default interval between two syncs of a mailbox, the lease a running sync holds
# (renewed after every page; a crashed worker's sync is taken over when it expires), the
# scheduler's tick, the request budget of one sync run, and the IMAP fetch batch.
REPLYTIME_SYNC_INTERVAL = env_int("REPLYTIME_SYNC_INTERVAL", 300)
REPLYTIME_SYNC_LEASE = env_int("REPLYTIME_SYNC_LEASE", 120)
REPLYTIME_SCHEDULER_TICK = float(env_int("REPLYTIME_SCHEDULER_TICK_MS", 10000)) / 1000
REPLYTIME_SYNC_MAX_REQUESTS = env_int("REPLYTIME_SYNC_MAX_REQUESTS", 2000)
REPLYTIME_IMAP_BATCH = env_int("REPLYTIME_IMAP_BATCH", 1000)
REPLYTIME_IMAP_TIMEOUT = env_int("REPLYTIME_IMAP_TIMEOUT", 60)
# Extra CA certificates (PEM file) trusted for every IMAP server, e.g. a company CA.
REPLYTIME_IMAP_CA_FILE = env_str("REPLYTIME_IMAP_CA_FILE", "")
# Workers renew their registration every HEARTBEAT seconds; a worker on another machine that
# has not done so for STALE seconds counts as gone, and its running task rows are marked failed
# (replytime/mailboxes/workers.py). On the same machine a vanished worker is noticed at once.
REPLYTIME_WORKER_HEARTBEAT = env_int("REPLYTIME_WORKER_HEARTBEAT", 30)
REPLYTIME_WORKER_STALE = env_int("REPLYTIME_WORKER_STALE", 4 * REPLYTIME_WORKER_HEARTBEAT)

# --- Microsoft 365 connector (issue 6) ----------------------------------------------------
# Documented in docs/connectors/m365.md and .env.example. The authority and Graph URLs point
# at Microsoft by default; tests point them (and the CA file) at a local fake.
INSTALLED_APPS += ["replytime.mailboxes.connectors.m365"]
REPLYTIME_M365 = {
    "authority_host": env_str(
        "REPLYTIME_M365_AUTHORITY_HOST", "https://login.microsoftonline.com"
    ).rstrip("/"),
    "graph_url": env_str("REPLYTIME_M365_GRAPH_URL", "https://graph.microsoft.com/v1.0").rstrip(
        "/"
    ),
    "ca_file": env_str("REPLYTIME_M365_CA_FILE", ""),
    "timeout": env_int("REPLYTIME_M365_TIMEOUT", 60),
    "page_size": env_int("REPLYTIME_M365_PAGE_SIZE", 100),
    "resync_overlap_days": env_int("REPLYTIME_M365_RESYNC_OVERLAP_DAYS", 7),
    "max_inline_wait": env_int("REPLYTIME_M365_MAX_INLINE_WAIT", 30),
    "subscription_minutes": env_int("REPLYTIME_M365_SUBSCRIPTION_MINUTES", 4230),
    "renew_before_minutes": env_int("REPLYTIME_M365_RENEW_BEFORE_MINUTES", 720),
    "notification_base_url": env_str("REPLYTIME_M365_NOTIFICATION_BASE_URL", "").rstrip("/"),
}
# Called on every scheduler tick (renews Graph subscriptions before they expire).
REPLYTIME_SCHEDULER_HOOKS = [
    *globals().get("REPLYTIME_SCHEDULER_HOOKS", []),
    "replytime.mailboxes.connectors.m365.push.renew_due",
]

# --- Gmail connector (issue 6) -------------------------------------------------------------
# Documented in docs/connectors/gmail.md and .env.example. URLs default to Google's own; tests
# point them at a local fake. The OAuth client defaults to the sign-in one (one Google Cloud
# client can serve both); an account's Gmail set-up page may store its own instead.
INSTALLED_APPS += ["replytime.mailboxes.connectors.gmail"]
REPLYTIME_GMAIL = {
    "client_id": env_str("REPLYTIME_GOOGLE_MAIL_CLIENT_ID", "")
    or env_str("REPLYTIME_GOOGLE_CLIENT_ID", ""),
    "client_secret": env_str("REPLYTIME_GOOGLE_MAIL_CLIENT_SECRET", "")
    or env_str("REPLYTIME_GOOGLE_CLIENT_SECRET", ""),
    "auth_url": env_str(
        "REPLYTIME_GOOGLE_AUTH_URL", "https://accounts.google.com/o/oauth2/v2/auth"
    ),
    "token_url": env_str("REPLYTIME_GOOGLE_TOKEN_URL", "https://oauth2.googleapis.com/token"),
    "gmail_url": env_str("REPLYTIME_GOOGLE_GMAIL_URL", "https://gmail.googleapis.com").rstrip("/"),
    "directory_url": env_str(
        "REPLYTIME_GOOGLE_DIRECTORY_URL", "https://admin.googleapis.com"
    ).rstrip("/"),
    "certs_url": env_str(
        "REPLYTIME_GOOGLE_CERTS_URL", "https://www.googleapis.com/oauth2/v3/certs"
    ),
    "timeout": env_int("REPLYTIME_GOOGLE_TIMEOUT", 60),
    "units_per_second": env_int("REPLYTIME_GOOGLE_USER_UNITS_PER_SECOND", 250),
    "batch_size": env_int("REPLYTIME_GOOGLE_BATCH_SIZE", 100),
    "initial_days": env_int("REPLYTIME_GOOGLE_INITIAL_DAYS", 0),
    "resync_overlap_days": env_int("REPLYTIME_GOOGLE_RESYNC_OVERLAP_DAYS", 7),
    "resync_max_messages": env_int("REPLYTIME_GOOGLE_RESYNC_MAX_MESSAGES", 50000),
    "max_inline_wait": env_int("REPLYTIME_GOOGLE_MAX_INLINE_WAIT", 30),
    "watch_renew_hours": env_int("REPLYTIME_GOOGLE_WATCH_RENEW_HOURS", 24),
    "push_audience": env_str("REPLYTIME_GOOGLE_PUSH_AUDIENCE", ""),
    "push_service_account": env_str("REPLYTIME_GOOGLE_PUSH_SERVICE_ACCOUNT", ""),
}
