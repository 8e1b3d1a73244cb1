"""``check --deploy`` warns about settings that switch two-factor login off."""

from django.core.checks import run_checks
from django.test import override_settings


def deploy_errors() -> list[str]:
    return [
        m.id for m in run_checks(include_deployment_checks=True) if m.id.startswith("bwmo.accounts")
    ]


def test_deploy_check_warns_when_two_factor_is_switched_off():
    with override_settings(BWMO_TWO_FACTOR_ENFORCED=False):
        assert deploy_errors() == ["bwmo.accounts.W001"]
    with override_settings(BWMO_TWO_FACTOR_ENFORCED=True):
        assert deploy_errors() == []


def test_deploy_check_warns_when_single_sign_on_is_not_https():
    https = {
        "BWMO_OIDC_ENABLED": True,
        "BWMO_OIDC_ISSUER": "https://login.example/oidc",
        "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://login.example/oidc/authorize",
        "OIDC_OP_TOKEN_ENDPOINT": "https://login.example/oidc/token",
        "OIDC_OP_USER_ENDPOINT": "https://login.example/oidc/userinfo",
        "OIDC_OP_JWKS_ENDPOINT": "https://login.example/oidc/jwks",
        "BWMO_OIDC_END_SESSION_ENDPOINT": "",
    }
    with override_settings(BWMO_TWO_FACTOR_ENFORCED=True, **https):
        assert deploy_errors() == []
    plain = {**https, "OIDC_OP_JWKS_ENDPOINT": "http://login.example/oidc/jwks"}
    with override_settings(BWMO_TWO_FACTOR_ENFORCED=True, **plain):
        assert deploy_errors() == ["bwmo.accounts.W002"]
    with override_settings(BWMO_TWO_FACTOR_ENFORCED=True, **{**plain, "BWMO_OIDC_ENABLED": False}):
        assert deploy_errors() == []
