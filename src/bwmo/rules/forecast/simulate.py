"""The Monte Carlo forecast: clients and cost per municipality, product and year.

Each run draws

* the **rates**: per municipality and product a factor on the monthly probability of leaving
  the product, from the Beta posterior of the pooled estimate, times the region's
  year-to-year drift of that rate (``parameter_draws`` sets of rates, shared by the runs in
  turn);
* the **inflow**: per municipality the level and trend from their estimated uncertainty,
  and per month one gamma factor shared by the region (variance μ + α μ² of a negative
  binomial, α the dispersion estimated from the history).

Given these, the clients are counted one by one: each month every occupied cell
(municipality, run, product, duration band) draws how many of its clients leave the product
(binomial), where those go — another product or out of care — (a multinomial, as sequential
binomials), how many of those who stay reach the next band (binomial), and how many new
clients arrive (Poisson on the run's mean) and in which product they start (multinomial).
So the spread of the result holds the rates, the inflow and the chance of which single
client leaves in which month; the draws are made only where there are clients.

Cost is the care days (client-months × days of the year / 12) times the product's day rate
at the cut-off, indexed by ``(1 + indexation)`` per year after the cut-off's year.

**Capacity.** ``places(product, year)`` (the contracted places, or ``None``: unknown) plus
the scenario's capacity changes (averaged over the year from their date) caps the region's
average clients of that product; the clients above it go to the next lighter product of the
same kind, or, if there is none, are counted as not placed. A change to a product whose
places are unknown is taken relative to its clients at the cut-off.
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
from bwmo.rules.forecast.fit import MAX_YEARLY_GROWTH, Fitted
from bwmo.rules.forecast.history import BANDS, History, State
from bwmo.rules.forecast.scenario import BASE, Scenario

__all__ = [
    "MODEL_VERSION",
    "CapacityRow",
    "ForecastRow",
    "Simulation",
    "capacity_caps",
    "capacity_rows",
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
    """``[year, s]``: the cap (contracted places plus the scenario's changes, averaged over
    the year); NaN where it is not known."""

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


def _split(
    rng: np.random.Generator, n: IntArray, probabilities: FloatArray, *, complete: bool = False
) -> list[IntArray]:
    """A multinomial draw by sequential binomials: ``n`` (any shape) over the categories on
    the last axis of ``probabilities`` (broadcast against ``n``). The mass they leave over
    is a last, unnamed category; with ``complete`` the probabilities sum to one and the last
    category takes what is left. Returns one count array per named category."""
    remaining = n.copy()
    left = np.ones(np.broadcast_shapes(n.shape, probabilities.shape[:-1]))
    out = []
    last = probabilities.shape[-1] - 1
    for k in range(last + 1):
        if complete and k == last:
            out.append(remaining)
            break
        q = probabilities[..., k]
        if not q.any() or not remaining.any():
            out.append(np.zeros_like(remaining))
            continue
        chance = np.clip(np.divide(q, left, out=np.zeros_like(left), where=left > 1e-12), 0, 1)
        drawn = rng.binomial(remaining, chance)
        remaining -= drawn
        left = left - q
        out.append(drawn)
    return out


def _simulate_counts(
    rng: np.random.Generator,
    *,
    start: IntArray,
    leave: FloatArray,
    moves: FloatArray,
    advance: FloatArray,
    entry: FloatArray,
    inflow_mean: FloatArray,
    inflow_scale: FloatArray,
    shock: FloatArray,
    year_of: IntArray,
    years: int,
) -> npt.NDArray[np.float64]:
    """Clients counted one by one: client-months per year ``[m, d, i, year, s]``.

    ``start[m, s, b]`` the clients at the cut-off; ``leave[m, d, s, b]`` the monthly
    probability of leaving the product under rate set ``d``; ``moves[m, s, b, s']`` where a
    client who leaves goes (another product; the rest leaves care); ``advance[b]`` the chance
    of a staying client to reach the next band; ``entry[m, s]`` where new clients start;
    ``inflow_mean[m, τ]`` the expected new clients in month τ, ``inflow_scale[m, d, i, τ]``
    a run's level and trend, ``shock[d, i, τ]`` its gamma factor shared by the region.
    ``year_of[t]`` the forecast year of snapshot ``t`` (−1 before the first).

    Each month every cell (municipality, run, product, band) draws how many of its clients
    leave the product (binomial), where the leavers go (sequential binomials), how many of
    those who stay reach the next band (binomial), and how many new clients arrive (Poisson
    on the run's mean: a negative binomial over the runs) and in which product (multinomial).
    The draws are made only where there are clients, so an array of a national run holds the
    occupied cells only."""
    n_m, n_d, n_s, n_b = leave.shape
    n_i = inflow_scale.shape[2]
    months = len(year_of)
    x = np.ascontiguousarray(
        np.broadcast_to(start[:, None, None], (n_m, n_d, n_i, n_s, n_b)), dtype=np.int64
    )
    flat = x.reshape(-1)
    leave_flat = leave.reshape(-1)
    moves_flat = moves.reshape(n_m * n_s * n_b, n_s)
    client_months = np.zeros((n_m, n_d, n_i, years, n_s))
    sb = n_s * n_b
    for t in range(months):
        if year_of[t] >= 0:
            client_months[:, :, :, year_of[t]] += x.sum(axis=-1)
        if t == months - 1:
            break
        occupied = np.flatnonzero(flat)
        n = flat[occupied]
        band = occupied % n_b
        cell = occupied // sb  # (m, d, i)
        state = (occupied // n_b) % n_s
        m = cell // (n_d * n_i)
        d = (cell // n_i) % n_d
        within = state * n_b + band
        leaving = rng.binomial(n, leave_flat[(m * n_d + d) * sb + within])
        staying = n - leaving
        up = rng.binomial(staying, advance[band])
        flat[occupied] = staying - up
        climbing = up > 0
        flat[occupied[climbing] + 1] += up[climbing]  # the next band of the same product
        gone = leaving > 0
        if gone.any():
            source = (m[gone] * n_s * n_b) + within[gone]
            to = _split(rng, leaving[gone], moves_flat[source])
            base = cell[gone] * sb
            for k, count in enumerate(to):
                arrived = count > 0
                if arrived.any():
                    np.add.at(flat, base[arrived] + k * n_b, count[arrived])
        # New clients of month t are in care from snapshot t + 1, in band 0.
        mean = inflow_mean[:, t, None, None] * inflow_scale[..., t] * shock[None, ..., t]
        new = rng.poisson(mean)
        if new.any():
            for k, count in enumerate(_split(rng, new, entry[:, None, None, :], complete=True)):
                x[..., k, 0] += count
    return client_months


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
    parameter_draws: int = 20,
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
    draws = _parameter_draws(runs, parameter_draws)
    per_draw = runs // draws

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
    mean = np.exp(
        fitted.inflow_level[:, None]
        + fitted.inflow_trend[:, None] * tau[None]
        + fitted.season[month_of][None]
    ) * (1 + scenario.inflow_pct / 100)
    if not inflow:
        mean = np.zeros_like(mean)
    z_level = rng.standard_normal((runs, n_m)) * fitted.inflow_level_se
    z_trend = rng.standard_normal((runs, n_m)) * fitted.inflow_trend_se
    # A run's trend stays within the cap of the model (± MAX_YEARLY_GROWTH a year).
    cap = np.log(MAX_YEARLY_GROWTH) / 12
    z_trend = np.clip(fitted.inflow_trend + z_trend, -cap, cap) - fitted.inflow_trend
    scale = np.exp(z_level[..., None] + z_trend[..., None] * tau)  # r, m, τ
    # Runs in groups per rate set: run r uses rate set r // per_draw.
    scale = np.ascontiguousarray(
        scale.reshape(draws, per_draw, n_m, months).transpose(2, 0, 1, 3)
    )  # m, d, i, τ
    if fitted.dispersion > 0:
        shape = 1 / fitted.dispersion
        shock = rng.gamma(shape, 1 / shape, size=(draws, per_draw, months))
    else:
        shock = np.ones((draws, per_draw, months))
    year_index = {year: index for index, year in enumerate(year_list)}
    year_of = np.array([year_index.get(int(year), -1) for year in snapshot_year])
    client_months = _simulate_counts(
        rng,
        start=history.stock[:, -1].astype(np.int64),
        leave=leave_drawn,
        moves=moves,
        advance=advance,
        entry=entry,
        inflow_mean=mean,
        inflow_scale=scale,
        shock=shock,
        year_of=year_of,
        years=years,
    )
    clients = (
        np.ascontiguousarray(client_months.transpose(1, 2, 0, 3, 4)).reshape(runs, n_m, years, n_s)
        / 12
    ).astype(np.float32)

    demand = clients.sum(axis=1)  # run, year, s (a new array: before the cap)
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
        places=caps,
    )


def capacity_caps(
    states: tuple[State, ...],
    years: Sequence[int],
    history: History,
    scenario: Scenario,
    places: PlacesLookup,
) -> FloatArray:
    """``[year, s]``: the region's places per product and year, NaN where not known.

    The contracted places plus the scenario's changes, each averaged over the year from its
    date; a change to a product without known places is taken relative to its clients at
    the cut-off. Never below 0."""
    caps = np.full((len(years), len(states)), np.nan)
    at_cutoff = history.stock[:, -1].sum(axis=(0, 2))
    for s, state in enumerate(states):
        changes = [c for c in scenario.capacity if c.product == state.code]
        for y, year in enumerate(years):
            known = places(state.code, year)
            if known is None and not changes:
                continue
            cap = float(known if known is not None else at_cutoff[s])
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


def summarize(simulation: Simulation) -> list[ForecastRow]:
    """P10/P50/P90 per municipality (and the region: ``None``) × year × product.

    Rows per product, per domain (``"BW"``, ``"MO"``) and for all products (``None``). The
    cost of one product is its clients times a fixed amount per year, so its percentiles are
    those of the clients times that amount; sums of products get their own."""
    states = simulation.states
    clients = simulation.clients
    n_s = len(states)
    groups: list[tuple[str | None, list[int]]] = [(s.code, [i]) for i, s in enumerate(states)]
    for kind in ("BW", "MO"):
        members = [i for i, s in enumerate(states) if s.kind == kind]
        if members:
            groups.append((kind, members))
    groups.append((None, list(range(n_s))))
    sums = groups[n_s:]
    membership = np.zeros((n_s, len(sums)), dtype=np.float32)
    for g, (_product, members) in enumerate(sums):
        membership[members, g] = 1.0
    n_runs, n_m, n_y, _ = clients.shape
    c_sums = (clients.reshape(-1, n_s) @ membership).reshape(n_runs, n_m, n_y, len(sums))
    c_all = np.concatenate([clients, c_sums], axis=-1)
    c_all = np.concatenate([c_all, c_all.sum(axis=1, keepdims=True)], axis=1)  # + region
    k_sums = np.empty((n_runs, n_m, n_y, len(sums)))
    for y in range(n_y):
        weights = simulation.cost_per_client[y][:, None] * membership  # s, group
        k_sums[:, :, y] = clients[:, :, y].astype(np.float64) @ weights
    k_sums = np.concatenate([k_sums, k_sums.sum(axis=1, keepdims=True)], axis=1)
    cq = _percentiles(c_all).astype(np.float64)  # q, m, y, g
    kq_sums = _percentiles(k_sums)
    kq = np.concatenate([cq[..., :n_s] * simulation.cost_per_client[None, None], kq_sums], axis=-1)
    codes: list[str | None] = [*simulation.municipalities, None]
    rows = []
    for m, code in enumerate(codes):
        for y, year in enumerate(simulation.years):
            for g, (product, _members) in enumerate(groups):
                rows.append(
                    ForecastRow(
                        municipality=code,
                        year=year,
                        product=product,
                        clients_p10=round(float(cq[0, m, y, g]), 2),
                        clients_p50=round(float(cq[1, m, y, g]), 2),
                        clients_p90=round(float(cq[2, m, y, g]), 2),
                        cost_p10=round(float(kq[0, m, y, g]), 2),
                        cost_p50=round(float(kq[1, m, y, g]), 2),
                        cost_p90=round(float(kq[2, m, y, g]), 2),
                    )
                )
    return rows


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


MODEL_VERSION = "3"
"""Raised whenever a change to the model changes its numbers for the same inputs and seed."""
