"""The afschalen scenario changes a forecast on a history with step-downs, the way it should."""

import pytest
from django.utils import timezone

from bwmo.forecast.services import forecast_run_create, forecast_run_execute
from bwmo.organisations.models import Region
from bwmo.rules import forecast

from .stepdown import stepdown_history

pytestmark = pytest.mark.django_db


def _run(name: str, pct: float) -> dict:
    run = forecast_run_create(
        region=Region.objects.get(centrumgemeente_id="GM0106"),
        cutoff=forecast.month_start(timezone.localdate()),
        years=3,
        runs=200,
        seed=7,
        scenario=forecast.Scenario(name=name, afschalen_pct=pct),
    )
    return forecast_run_execute(run=run).results


def _region_rows(results: dict, product: str | None) -> dict[int, dict]:
    return {
        row["year"]: row
        for row in results["forecast"]
        if row["municipality"] is None and row["product"] == product
    }


def test_afschalen_faster_lowers_the_cost_and_the_intramural_clients(region_setup):
    stepdown_history(region_setup)
    base, faster = _run("basis", 0), _run("afschalen 20% sneller", 20)
    history = forecast.History.from_bytes(
        forecast_run_create(
            region=Region.objects.get(centrumgemeente_id="GM0106"),
            cutoff=forecast.month_start(timezone.localdate()),
            years=1,
            runs=10,
            seed=1,
        ).inputs
    )
    codes = [state.code for state in history.states]
    moves = history.transitions[..., codes.index("BW001"), :, codes.index("BW004")].sum()
    assert moves >= 5, "the history has step-downs from BW001 to BW004"
    base_all, faster_all = _region_rows(base, None), _region_rows(faster, None)
    base_heavy, faster_heavy = _region_rows(base, "BW001"), _region_rows(faster, "BW001")
    assert base_all.keys() == faster_all.keys() and len(base_all) == 3
    # The same seed: the only difference is the scenario. Every year the region costs less
    # and has fewer clients in the heavier product.
    for year in base_all:
        assert faster_all[year]["cost_p50"] < base_all[year]["cost_p50"], year
        assert faster_heavy[year]["clients_p50"] < base_heavy[year]["clients_p50"], year
    light_base, light_faster = _region_rows(base, "BW004"), _region_rows(faster, "BW004")
    assert sum(r["clients_p50"] for r in light_faster.values()) > sum(
        r["clients_p50"] for r in light_base.values()
    )
