"""Scenarios: what controllers and policy advisers ask, as changes to the fitted model.

A scenario is plain data (:class:`Scenario`); :func:`parse_scenario` reads it from a JSON
object and lists *every* problem at once. The keys (all optional):

``name``
    text, how the scenario is called (default ``"basis"``).
``afschalen_pct``
    step down X% faster: each monthly probability to move to a lighter BW product is
    multiplied by ``1 + X/100`` (taken from staying). −100 < X ≤ 500.
``intramural_pct``
    X% fewer intramural placements: that share of the new clients who would start in an
    intramural product starts in the next lighter BW product instead. 0 ≤ X ≤ 100.
``inflow_pct``
    inflow ±X%: the expected number of new clients is multiplied by ``1 + X/100``. X > −100.
``wlz_pct``
    outflow to the Wlz ±X%: the monthly probability to leave for the Wlz is multiplied by
    ``1 + X/100`` (taken from or given to staying). X ≥ −100.
``indexation_pct``
    yearly tariff indexation in percent (replaces the run's default). −50 ≤ X ≤ 50.
``capacity``
    a list of ``{"product": CODE, "places": N, "from": "YYYY-MM-DD"}``: places added
    (N > 0, a new location) or taken away (N < 0, a closed one) from that date.
``ingroeipad_delay_years``
    the budget side: the ingroeipad starts this many years later (0–10).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from bwmo.rules.forecast.history import EXITS, State

__all__ = ["BASE", "CapacityChange", "Scenario", "ScenarioError", "parse_scenario"]

FloatArray = npt.NDArray[np.float64]

KEYS = (
    "name",
    "afschalen_pct",
    "intramural_pct",
    "inflow_pct",
    "wlz_pct",
    "indexation_pct",
    "capacity",
    "ingroeipad_delay_years",
)


class ScenarioError(ValueError):
    """A malformed scenario; ``errors`` lists every problem, each naming its key."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("; ".join(errors))


@dataclass(frozen=True)
class CapacityChange:
    product: str
    places: int
    start: date


@dataclass(frozen=True)
class Scenario:
    name: str = "basis"
    afschalen_pct: float = 0.0
    intramural_pct: float = 0.0
    inflow_pct: float = 0.0
    wlz_pct: float = 0.0
    indexation_pct: float | None = None
    capacity: tuple[CapacityChange, ...] = field(default=())
    ingroeipad_delay_years: int = 0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["capacity"] = [
            {"product": c.product, "places": c.places, "from": c.start.isoformat()}
            for c in self.capacity
        ]
        return data

    @property
    def is_base(self) -> bool:
        return self.to_dict() == {**BASE.to_dict(), "name": self.name}

    def apply_to_probabilities(
        self, probabilities: FloatArray, states: tuple[State, ...]
    ) -> FloatArray:
        """The monthly probabilities ``[m, s, b, k]`` under this scenario (rows sum to 1)."""
        p = probabilities.copy()
        n_s = len(states)
        if self.afschalen_pct:
            factor = 1 + self.afschalen_pct / 100
            for s, state in enumerate(states):
                lighter = [
                    d
                    for d, other in enumerate(states)
                    if other.kind == "BW" and state.kind == "BW" and other.rank < state.rank
                ]
                if not lighter:
                    continue
                rows = p[:, s]  # a view: [m, b, k]
                before = rows[..., lighter].sum(axis=-1)
                rows[..., lighter] *= factor
                extra = rows[..., lighter].sum(axis=-1) - before
                _take_from_staying(p, s, extra)
        if self.wlz_pct:
            k = n_s + EXITS.index("wlz")
            before = p[..., k].copy()
            p[..., k] *= 1 + self.wlz_pct / 100
            for s in range(n_s):
                _take_from_staying(p, s, p[:, s, :, k] - before[:, s])
        return p

    def apply_to_entry_shares(self, shares: FloatArray, states: tuple[State, ...]) -> FloatArray:
        """Where new clients start ``[m, s]`` with fewer intramural placements."""
        out = shares.copy()
        if not self.intramural_pct:
            return out
        for s, state in enumerate(states):
            if not state.intramural:
                continue
            lighter = sorted(
                (
                    (other.rank, d)
                    for d, other in enumerate(states)
                    if other.kind == state.kind and other.rank < state.rank and not other.intramural
                ),
                reverse=True,
            )
            if not lighter:
                continue
            moved = out[:, s] * self.intramural_pct / 100
            out[:, s] -= moved
            out[:, lighter[0][1]] += moved
        return out


def _take_from_staying(p: FloatArray, s: int, extra: FloatArray) -> None:
    """Balance a change of ``extra`` in moving-away probability against staying in ``s``.

    When staying cannot pay for all of it, the other destinations are scaled down so that
    the row still sums to one."""
    stay = p[:, s, :, s]
    p[:, s, :, s] = stay - extra
    short = p[:, s, :, s] < 0
    if short.any():
        p[:, s, :, s] = np.where(short, 0.0, p[:, s, :, s])
        rows = p[:, s]
        rows /= rows.sum(axis=-1, keepdims=True)


BASE = Scenario()


def _number(
    data: Mapping[str, Any], key: str, low: float, high: float, errors: list[str], *, low_open: bool
) -> float:
    value = data.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        errors.append(f"{key}: expected a number, got {value!r}")
        return 0.0
    if (value <= low if low_open else value < low) or value > high:
        sign = "<" if low_open else "≤"
        errors.append(f"{key}: {value} is outside the allowed range {low} {sign} X ≤ {high}")
        return 0.0
    return float(value)


def parse_scenario(data: object, *, products: Collection[str]) -> Scenario:
    """A scenario from a decoded JSON object; raises :class:`ScenarioError` with every error.

    ``products`` are the product codes a capacity change may name."""
    if not isinstance(data, Mapping):
        raise ScenarioError([f"the scenario must be a JSON object, not {type(data).__name__}"])
    errors: list[str] = []
    for key in data:
        if key not in KEYS:
            errors.append(f"{key}: unknown key; known keys: {', '.join(KEYS)}")
    name = data.get("name", "basis")
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        errors.append("name: expected a text of 1 to 100 characters")
        name = "basis"
    afschalen = _number(data, "afschalen_pct", -100, 500, errors, low_open=True)
    intramural = _number(data, "intramural_pct", 0, 100, errors, low_open=False)
    inflow = _number(data, "inflow_pct", -100, 1000, errors, low_open=True)
    wlz = _number(data, "wlz_pct", -100, 1000, errors, low_open=False)
    indexation: float | None = None
    if data.get("indexation_pct") is not None:
        indexation = _number(data, "indexation_pct", -50, 50, errors, low_open=False)
    delay = data.get("ingroeipad_delay_years", 0)
    if isinstance(delay, bool) or not isinstance(delay, int) or not 0 <= delay <= 10:
        errors.append(f"ingroeipad_delay_years: expected a whole number 0 to 10, got {delay!r}")
        delay = 0
    changes: list[CapacityChange] = []
    raw = data.get("capacity", [])
    if not isinstance(raw, list):
        errors.append("capacity: expected a list of {product, places, from}")
        raw = []
    for index, item in enumerate(raw):
        where = f"capacity[{index}]"
        if not isinstance(item, Mapping):
            errors.append(f"{where}: expected an object with product, places and from")
            continue
        for key in item:
            if key not in ("product", "places", "from"):
                errors.append(f"{where}.{key}: unknown key; expected product, places, from")
        product = item.get("product")
        places = item.get("places")
        start_text = item.get("from")
        ok = True
        if not isinstance(product, str) or product not in products:
            errors.append(
                f"{where}.product: {product!r} is not a product of the region "
                f"({', '.join(sorted(products))})"
            )
            ok = False
        if isinstance(places, bool) or not isinstance(places, int) or places == 0:
            errors.append(f"{where}.places: expected a whole number other than 0, got {places!r}")
            ok = False
        start: date | None = None
        try:
            start = date.fromisoformat(start_text) if isinstance(start_text, str) else None
        except ValueError:
            start = None
        if start is None:
            errors.append(f"{where}.from: expected a date YYYY-MM-DD, got {start_text!r}")
            ok = False
        if ok and isinstance(product, str) and isinstance(places, int) and start is not None:
            changes.append(CapacityChange(product=product, places=places, start=start))
    if errors:
        raise ScenarioError(errors)
    return Scenario(
        name=name.strip(),
        afschalen_pct=afschalen,
        intramural_pct=intramural,
        inflow_pct=inflow,
        wlz_pct=wlz,
        indexation_pct=indexation,
        capacity=tuple(changes),
        ingroeipad_delay_years=delay,
    )
