"""Settings of the test identity provider: its own SQLite file, cookies and users."""

import os

SECRET_KEY = "test-identity-provider-only"  # a throw-away test process
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oidc_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "tests.oidc_idp.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [os.path.join(os.path.dirname(__file__), "templates")],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("OIDC_IDP_DATABASE", ":memory:"),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
USE_TZ = True
# Both servers run on 127.0.0.1; cookies do not tell ports apart, so the provider's have
# names of their own and never overwrite bwmo's session.
SESSION_COOKIE_NAME = "idp_sessionid"
CSRF_COOKIE_NAME = "idp_csrftoken"
LOGIN_URL = "/login/"
SITE_URL = os.environ.get("OIDC_IDP_SITE_URL", "http://127.0.0.1:8900")
OIDC_USERINFO = "tests.oidc_idp.claims.userinfo"
OIDC_EXTRA_SCOPE_CLAIMS = "tests.oidc_idp.claims.BwmoScopeClaims"
OIDC_IDTOKEN_INCLUDE_CLAIMS = False
