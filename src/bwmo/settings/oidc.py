"""Single sign-on with OpenID Connect, configured by ``BWMO_OIDC_*`` environment variables.

Off unless ``BWMO_OIDC_ISSUER`` is set (the demo and small regions keep local accounts).
Once it is set, every other required variable must be there too, or bwmo refuses to start and
names what is missing. docs/operations.md lists the variables; docs/security.md explains the
claim mapping and why the second factor is still asked.
"""

from collections.abc import Mapping
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from bwmo.rules.sso import ClaimMapping, parse_pairs

REQUIRED = (
    "BWMO_OIDC_CLIENT_ID",
    "BWMO_OIDC_AUTHORIZATION_ENDPOINT",
    "BWMO_OIDC_TOKEN_ENDPOINT",
    "BWMO_OIDC_USERINFO_ENDPOINT",
    "BWMO_OIDC_JWKS_ENDPOINT",
    "BWMO_OIDC_ORGANISATIONS",
    "BWMO_OIDC_ROLES",
)
BACKEND = "bwmo.accounts.oidc.ClaimMappingBackend"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _secret(environ: Mapping[str, str]) -> str:
    if environ.get("BWMO_OIDC_CLIENT_SECRET"):
        return environ["BWMO_OIDC_CLIENT_SECRET"]
    if environ.get("BWMO_OIDC_CLIENT_SECRET_FILE"):
        try:
            return Path(environ["BWMO_OIDC_CLIENT_SECRET_FILE"]).read_text().strip()
        except OSError as error:
            raise ImproperlyConfigured(
                f"BWMO_OIDC_CLIENT_SECRET_FILE cannot be read: {error.strerror}."
            ) from None
    raise ImproperlyConfigured(
        "BWMO_OIDC_ISSUER is set, so BWMO_OIDC_CLIENT_SECRET or BWMO_OIDC_CLIENT_SECRET_FILE "
        "must be set too."
    )


def _pairs(environ: Mapping[str, str], name: str) -> dict[str, str]:
    try:
        pairs = parse_pairs(environ[name])
    except ValueError as error:
        raise ImproperlyConfigured(f"{name}: {error}.") from None
    if not pairs:
        raise ImproperlyConfigured(f"{name} maps no value (expected value=name; value=name).")
    return pairs


def oidc_settings(environ: Mapping[str, str]) -> dict[str, object]:
    """The Django settings for single sign-on from these environment variables."""
    issuer = environ.get("BWMO_OIDC_ISSUER", "").strip()
    if not issuer:
        return {
            "BWMO_OIDC_ENABLED": False,
            "BWMO_OIDC_ISSUER": "",
            "BWMO_OIDC_MAPPING": ClaimMapping("", "", {}, {}),
            "BWMO_OIDC_LOGIN_LABEL": "",
            "BWMO_OIDC_END_SESSION_ENDPOINT": "",
            # mozilla-django-oidc reads these when its views are built; they stay unused.
            "OIDC_RP_CLIENT_ID": "",
            "OIDC_RP_CLIENT_SECRET": "",
            "OIDC_OP_AUTHORIZATION_ENDPOINT": "",
            "OIDC_OP_TOKEN_ENDPOINT": "",
            "OIDC_OP_USER_ENDPOINT": "",
            "OIDC_OP_JWKS_ENDPOINT": "",
            "AUTHENTICATION_BACKENDS": [MODEL_BACKEND],
        }
    missing = [name for name in REQUIRED if not environ.get(name, "").strip()]
    if missing:
        raise ImproperlyConfigured(
            "BWMO_OIDC_ISSUER is set, so these must be set too: " + ", ".join(missing) + "."
        )
    end_session = environ.get("BWMO_OIDC_END_SESSION_ENDPOINT", "").strip()
    return {
        "BWMO_OIDC_ENABLED": True,
        "BWMO_OIDC_ISSUER": issuer,
        "BWMO_OIDC_MAPPING": ClaimMapping(
            organisation_claim=environ.get("BWMO_OIDC_ORGANISATION_CLAIM", "bwmo_organisatie"),
            role_claim=environ.get("BWMO_OIDC_ROLE_CLAIM", "bwmo_rollen"),
            organisations=_pairs(environ, "BWMO_OIDC_ORGANISATIONS"),
            roles=_pairs(environ, "BWMO_OIDC_ROLES"),
        ),
        # The button on the login page: "Inloggen met …".
        "BWMO_OIDC_LOGIN_LABEL": environ.get("BWMO_OIDC_LOGIN_LABEL", "").strip(),
        "BWMO_OIDC_END_SESSION_ENDPOINT": end_session,
        "OIDC_RP_CLIENT_ID": environ["BWMO_OIDC_CLIENT_ID"].strip(),
        "OIDC_RP_CLIENT_SECRET": _secret(environ),
        "OIDC_OP_AUTHORIZATION_ENDPOINT": environ["BWMO_OIDC_AUTHORIZATION_ENDPOINT"].strip(),
        "OIDC_OP_TOKEN_ENDPOINT": environ["BWMO_OIDC_TOKEN_ENDPOINT"].strip(),
        "OIDC_OP_USER_ENDPOINT": environ["BWMO_OIDC_USERINFO_ENDPOINT"].strip(),
        "OIDC_OP_JWKS_ENDPOINT": environ["BWMO_OIDC_JWKS_ENDPOINT"].strip(),
        "OIDC_RP_SIGN_ALGO": environ.get("BWMO_OIDC_SIGN_ALGO", "RS256").strip(),
        "OIDC_RP_SCOPES": environ.get("BWMO_OIDC_SCOPES", "openid profile email").strip(),
        "OIDC_USE_PKCE": True,
        "OIDC_USE_NONCE": True,
        "OIDC_TIMEOUT": int(environ.get("BWMO_OIDC_TIMEOUT", 10)),
        # Kept only to end the session at the identity provider on logout (id_token_hint).
        "OIDC_STORE_ID_TOKEN": bool(end_session),
        "OIDC_AUTHENTICATION_CALLBACK_URL": "sso_callback",
        "LOGIN_REDIRECT_URL_FAILURE": "login",
        "AUTHENTICATION_BACKENDS": [MODEL_BACKEND, BACKEND],
    }
