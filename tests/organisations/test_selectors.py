"""A region named on the command line: by its name or its centrumgemeente's code, and an
unknown one refused as bad input with the regions there are."""

import pytest
from django.core.management.base import CommandError

from bwmo.organisations.commands import region_argument
from bwmo.organisations.models import Region
from bwmo.organisations.selectors import region_by_name_or_code, regions_known

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "value", ["Centrumregio Assen", "GM0106", "gm0106", "  GM0106 ", " Centrumregio Assen"]
)
def test_a_region_is_found_by_its_name_or_its_centrumgemeente(value):
    assert region_by_name_or_code(value=value) == Region.objects.get(centrumgemeente="GM0106")


@pytest.mark.parametrize(
    "value", ["", "GM1730", "Assen", "centrumregio assen", "GM01066", "GM0106%", "%"]
)
def test_a_member_municipality_a_part_or_a_pattern_is_not_a_region(value):
    # Tynaarlo (GM1730) is a member of the region, not its centrumgemeente.
    assert region_by_name_or_code(value=value) is None


def test_the_known_regions_are_listed_by_code():
    listed = regions_known()
    assert "GM0106 (Centrumregio Assen)" in listed
    codes = [part.split(" ")[0] for part in listed.split(", ")]
    assert codes == sorted(codes) and "GM0114" in codes


def test_no_regions_are_listed_as_none():
    from bwmo.woonplaats.models import RuleSetVersion

    RuleSetVersion.objects.all().delete()
    Region.objects.all().delete()
    assert regions_known() == "none"


def test_region_argument_returns_the_region():
    assert region_argument("GM0114").centrumgemeente_id == "GM0114"


def test_an_unknown_region_is_bad_input_with_the_regions_there_are():
    with pytest.raises(CommandError) as caught:
        region_argument("GM9999")
    assert caught.value.returncode == 2
    message = str(caught.value)
    assert "unknown region 'GM9999'" in message
    assert "GM0106 (Centrumregio Assen)" in message
