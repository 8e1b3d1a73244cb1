"""Production settings: everything secret or site-specific must come from the environment.

``bwmo check --deploy --settings bwmo.settings.production`` is clean with these.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool

if not os.environ.get("SECRET_KEY"):
    raise ImproperlyConfigured("SECRET_KEY must be set in production.")
SECRET_KEY = os.environ["SECRET_KEY"]
DEBUG = False

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# Behind a reverse proxy that ends TLS (docs/operations.md): ``bwmo serve`` believes the
# X-Forwarded-* headers of BWMO_TRUSTED_PROXY only and drops them from anyone else, so a
# request counts as HTTPS when the proxy says so. Without a trusted proxy the header is
# ignored: a browser could otherwise claim HTTPS over plain HTTP.
if os.environ.get("BWMO_TRUSTED_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# The access log's key never comes from the data folder in production.
BWMO_AUDIT_KEY_GENERATE = False
if not (os.environ.get("BWMO_AUDIT_KEY") or os.environ.get("BWMO_AUDIT_KEY_FILE")):
    raise ImproperlyConfigured(
        "BWMO_AUDIT_KEY or BWMO_AUDIT_KEY_FILE must be set in production: the access log is "
        "signed with a key kept outside the database (see docs/security.md)."
    )

# Never switched off in production, whatever the environment says.
BWMO_TWO_FACTOR_ENFORCED = True

# The password-reset link goes out by SMTP (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER,
# EMAIL_HOST_PASSWORD, EMAIL_USE_TLS / EMAIL_USE_SSL, DEFAULT_FROM_EMAIL).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
