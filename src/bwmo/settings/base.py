"""Settings shared by every environment; everything that differs comes from the environment.

Safe defaults serve the laptop demo (SQLite in ./var); production sets its own values
(see ``bwmo.settings.production`` and docs/operations.md).
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from bwmo.logging import client_error_loggers

BASE_DIR = Path(__file__).resolve().parent.parent  # src/bwmo
DATA_DIR = Path(os.environ.get("BWMO_DATA_DIR", Path.cwd() / "var")).resolve()


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "ja", "on"}


def _demo_secret_key() -> str:
    """A per-installation key kept in the data folder, so sessions survive restarts."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY") or _demo_secret_key()
DEBUG = env_bool("BWMO_DEBUG", False)
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    # First: its templates (admin/base_site.html) take precedence over Django's own.
    "bwmo.ui",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_otp",
    "bwmo.accounts.devices.TotpDevicesConfig",  # django_otp.plugins.otp_totp, named in Dutch
    "bwmo.organisations",
    "bwmo.accounts",
    "bwmo.clients",
    "bwmo.care",
    "bwmo.toegang",
    "bwmo.woonplaats",
    "bwmo.messaging",
    "bwmo.finance",
    "bwmo.monitor",
    "bwmo.forecast",
    "bwmo.audit",
    "bwmo.generate",
    "bwmo.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "bwmo.ui.locale_middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "bwmo.accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "bwmo.ui.middleware.SecurityHeadersMiddleware",
    "bwmo.ui.middleware.NoStoreForPersonalDataMiddleware",
]

ROOT_URLCONF = "bwmo.urls"
WSGI_APPLICATION = "bwmo.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "bwmo.ui.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'bwmo.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
# Persistent connections (CONN_MAX_AGE above) are checked before reuse, so a connection the
# database closed (a restart, an idle timeout) costs one reconnect, not a failed request.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = os.environ.get("CONN_HEALTH_CHECKS", "1") == "1"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several readers while one writer works (the demo server plus a CLI command).
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation of statements (docs/performance.md): bwmo's statements read one
    # client or one region, but the scoping conditions make PostgreSQL estimate some of them
    # as large, and compiling them took seconds (4.5 of 5.5 s of a dossier's indications on
    # the national profile) where running them takes milliseconds. PG_JIT=on restores it.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"]["options"] = " ".join(
        filter(
            None,
            [
                DATABASES["default"]["OPTIONS"].get("options", ""),
                f"-c jit={'on' if os.environ.get('PG_JIT') == 'on' else 'off'}",
            ],
        )
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sessions end after 30 minutes without activity (shared workstations at the counter).
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", 30 * 60))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Login throttling: this many failed attempts per username+address within the window.
BWMO_LOGIN_MAX_FAILURES = int(os.environ.get("BWMO_LOGIN_MAX_FAILURES", 5))
BWMO_LOGIN_WINDOW_SECONDS = int(os.environ.get("BWMO_LOGIN_WINDOW_SECONDS", 15 * 60))
# … and this many from one address, whatever the usernames (one address trying every name).
BWMO_LOGIN_MAX_FAILURES_PER_ADDRESS = int(os.environ.get("BWMO_LOGIN_MAX_FAILURES_PER_ADDRESS", 30))

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Nederlands")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", DATA_DIR / "static"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True  # the demo serves static files without a collectstatic step

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "no_personal_data": {"()": "bwmo.logging.RedactPersonalData"},
        "client_error_one_line": {"()": "bwmo.logging.ClientErrorOneLine"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["no_personal_data"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    # A refused request (403, 404, 400) is one line, not a traceback.
    "loggers": {name: {"filters": ["client_error_one_line"]} for name in client_error_loggers()},
}

# The iWmo 3.2 XSDs are read from the standard's own folder, never copied into bwmo.
BWMO_SHARED_DIR = Path(os.environ.get("BWMO_SHARED_DIR", Path.cwd().parent / "shared"))
BWMO_IWMO_XSD_DIR = Path(os.environ.get("BWMO_IWMO_XSD_DIR", BWMO_SHARED_DIR / "iwmo" / "xsd"))
# The standard's code lists (meanings of retour codes, reasons …), read for the screens.
BWMO_IWMO_CODELIST_DIR = Path(
    os.environ.get("BWMO_IWMO_CODELIST_DIR", BWMO_SHARED_DIR / "iwmo" / "codelijsten")
)
# The largest iWmo file bwmo reads (import folder, upload screen, validate); a bigger file is
# recorded as ongeldig without being parsed. A WMO323 of 1,000 clients is about 2 MB.
BWMO_IWMO_MAX_FILE_BYTES = int(os.environ.get("BWMO_IWMO_MAX_FILE_BYTES", 20 * 1024 * 1024))
# Worker processes that parse and validate the next batch of a folder import (0: none).
BWMO_IWMO_PARSE_WORKERS = int(os.environ.get("BWMO_IWMO_PARSE_WORKERS", "1"))

# The access log's key and anchors live outside the database (docs/security.md, "Access log").
# The key: BWMO_AUDIT_KEY itself, or a file holding it; the demo generates one in DATA_DIR.
BWMO_AUDIT_KEY = os.environ.get("BWMO_AUDIT_KEY", "")
BWMO_AUDIT_KEY_FILE = os.environ.get("BWMO_AUDIT_KEY_FILE", "")
BWMO_AUDIT_KEY_GENERATE = not (BWMO_AUDIT_KEY or BWMO_AUDIT_KEY_FILE)
# `bwmo audit anchor` appends signed chain heads here (and to syslog when asked).
BWMO_AUDIT_ANCHOR_FILE = Path(
    os.environ.get("BWMO_AUDIT_ANCHOR_FILE", DATA_DIR / "audit-anchors.jsonl")
)
BWMO_AUDIT_ANCHOR_SYSLOG = env_bool("BWMO_AUDIT_ANCHOR_SYSLOG", False)

# --- The REST API under /api/v1/ (docs/api.md) ---------------------------------------------
INSTALLED_APPS += ["rest_framework", "drf_spectacular", "drf_spectacular_sidecar", "bwmo.api"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["bwmo.api.authentication.BearerAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "bwmo.api.problems.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DATE_FORMAT": "iso-8601",
    "DATETIME_FORMAT": "iso-8601",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "bwmo API",
    "DESCRIPTION": (
        "Leestoegang tot bwmo (Beschermd Wonen en Maatschappelijke Opvang) voor geregistreerde "
        "API-clients, volgens de NL API Design Rules. Authenticatie: "
        "`Authorization: Bearer <client-id>.<geheim>`. Persoonsgegevens alleen binnen de "
        "scope van de organisatie van de API-client; elke inzage komt in het toegangslog. "
        "Of: een toegangstoken via OAuth2 client credentials (`POST /api/v1/oauth/token`). "
        "Een aanbieder verstuurt zijn iWmo-bestanden met `POST /api/v1/iwmo-messages`."
    ),
    "VERSION": "1.0.0",
    "CONTACT": {
        "name": "Functioneel beheer bwmo",
        "email": os.environ.get("BWMO_API_CONTACT_EMAIL", "beheer@bwmo.example.nl"),
        "url": os.environ.get("BWMO_API_CONTACT_URL", "https://bwmo.example.nl/contact"),
    },
    "LICENSE": {"name": "EUPL-1.2"},
    "SERVERS": [{"url": "/api/v1", "description": "Deze installatie"}],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SCHEMA_PATH_PREFIX_TRIM": True,
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_NO_READ_ONLY_REQUIRED": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "bwmo.api.schema.postprocess",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# Two-factor login (docs/security.md, "Tweestapsverificatie"): beheer and auditor accounts
# must set up an authenticator app before they reach anything. Always on, in the demo too
# (its beheer and auditor accounts come with a device); only the test settings switch it off
# for the bulk of the suite, and the tests of two-factor login switch it on again.
BWMO_TWO_FACTOR_ENFORCED = True
OTP_TOTP_ISSUER = "bwmo"

# E-mail (the password-reset link): printed on the console in the demo and in development;
# production sends through SMTP (docs/operations.md, "E-mail").
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "bwmo <bwmo@localhost>")
PASSWORD_RESET_TIMEOUT = 3 * 24 * 60 * 60  # the e-mail says "3 dagen"

# Single sign-on with OpenID Connect (docs/security.md, "Single sign-on"): off unless
# BWMO_OIDC_ISSUER and the other BWMO_OIDC_* variables are set (docs/operations.md).
from typing import cast  # noqa: E402

from bwmo.rules.sso import ClaimMapping  # noqa: E402

from .oidc import oidc_settings  # noqa: E402

_oidc = oidc_settings(os.environ)
globals().update(_oidc)
# The ones bwmo's own code reads, spelled out for the type checker.
BWMO_OIDC_ENABLED = bool(_oidc["BWMO_OIDC_ENABLED"])
BWMO_OIDC_ISSUER = str(_oidc["BWMO_OIDC_ISSUER"])
BWMO_OIDC_MAPPING = cast(ClaimMapping, _oidc["BWMO_OIDC_MAPPING"])
BWMO_OIDC_LOGIN_LABEL = str(_oidc["BWMO_OIDC_LOGIN_LABEL"])
BWMO_OIDC_END_SESSION_ENDPOINT = str(_oidc["BWMO_OIDC_END_SESSION_ENDPOINT"])
OIDC_RP_CLIENT_ID = str(_oidc["OIDC_RP_CLIENT_ID"])
