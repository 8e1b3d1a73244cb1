"""Stock and flow of the regional monitor: clients in care, instroom, uitstroom, doorstroom.

Per client and scope (``"all"``, ``"BW"`` or ``"MO"``) being in care is a yes/no state per day:
some stay of that scope covers the day. For a period ``[start, end]``:

* ``in_care_at_start`` / ``in_care_at_end``: distinct clients in care on ``start`` / on ``end``;
* ``instroom``: days ``d`` in ``(start, end]`` on which a client is in care and was not on
  ``d − 1`` (an episode begins);
* ``uitstroom``: days ``d`` in ``[start, end)`` on which a client is in care and is not on
  ``d + 1`` (an episode ends), by the ``outflow_reason`` of the stay the exit is attributed to;
* ``doorstroom``: inside an episode, the day ``d`` in ``(start, end]`` on which the stay the
  client is attributed to changes.

Every transition therefore happens between two consecutive days and is counted in the period
whose ``(start, end]`` holds the later day, which gives, for the total and for every breakdown
value: ``end = start + instroom − uitstroom + doorstroom in − doorstroom out``. Instroom,
uitstroom and doorstroom count client-events (a client entering twice counts twice); stocks count
distinct clients.

Attribution (where the issue leaves room):

* A client counts on a day under the values of **one** stay: of the stays covering that day the
  one that started last, then the one with the highest ``product_rank``, then by the remaining
  fields (so the choice never depends on input order). A short stay inside a longer one thus
  takes over for its days and hands back afterwards: two doorstroom events.
* Entries count under the first stay of the episode, exits under its last. Every stay covering
  the last day of an episode ends on that day; the exit reason is that of the attributed one
  (``None`` is reported as ``"onbekend"``).
* Doorstroom is kept per breakdown: when the attributed stay changes and a breakdown's value
  changes with it (product, provider, financing, responsible, location, but also kind in scope
  ``"all"`` and category), the old value gets an ``out`` and the new value an ``in`` for that
  breakdown. A new stay with the same value is no doorstroom for that breakdown. The doorstroom
  ``total`` and the directions count product changes: to a lower ``product_rank`` is
  ``afschalen``, to a higher ``opschalen``, to an equal one ``wissel``.
* In scope ``"BW"`` a move from BW to MO is an uitstroom (and in scope ``"MO"`` an instroom);
  in scope ``"all"`` it is doorstroom of ``kind``.
* Every breakdown lists the same values in all tables (zeros included), so the tables can be
  put side by side and the identity read off per row.
* ``series`` cuts the range at the first day of each month, quarter or year; consecutive periods
  share their boundary day, so the end stock of one is the start stock of the next and the flows
  of the periods add up to those of the whole range (a transition on the boundary day belongs to
  the period that ends on it).

The work is done on interval boundaries: per client the days where the set of covering stays
changes, never per day.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from operator import itemgetter
from typing import Any, Literal, NamedTuple, TypeVar

from bwmo.rules.dates import add_months
from bwmo.rules.monitor.stays import (
    Scope,
    StayRecord,
    _Stay,
    _Timeline,
)

__all__ = [
    "BREAKDOWNS",
    "DIRECTIONS",
    "NESTED",
    "STEPS",
    "UNKNOWN_REASON",
    "Counts",
    "Doorstroom",
    "FlowFigures",
    "Period",
    "Step",
    "direction",
    "flow_figures",
    "nesting",
    "series",
]


Step = Literal["month", "quarter", "year"]

BREAKDOWNS = ("product", "kind", "financing", "provider", "responsible", "location", "category")
DIRECTIONS = ("afschalen", "opschalen", "wissel")
STEPS = ("month", "quarter", "year")
# Breakdowns whose values a reader knows to fall within one value of a coarser breakdown.
NESTED = (("product", "kind"), ("category", "kind"))
UNKNOWN_REASON = "onbekend"


def direction(old_rank: int, new_rank: int) -> str:
    """``afschalen`` to a lighter product, ``opschalen`` to a heavier one, else ``wissel``."""
    if new_rank < old_rank:
        return "afschalen"
    if new_rank > old_rank:
        return "opschalen"
    return "wissel"


@dataclass(frozen=True)
class Counts:
    """A count with its breakdowns: ``by[breakdown][value]``."""

    total: int
    by: Mapping[str, Mapping[str, int]]

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, **{name: dict(values) for name, values in self.by.items()}}


@dataclass(frozen=True)
class Doorstroom:
    """Product changes (``total``, ``direction``) and every breakdown's in/out inside episodes."""

    total: int
    direction: Mapping[str, int]
    by: Mapping[str, Mapping[str, Mapping[str, int]]]
    """``by[breakdown][value] == {"in": n, "out": m}``."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "direction": dict(self.direction),
            **{
                name: {value: dict(io) for value, io in values.items()}
                for name, values in self.by.items()
            },
        }


@dataclass(frozen=True)
class FlowFigures:
    """Stock and flow of one scope over ``[start, end]``."""

    start: date
    end: date
    scope: str
    in_care_at_start: Counts
    in_care_at_end: Counts
    instroom: Counts
    uitstroom: Counts
    """Includes the breakdown ``reason``."""
    doorstroom: Doorstroom

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "scope": self.scope,
            "in_care_at_start": self.in_care_at_start.to_dict(),
            "in_care_at_end": self.in_care_at_end.to_dict(),
            "instroom": self.instroom.to_dict(),
            "uitstroom": self.uitstroom.to_dict(),
            "doorstroom": self.doorstroom.to_dict(),
        }


class Period(NamedTuple):
    """One period of a series; unpacks as ``(start, end, figures)``."""

    start: date
    end: date
    figures: FlowFigures

    def to_dict(self) -> dict[str, Any]:
        return self.figures.to_dict()


def _check_breakdowns(breakdowns: Sequence[str]) -> tuple[str, ...]:
    names = tuple(breakdowns)
    unknown = [name for name in names if name not in BREAKDOWNS]
    if unknown:
        raise ValueError(f"unknown breakdowns {unknown}; choose from {BREAKDOWNS}")
    if len(set(names)) != len(names):
        raise ValueError("a breakdown is given more than once")
    return names


def _check_period(start: date, end: date) -> None:
    if end < start:
        raise ValueError("the period ends before it starts")


def flow_figures(
    stays: Iterable[StayRecord],
    *,
    start: date,
    end: date,
    scope: Scope = "all",
    breakdowns: Sequence[str] = BREAKDOWNS,
) -> FlowFigures:
    """In care on ``start`` and ``end``, and instroom, uitstroom and doorstroom in between."""
    _check_period(start, end)
    names = _check_breakdowns(breakdowns)
    timeline = _Timeline(stays, scope, names)
    lo, hi = start.toordinal(), end.toordinal()
    return _figures(
        names,
        start,
        end,
        scope,
        timeline.stock(lo),
        [stay for day, stay in timeline.entries if lo < day <= hi],
        [stay for day, stay in timeline.exits if lo < day <= hi],
        [(old, new) for day, old, new in timeline.changes if lo < day <= hi],
        end_stock=timeline.stock(hi),
    )


def _figures(
    names: tuple[str, ...],
    start: date,
    end: date,
    scope: str,
    start_stock: list[tuple[str, ...]],
    entries: list[_Stay],
    exits: list[_Stay],
    changes: list[tuple[_Stay, _Stay]],
    *,
    end_stock: list[tuple[str, ...]],
) -> FlowFigures:
    start_total, start_by = _tally(start_stock, names)
    end_total, end_by = _tally(end_stock, names)
    in_total, in_by = _tally([stay.profile for stay in entries], names)
    out_total, out_by = _tally([stay.profile for stay in exits], names)
    reasons = Counter(stay.reason or UNKNOWN_REASON for stay in exits)

    moved_in: dict[str, Counter[str]] = {name: Counter() for name in names}
    moved_out: dict[str, Counter[str]] = {name: Counter() for name in names}
    directions = dict.fromkeys(DIRECTIONS, 0)
    product_changes = 0
    for old, new in changes:
        for name, before, after in zip(names, old.profile, new.profile, strict=True):
            if before != after:
                moved_out[name][before] += 1
                moved_in[name][after] += 1
        if old.product != new.product:
            product_changes += 1
            directions[direction(old.rank, new.rank)] += 1

    # The same values in every table, so each row of a breakdown satisfies the identity.
    values = {
        name: sorted(
            set(start_by[name])
            | set(end_by[name])
            | set(in_by[name])
            | set(out_by[name])
            | set(moved_in[name])
            | set(moved_out[name])
        )
        for name in names
    }

    def counts(total: int, by: dict[str, Counter[str]], **extra: dict[str, int]) -> Counts:
        full = {name: {value: by[name][value] for value in values[name]} for name in names}
        return Counts(total, {**full, **extra})

    return FlowFigures(
        start=start,
        end=end,
        scope=scope,
        in_care_at_start=counts(start_total, start_by),
        in_care_at_end=counts(end_total, end_by),
        instroom=counts(in_total, in_by),
        uitstroom=counts(out_total, out_by, reason=dict(sorted(reasons.items()))),
        doorstroom=Doorstroom(
            total=product_changes,
            direction=directions,
            by={
                name: {
                    value: {"in": moved_in[name][value], "out": moved_out[name][value]}
                    for value in values[name]
                }
                for name in names
            },
        ),
    )


def _tally(
    profiles: list[tuple[str, ...]], names: tuple[str, ...]
) -> tuple[int, dict[str, Counter[str]]]:
    return len(profiles), {
        name: Counter(map(itemgetter(i), profiles)) for i, name in enumerate(names)
    }


def series(
    stays: Iterable[StayRecord],
    *,
    start: date,
    end: date,
    step: Step = "month",
    scope: Scope = "all",
    breakdown: str | None = None,
) -> list[Period]:
    """Consecutive periods from ``start`` to ``end``, cut at the first of each month/quarter/year.

    Each period is ``flow_figures`` of its own ``[start, end]`` with no breakdown or the one
    given. Periods share their boundary days, so stocks chain and flows add up to the range's.
    """
    _check_period(start, end)
    if step not in STEPS:
        raise ValueError(f"step must be one of {STEPS}, not {step!r}")
    names = _check_breakdowns(() if breakdown is None else (breakdown,))
    timeline = _Timeline(stays, scope, names)
    entries = sorted(timeline.entries, key=_day)
    exits = sorted(timeline.exits, key=_day)
    changes = sorted(timeline.changes, key=_day)
    entry_days = [day for day, _ in entries]
    exit_days = [day for day, _ in exits]
    change_days = [day for day, _, _ in changes]

    bounds = _boundaries(start, end, step)
    stock = Counter(timeline.stock(start.toordinal()))
    periods = []
    for first, last in pairwise(bounds):
        lo, hi = first.toordinal(), last.toordinal()
        entered = [stay for _, stay in _between(entries, entry_days, lo, hi)]
        left = [stay for _, stay in _between(exits, exit_days, lo, hi)]
        moved = [(old, new) for _, old, new in _between(changes, change_days, lo, hi)]
        # The end stock follows from the flows (the identity); tests check it against a count.
        closing = Counter(stock)
        closing.update(stay.profile for stay in entered)
        closing.subtract(stay.profile for stay in left)
        closing.subtract(old.profile for old, _ in moved)
        closing.update(new.profile for _, new in moved)
        closing = +closing
        figures = _figures(
            names,
            first,
            last,
            scope,
            list(stock.elements()),
            entered,
            left,
            moved,
            end_stock=list(closing.elements()),
        )
        periods.append(Period(first, last, figures))
        stock = closing
    return periods


def _day(event: tuple[int, *tuple[Any, ...]]) -> int:
    return event[0]


_E = TypeVar("_E")


def _between(events: list[_E], days: list[int], lo: int, hi: int) -> list[_E]:
    """The events with ``lo < day <= hi`` from a list sorted by day."""
    return events[bisect_right(days, lo) : bisect_right(days, hi)]


def _boundaries(start: date, end: date, step: str) -> list[date]:
    months = {"month": 1, "quarter": 3, "year": 12}[step]
    # The first day of the calendar period holding ``start``, then step by whole periods.
    cursor = date(start.year, (start.month - 1) // months * months + 1, 1)
    bounds = [start]
    while True:
        cursor = add_months(cursor, months)
        if cursor >= end:
            break
        bounds.append(cursor)
    bounds.append(end)
    return bounds


def nesting(
    stays: Iterable[StayRecord], pairs: Sequence[tuple[str, str]] = NESTED
) -> dict[tuple[str, str], dict[str, str]]:
    """For each (fine, coarse) pair in which every fine value has one coarse value in ``stays``:
    that mapping (every product is BW or MO; category ``mo`` is MO).

    A reader knows these, so ``suppression.suppress_figures`` needs them to keep a product table
    and the kind table from giving each other away.
    """
    seen: dict[tuple[str, str], dict[str, set[str]]] = {pair: defaultdict(set) for pair in pairs}
    for record in stays:
        for fine, coarse in pairs:
            seen[(fine, coarse)][getattr(record, fine)].add(getattr(record, coarse))
    return {
        pair: {value: next(iter(parents)) for value, parents in sorted(values.items())}
        for pair, values in seen.items()
        if values and all(len(parents) == 1 for parents in values.values())
    }
