"""The forecast as a document (JSON) and as a workbook, for the command line and the screens.

Audience ``internal`` (the command line, and a municipality's own staff) shows every figure.
Audience ``external`` (readers outside the municipality) shows a forecast or history row
with a client figure below the disclosure threshold (``rules.suppression.THRESHOLD``) as
``"×"`` in all its client and cost figures, since the band and cost ÷ day rate would give
the count back. The history's region row is the sum of its municipalities' rows: each year's
rows are suppressed together (``_suppress_history``). Budget rows are amounts of money, not
counts, and are shown.
"""

from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from bwmo.rules.suppression import MARK, THRESHOLD
from bwmo.ui.excel import About, workbook_bytes

from .models import ForecastRun
from .selectors import municipality_names

AUDIENCES = ("internal", "external")
SMALL = MARK
"""A hidden figure: a small one, or one hidden with it (the same mark as the monitor's)."""


def _suppress(row: dict[str, Any], client_keys: list[str], cost_keys: list[str]) -> dict[str, Any]:
    """A row with any client figure of 1–4 hides all its client and cost figures: the band
    around a small P50 and the cost (÷ the day rate) would give the count back."""
    small = any(
        isinstance(row.get(k), (int, float)) and 0 < row[k] < THRESHOLD for k in client_keys
    )
    if not small:
        return row
    return {**row, **dict.fromkeys([*client_keys, *cost_keys], SMALL)}


def _small(value: Any) -> bool:
    return isinstance(value, (int, float)) and 0 < value < THRESHOLD


def _suppress_history(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The history rows of every municipality and the region (``municipality`` None), each
    year's rows suppressed together: the region's clients and cost are the sum of its
    municipalities', so one hidden municipality would be the region minus the others. Where
    a year hides exactly one municipality and shows the region, the municipality with the
    fewest clients (not 0) is hidden too, else the region; hidden rows hide clients and cost.
    Decided on all rows at once, so a document of one municipality hides the same rows."""
    years: dict[int, list[dict[str, Any]]] = {}
    for row in history:
        years.setdefault(row["year"], []).append(row)
    hidden: set[tuple[str | None, int]] = set()
    for year, rows in years.items():
        small = {row["municipality"] for row in rows if _small(row.get("clients"))}
        parts = [row for row in rows if row["municipality"] is not None]
        has_region = any(row["municipality"] is None for row in rows)
        alone = sum(1 for row in parts if row["municipality"] in small) == 1
        if has_region and None not in small and alone:
            others = [
                row
                for row in parts
                if row["municipality"] not in small
                and isinstance(row.get("clients"), (int, float))
                and row["clients"] > 0
            ]
            if others:
                pick = min(others, key=lambda r: (r["clients"], r["municipality"]))
                small.add(pick["municipality"])
            else:
                small.add(None)
        hidden |= {(code, year) for code in small}
    return [
        {**row, "clients": SMALL, "cost": SMALL}
        if (row["municipality"], row["year"]) in hidden
        else row
        for row in history
    ]


def shortages(capacity: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per product the first year whose P50 demand exceeds the places by half a place or
    more (the region's rows of ``capacity``); products in the order of the rows."""
    found: dict[str, dict[str, Any]] = {}
    for row in sorted(capacity, key=lambda r: r["year"]):
        short = row.get("short_p50")
        if row["product"] in found or not isinstance(short, (int, float)) or short < 0.5:
            continue
        found[row["product"]] = row
    order = list(dict.fromkeys(row["product"] for row in capacity))
    return [found[code] for code in order if code in found]


def forecast_document(
    run: ForecastRun, *, municipality: str | None = None, audience: str = "internal"
) -> dict[str, Any]:
    """The run's inputs, forecast rows (optionally of one municipality) and backtest."""
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {AUDIENCES}")
    results = run.results or {}

    def keep(row: dict[str, Any]) -> bool:
        return municipality is None or row["municipality"] == municipality

    clients = ["clients_p10", "clients_p50", "clients_p90"]
    costs = ["cost_p10", "cost_p50", "cost_p90"]
    rows = [row for row in results.get("forecast", []) if keep(row)]
    history = list(results.get("history", []))
    if audience == "external":
        history = _suppress_history(history)
    history = [row for row in history if keep(row)]
    budget = [row for row in results.get("budget", []) if keep(row)]
    capacity = list(results.get("capacity", []))
    if audience == "external":
        rows = [_suppress(row, clients, costs) for row in rows]
        capacity = [
            _suppress(row, ["demand_p50", "demand_p90"], ["short_p50", "short_p90"])
            for row in capacity
        ]
        # Cost against budget: the budget is public, so its gap with the cost gives the cost
        # back, and the cost the count. Where the BW clients of that municipality and year
        # are hidden, the cost and the gap are hidden with them.
        hidden = {
            (row["municipality"], row["year"])
            for row in rows
            if row.get("product") == "BW" and row.get("clients_p50") == SMALL
        }
        budget_costs = ["cost_bw_p10", "cost_bw_p50", "cost_bw_p90", "gap_p50"]
        budget = [
            {**row, **dict.fromkeys(budget_costs, SMALL)}
            if (row["municipality"], row["year"]) in hidden
            else row
            for row in budget
        ]
    document: dict[str, Any] = {
        "inputs": {
            "run": run.pk,
            "region": run.region.name,
            "region_code": run.region.centrumgemeente_id,
            "municipality": municipality,
            "cutoff": run.cutoff.isoformat(),
            "years": run.years,
            "runs": run.runs,
            "seed": run.seed,
            "indexation_pct": results.get("indexation_pct", run.indexation_pct),
            "scenario": run.scenario,
            "budget_parameters": run.parameter_set.name if run.parameter_set else None,
            "places": run.places,
            "code_version": run.code_version,
            "inputs_digest": run.inputs_digest,
            "audience": audience,
        },
        "products": results.get("products", []),
        "forecast": rows,
        "history": history,
        "budget": budget,
        "pooling": [row for row in results.get("pooling", []) if keep(row)],
        "not_placed": results.get("not_placed", []),
        "capacity": capacity,
        "shortages": shortages(capacity),
    }
    if "backtest" in results:
        document["backtest"] = results["backtest"]
    return document


def forecast_workbook(document: dict[str, Any], *, made_by: str, organisation: str = "") -> bytes:
    """The document as an Excel workbook (the one writer, with the about sheet)."""
    inputs = document["inputs"]
    products = {p["code"]: p["name"] for p in document["products"]}
    codes = {row["municipality"] for row in document["forecast"] if row["municipality"]}
    names = municipality_names(codes=sorted(codes))

    def municipality(code: str | None) -> str:
        if code is None:
            return _("hele regio")
        return f"{names.get(code, code)} ({code})"

    def product(code: str | None) -> str:
        if code is None:
            return _("alle producten")
        if code in ("BW", "MO"):
            return _("Beschermd wonen (alle vormen)") if code == "BW" else _("Opvang (alle vormen)")
        return f"{products.get(code, code)} ({code})"

    sheets = [
        (
            _("Prognose"),
            [
                _("Gemeente"),
                _("Jaar"),
                _("Product"),
                _("Cliënten P10"),
                _("Cliënten P50"),
                _("Cliënten P90"),
                _("Kosten P10"),
                _("Kosten P50"),
                _("Kosten P90"),
            ],
            [
                [
                    municipality(r["municipality"]),
                    r["year"],
                    product(r["product"]),
                    r["clients_p10"],
                    r["clients_p50"],
                    r["clients_p90"],
                    r["cost_p10"],
                    r["cost_p50"],
                    r["cost_p90"],
                ]
                for r in document["forecast"]
            ],
            {6, 7, 8},
        ),
        (
            _("Kosten tegen budget"),
            [
                _("Gemeente"),
                _("Jaar"),
                _("Budget BW"),
                _("Kosten BW P10"),
                _("Kosten BW P50"),
                _("Kosten BW P90"),
                _("Budget min kosten P50"),
            ],
            [
                [
                    municipality(r["municipality"]),
                    r["year"],
                    r["budget"] if r["budget"] is not None else "—",
                    r["cost_bw_p10"],
                    r["cost_bw_p50"],
                    r["cost_bw_p90"],
                    r["gap_p50"] if r["gap_p50"] is not None else "—",
                ]
                for r in document["budget"]
            ],
            {2, 3, 4, 5, 6},
        ),
    ]
    if document.get("capacity"):

        def figure(value: Any) -> Any:
            return "—" if value is None else value

        def places(row: dict[str, Any]) -> Any:
            if row["places"] is None and row.get("contract_end"):
                end = date.fromisoformat(row["contract_end"])
                return _("onbekend na einde contract (%(end)s)") % {
                    "end": f"{end.day}-{end.month}-{end.year}"
                }
            return figure(row["places"])

        sheets.append(
            (
                _("Capaciteit tegen vraag"),
                [
                    _("Product"),
                    _("Jaar"),
                    _("Plaatsen"),
                    _("Vraag P50"),
                    _("Vraag P90"),
                    _("Tekort P50"),
                    _("Tekort P90"),
                ],
                [
                    [
                        product(r["product"]),
                        r["year"],
                        places(r),
                        r["demand_p50"],
                        r["demand_p90"],
                        figure(r["short_p50"]),
                        figure(r["short_p90"]),
                    ]
                    for r in document["capacity"]
                ],
                set(),
            )
        )
    if "backtest" in document:
        sheets.append(
            (
                _("Backtest"),
                [
                    _("Jaren vooruit"),
                    _("Vergelijkingen"),
                    _("Gem. afwijking cliënten (MAPE)"),
                    _("Aandeel binnen P10–P90, cliënten"),
                    _("Gem. afwijking kosten (MAPE)"),
                    _("Aandeel binnen P10–P90, kosten"),
                ],
                [
                    [
                        r["horizon"],
                        r["n"],
                        r["mape_clients"],
                        r["coverage_clients"],
                        r["mape_cost"],
                        r["coverage_cost"],
                    ]
                    for r in document["backtest"]
                ],
                set(),
            )
        )
    scenario = inputs["scenario"] or {}
    about = About(
        title=_("Prognose cliënten en kosten beschermd wonen en opvang"),
        period=", ".join(str(y) for y in sorted({r["year"] for r in document["forecast"]})),
        filters=[
            (_("Regio"), inputs["region"]),
            (_("Gemeente"), municipality(inputs["municipality"])),
            (_("Scenario"), scenario.get("name", "basis")),
        ],
        audience=_("Intern: controllers en beleid van de gemeenten in de regio")
        if inputs["audience"] == "internal"
        else _("Buiten de gemeente: kleine aantallen afgeschermd"),
        made_by=made_by,
        organisation=organisation,
        made_at=timezone.localtime(),
        notes=[
            (_("Gegevens tot"), inputs["cutoff"]),
            (_("Simulaties"), inputs["runs"]),
            (_("Startwaarde toeval (seed)"), inputs["seed"]),
            (_("Tariefindexatie per jaar (%)"), inputs["indexation_pct"]),
            (_("Versie rekenregels"), inputs["code_version"]),
            (_("Cliënten"), _("gemiddeld aantal in zorg in het jaar")),
            (_("Kosten"), _("in euro's: zorgdagen × tarief")),
        ],
    )
    return workbook_bytes(sheets, about=about)
