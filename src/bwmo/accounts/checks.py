"""``check --deploy``: two-factor login is never switched off where it counts."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def two_factor_enforced_check(app_configs, **kwargs):
    if getattr(settings, "BWMO_TWO_FACTOR_ENFORCED", True):
        return []
    return [
        Warning(
            "Two-factor login is switched off (BWMO_TWO_FACTOR_ENFORCED = False): beheer and "
            "auditor accounts could log in with a password alone.",
            hint="Only the test settings switch it off; production always has it on.",
            id="bwmo.accounts.W001",
        )
    ]


OIDC_ENDPOINT_SETTINGS = (
    ("BWMO_OIDC_ISSUER", "BWMO_OIDC_ISSUER"),
    ("OIDC_OP_AUTHORIZATION_ENDPOINT", "BWMO_OIDC_AUTHORIZATION_ENDPOINT"),
    ("OIDC_OP_TOKEN_ENDPOINT", "BWMO_OIDC_TOKEN_ENDPOINT"),
    ("OIDC_OP_USER_ENDPOINT", "BWMO_OIDC_USERINFO_ENDPOINT"),
    ("OIDC_OP_JWKS_ENDPOINT", "BWMO_OIDC_JWKS_ENDPOINT"),
    ("BWMO_OIDC_END_SESSION_ENDPOINT", "BWMO_OIDC_END_SESSION_ENDPOINT"),
)


@register(Tags.security, deploy=True)
def oidc_https_check(app_configs, **kwargs):
    """Single sign-on talks to the identity provider over HTTPS only (codes, tokens)."""
    if not getattr(settings, "BWMO_OIDC_ENABLED", False):
        return []
    plain = [
        variable
        for name, variable in OIDC_ENDPOINT_SETTINGS
        if getattr(settings, name, "") and not getattr(settings, name).startswith("https://")
    ]
    if not plain:
        return []
    return [
        Warning(
            "Single sign-on is configured with addresses that are not HTTPS: "
            + ", ".join(plain)
            + ". Authorisation codes and tokens would travel unencrypted.",
            hint="Use the identity provider's https:// addresses (docs/operations.md).",
            id="bwmo.accounts.W002",
        )
    ]
