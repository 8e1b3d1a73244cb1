"""The forecast document for an audience outside the municipality: a hidden count hides the
cost that would give it back, also through the gap with the (public) budget."""

from datetime import date
from types import SimpleNamespace

from bwmo.forecast.documents import SMALL, forecast_document


def _run(results):
    return SimpleNamespace(
        pk=1,
        region=SimpleNamespace(name="Centrumregio Assen", centrumgemeente_id="GM0106"),
        cutoff=date(2026, 12, 1),
        years=2,
        runs=100,
        seed=0,
        indexation_pct=2.0,
        scenario={},
        parameter_set=None,
        places={},
        code_version="test",
        inputs_digest="x",
        results=results,
    )


def _forecast(municipality, clients):
    return {
        "municipality": municipality,
        "year": 2027,
        "product": "BW",
        "clients_p10": clients - 1,
        "clients_p50": clients,
        "clients_p90": clients + 1,
        "cost_p10": clients * 50_000.0,
        "cost_p50": clients * 60_000.0,
        "cost_p90": clients * 70_000.0,
    }


def _budget(municipality, clients):
    return {
        "municipality": municipality,
        "year": 2027,
        "budget": 1_000_000.0,
        "cost_bw_p10": clients * 50_000.0,
        "cost_bw_p50": clients * 60_000.0,
        "cost_bw_p90": clients * 70_000.0,
        "gap_p50": 1_000_000.0 - clients * 60_000.0,
    }


def test_a_hidden_count_hides_its_cost_and_its_gap_with_the_budget():
    results = {
        "forecast": [_forecast("GM1680", 3), _forecast("GM0106", 40)],
        "budget": [_budget("GM1680", 3), _budget("GM0106", 40)],
    }
    external = forecast_document(_run(results), audience="external")
    small, large = external["budget"]
    assert small["budget"] == 1_000_000.0  # the budget itself is public
    assert [small[k] for k in ("cost_bw_p10", "cost_bw_p50", "cost_bw_p90", "gap_p50")] == [
        SMALL
    ] * 4
    assert large["gap_p50"] == 1_000_000.0 - 40 * 60_000.0

    internal = forecast_document(_run(results), audience="internal")
    assert internal["budget"][0]["gap_p50"] == 1_000_000.0 - 3 * 60_000.0
