"""A synthetic region history of any size, for the benchmarks and the tests (no persons).

Clients move between the demo's products with fixed monthly rates that fall with the time
spent in a product; new clients arrive by a Poisson count with a slight trend and season.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from bwmo.rules.forecast.history import BANDS, EXITS, History, State, band_of

__all__ = ["DEMO_STATES", "synthetic_history"]

DEMO_STATES = (
    State("BW001", "BW Intramuraal", "BW", 5, 980 / 7, intramural=True),
    State("BW002", "BW Nabij", "BW", 4, 920 / 7),
    State("BW003", "Begeleid Wonen", "BW", 3, 850 / 7),
    State("BW004", "Thuis Plus", "BW", 2, 800 / 7),
    State("BW005", "Begeleid kamerwonen", "BW", 1, 760 / 7),
    State("MO001", "Nachtopvang", "MO", 1, 68),
    State("MO002", "Dagopvang", "MO", 1, 42),
    State("MO003", "Crisisopvang", "MO", 3, 155),
    State("MO004", "Trajectplaats", "MO", 2, 118),
)


def synthetic_history(
    *,
    municipalities: int,
    months: int,
    seed: int,
    start: date = date(2017, 1, 1),
    mean_inflow: float = 2.0,
    states: tuple[State, ...] = DEMO_STATES,
) -> History:
    """Counts of ``months`` months for ``municipalities`` municipalities of varying size."""
    rng = np.random.default_rng(seed)
    n_s, n_b, n_e = len(states), len(BANDS), len(EXITS)
    n_k = n_s + n_e
    # Monthly rates by state and band: leaving falls with duration.
    p = np.zeros((n_s, n_b, n_k))
    for s, state in enumerate(states):
        for b in range(n_b):
            leave = (0.06 if state.kind == "BW" else 0.25) / (1 + 0.3 * b)
            lighter = [
                d
                for d, other in enumerate(states)
                if other.kind == state.kind and other.rank < state.rank
            ]
            step = 0.3 * leave if lighter else 0.0
            for d in lighter:
                p[s, b, d] = step / len(lighter)
            exits = leave - step
            shares = np.array([0.35, 0.1, 0.15, 0.05, 0.1, 0.25])
            p[s, b, n_s:] = exits * shares
            p[s, b, s] = 1 - leave
    entry = np.array([0.3, 0.2, 0.15, 0.05, 0.05, 0.1, 0.05, 0.05, 0.05])[:n_s]
    entry = entry / entry.sum()
    size = rng.lognormal(0.0, 0.8, size=municipalities)
    stock = np.zeros((municipalities, months + 1, n_s, n_b), dtype=np.int64)
    transitions = np.zeros((municipalities, months, n_s, n_b, n_k), dtype=np.int64)
    inflow = np.zeros((municipalities, months, n_s), dtype=np.int64)
    # Start in the steady state, roughly: 30 months of mean inflow spread over the bands.
    for m in range(municipalities):
        stock[m, 0] = rng.poisson(mean_inflow * size[m] * 30 * entry[:, None] / n_b)
    bands_next = np.minimum(np.arange(n_b) + 1, n_b - 1)
    widths = np.diff(np.array([*BANDS, BANDS[-1] + 1]))
    for t in range(months):
        season = 1 + 0.15 * np.cos(2 * np.pi * ((start.month - 1 + t) % 12) / 12)
        for m in range(municipalities):
            flows = rng.multinomial(stock[m, t], p)  # s, b, k
            transitions[m, t] = flows
            nxt = np.zeros((n_s, n_b), dtype=np.int64)
            for s in range(n_s):
                for b in range(n_b):
                    staying = flows[s, b, s]
                    advance = rng.binomial(staying, 1 / widths[b]) if b < n_b - 1 else 0
                    nxt[s, b] += staying - advance
                    nxt[s, bands_next[b]] += advance
                    moved = flows[s, b, :n_s].copy()
                    moved[s] = 0
                    nxt[:, 0] += moved
            new = rng.multinomial(rng.poisson(mean_inflow * size[m] * season), entry)
            inflow[m, t] = new
            nxt[:, 0] += new
            stock[m, t + 1] = nxt
    assert band_of(0) == 0
    return History(
        start=start,
        municipalities=tuple(f"GM{n + 1:04d}" for n in range(municipalities)),
        states=states,
        stock=stock,
        transitions=transitions,
        inflow=inflow,
    )
