"""The Monte Carlo forecast: clients and cost per municipality, product and year.

Each run draws

* the **rates**: per municipality and product a factor on the monthly probability of leaving
  the product, from the Beta posterior of the pooled estimate, times the region's
  year-to-year drift of that rate (``parameter_draws`` sets of rates, shared by the runs in
  turn; by default as many as :data:`PARAMETER_CELLS` allows: a set per run for a region,
  20 sets of 50 runs for 1,000 runs of 342 municipalities);
* the **inflow**: per municipality the level and trend from their estimated uncertainty,
  and per year one gamma factor shared by the region (the variance α μ² of a negative
  binomial, α the dispersion estimated from the history, summed over the months).

The chain is linear in its clients, so a run is built from two expected paths per set of
rates (:func:`_expected_paths`): that of the clients at the cut-off and that of one new
client. Given these:

* **the clients at the cut-off** are counted one by one: each draws how many months it
  stays in care (in any product), from the chance of its municipality's cohort to be in
  care at each snapshot; its months are shared over the products as the cohort's expected
  client-months are. A cohort's count never rises, and a client's time in care has the
  chain's distribution.
* **new clients** are a Poisson count per municipality, run and year of arrival (on the
  run's level, trend and gamma factor). Their client-months per year and product are the
  counts times the expected months of one arrival in that year (one matrix product), plus
  the chance of each client's month of arrival and time in care: a normal term with the
  exact variance given the counts (the counts' own Poisson spread is in the counts).

So the spread of the result holds the rates, the inflow and the chance of which client
leaves when, without drawing every cell of every month. *Approximations* (model 4): the
products of a run's clients are shared in expectation (the chance is drawn for all products
together); the time in care of the clients at the cut-off is drawn from their cohort's
curve, not from each one's own product and band; the chance of new clients' time in care is
normal (clipped at 0); a run's inflow trend is taken at the middle of each year.

The inflow's trend is damped (model 5): τ months after the cut-off it carries
``damped_months(τ)`` months of growth, not τ (:data:`~bwmo.rules.forecast.fit.TREND_HALF_LIFE`).

Cost is the care days (client-months × days of the year / 12) times the product's day rate
at the cut-off, indexed by ``(1 + indexation)`` per year after the cut-off's year.

**Capacity.** The forecast is the demand: the contracted places do not cap it (a contract
that ends without a decision on its extension leaves the places *not yet known*, not
zero: the region extends or procures again). ``places(product, year)`` (the contracted
places, or ``None``: unknown) is set against the demand in :func:`capacity_rows`. Only a
scenario's capacity change caps a product: from the contracted places (in a year they are
not known, the last known ones of the forecast, as if extended; without any, the clients at
the cut-off) plus the changes, averaged over the year from their date. The clients above
that cap go to the next lighter product of the same kind, or, if there is none, are counted
as not placed.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from bwmo.rules.dates import add_months
from bwmo.rules.forecast.fit import MAX_YEARLY_GROWTH, Fitted, damped_months
from bwmo.rules.forecast.history import BANDS, History, State
from bwmo.rules.forecast.scenario import BASE, Scenario

__all__ = [
    "MODEL_VERSION",
    "CapacityRow",
    "ForecastRow",
    "Simulation",
    "capacity_caps",
    "capacity_rows",
    "contracted_places",
    "first_forecast_year",
    "first_shortages",
    "no_places",
    "simulate",
    "summarize",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
PlacesLookup = Callable[[str, int], int | None]
"""Contracted places of a product (code) in a year, ``None`` when not known."""

PERCENTILES = (10, 50, 90)


def no_places(product: str, year: int) -> int | None:
    """The default capacity: not known for any product."""
    return None


def first_forecast_year(cutoff: date) -> int:
    """The first calendar year that starts on or after the cut-off."""
    return cutoff.year if (cutoff.month, cutoff.day) == (1, 1) else cutoff.year + 1


@dataclass(frozen=True)
class Simulation:
    municipalities: tuple[str, ...]
    states: tuple[State, ...]
    years: tuple[int, ...]
    clients: npt.NDArray[np.float32]
    """``[run, m, year, s]``: average clients in care in the year."""
    cost_per_client: npt.NDArray[np.float64]
    """``[year, s]``: euros a year per average client (days × day rate × indexation)."""
    not_placed: npt.NDArray[np.float32]
    """``[run, year]``: average clients the capacity had no place for."""
    demand: npt.NDArray[np.float32]
    """``[run, year, s]``: the region's average clients before the capacity is applied."""
    places: npt.NDArray[np.float64]
    """``[year, s]``: the places set against the demand: the cap where the scenario changes
    the product's places, else the contracted places; NaN where they are not known."""
    caps: npt.NDArray[np.float64] | None = None
    """``[year, s]``: the cap the scenario's capacity changes put on the clients; NaN where
    nothing caps them (``None``: nothing anywhere)."""

    @property
    def cost(self) -> npt.NDArray[np.float64]:
        """``[run, m, year, s]``: euros (computed on demand: clients × cost per client)."""
        return self.clients.astype(np.float64) * self.cost_per_client[None, None]


@dataclass(frozen=True)
class ForecastRow:
    municipality: str | None
    """CBS code; ``None`` for the whole region."""
    year: int
    product: str | None
    """Product code; ``None`` for all products, ``"BW"``/``"MO"`` for a domain."""
    clients_p10: float
    clients_p50: float
    clients_p90: float
    cost_p10: float
    cost_p50: float
    cost_p90: float


def _parameter_draws(runs: int, wanted: int) -> int:
    """The largest number of rate sets ≤ ``wanted`` that divides ``runs``."""
    for draws in range(min(runs, wanted), 0, -1):
        if runs % draws == 0:
            return draws
    return 1


def _expected_paths(
    *,
    start: FloatArray,
    entry: FloatArray,
    leave: FloatArray,
    moves: FloatArray,
    advance: FloatArray,
    months: int,
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Expected clients per product at every snapshot, for each rate set, of two cohorts:
    the clients at the cut-off (``start[m, s, b]``, snapshot 0 is the cut-off) and one new
    client (``entry[m, s]``, in band 0 at its first snapshot). Returns ``[m, d, t, s]`` for
    both; the chain is the same every month, so the response to a client arriving in month
    u is the second one shifted by u + 1 snapshots.

    ``leave[m, d, s, b]`` the monthly probability of leaving the product; ``moves[m, b·s, s']``
    where a client who leaves goes (another product, in band 0; the rest leaves care);
    ``advance[b]`` the chance that a client who stays reaches the next band. Bands come
    first in the arrays, so that moving up a band is a step between whole blocks."""
    n_m, n_d, n_s, n_b = leave.shape
    x = np.zeros((n_b, n_m, n_d, 2, n_s), dtype=np.float32)
    x[:, :, :, 0] = start.transpose(2, 0, 1)[:, :, None]
    x[0, :, :, 1] = entry[:, None]
    chance = leave.transpose(3, 0, 1, 2)[:, :, :, None].astype(np.float32)  # b, m, d, 1, s
    moves32 = moves.astype(np.float32)
    out = np.empty((n_m, n_d, 2, months, n_s), dtype=np.float32)
    leaving = np.empty_like(x)
    for t in range(months):
        np.sum(x, axis=0, out=out[:, :, :, t])
        if t == months - 1:
            break
        np.multiply(x, chance, out=leaving)
        x -= leaving
        for b in range(n_b - 2, -1, -1):  # up a band, from the top so no client moves twice
            up = x[b] * np.float32(advance[b])
            x[b] -= up
            x[b + 1] += up
        flat = leaving.transpose(1, 2, 3, 0, 4).reshape(n_m, n_d * 2, n_b * n_s)
        x[0] += np.matmul(flat, moves32).reshape(n_m, n_d, 2, n_s)
    return out[:, :, 0], out[:, :, 1]


TABLE = 4096
"""The chance of a client at the cut-off to stay in care is resolved in steps of 1/4096."""


CHUNK_RUNS = 100
"""Runs computed together (bounds the memory of a national run)."""
PARAMETER_CELLS = 8192
"""At most this many (municipality, set of rates) chains: a region's run draws its own
rates (for up to ~900 municipality-runs), a national run shares each set among a few runs."""


def _stock_months(
    rng: np.random.Generator,
    owner: npt.NDArray[np.int32],
    alive: FloatArray,
    run_sets: IntArray,
    in_year: npt.NDArray[np.float32],
) -> npt.NDArray[np.float32]:
    """Client-months per year ``[i, m, y]`` of the clients at the cut-off, counted one by
    one, for runs whose rate sets are ``run_sets[i]``. ``owner[c]`` is client c's
    municipality; ``alive[m, d, t]`` (non-increasing in t) the chance that a client of m is
    still in care at snapshot t under rate set d. Each client draws a number U uniformly
    from the TABLE midpoints of [0, 1] and is in care at the snapshots where ``alive > U``:
    so per run a cohort's count never rises and is 0 to its size, and each client's time
    in care has the chain's distribution. ``in_year[k, y]`` holds the snapshots of year y
    among 0 .. k − 1."""
    n_m, n_d, months = alive.shape
    runs = len(run_sets)
    lengths = in_year.shape[0]
    # above[row, t]: the numbers j with (j + ½) / TABLE < alive (non-increasing in t).
    above = np.clip(np.ceil(alive * TABLE - 0.5), 0, TABLE).astype(np.int64)
    above = above.reshape(n_m * n_d, months)
    drawn = rng.integers(0, TABLE, size=(runs, owner.size))
    row = owner[None].astype(np.int64) * n_d + run_sets[:, None]
    if runs * owner.size * 8 < above.shape[0] * TABLE:
        # Few clients: one search per client, #{t : above[row, t] > j}, in one sorted array
        # (row r's keys lie in [r·K, r·K + TABLE]).
        width = TABLE + 1
        keys = (np.arange(above.shape[0])[:, None] * width + (TABLE - above)).ravel()
        last = np.searchsorted(keys, row * width + (TABLE - drawn), side="left")
        last -= row * months
    else:
        # Many clients: a table of every row's answer for every j (a step function of j).
        edges = np.concatenate(
            [
                np.full((above.shape[0], 1), TABLE, dtype=np.int64),
                above,
                np.zeros((above.shape[0], 1), dtype=np.int64),
            ],
            axis=1,
        )
        steps = (edges[:, :-1] - edges[:, 1:])[:, ::-1]  # j's with last = months .. 0
        values = np.tile(np.arange(months, -1, -1), above.shape[0])
        table = np.repeat(values, steps.ravel())
        last = table.take(row * TABLE + drawn)
    cell = last + (np.arange(runs)[:, None] * n_m + owner[None]) * lengths
    ended = np.bincount(cell.ravel(), minlength=runs * n_m * lengths)
    by_year = ended.reshape(runs * n_m, lengths).astype(np.float32) @ in_year
    return by_year.reshape(runs, n_m, -1)


def _arrival_kernels(
    weight: FloatArray, lo: IntArray, hi: IntArray, starts: IntArray, months: int
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """``[m, g·y, τ]``: for a client of arrival group g (its month u drawn with the shares
    ``weight[m, u]``), the chance-free weight of being τ months after arrival at a snapshot
    of year y — Σ_u w_u 1{lo ≤ τ < hi} — and the same with the weight 2(τ − lo) + 1 that
    gives the second moment of its months in care in the year."""
    n_m, n_u = weight.shape
    n_y = lo.shape[1]
    n_g = len(starts)
    group = np.zeros(n_u, dtype=np.int64)
    group[starts[1:]] = 1
    group = np.cumsum(group)
    first = np.zeros((n_m, n_g, n_y, months + 1))
    second = np.zeros((n_m, n_g, n_y, months + 1))
    m_index = np.arange(n_m)[:, None, None]
    g_index = group[None, :, None]
    y_index = np.arange(n_y)[None, None, :]
    w = np.broadcast_to(weight[:, :, None], (n_m, n_u, n_y))
    np.add.at(first, (m_index, g_index, y_index, lo[None]), w)
    np.add.at(first, (m_index, g_index, y_index, hi[None]), -w)
    # 2(τ − lo) + 1 = (2τ + 1) − 2 lo: a window of ones times (2τ + 1), less 2 lo.
    np.add.at(second, (m_index, g_index, y_index, lo[None]), w * lo[None])
    np.add.at(second, (m_index, g_index, y_index, hi[None]), -w * lo[None])
    window = np.cumsum(first, axis=3)[..., :months]
    tau = np.arange(months)
    square = window * (2 * tau + 1) - 2 * np.cumsum(second, axis=3)[..., :months]
    return (
        window.reshape(n_m, n_g * n_y, months).astype(np.float32),
        square.reshape(n_m, n_g * n_y, months).astype(np.float32),
    )


def _clients(
    rng: np.random.Generator,
    *,
    start: IntArray,
    leave: FloatArray,
    moves: FloatArray,
    advance: FloatArray,
    entry: FloatArray,
    inflow_mean: FloatArray,
    level_shift: FloatArray,
    trend_shift: FloatArray,
    dispersion: float,
    first_snapshot: int,
    years: int,
) -> npt.NDArray[np.float32]:
    """Average clients in care per year ``[run, m, year, s]`` (see the module's text).

    ``start[m, s, b]`` the clients at the cut-off; ``leave[m, d, s, b]``, ``moves`` and
    ``advance`` the chain of rate set d (see :func:`_expected_paths`); ``entry[m, s]`` where
    new clients start; ``inflow_mean[m, τ]`` the expected new clients in month τ;
    ``level_shift[r, m]`` and ``trend_shift[r, m]`` a run's deviation of the inflow's log
    level and monthly trend; ``dispersion`` the negative-binomial α of the region's inflow.
    The forecast years are the snapshots from ``first_snapshot`` on, twelve a year."""
    n_m, n_d, n_s, _n_b = leave.shape
    runs = level_shift.shape[0]
    per_draw = runs // n_d
    months = inflow_mean.shape[1]
    stock_paths, new_paths = _expected_paths(
        start=start.astype(np.float64),
        entry=entry,
        leave=leave,
        moves=moves,
        advance=advance,
        months=months,
    )
    n = start.sum(axis=(1, 2))
    window = slice(first_snapshot, first_snapshot + 12 * years)
    a = first_snapshot + 12 * np.arange(years)

    # The clients at the cut-off: each one's time in care is drawn (all products together),
    # its products in expectation (the share of the cohort's client-months in each).
    expected_stock = stock_paths[:, :, window].reshape(n_m, n_d, years, 12, n_s).sum(axis=3)
    stock_total = expected_stock.sum(axis=3, keepdims=True)
    stock_share = np.divide(
        expected_stock, stock_total, out=np.zeros_like(expected_stock), where=stock_total > 0
    )  # m, d, y, s
    alive = stock_paths.sum(axis=3, dtype=np.float64) / np.maximum(n, 1)[:, None, None]
    alive = np.minimum.accumulate(np.clip(alive, 0.0, 1.0), axis=2)  # m, d, t
    owner = np.repeat(np.arange(n_m, dtype=np.int32), n)
    in_year = np.clip(np.arange(months + 1)[:, None] - a[None], 0, 12).astype(np.float32)

    # New clients by the year they are first in care (with a group before the first forecast
    # year, if any): a client arriving in month u is in care from snapshot u + 1.
    u = np.arange(months - 1)
    group = np.maximum(u + 1 - first_snapshot, -1) // 12
    group -= group[0]
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    n_g = len(starts)
    mean = inflow_mean[:, :-1]
    mass = np.add.reduceat(mean, starts, axis=1)  # m, g
    weight = np.divide(mean, mass[:, group], out=np.zeros_like(mean), where=mass[:, group] > 0)
    middle = np.add.reduceat(weight * u, starts, axis=1)  # m, g: the group's mean month
    # A run's count per group: Poisson on its mean (level and trend at the group's middle)
    # times one gamma factor per group shared by the region, with the variance of the mean
    # of the monthly factors (α Σ w², w the months' shares of the region's inflow).
    expected = mass * np.exp(
        level_shift[..., None] + trend_shift[..., None] * damped_months(middle)
    )
    if dispersion > 0:
        region = mean.sum(axis=0)
        share = region / np.maximum(np.add.reduceat(region, starts)[group], 1e-12)
        shape = 1 / (dispersion * np.maximum(np.add.reduceat(share**2, starts), 1e-12))
        expected = expected * rng.gamma(shape, 1 / shape, size=(runs, n_g))[:, None, :]
    arrived = rng.poisson(expected).astype(np.float32).transpose(1, 0, 2)  # m, r, g
    # Per arrival group and year: a new client's expected months in care in each product,
    # and the variance of its months in care (its month of arrival and time in care).
    lo = np.maximum(a[None] - u[:, None] - 1, 0)  # u, y: the snapshots of year y are the
    hi = np.maximum(a[None] + 12 - u[:, None] - 1, 0)  # months lo .. hi − 1 after arrival
    first_kernel, second_kernel = _arrival_kernels(weight, lo, hi, starts, months)
    response = np.ascontiguousarray(new_paths.transpose(0, 2, 1, 3)).reshape(n_m, months, -1)
    per_arrival = np.matmul(first_kernel, response).reshape(n_m, n_g, years, n_d, n_s)
    per_arrival = np.ascontiguousarray(per_arrival.transpose(0, 3, 1, 2, 4))  # m, d, g, y, s
    in_care = new_paths.sum(axis=3).transpose(0, 2, 1)  # m, τ, d
    moment = np.matmul(first_kernel, in_care).reshape(n_m, n_g, years, n_d)
    square = np.matmul(second_kernel, in_care).reshape(n_m, n_g, years, n_d)
    spread = np.maximum(square - moment**2, 0.0).transpose(0, 3, 1, 2)  # m, d, g, y
    spread = np.ascontiguousarray(spread, dtype=np.float32)

    out = np.empty((runs, n_m, years, n_s), dtype=np.float32)
    sets = max(1, CHUNK_RUNS // per_draw)  # rate sets per chunk of runs
    for first in range(0, n_d, sets):
        chosen = slice(first, min(n_d, first + sets))
        k = chosen.stop - first
        block = slice(first * per_draw, chosen.stop * per_draw)
        run_sets = np.repeat(np.arange(first, chosen.stop), per_draw)
        drawn = _stock_months(rng, owner, alive[:, chosen], run_sets - first, in_year)
        by_set = drawn.transpose(1, 0, 2).reshape(n_m, k, per_draw, years, 1)
        months_in_care = (by_set * stock_share[:, chosen, None]).reshape(
            n_m, k * per_draw, years, n_s
        )
        counts = arrived[:, block].reshape(n_m, k, per_draw, n_g)  # m, d, i, g
        mean_new = np.matmul(counts, per_arrival[:, chosen].reshape(n_m, k, n_g, -1))
        mean_new = mean_new.reshape(n_m, k * per_draw, years, n_s)
        variance = np.matmul(counts, spread[:, chosen]).reshape(n_m, k * per_draw, years)
        total_new = mean_new.sum(axis=3)
        noise = rng.standard_normal(total_new.shape, dtype=np.float32)
        drawn_new = np.maximum(total_new + np.sqrt(variance) * noise, 0.0)
        ratio = np.divide(drawn_new, total_new, out=np.zeros_like(total_new), where=total_new > 0)
        months_in_care += mean_new * ratio[..., None]  # m, i, y, s
        out[block] = months_in_care.transpose(1, 0, 2, 3) / 12
    return out


def simulate(
    history: History,
    fitted: Fitted,
    *,
    years: int,
    runs: int,
    seed: int,
    scenario: Scenario = BASE,
    indexation_pct: float = 0.0,
    places: PlacesLookup = no_places,
    parameter_draws: int | None = None,
    inflow: bool = True,
) -> Simulation:
    """Simulate ``runs`` futures of ``years`` calendar years from the history's cut-off."""
    if years < 1 or runs < 1:
        raise ValueError("years and runs are at least 1")
    rng = np.random.default_rng(seed)
    states = history.states
    n_m, n_s, n_b = len(history.municipalities), len(states), len(BANDS)
    cutoff = history.cutoff
    first = first_forecast_year(cutoff)
    year_list = tuple(range(first, first + years))
    end = date(first + years, 1, 1)
    months = (end.year - cutoff.year) * 12 + end.month - cutoff.month  # snapshots 0..months-1
    snapshot_year = np.array([add_months(cutoff, t).year for t in range(months)])
    wanted = parameter_draws if parameter_draws is not None else PARAMETER_CELLS // max(n_m, 1)
    draws = _parameter_draws(runs, max(wanted, 1))

    # Rates under the scenario, and a factor on leaving per rate set.
    p = scenario.apply_to_probabilities(fitted.probabilities, states)
    diag = np.arange(n_s)
    stay_base = p[:, diag, :, diag].transpose(1, 0, 2)  # m, s, b
    leave = 1 - stay_base
    mean_leave = fitted.leave_alpha / (fitted.leave_alpha + fitted.leave_beta)
    drawn = rng.beta(
        fitted.leave_alpha[:, None, :], fitted.leave_beta[:, None, :], size=(n_m, draws, n_s)
    )
    factor = drawn / mean_leave[:, None, :]
    # A set of rates also carries the year-to-year drift of the region's rate (lognormal).
    drift = fitted.leave_drift[None, None, :]
    factor = factor * np.exp(drift * rng.standard_normal((1, draws, n_s)) - drift**2 / 2)
    factor = np.minimum(factor, 1 / np.maximum(leave.max(axis=2), 1e-12)[:, None, :])
    leave_drawn = factor[..., None] * leave[:, None]  # m, d, s, b
    # Where a client who leaves the product goes: another product (the rest leaves care).
    moves = p[..., :n_s] / np.maximum(leave, 1e-12)[..., None]
    moves[:, diag, :, diag] = 0.0
    moves = np.where(leave[..., None] > 1e-12, moves, 0.0)
    widths = np.diff(np.array([*BANDS, BANDS[-1] + 1], dtype=float))
    advance = np.where(np.arange(n_b) < n_b - 1, 1 / widths, 0.0)
    entry = scenario.apply_to_entry_shares(fitted.entry_shares, states)

    # Inflow: per run and municipality the level and trend deviate within their uncertainty;
    # per run and month one gamma factor shared by the region carries the overdispersion
    # (variance μ + α μ² of the region's count, α estimated from the history).
    tau = np.arange(months)
    month_of = (cutoff.month - 1 + tau) % 12
    # The trend is damped: τ months ahead it carries damped_months(τ) months of growth.
    mean = np.exp(
        fitted.inflow_level[:, None]
        + fitted.inflow_trend[:, None] * damped_months(tau)[None]
        + fitted.season[month_of][None]
    ) * (1 + scenario.inflow_pct / 100)
    if not inflow:
        mean = np.zeros_like(mean)
    z_level = rng.standard_normal((runs, n_m)) * fitted.inflow_level_se
    z_trend = rng.standard_normal((runs, n_m)) * fitted.inflow_trend_se
    # A run's trend stays within the cap of the model (± MAX_YEARLY_GROWTH a year).
    cap = np.log(MAX_YEARLY_GROWTH) / 12
    z_trend = np.clip(fitted.inflow_trend + z_trend, -cap, cap) - fitted.inflow_trend
    year_index = {year: index for index, year in enumerate(year_list)}
    year_of = np.array([year_index.get(int(year), -1) for year in snapshot_year])
    clients = _clients(
        rng,
        start=history.stock[:, -1].astype(np.int64),
        leave=leave_drawn,
        moves=moves.transpose(0, 2, 1, 3).reshape(n_m, n_b * n_s, n_s),
        advance=advance,
        entry=entry,
        inflow_mean=mean,
        level_shift=z_level,
        trend_shift=z_trend,
        dispersion=fitted.dispersion,
        first_snapshot=int(np.flatnonzero(year_of >= 0)[0]),
        years=years,
    )

    demand = clients.sum(axis=1)  # run, year, s (a new array: before the cap)
    contracted = contracted_places(states, year_list, places)
    caps = capacity_caps(states, year_list, history, scenario, places)
    not_placed = _apply_capacity(clients, states, caps)
    index_factor = np.array(
        [(1 + indexation_pct / 100) ** (year - cutoff.year) for year in year_list]
    )
    days = np.array([366.0 if calendar.isleap(year) else 365.0 for year in year_list])
    rates = np.array([state.day_rate for state in states])
    cost_per_client = (days * index_factor)[:, None] * rates[None, :]
    return Simulation(
        municipalities=history.municipalities,
        states=states,
        years=year_list,
        clients=clients,
        cost_per_client=cost_per_client,
        not_placed=not_placed,
        demand=demand,
        places=np.where(np.isnan(caps), contracted, caps),
        caps=caps,
    )


def contracted_places(
    states: tuple[State, ...], years: Sequence[int], places: PlacesLookup
) -> FloatArray:
    """``[year, s]``: the contracted places per product and year, NaN where not known."""
    out = np.full((len(years), len(states)), np.nan)
    for s, state in enumerate(states):
        for y, year in enumerate(years):
            known = places(state.code, year)
            if known is not None:
                out[y, s] = float(known)
    return out


def capacity_caps(
    states: tuple[State, ...],
    years: Sequence[int],
    history: History,
    scenario: Scenario,
    places: PlacesLookup,
) -> FloatArray:
    """``[year, s]``: the cap the scenario's capacity changes put on each product, NaN where
    the scenario changes nothing (the contracted places alone cap nothing).

    The contracted places plus the scenario's changes, each averaged over the year from its
    date. In a year whose places are not known (the contracts have ended, no decision on
    extension yet) the last known places of an earlier forecast year stand in (as if
    extended); a product without any known places is taken from its clients at the cut-off.
    Never below 0."""
    caps = np.full((len(years), len(states)), np.nan)
    at_cutoff = history.stock[:, -1].sum(axis=(0, 2))
    for s, state in enumerate(states):
        changes = [c for c in scenario.capacity if c.product == state.code]
        if not changes:
            continue
        base = float(at_cutoff[s])
        for y, year in enumerate(years):
            known = places(state.code, year)
            if known is not None:
                base = float(known)
            cap = base
            for change in changes:
                if change.start.year < year:
                    cap += change.places
                elif change.start.year == year:
                    year_days = 366 if calendar.isleap(year) else 365
                    remaining = (date(year, 12, 31) - change.start).days + 1
                    cap += change.places * remaining / year_days
            caps[y, s] = max(cap, 0.0)
    return caps


def _apply_capacity(
    clients: npt.NDArray[np.float32],
    states: tuple[State, ...],
    caps: FloatArray,
) -> npt.NDArray[np.float32]:
    """Move the clients above each cap to the next lighter product of the same kind (in
    the order from heavy to light, so that a product filled from above is capped in turn),
    or count them as not placed."""
    runs = clients.shape[0]
    not_placed = np.zeros((runs, caps.shape[0]), dtype=np.float32)
    order = sorted(range(len(states)), key=lambda d: (states[d].kind, -states[d].rank))
    for s in order:
        state = states[s]
        for y in range(caps.shape[0]):
            cap = float(caps[y, s])
            if np.isnan(cap):
                continue
            total = clients[:, :, y, s].sum(axis=1)  # per run
            excess = np.maximum(total - cap, 0)
            if not excess.any():
                continue
            share = np.where(total > 0, excess / np.maximum(total, 1e-12), 0)[:, None]
            moved = clients[:, :, y, s] * share
            clients[:, :, y, s] -= moved
            lighter = sorted(
                (other.rank, d)
                for d, other in enumerate(states)
                if other.kind == state.kind and other.rank < state.rank
            )
            if lighter:
                clients[:, :, y, lighter[-1][1]] += moved
            else:
                not_placed[:, y] += moved.sum(axis=1)
    return not_placed


def _percentiles(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """P10, P50 and P90 over the first axis (runs), linear interpolation as numpy's default.

    A partial sort of the runs moved to the last axis: far cheaper than a full percentile."""
    runs = values.shape[0]
    moved = np.moveaxis(values, 0, -1)
    positions = [(runs - 1) * q / 100 for q in PERCENTILES]
    kth = sorted({int(np.floor(x)) for x in positions} | {int(np.ceil(x)) for x in positions})
    part = np.partition(moved, kth, axis=-1)
    out = []
    for x in positions:
        low, high = int(np.floor(x)), int(np.ceil(x))
        weight = x - low
        out.append(part[..., low] * (1 - weight) + part[..., high] * weight)
    return np.stack(out)


def _percentiles_last(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """P10, P50 and P90 over the last axis (runs) of a contiguous array that may be
    reordered in place: one partial sort of every lane, linear interpolation as numpy's
    default. Returns ``[q, ...]``."""
    runs = values.shape[-1]
    positions = [(runs - 1) * q / 100 for q in PERCENTILES]
    kth = sorted({int(np.floor(x)) for x in positions} | {int(np.ceil(x)) for x in positions})
    values.partition(kth, axis=-1)
    out = []
    for x in positions:
        low, high = int(np.floor(x)), int(np.ceil(x))
        weight = x - low
        out.append(values[..., low] * (1 - weight) + values[..., high] * weight)
    return np.stack(out)


def summarize(simulation: Simulation) -> list[ForecastRow]:
    """P10/P50/P90 per municipality (and the region: ``None``) × year × product.

    Rows per product, per domain (``"BW"``, ``"MO"``) and for all products (``None``). The
    cost of one product is its clients times a fixed amount per year, so its percentiles are
    those of the clients times that amount; sums of products get their own."""
    states = simulation.states
    n_s = len(states)
    groups: list[tuple[str | None, list[int]]] = [(s.code, [i]) for i, s in enumerate(states)]
    for kind in ("BW", "MO"):
        members = [i for i, s in enumerate(states) if s.kind == kind]
        if members:
            groups.append((kind, members))
    groups.append((None, list(range(n_s))))
    sums = groups[n_s:]
    # Runs last, once: every percentile is then a partial sort of a contiguous lane.
    clients = np.ascontiguousarray(np.moveaxis(simulation.clients, 0, -1))  # m, y, s, r
    n_m, n_y = clients.shape[:2]
    n_g = len(groups)
    lanes = np.empty((n_m + 1, n_y, n_g, clients.shape[-1]), dtype=np.float32)
    lanes[:n_m, :, :n_s] = clients
    cost = np.empty((n_m + 1, n_y, len(sums), clients.shape[-1]), dtype=np.float64)
    for g, (_product, members) in enumerate(sums):
        part = clients[:, :, members]
        lanes[:n_m, :, n_s + g] = part.sum(axis=2)
        weights = simulation.cost_per_client[:, members]  # y, s
        cost[:n_m, :, g] = np.einsum("mysr,ys->myr", part, weights, dtype=np.float64)
    lanes[n_m] = lanes[:n_m].sum(axis=0)
    cost[n_m] = cost[:n_m].sum(axis=0)
    cq = _percentiles_last(lanes).astype(np.float64)  # q, m, y, g
    kq = np.concatenate(
        [cq[..., :n_s] * simulation.cost_per_client[None, None], _percentiles_last(cost)],
        axis=-1,
    )
    cq_rounded = np.round(cq, 2).tolist()
    kq_rounded = np.round(kq, 2).tolist()
    codes: list[str | None] = [*simulation.municipalities, None]
    return [
        ForecastRow(
            municipality=code,
            year=year,
            product=product,
            clients_p10=cq_rounded[0][m][y][g],
            clients_p50=cq_rounded[1][m][y][g],
            clients_p90=cq_rounded[2][m][y][g],
            cost_p10=kq_rounded[0][m][y][g],
            cost_p50=kq_rounded[1][m][y][g],
            cost_p90=kq_rounded[2][m][y][g],
        )
        for m, code in enumerate(codes)
        for y, year in enumerate(simulation.years)
        for g, (product, _members) in enumerate(groups)
    ]


@dataclass(frozen=True)
class CapacityRow:
    """The region's projected demand for one product in one year against its places."""

    product: str
    year: int
    places: float | None
    """The cap (contracted places plus the scenario's changes); ``None``: not known."""
    demand_p50: float
    demand_p90: float
    """Average clients in the year before the cap: what the region would need."""
    short_p50: float | None
    """Places short at the P50 (``demand_p50 − places``, at least 0); ``None``: not known."""
    short_p90: float | None


def capacity_rows(simulation: Simulation) -> list[CapacityRow]:
    """Demand (P50, P90) against places per product and year, for the whole region."""
    q = _percentiles(simulation.demand.astype(np.float64))  # q, year, s
    rows = []
    for s, state in enumerate(simulation.states):
        for y, year in enumerate(simulation.years):
            cap = float(simulation.places[y, s])
            known = not np.isnan(cap)
            p50, p90 = float(q[1, y, s]), float(q[2, y, s])
            rows.append(
                CapacityRow(
                    product=state.code,
                    year=year,
                    places=round(cap, 2) if known else None,
                    demand_p50=round(p50, 2),
                    demand_p90=round(p90, 2),
                    short_p50=round(max(p50 - cap, 0.0), 2) if known else None,
                    short_p90=round(max(p90 - cap, 0.0), 2) if known else None,
                )
            )
    return rows


def first_shortages(rows: Sequence[CapacityRow]) -> dict[str, CapacityRow]:
    """Per product the first year whose P50 demand exceeds its places (by half a place or
    more: a rounding difference is no shortage)."""
    found: dict[str, CapacityRow] = {}
    for row in sorted(rows, key=lambda r: r.year):
        if row.product in found or row.short_p50 is None or row.short_p50 < 0.5:
            continue
        found[row.product] = row
    return found


MODEL_VERSION = "5"
"""Raised whenever a change to the model changes its numbers for the same inputs and seed."""
