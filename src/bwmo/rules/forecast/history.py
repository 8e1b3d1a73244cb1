"""The region's history as the forecast reads it: monthly counts, never a person.

Every client in care is looked at on the first day of each month (a *snapshot*). Between two
snapshots a client stays in the same product, moves to another product (afschalen, opschalen,
BW ↔ MO), or leaves care with a reason; a client not in care at one snapshot and in care at
the next is *inflow* of that month. Time already spent in a product is counted in whole
months and put in a duration band (:data:`BANDS`). Stays shorter than a month that fall
between two snapshots are not seen; the model forecasts the same snapshot stock, so history
and forecast are measured alike.

:func:`history_from_episodes` turns the monitor's care episodes into these counts. The
result (:class:`History`) holds counts per municipality, month, product and band only; it
can be stored and read back (:meth:`History.to_bytes`) to reproduce a forecast exactly.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from bwmo.rules.dates import add_months
from bwmo.rules.monitor.care_episodes import Episode

__all__ = [
    "BANDS",
    "EXITS",
    "History",
    "State",
    "band_of",
    "history_from_episodes",
    "month_start",
]

IntArray = npt.NDArray[np.int64]

EXITS = ("zelfstandig", "wlz", "mo", "overleden", "verhuisd", "overig")
"""Reasons for leaving care, in the order of the model's exit columns."""

# Outflow reasons recorded by care (``care.models.OutflowReason``) → the model's exits.
_EXIT_OF_REASON = {
    "zelfstandig": "zelfstandig",
    "wlz": "wlz",
    "naar_mo": "mo",
    "overleden": "overleden",
    "verhuisd": "verhuisd",
}

BANDS = (0, 6, 12, 24)
"""Lower bounds, in whole months already spent in the product, of the duration bands."""


@dataclass(frozen=True)
class State:
    """A product of the region: a BW form (tussenvormen included) or an MO type."""

    code: str
    name: str
    kind: str
    """``BW`` or ``MO``."""
    rank: int
    """Intensity: a move to a lower rank of the same kind is afschalen."""
    day_rate: float
    """Euros per day in care at the cut-off (a weekly tariff divided by 7)."""
    intramural: bool = False

    def __post_init__(self) -> None:
        if self.kind not in ("BW", "MO"):
            raise ValueError(f"product {self.code}: kind must be BW or MO")
        if self.day_rate < 0:
            raise ValueError(f"product {self.code}: negative day rate")


def month_start(day: date) -> date:
    return day.replace(day=1)


def band_of(months: int) -> int:
    """The duration band of a client who has been ``months`` whole months in the product."""
    band = 0
    for index, lower in enumerate(BANDS):
        if months >= lower:
            band = index
    return band


@dataclass(frozen=True)
class History:
    """Monthly counts of one region, from snapshot ``start`` to snapshot ``cutoff``.

    With ``T`` months between the first and the last snapshot, ``M`` municipalities, ``S``
    states, ``B`` bands and ``K = S + len(EXITS)`` destinations:

    * ``stock[m, t, s, b]``: clients in care at snapshot ``t`` (``T + 1`` snapshots);
    * ``transitions[m, t, s, b, k]``: clients at snapshot ``t`` in ``(s, b)`` who are in
      state ``k`` at snapshot ``t + 1`` (``k == s``: stayed), or left with exit
      ``k - S``;
    * ``inflow[m, t, s]``: clients entering care between snapshot ``t`` and ``t + 1``,
      by the state they are in at ``t + 1``.
    """

    start: date
    municipalities: tuple[str, ...]
    states: tuple[State, ...]
    stock: IntArray
    transitions: IntArray
    inflow: IntArray

    def __post_init__(self) -> None:
        m, s, b = len(self.municipalities), len(self.states), len(BANDS)
        months = self.inflow.shape[1] if self.inflow.ndim == 3 else -1
        k = s + len(EXITS)
        if self.start.day != 1:
            raise ValueError("history starts on the first day of a month")
        if self.stock.shape != (m, months + 1, s, b):
            raise ValueError(
                f"stock has shape {self.stock.shape}, expected {(m, months + 1, s, b)}"
            )
        if self.transitions.shape != (m, months, s, b, k):
            raise ValueError("transitions do not match the stock")
        if self.inflow.shape != (m, months, s):
            raise ValueError("inflow does not match the stock")

    @property
    def months(self) -> int:
        return int(self.inflow.shape[1])

    @property
    def cutoff(self) -> date:
        """The last snapshot: the day the forecast starts from."""
        return add_months(self.start, self.months)

    def snapshot(self, day: date) -> int:
        """Index of the snapshot on ``day`` (a first of the month within the history)."""
        index = (day.year - self.start.year) * 12 + day.month - self.start.month
        if day.day != 1 or not 0 <= index <= self.months:
            raise ValueError(f"{day} is not a snapshot of this history")
        return index

    def to_bytes(self) -> bytes:
        """The counts as a compressed archive (aggregates only), for storing with a run."""
        buffer = io.BytesIO()
        meta = {
            "start": self.start.isoformat(),
            "municipalities": list(self.municipalities),
            "states": [
                [s.code, s.name, s.kind, int(s.rank), float(s.day_rate), bool(s.intramural)]
                for s in self.states
            ],
        }
        np.savez_compressed(
            buffer,
            meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
            stock=self.stock,
            transitions=self.transitions,
            inflow=self.inflow,
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> History:
        with np.load(io.BytesIO(data)) as archive:
            meta = json.loads(bytes(archive["meta"]).decode())
            return cls(
                start=date.fromisoformat(meta["start"]),
                municipalities=tuple(meta["municipalities"]),
                states=tuple(
                    State(
                        code=c, name=n, kind=k, rank=int(r), day_rate=float(d), intramural=bool(i)
                    )
                    for c, n, k, r, d, i in meta["states"]
                ),
                stock=archive["stock"].astype(np.int64),
                transitions=archive["transitions"].astype(np.int64),
                inflow=archive["inflow"].astype(np.int64),
            )

    def digest(self) -> str:
        """A fingerprint of the counts: equal digests, equal inputs."""
        sha = hashlib.sha256()
        sha.update(self.start.isoformat().encode())
        states = [
            [s.code, s.name, s.kind, int(s.rank), float(s.day_rate), bool(s.intramural)]
            for s in self.states
        ]
        sha.update(json.dumps([list(self.municipalities), states]).encode())
        for array in (self.stock, self.transitions, self.inflow):
            sha.update(np.ascontiguousarray(array, dtype=np.int64).tobytes())
        return sha.hexdigest()

    def truncated(self, cutoff: date) -> History:
        """The same history ending at the earlier snapshot ``cutoff`` (for the backtest)."""
        t = self.snapshot(cutoff)
        return History(
            start=self.start,
            municipalities=self.municipalities,
            states=self.states,
            stock=self.stock[:, : t + 1].copy(),
            transitions=self.transitions[:, :t].copy(),
            inflow=self.inflow[:, :t].copy(),
        )


def _product_at(episode: Episode, day: date) -> tuple[str, str, date] | None:
    """(product code, responsible municipality, first day in that product) on ``day``."""
    for index, segment in enumerate(episode.segments):
        if segment.start <= day and (segment.end is None or day <= segment.end):
            first = segment.start
            for earlier in reversed(episode.segments[:index]):
                if earlier.stay.product != segment.stay.product:
                    break
                first = earlier.start
            return segment.stay.product, segment.stay.responsible, first
    return None


def _months_in_product(first: date, day: date) -> int:
    """Snapshots from ``first`` up to, not including, ``day``: whole months in the product."""
    snapshot = first if first.day == 1 else add_months(first.replace(day=1), 1)
    return max(0, (day.year - snapshot.year) * 12 + day.month - snapshot.month)


def history_from_episodes(
    episodes: Iterable[Episode],
    *,
    start: date,
    cutoff: date,
    municipalities: Sequence[str],
    states: Sequence[State],
) -> History:
    """Count the episodes' snapshots, moves, exits and entries from ``start`` to ``cutoff``.

    ``episodes`` carry the product *code* as the stay's product and the responsible
    municipality (``StayRecord.responsible``). A snapshot of a municipality outside
    ``municipalities`` or of an unknown product is not counted (nor a move from it); a move
    into one is counted as leaving care with reason ``overig``.
    """
    if start.day != 1 or cutoff.day != 1 or cutoff <= start:
        raise ValueError("start and cutoff are firsts of the month, start before cutoff")
    months = (cutoff.year - start.year) * 12 + cutoff.month - start.month
    m_index = {code: i for i, code in enumerate(municipalities)}
    s_index = {state.code: i for i, state in enumerate(states)}
    n_m, n_s, n_b = len(municipalities), len(states), len(BANDS)
    stock = np.zeros((n_m, months + 1, n_s, n_b), dtype=np.int64)
    transitions = np.zeros((n_m, months, n_s, n_b, n_s + len(EXITS)), dtype=np.int64)
    inflow = np.zeros((n_m, months, n_s), dtype=np.int64)
    overig = n_s + EXITS.index("overig")
    snapshots = [add_months(start, t) for t in range(months + 1)]
    for episode in episodes:
        if episode.start >= cutoff or (episode.end is not None and episode.end < start):
            continue
        first = max(0, (episode.start.year - start.year) * 12 + episode.start.month - start.month)
        if snapshots[first] < episode.start:
            first += 1  # the first snapshot on or after the episode's start
        previous: tuple[int, int, int] | None = None  # (municipality, state, months in it)
        t = first
        while t <= months:
            day = snapshots[t]
            if episode.end is not None and day > episode.end:
                break
            found = _product_at(episode, day)
            current: tuple[int, int, int] | None = None
            if found is not None and found[1] in m_index and found[0] in s_index:
                m, s = m_index[found[1]], s_index[found[0]]
                if previous is not None:
                    spent = previous[2] + 1 if previous[1] == s else 0
                else:  # first seen here: count the months in the product before the history
                    spent = _months_in_product(found[2], day)
                current = (m, s, spent)
                stock[m, t, s, band_of(spent)] += 1
            if previous is not None:
                pm, ps, pspent = previous
                k = current[1] if current is not None else overig
                transitions[pm, t - 1, ps, band_of(pspent), k] += 1
            elif current is not None and t > 0 and t == first:
                inflow[current[0], t - 1, current[1]] += 1
            previous = current
            t += 1
        if previous is not None and t <= months:
            # Left care between snapshot t - 1 and t: the reason of the last stay.
            last = episode.segments[-1].stay.outflow_reason or ""
            exit_k = n_s + EXITS.index(_EXIT_OF_REASON.get(last, "overig"))
            pm, ps, pspent = previous
            transitions[pm, t - 1, ps, band_of(pspent), exit_k] += 1
    return History(
        start=start,
        municipalities=tuple(municipalities),
        states=tuple(states),
        stock=stock,
        transitions=transitions,
        inflow=inflow,
    )
