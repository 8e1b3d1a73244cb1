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
