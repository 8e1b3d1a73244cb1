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


def _history(year, clients: dict):
    rows = [
        {"municipality": code, "year": year, "clients": n, "cost": n * 60_000.0}
        for code, n in clients.items()
    ]
    total = round(sum(clients.values()), 2)
    rows.append({"municipality": None, "year": year, "clients": total, "cost": total * 60_000.0})
    return rows


def _recoverable(history) -> list:
    """Hidden rows that the year's region row minus the shown municipalities gives back."""
    found = []
    for year in {row["year"] for row in history}:
        rows = [row for row in history if row["year"] == year]
        region = next(row for row in rows if row["municipality"] is None)
        hidden = [row for row in rows if row["municipality"] and row["clients"] == SMALL]
        if region["clients"] != SMALL and len(hidden) == 1:
            found.append((year, hidden[0]["municipality"]))
    return found


def test_a_hidden_history_row_is_not_the_region_minus_the_others():
    history = _history(2024, {"GM0106": 40.5, "GM1680": 3.25, "GM1730": 12.0}) + _history(
        2025, {"GM0106": 41.0, "GM1680": 6.0, "GM1730": 2.5}
    )
    external = forecast_document(_run({"history": history}), audience="external")
    assert not _recoverable(external["history"])
    shown = {(row["municipality"], row["year"]): row["clients"] for row in external["history"]}
    assert shown[("GM1680", 2024)] == shown[("GM1730", 2025)] == SMALL
    # The smallest other municipality goes with it; the region's headline stays.
    assert shown[("GM1730", 2024)] == shown[("GM1680", 2025)] == SMALL
    assert shown[(None, 2024)] == 55.75 and shown[("GM0106", 2024)] == 40.5
    # A document of one municipality hides the same rows as the region's.
    one = forecast_document(_run({"history": history}), municipality="GM1730", audience="external")
    assert [row["clients"] for row in one["history"]] == [SMALL, SMALL]
    assert forecast_document(_run({"history": history}))["history"] == history  # internal
