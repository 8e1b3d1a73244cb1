"""The forecast reads the region's contracted places, and sets its demand against them.

The places are a hand-made example (the same arithmetic as ``tests/care/test_capacity.py``)."""

from datetime import date

import pytest

from bwmo.care import services
from bwmo.care.models import Contract
from bwmo.forecast.documents import forecast_document, shortages
from bwmo.forecast.selectors import contracted_places, contracted_places_by_year
from bwmo.forecast.services import forecast_run_create, forecast_run_execute

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(region_setup):
    """BW001: 10 places in Assen from 2025, 12 from 1 July 2025, and 5 in Tynaarlo in 2026;
    BW004: 4 places in Tynaarlo in the first half of 2026 only; MO001: nothing recorded."""
    contract = Contract.objects.get(reference="T-1")
    bw, bw4 = region_setup.products["BW001"], region_setup.products["BW004"]
    contract.products.set([bw, bw4])
    assen = services.provider_location_add(
        provider=region_setup.provider, municipality=region_setup.assen
    )
    tynaarlo = services.provider_location_add(
        provider=region_setup.provider, municipality=region_setup.tynaarlo, name="De Linde"
    )
    for location, product, n, start, end in (
        (assen, bw, 10, date(2025, 1, 1), None),
        (assen, bw, 12, date(2025, 7, 1), None),
        (tynaarlo, bw, 5, date(2026, 1, 1), date(2026, 12, 31)),
        (tynaarlo, bw4, 4, date(2026, 1, 1), date(2026, 6, 30)),
    ):
        services.contract_capacity_record(
            contract=contract,
            product=product,
            location=location,
            places=n,
            valid_from=start,
            valid_to=end,
        )
    return region_setup


def test_contracted_places_sum_providers_and_locations(places):
    region = places.region
    # 2025: (181×10 + 184×12) / 365 = 11.01 → 11; 2026: 12 + 5.
    assert contracted_places(region=region, product="BW001", year=2025) == 11
    assert contracted_places(region=region, product="BW001", year=2026) == 17
    assert contracted_places(region=region, product="BW001", year=2024) == 0
    # 181×4 / 365 = 1.98 → 2; recorded for the product, but none in 2027: 0, not unknown.
    assert contracted_places(region=region, product="BW004", year=2026) == 2
    assert contracted_places(region=region, product="BW004", year=2027) == 0
    assert contracted_places(region=region, product="MO001", year=2026) is None
    assert contracted_places_by_year(
        region=region, products=["BW001", "MO001"], years=[2025, 2026]
    ) == {("BW001", 2025): 11, ("BW001", 2026): 17}


def test_a_run_sets_demand_against_the_contracted_places(places):
    run = forecast_run_create(
        region=places.region, cutoff=date(2025, 1, 1), years=2, runs=20, seed=3
    )
    # [product, year, places, end]: the Assen places run until the contract ends (31
    # December 2028); the Tynaarlo places were ended themselves, not by the contract.
    assert ["BW001", 2025, 11, "2028-12-31"] in run.places
    assert ["BW001", 2026, 17, "2028-12-31"] in run.places
    assert ["BW004", 2026, 2, None] in run.places
    assert not any(entry[0] == "MO001" for entry in run.places)
    run = forecast_run_execute(run=run)
    document = forecast_document(run)
    rows = {(r["product"], r["year"]): r for r in document["capacity"]}
    assert rows[("BW001", 2025)]["places"] == 11 and rows[("BW001", 2026)]["places"] == 17
    assert rows[("BW004", 2025)]["places"] == 0
    assert rows[("MO001", 2025)]["places"] is None
    assert rows[("MO001", 2025)]["short_p50"] is None
    for row in document["capacity"]:
        assert row["demand_p50"] <= row["demand_p90"]
        if row["places"] is not None:
            assert row["short_p50"] == round(max(row["demand_p50"] - row["places"], 0), 2)


def test_the_first_year_short_per_product():
    capacity = [
        {"product": "BW001", "year": 2027, "short_p50": 0.0},
        {"product": "BW001", "year": 2028, "short_p50": 3.2},
        {"product": "BW001", "year": 2029, "short_p50": 6.0},
        {"product": "BW002", "year": 2027, "short_p50": 0.4},  # rounding, not a shortage
        {"product": "BW003", "year": 2027, "short_p50": None},  # places unknown
        {"product": "BW004", "year": 2028, "short_p50": "×"},  # suppressed
    ]
    assert [(r["product"], r["year"], r["short_p50"]) for r in shortages(capacity)] == [
        ("BW001", 2028, 3.2)
    ]


def test_places_after_the_contract_ends_are_unknown_and_cap_nothing(places):
    """Contract T-1 ends on 31 December 2028 without a decision on its extension: from 2029
    its places are not known (not 0), and the forecast is the demand in every year."""
    run = forecast_run_create(
        region=places.region, cutoff=date(2027, 1, 1), years=4, runs=20, seed=3
    )
    assert ["BW001", 2028, 12, "2028-12-31"] in run.places
    assert ["BW001", 2029, None, "2028-12-31"] in run.places
    assert ["BW004", 2029, 0, None] in run.places  # ended itself: known to be 0
    run = forecast_run_execute(run=run)
    document = forecast_document(run)
    rows = {(r["product"], r["year"]): r for r in document["capacity"]}
    assert rows[("BW001", 2028)]["places"] == 12
    after = rows[("BW001", 2029)]
    assert after["places"] is None and after["short_p50"] is None
    assert after["contract_end"] == "2028-12-31"
    assert rows[("BW004", 2029)]["places"] == 0 and rows[("BW004", 2029)]["contract_end"] is None
    assert all(row["clients_p50"] == 0 for row in document["not_placed"])
