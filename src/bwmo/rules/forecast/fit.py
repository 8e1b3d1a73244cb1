"""Estimating the forecast's rates from a region's history, with partial pooling.

**Transitions.** For each municipality, product (state) and duration band the monthly
probabilities to stay, to move to each other product and to leave by each reason are the
observed counts shrunk towards the region's (empirical Bayes, Dirichlet–multinomial):

    p_m = (n_m · observed_m + A_s · p_region) / (n_m + A_s)

``n_m`` is the municipality's number of client-months in that state and band. ``A_s``, the
prior's weight per state, is estimated from how much the municipalities really differ (a
method-of-moments estimate of the intra-class correlation ρ of the beta-binomial for leaving
the state, ``A = (1 − ρ) / ρ``): when they hardly differ beyond chance, ``A`` is large and
every municipality gets the region's rates. The weight given to the region,
``A_s / (n_m + A_s)``, is reported (:attr:`Fitted.transition_weight`); it goes to 1 as a
municipality's history shrinks. The region's own rates per band are shrunk the same way
towards its rates per state (a fixed prior of one year of client-months), and a state without
any history gets a default of staying on average four years.

The rate of leaving also moves from year to year more than chance explains; the spread of the
region's yearly rates beyond their binomial noise (:attr:`Fitted.leave_drift`) widens the
uncertainty of the forecast's rates.

**Inflow.** New clients per municipality and month are a Poisson count model with a
log-linear trend and month effects, fitted by iteratively reweighted least squares: the
month effects and the dispersion (negative binomial, from the Pearson statistic) on the
region's total; each municipality's level and trend with the region's season as offset, the
trend shrunk towards the region's by precision (DerSimonian–Laird), reported as
:attr:`Fitted.inflow_weight`. Trends are capped at ±25% a year so that ten years of
extrapolation stay sane. Which product a new client starts in is shrunk like the transitions.

Everything is plain numpy on counts: no person, no Django.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bwmo.rules.forecast.history import BANDS, EXITS, History

__all__ = ["Fitted", "concentration", "damped_months", "fit"]

FloatArray = npt.NDArray[np.float64]

MAX_YEARLY_GROWTH = 1.25
"""Cap on the fitted inflow trend, up and down (a factor per year)."""
REGION_BAND_PRIOR = 12.0
"""Client-months of prior weight pulling the region's rate per band to its rate per state."""
DEFAULT_STAY_MONTHS = 48.0
"""Mean months in a state that has no history at all (it then only ends with ``overig``)."""
TREND_WINDOW = 60
"""The inflow model reads at most the last five years."""
TREND_HALF_LIFE = 6.0
"""Months after which the fitted inflow trend's monthly step has halved (a damped trend,
fixed, the same for every municipality): growth seen in the history is carried on, but
fades, so a growth that has stopped is not extrapolated for years. In total the trend adds
at most φ / (1 − φ) months of growth, φ = 0.5^(1/6): 8.2 months. Chosen on the backtests
(docs/forecast.md: half-lives of 3, 6, 12 months and none)."""


def damped_months(months: npt.ArrayLike, half_life: float | None = None) -> FloatArray:
    """The months of trend a forecast ``months`` after the cut-off carries: Σ φ^k for
    k = 1 .. months, φ = 0.5^(1/half_life) (a damped trend; without damping it would be
    ``months``). Non-decreasing, below ``months`` for months ≥ 1, and never above
    φ / (1 − φ)."""
    life = TREND_HALF_LIFE if half_life is None else half_life
    t = np.asarray(months, dtype=np.float64)
    if not math.isfinite(life):
        return t
    phi = 0.5 ** (1 / life)
    return np.asarray(phi * (1 - phi**t) / (1 - phi), dtype=np.float64)


@dataclass(frozen=True)
class Fitted:
    """The estimated rates of one region, ready to simulate from the history's cut-off.

    Shapes: ``M`` municipalities, ``S`` states, ``B`` bands, ``K = S + len(EXITS)``.
    """

    probabilities: FloatArray
    """``[m, s, b, k]``: monthly probability from ``(s, b)`` to destination ``k``."""
    exposure: FloatArray
    """``[m, s]``: the municipality's client-months per state behind the estimate."""
    concentration: FloatArray
    """``[s]``: the prior weight ``A_s`` of the region's rates."""
    transition_weight: FloatArray
    """``[m, s]``: weight of the region's rates in the municipality's, 0..1."""
    inflow_level: FloatArray
    """``[m]``: log of the expected monthly inflow at the cut-off, without season."""
    inflow_level_se: FloatArray
    inflow_trend: FloatArray
    """``[m]``: pooled log-linear trend per month."""
    inflow_trend_se: FloatArray
    inflow_weight: FloatArray
    """``[m]``: weight of the region's trend in the municipality's, 0..1."""
    season: FloatArray
    """``[12]``: log month effects (January first), mean zero."""
    dispersion: float
    """Negative-binomial α: variance = μ + α μ²."""
    entry_shares: FloatArray
    """``[m, s]``: where new clients start, pooled towards the region."""
    entry_weight: FloatArray
    """``[m]``: weight of the region's entry shares."""
    leave_alpha: FloatArray
    """``[m, s]``: Beta posterior of leaving a state (for parameter uncertainty)."""
    leave_beta: FloatArray
    leave_drift: FloatArray
    """``[s]``: spread (sd of the log) of the region's yearly rate of leaving a state beyond
    chance: how much a year's rate may lie off the long-run one."""
    cutoff_month: int
    """Calendar month (1–12) of the cut-off snapshot."""


def concentration(counts: FloatArray) -> float:
    """Prior weight ``A`` of a Dirichlet–multinomial from ``counts[m, k]`` (rows: groups).

    Method of moments (Kleinman): per category the between-group spread of the proportions
    against its binomial expectation gives ρ; ρ is averaged with weights ``p(1 − p)`` and
    ``A = (1 − ρ) / ρ``, with ρ kept in [1e-4, 0.9]. Fewer than two groups with data say
    nothing about the spread: then ``A`` is the largest value (full pooling).
    """
    n = counts.sum(axis=1)
    used = n > 0
    if used.sum() < 2:
        return 1e4 - 1
    counts, n = counts[used], n[used]
    total = n.sum()
    groups = len(n)
    p = counts.sum(axis=0) / total
    denominator = total - (n**2).sum() / total - (groups - 1)
    if denominator <= 0:
        return 1e4 - 1
    rhos, weights = [], []
    for k in range(counts.shape[1]):
        var = p[k] * (1 - p[k])
        if var <= 0:
            continue
        spread = float((n * (counts[:, k] / n - p[k]) ** 2).sum())
        rhos.append((spread / var - (groups - 1)) / denominator)
        weights.append(var)
    if not weights:
        return 1e4 - 1
    rho = min(0.9, max(1e-4, float(np.average(rhos, weights=weights))))
    return (1 - rho) / rho


def _transition_probabilities(
    counts: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Pooled probabilities from ``counts[m, s, b, k]``; see the module's text."""
    _n_m, n_s, _n_b, n_k = counts.shape
    region = counts.sum(axis=0)  # s, b, k
    default = np.zeros((n_s, n_k))
    for s in range(n_s):
        default[s, s] = 1 - 1 / DEFAULT_STAY_MONTHS
        default[s, n_s + EXITS.index("overig")] = 1 / DEFAULT_STAY_MONTHS
    per_state = region.sum(axis=1) + default  # one client-month of prior
    per_state /= per_state.sum(axis=1, keepdims=True)
    region_n = region.sum(axis=2, keepdims=True)
    p_region = (region + REGION_BAND_PRIOR * per_state[:, None, :]) / (region_n + REGION_BAND_PRIOR)
    weight_a = np.empty(n_s)
    for s in range(n_s):
        by_m = counts[:, s].sum(axis=1)  # m, k
        stay = by_m[:, s]
        leave = by_m.sum(axis=1) - stay
        weight_a[s] = concentration(np.stack([stay, leave], axis=1))
    a = weight_a[None, :, None, None]
    n = counts.sum(axis=3, keepdims=True)
    probabilities = (counts + a * p_region[None]) / (n + a)
    exposure = counts.sum(axis=(2, 3))
    weight = weight_a[None, :] / (exposure + weight_a[None, :])
    # Beta posterior of leaving the state (all bands), for parameter uncertainty.
    stay_counts = np.stack([counts[:, s, :, s].sum(axis=1) for s in range(n_s)], axis=1)
    leave_counts = exposure - stay_counts
    region_leave = 1 - np.array(
        [float(np.average(p_region[s, :, s], weights=region_n[s, :, 0] + 1)) for s in range(n_s)]
    )
    alpha = leave_counts + weight_a[None, :] * region_leave[None, :] + 0.5
    beta = stay_counts + weight_a[None, :] * (1 - region_leave[None, :]) + 0.5
    return probabilities, exposure, weight_a, weight, alpha, beta


def _poisson_glm(
    y: FloatArray, design: FloatArray, offset: FloatArray, iterations: int = 25
) -> tuple[FloatArray, FloatArray]:
    """Coefficients and their covariance of a Poisson GLM with log link (IRLS)."""
    columns = design.shape[1]
    mean = max(float(y.mean()), 0.1)
    beta = np.zeros(columns)
    beta[0] = math.log(mean) - float(offset.mean())
    for _ in range(iterations):
        eta = design @ beta + offset
        mu = np.exp(np.clip(eta, -30, 30))
        z = eta - offset + (y - mu) / mu
        w = mu
        xtw = design.T * w
        info = xtw @ design + 1e-6 * np.eye(columns)
        new = np.linalg.solve(info, xtw @ z)
        if np.max(np.abs(new - beta)) < 1e-9:
            beta = new
            break
        beta = new
    eta = design @ beta + offset
    mu = np.exp(np.clip(eta, -30, 30))
    info = (design.T * mu) @ design + 1e-6 * np.eye(columns)
    covariance: FloatArray = np.asarray(np.linalg.inv(info), dtype=np.float64)
    return np.asarray(beta, dtype=np.float64), covariance


def _fit_inflow(
    history: History,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, float]:
    counts = history.inflow.sum(axis=2).astype(float)  # m, t
    n_m, months = counts.shape
    window = min(months, TREND_WINDOW)
    counts = counts[:, months - window :]
    # Time in months relative to the cut-off snapshot (the last month is -1).
    t = np.arange(-window, 0, dtype=float)
    calendar_month = (history.start.month - 1 + np.arange(months - window, months)) % 12
    cap = math.log(MAX_YEARLY_GROWTH) / 12
    # The region: level, trend and 11 month effects (January is the reference).
    season_design = np.zeros((window, 12))
    season_design[np.arange(window), calendar_month] = 1.0
    region_y = counts.sum(axis=0)
    if window >= 24 and region_y.sum() > 0:
        design = np.column_stack([np.ones(window), t, season_design[:, 1:]])
        beta, region_cov = _poisson_glm(region_y, design, np.zeros(window))
        season = np.concatenate([[0.0], beta[2:]])
        season -= season.mean()
        mu = np.exp(design @ beta)
        pearson = float(((region_y - mu) ** 2 / mu).sum()) / max(1, window - design.shape[1])
        dispersion = max(0.0, (pearson - 1) / float(mu.mean()))
        region_trend = float(np.clip(beta[1], -cap, cap))
        region_trend_se = math.sqrt(max(float(region_cov[1, 1]), 0.0) * (1 + dispersion))
    else:
        season = np.zeros(12)
        dispersion = 0.0
        region_trend = 0.0
        region_trend_se = cap / 2
    offset = season[calendar_month]
    level = np.zeros(n_m)
    level_se = np.zeros(n_m)
    trend = np.zeros(n_m)
    trend_se = np.full(n_m, 1.0)
    design = np.column_stack([np.ones(window), t])
    for m in range(n_m):
        y = counts[m]
        if y.sum() >= 3 and window >= 12:
            beta, cov = _poisson_glm(y, design, offset)
            trend[m] = beta[1]
            trend_se[m] = math.sqrt(max(cov[1, 1], 1e-12)) * math.sqrt(1 + dispersion)
        else:
            trend[m] = region_trend
            trend_se[m] = 1.0  # no information: the region's trend
    # DerSimonian–Laird between-municipality variance of the trend.
    precision = 1 / trend_se**2
    pooled = float((precision * trend).sum() / precision.sum())
    q = float((precision * (trend - pooled) ** 2).sum())
    # With one municipality there is no spread between municipalities to estimate (the
    # denominator is 0): τ² = 0 and the trend is the region's, which is the municipality's.
    denominator = float(precision.sum() - (precision**2).sum() / precision.sum())
    tau2 = max(0.0, (q - (n_m - 1)) / denominator) if n_m > 1 and denominator > 0 else 0.0
    weight = trend_se**2 / (trend_se**2 + tau2) if tau2 > 0 else np.ones(n_m)
    trend = np.clip(weight * region_trend + (1 - weight) * trend, -cap, cap)
    # Uncertainty of the pooled trend: the region's, plus what the municipality may differ
    # from it given its own data (never more than the cap allows).
    own = 1 / (1 / trend_se**2 + 1 / tau2) if tau2 > 0 else np.zeros(n_m)
    trend_se = np.minimum(np.sqrt(region_trend_se**2 + own), cap / 2)
    # The level at the cut-off given the pooled trend (half a client of prior: never log 0).
    for m in range(n_m):
        expected = np.exp(offset + trend[m] * t)
        total = float(counts[m].sum())
        level[m] = math.log((total + 0.5) / float(expected.sum()))
        level_se[m] = math.sqrt((1 + dispersion * (total + 0.5) / window) / (total + 0.5))
    return level, level_se, trend, trend_se, weight, season, dispersion


def _entry_shares(history: History) -> tuple[FloatArray, FloatArray]:
    counts = history.inflow.sum(axis=1).astype(float)  # m, s
    region = counts.sum(axis=0) + 0.5
    region /= region.sum()
    a = concentration(counts)
    n = counts.sum(axis=1, keepdims=True)
    shares = (counts + a * region[None]) / (n + a)
    weight: FloatArray = a / (n[:, 0] + a)
    return np.asarray(shares, dtype=np.float64), weight


def _leave_drift(history: History) -> FloatArray:
    """Per state: the sd of log(yearly leave rate) beyond its binomial noise, from the
    region's complete 12-month blocks counted back from the cut-off (0 with fewer than 3)."""
    counts = history.transitions.sum(axis=0).sum(axis=2)  # t, s, k
    n_s = counts.shape[1]
    years = counts.shape[0] // 12
    drift = np.zeros(n_s)
    if years < 3:
        return drift
    blocks = counts[counts.shape[0] - 12 * years :].reshape(years, 12, n_s, -1).sum(axis=1)
    for s in range(n_s):
        exposure = blocks[:, s].sum(axis=1)
        leaves = exposure - blocks[:, s, s]
        used = exposure >= 24
        if used.sum() < 3:
            continue
        rate = leaves[used] / exposure[used]
        mean_rate = float(rate.mean())
        if mean_rate <= 0:
            continue
        chance = float((rate * (1 - rate) / exposure[used]).mean())
        extra = max(0.0, float(rate.var(ddof=1)) - chance)
        drift[s] = min(math.sqrt(extra) / mean_rate, 1.0)
    return drift


def fit(history: History) -> Fitted:
    """Estimate every rate from the whole ``history`` (cut-off: its last snapshot)."""
    if history.months < 1:
        raise ValueError("the history needs at least one month")
    probabilities, exposure, weight_a, weight, alpha, beta = _transition_probabilities(
        history.transitions.sum(axis=1).astype(float)
    )
    level, level_se, trend, trend_se, inflow_weight, season, dispersion = _fit_inflow(history)
    shares, entry_weight = _entry_shares(history)
    assert probabilities.shape[2] == len(BANDS)
    return Fitted(
        probabilities=probabilities,
        exposure=exposure,
        concentration=weight_a,
        transition_weight=weight,
        inflow_level=level,
        inflow_level_se=level_se,
        inflow_trend=trend,
        inflow_trend_se=trend_se,
        inflow_weight=inflow_weight,
        season=season,
        dispersion=dispersion,
        entry_shares=shares,
        entry_weight=entry_weight,
        leave_alpha=alpha,
        leave_beta=beta,
        leave_drift=_leave_drift(history),
        cutoff_month=history.cutoff.month,
    )
