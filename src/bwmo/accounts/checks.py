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
