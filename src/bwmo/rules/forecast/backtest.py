"""How good the forecast was: fit on the history up to year Y, forecast Y+1 and Y+2.

For every year Y with at least two years of history before its end and with the forecast
years fully observed, the model is fitted on the snapshots up to 1 January Y+1 and run for
``horizon`` years. Each municipality's forecast of all products together is compared with
what happened, for clients (average in care in the year, from the monthly snapshots) and
cost (the same care days at the same day rates, without indexation: the backtest measures
the volume, since tariffs are known in advance):

* **MAPE** of the P50: the mean of |P50 − actual| / actual over the municipality-years
  with an actual above 0;
* **coverage** of the P10–P90 band: the share (0..1) of actuals inside it; a calibrated
  band holds about 0.8.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

import numpy as np

from bwmo.rules.forecast.fit import fit
from bwmo.rules.forecast.history import History
from bwmo.rules.forecast.simulate import simulate

__all__ = ["BacktestRow", "actual_year", "backtest", "current_year"]

MIN_FIT_MONTHS = 24


@dataclass(frozen=True)
class BacktestRow:
    horizon: int
    """Years ahead: 1 is the first forecast year."""
    n: int
    """Municipality-years compared."""
    mape_clients: float | None
    coverage_clients: float | None
    mape_cost: float | None
    coverage_cost: float | None


def actual_year(history: History, year: int) -> tuple[np.ndarray, np.ndarray]:
    """Per municipality: the average clients in care in ``year`` and their cost (all products)."""
    t0 = history.snapshot(date(year, 1, 1))
    by_state = history.stock[:, t0 : t0 + 12].sum(axis=(1, 3)) / 12  # m, s
    days = 366.0 if calendar.isleap(year) else 365.0
    rates = np.array([state.day_rate for state in history.states])
    return by_state.sum(axis=1), (by_state * rates * days).sum(axis=1)


def current_year(history: History) -> tuple[int, int, np.ndarray, np.ndarray] | None:
    """The year the cut-off falls in, as far as it is known at the cut-off: ``(year,
    snapshots, clients, cost)`` per municipality, from the snapshots of 1 January up to and
    including the cut-off. Clients are their average in care over those snapshots; cost is
    that average at the day rates over the whole year (on a yearly basis, as
    :func:`actual_year` counts a full year). ``None`` when the cut-off is 1 January (the
    forecast starts that year) or the history does not reach back to 1 January of it."""
    cutoff = history.cutoff
    if (cutoff.month, cutoff.day) == (1, 1) or history.start > date(cutoff.year, 1, 1):
        return None
    t0 = history.snapshot(date(cutoff.year, 1, 1))
    snapshots = history.months + 1 - t0
    by_state = history.stock[:, t0:].sum(axis=(1, 3)) / snapshots  # m, s
    days = 366.0 if calendar.isleap(cutoff.year) else 365.0
    rates = np.array([state.day_rate for state in history.states])
    return cutoff.year, snapshots, by_state.sum(axis=1), (by_state * rates * days).sum(axis=1)


def backtest(history: History, *, runs: int, seed: int, horizon: int = 2) -> list[BacktestRow]:
    """The backtest table, one row per horizon (see the module's text)."""
    errors: dict[int, dict[str, list[float]]] = {
        h: {"clients": [], "cost": [], "in_clients": [], "in_cost": []}
        for h in range(1, horizon + 1)
    }
    last_complete = history.cutoff.year - 1  # a year is observed once 1 January after it is
    for year in range(history.start.year, last_complete):
        cutoff = date(year + 1, 1, 1)
        try:
            t = history.snapshot(cutoff)
        except ValueError:
            continue
        if t < MIN_FIT_MONTHS:
            continue
        years = min(horizon, last_complete - year)
        if years < 1:
            continue
        past = history.truncated(cutoff)
        simulation = simulate(past, fit(past), years=years, runs=runs, seed=seed + year)
        clients = simulation.clients.sum(axis=-1)  # run, m, y
        cost = simulation.cost.sum(axis=-1)
        for h in range(1, years + 1):
            actual_clients, actual_cost = actual_year(history, year + h)
            for name, simulated, actual in (
                ("clients", clients[:, :, h - 1], actual_clients),
                ("cost", cost[:, :, h - 1], actual_cost),
            ):
                p10, p50, p90 = np.percentile(simulated, (10, 50, 90), axis=0)
                for m in range(len(actual)):
                    if actual[m] <= 0:
                        continue
                    errors[h][name].append(abs(float(p50[m]) - actual[m]) / actual[m])
                    errors[h][f"in_{name}"].append(float(p10[m] <= actual[m] <= p90[m]))
    rows = []
    for h, found in errors.items():
        rows.append(
            BacktestRow(
                horizon=h,
                n=len(found["clients"]),
                mape_clients=_mean(found["clients"]),
                coverage_clients=_mean(found["in_clients"]),
                mape_cost=_mean(found["cost"]),
                coverage_cost=_mean(found["in_cost"]),
            )
        )
    return rows


def _mean(values: list[float]) -> float | None:
    return round(float(sum(values)) / len(values), 4) if values else None
