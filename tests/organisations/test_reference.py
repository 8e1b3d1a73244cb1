"""The shipped reference data: every municipality of CBS 2026, the two Drenthe regions with
their dated membership, and the dated reads over them."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from bwmo.organisations.models import Mandate, Municipality, Region, RegionMembership
from bwmo.organisations.reference import read_drenthe_regions, read_municipalities

pytestmark = pytest.mark.django_db


def test_every_cbs_municipality_and_both_drenthe_regions_are_loaded():
    assert Municipality.objects.count() == len(read_municipalities()) > 300
    rows = read_drenthe_regions()
    assert set(Region.objects.values_list("centrumgemeente_id", flat=True)) >= {"GM0106", "GM0114"}
    for row in rows:
        region = Region.objects.get(name=row["bw_region"])
        assert region.centrumgemeente_id == row["centrumgemeente"]
        assert RegionMembership.objects.filter(region=region, municipality=row["code"]).exists()
    assert RegionMembership.objects.filter(
        region__name__in={r["bw_region"] for r in rows}
    ).count() == len(rows)
    assert Municipality.objects.get(code="GM0106").iwmo_code == "0106"


def test_a_municipality_that_moves_region_belongs_to_each_on_its_own_days():
    assen = Region.objects.get(centrumgemeente="GM0106")
    emmen = Region.objects.get(centrumgemeente="GM0114")
    tynaarlo = Municipality.objects.get(code="GM1730")
    RegionMembership.objects.filter(region=assen, municipality=tynaarlo).update(
        valid_to=date(2025, 12, 31)
    )
    RegionMembership.objects.create(
        region=emmen, municipality=tynaarlo, valid_from=date(2026, 1, 1)
    )

    def region_on(day):
        return set(
            RegionMembership.objects.valid_on(day)
            .filter(municipality=tynaarlo)
            .values_list("region__centrumgemeente_id", flat=True)
        )

    assert region_on(date(2025, 12, 31)) == {"GM0106"}  # the last day is included
    assert region_on(date(2026, 1, 1)) == {"GM0114"}
    assert region_on(date(2014, 12, 31)) == set()  # before the regions began


def test_a_membership_ending_before_it_begins_is_refused():
    membership = RegionMembership(
        region=Region.objects.get(centrumgemeente="GM0106"),
        municipality=Municipality.objects.get(code="GM0014"),
        valid_from=date(2026, 1, 1),
        valid_to=date(2025, 1, 1),
    )
    with pytest.raises(ValidationError) as caught:
        membership.full_clean()
    assert "valid_to" in caught.value.message_dict


def test_one_membership_per_region_municipality_and_start():
    existing = RegionMembership.objects.filter(region__centrumgemeente="GM0106").first()
    with pytest.raises(IntegrityError), transaction.atomic():
        RegionMembership.objects.create(
            region=existing.region,
            municipality=existing.municipality,
            valid_from=existing.valid_from,
        )


def test_a_mandate_is_in_force_from_its_first_to_its_last_day(region_setup):
    mandate = Mandate.objects.get(grantor=region_setup.tynaarlo, product_kind="BW")
    mandate.valid_from, mandate.valid_to = date(2024, 1, 1), date(2024, 12, 31)
    mandate.save()
    in_force = Mandate.objects.filter(pk=mandate.pk)
    assert not in_force.valid_on(date(2023, 12, 31)).exists()
    assert in_force.valid_on(date(2024, 1, 1)).exists()
    assert in_force.valid_on(date(2024, 12, 31)).exists()
    assert not in_force.valid_on(date(2025, 1, 1)).exists()
    mandate.valid_to = date(2023, 1, 1)
    with pytest.raises(ValidationError):
        mandate.full_clean()
