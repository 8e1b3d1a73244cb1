"""What every `bwmo` command that takes a region shares."""

from django.core.management.base import CommandError

from .models import Region
from .selectors import region_by_name_or_code, regions_known


def region_argument(value: str) -> Region:
    """The region named by ``--region``, its name or its centrumgemeente's code; an unknown
    one is bad input (exit code 2) with the regions there are."""
    region = region_by_name_or_code(value=value)
    if region is None:
        raise CommandError(
            f"unknown region {value!r}; known regions: {regions_known()}", returncode=2
        )
    return region
