"""Making, running and reproducing a forecast (the one writer of ``ForecastRun``).

A run is created with its inputs read and stored (:func:`forecast_run_create`, status
*pending*), then computed (:func:`forecast_run_execute`, *running* → *done* or *failed*), in
the request or in a background thread (:func:`forecast_run_start`). The computation reads
only what the run stores, so :func:`forecast_run_reproduce` gives the same numbers again.
"""

import logging
import threading
import time
from dataclasses import asdict
from datetime import date, datetime, timedelta
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import close_old_connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bwmo.finance.models import BudgetParameterSet
from bwmo.organisations.models import Region
from bwmo.rules import forecast

from .models import ForecastRun
from .selectors import (
    contract_ends,
    contracted_places_by_year,
    forecast_history,
    region_budget,
    region_members,
)

logger = logging.getLogger("bwmo.forecast")

MAX_YEARS = 15
MIN_RUNS, MAX_RUNS = 10, 10_000
BACKTEST_RUNS = 200
"""The backtest fits and simulates once per year of history: it uses at most this many runs."""
STALE_AFTER = timedelta(minutes=30)
"""A run still pending or running this long after it was started has lost its thread (the
server was restarted): it is marked failed, so that its page stops waiting."""


def _failed_message(error: BaseException | None = None) -> str:
    """The Dutch text a user sees for a failed run (no data of any client in it)."""
    if error is None:
        return _(
            "De berekening is afgebroken: de server is herstart of de berekening duurde "
            "langer dan %(minutes)d minuten. Start de prognose opnieuw."
        ) % {"minutes": int(STALE_AFTER.total_seconds() // 60)}
    return _(
        "De berekening is mislukt door een fout in het programma (%(kind)s). Start de "
        "prognose opnieuw; gaat het weer mis, meld dan het nummer van deze prognose bij de "
        "functioneel beheerder."
    ) % {"kind": type(error).__name__}


def _mark_failed(pk: int, message: str) -> bool:
    """Mark a run that is still pending or running as failed; ``True`` if it was."""
    with transaction.atomic():
        return bool(
            ForecastRun.objects.filter(
                pk=pk, status__in=[ForecastRun.Status.PENDING, ForecastRun.Status.RUNNING]
            ).update(status=ForecastRun.Status.FAILED, error=message, finished_at=timezone.now())
        )


def code_version() -> str:
    try:
        package = version("bwmo")
    except PackageNotFoundError:  # pragma: no cover - a source tree without metadata
        package = "onbekend"
    return f"bwmo {package}, prognosemodel {forecast.MODEL_VERSION}"


def _check(*, region: Region, cutoff: date, years: int, runs: int) -> list[str]:
    errors = []
    if cutoff.day != 1:
        errors.append(_("De peildatum %(day)s is geen eerste dag van een maand.") % {"day": cutoff})
    if not 1 <= years <= MAX_YEARS:
        errors.append(_("Jaren vooruit moet 1 tot en met %(max)d zijn.") % {"max": MAX_YEARS})
    if not MIN_RUNS <= runs <= MAX_RUNS:
        errors.append(
            _("Het aantal simulaties moet %(min)d tot en met %(max)d zijn.")
            % {"min": MIN_RUNS, "max": MAX_RUNS}
        )
    if not region_members(region):
        errors.append(_("De regio %(region)s heeft geen gemeenten.") % {"region": region.name})
    return errors


def forecast_run_create(
    *,
    region: Region,
    cutoff: date,
    years: int,
    runs: int,
    seed: int,
    scenario: forecast.Scenario = forecast.BASE,
    indexation_pct: float = 0.0,
    with_backtest: bool = False,
    parameter_set: BudgetParameterSet | None = None,
    created_by: Any = None,
) -> ForecastRun:
    """Read the region's history up to ``cutoff`` and store a pending run with it."""
    errors = _check(region=region, cutoff=cutoff, years=years, runs=runs)
    if errors:
        raise ValidationError(errors)
    history = forecast_history(region=region, cutoff=cutoff)
    first = forecast.first_forecast_year(cutoff)
    known = contracted_places_by_year(
        region=region,
        products=[state.code for state in history.states],
        years=list(range(first, first + years)),
    )
    ends = contract_ends(region=region, products=[state.code for state in history.states])

    def entry(code: str, year: int) -> list[Any]:
        # [product, year, places, contract end]: places None in a year that ends after the
        # contracts do (not known yet: extended or procured again, not zero).
        end = ends.get(code)
        if end is not None and end < date(year, 12, 31):
            return [code, year, None, end.isoformat()]
        return [code, year, known[(code, year)], end.isoformat() if end else None]

    places = [
        entry(state.code, year)
        for state in history.states
        for year in range(first, first + years)
        if (state.code, year) in known
    ]
    with transaction.atomic():
        return ForecastRun.objects.create(
            region=region,
            cutoff=cutoff,
            years=years,
            runs=runs,
            seed=seed,
            indexation_pct=indexation_pct,
            with_backtest=with_backtest,
            scenario=scenario.to_dict(),
            parameter_set=parameter_set,
            places=places,
            code_version=code_version(),
            inputs=history.to_bytes(),
            inputs_digest=history.digest(),
            created_by=created_by,
        )


def _scenario_of(run: ForecastRun) -> forecast.Scenario:
    data = dict(run.scenario or {})
    capacity = [
        {"product": c["product"], "places": c["places"], "from": c["from"]}
        for c in data.pop("capacity", [])
    ]
    products = [c["product"] for c in capacity]
    return forecast.parse_scenario({**data, "capacity": capacity}, products=products)


def _history_years(history: forecast.History) -> list[dict[str, Any]]:
    """Average clients in care and their cost per complete past year (all products), per
    municipality and for the region: the history drawn in front of the fan. The year of the
    cut-off follows, when the cut-off is not 1 January, as far as it is known (``partial``:
    the monthly counts from 1 January up to the cut-off, cost on a yearly basis), so that
    the history reaches the first forecast year without a gap."""
    rows = []
    for year in range(history.start.year, history.cutoff.year):
        if date(year, 1, 1) < history.start:
            continue
        clients, cost = forecast.actual_year(history, year)
        for code, c, k in zip(history.municipalities, clients, cost, strict=True):
            rows.append(
                {
                    "municipality": code,
                    "year": year,
                    "clients": round(float(c), 2),
                    "cost": round(float(k), 2),
                }
            )
        rows.append(
            {
                "municipality": None,
                "year": year,
                "clients": round(float(clients.sum()), 2),
                "cost": round(float(cost.sum()), 2),
            }
        )
    current = forecast.current_year(history)
    if current is not None:
        # The cut-off year so far: the line runs on to the first forecast year, marked as a
        # part of a year (``snapshots`` of its 12 monthly counts).
        year, snapshots, clients, cost = current
        base = {"year": year, "partial": True, "snapshots": snapshots}
        for code, c, k in zip(history.municipalities, clients, cost, strict=True):
            rows.append(
                {
                    **base,
                    "municipality": code,
                    "clients": round(float(c), 2),
                    "cost": round(float(k), 2),
                }
            )
        rows.append(
            {
                **base,
                "municipality": None,
                "clients": round(float(clients.sum()), 2),
                "cost": round(float(cost.sum()), 2),
            }
        )
    return rows


def forecast_compute(run: ForecastRun) -> dict[str, Any]:
    """The results of ``run`` from what it stores (the same numbers every time)."""
    history = forecast.History.from_bytes(bytes(run.inputs))
    scenario = _scenario_of(run)
    indexation = (
        scenario.indexation_pct if scenario.indexation_pct is not None else run.indexation_pct
    )
    # Stored as [product, year, places] (older runs) or [product, year, places | None, end].
    known = {
        (entry[0], int(entry[1])): None if entry[2] is None else int(entry[2])
        for entry in run.places
    }
    ends = {entry[0]: entry[3] for entry in run.places if len(entry) > 3 and entry[3]}
    fitted = forecast.fit(history)
    simulation = forecast.simulate(
        history,
        fitted,
        years=run.years,
        runs=run.runs,
        seed=run.seed,
        scenario=scenario,
        indexation_pct=indexation,
        places=lambda product, year: known.get((product, year)),
    )
    rows = forecast.summarize(simulation)
    budget_rows = []
    if run.parameter_set is not None:
        budget = region_budget(
            region=run.region,
            parameter_set=run.parameter_set,
            delay_years=scenario.ingroeipad_delay_years,
        )
        for row in rows:
            if row.product != "BW":
                continue
            amount = budget.get((row.municipality, row.year))
            budget_rows.append(
                {
                    "municipality": row.municipality,
                    "year": row.year,
                    "budget": None if amount is None else float(round(amount, 2)),
                    "cost_bw_p10": row.cost_p10,
                    "cost_bw_p50": row.cost_p50,
                    "cost_bw_p90": row.cost_p90,
                    "gap_p50": None if amount is None else round(float(amount) - row.cost_p50, 2),
                }
            )
    exposure = fitted.exposure.sum(axis=1)
    pooling = [
        {
            "municipality": code,
            "client_months": int(exposure[m]),
            "transition_weight": round(
                float(np.average(fitted.transition_weight[m], weights=fitted.exposure[m] + 1)), 4
            ),
            "inflow_weight": round(float(fitted.inflow_weight[m]), 4),
            "entry_weight": round(float(fitted.entry_weight[m]), 4),
        }
        for m, code in enumerate(history.municipalities)
    ]
    results: dict[str, Any] = {
        "forecast": [asdict(row) for row in rows],
        "budget": budget_rows,
        "pooling": pooling,
        "history": _history_years(history),
        "products": [
            {"code": s.code, "name": s.name, "kind": s.kind, "day_rate": s.day_rate}
            for s in history.states
        ],
        "not_placed": [
            {"year": year, "clients_p50": round(float(np.median(simulation.not_placed[:, y])), 2)}
            for y, year in enumerate(simulation.years)
        ],
        "capacity": [
            {**asdict(row), "contract_end": ends.get(row.product)}
            for row in forecast.capacity_rows(simulation)
        ],
        "indexation_pct": indexation,
    }
    if run.with_backtest:
        results["backtest"] = [
            asdict(row)
            for row in forecast.backtest(history, runs=min(run.runs, BACKTEST_RUNS), seed=run.seed)
        ]
    return results


def forecast_run_execute(*, run: ForecastRun) -> ForecastRun:
    """Compute a pending run and store its results (or the reason it failed)."""
    with transaction.atomic():
        claimed = ForecastRun.objects.filter(pk=run.pk, status=ForecastRun.Status.PENDING).update(
            status=ForecastRun.Status.RUNNING
        )
    if not claimed:
        run.refresh_from_db()
        return run
    started = time.perf_counter()
    try:
        results = forecast_compute(run)
    except Exception as error:  # stored for the user; the traceback goes to the log
        _mark_failed(run.pk, _failed_message(error))
        run.refresh_from_db()
        raise
    with transaction.atomic():
        ForecastRun.objects.filter(pk=run.pk).update(
            status=ForecastRun.Status.DONE,
            results=results,
            finished_at=timezone.now(),
            seconds=round(time.perf_counter() - started, 3),
        )
    run.refresh_from_db()
    return run


def forecast_run_start(*, run: ForecastRun) -> threading.Thread:
    """Compute the run in a background thread, so that a request never waits for it."""

    def work() -> None:
        crash: BaseException | None = None
        try:
            forecast_run_execute(run=run)
        except BaseException as error:
            # The traceback holds counts only, never a person.
            logger.exception("forecast run %s failed", run.pk)
            crash = error
        finally:
            # Whatever stopped the thread, the run does not stay pending or running: its
            # page would wait for ever. (A run this thread did not claim is left alone.)
            try:
                if crash is not None:
                    _mark_failed(run.pk, _failed_message(crash))
            finally:
                close_old_connections()

    thread = threading.Thread(target=work, name=f"forecast-{run.pk}", daemon=True)
    thread.start()
    return thread


def forecast_run_expire(*, run: ForecastRun, now: datetime | None = None) -> ForecastRun:
    """Mark the run failed if it is still pending or running :data:`STALE_AFTER` after it
    was started (its thread is gone); returns the run as it is now."""
    now = now or timezone.now()
    if run.status in (ForecastRun.Status.PENDING, ForecastRun.Status.RUNNING) and (
        now - run.created_at >= STALE_AFTER
    ):
        if _mark_failed(run.pk, _failed_message()):
            logger.warning("forecast run %s expired without finishing", run.pk)
        run.refresh_from_db()
    return run


def forecast_run_reproduce(*, run: ForecastRun) -> dict[str, Any]:
    """The run's results computed again from its stored inputs (not stored)."""
    return forecast_compute(run)
