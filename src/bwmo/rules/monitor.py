"""Figures of the regional monitor: clients in care, instroom, uitstroom, doorstroom and durations.

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

import statistics
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from operator import attrgetter, itemgetter
from typing import Any, Literal, NamedTuple, TypeVar

from bwmo.rules.dates import add_months
from bwmo.rules.deadlines import beschikking_deadline, onderzoek_deadline

__all__ = [
    "BREAKDOWNS",
    "DIRECTIONS",
    "SCOPES",
    "Case",
    "Counts",
    "Doorstroom",
    "DurationStat",
    "DurationStats",
    "Episode",
    "FlowFigures",
    "Indication",
    "LeadTimeStat",
    "LeadTimes",
    "Period",
    "Segment",
    "StayRecord",
    "WaitingList",
    "direction",
    "duration_stats",
    "episodes",
    "flow_figures",
    "lead_times",
    "nesting",
    "origin_location_matrix",
    "series",
    "waiting_list",
]

Scope = Literal["all", "BW", "MO"]
Step = Literal["month", "quarter", "year"]

SCOPES = ("all", "BW", "MO")
KINDS = ("BW", "MO")
FINANCINGS = ("ZIN", "PGB")
CATEGORIES = ("overgangsclient", "nieuwe_client", "mo", "")
BREAKDOWNS = ("product", "kind", "financing", "provider", "responsible", "location", "category")
DIRECTIONS = ("afschalen", "opschalen", "wissel")
STEPS = ("month", "quarter", "year")
# Breakdowns whose values a reader knows to fall within one value of a coarser breakdown.
NESTED = (("product", "kind"), ("category", "kind"))
UNKNOWN_REASON = "onbekend"

# Exclusive end of a running stay: one past the last representable day.
_OPEN = date.max.toordinal() + 1


@dataclass(frozen=True)
class StayRecord:
    """A (pseudonymised) client's stay in one product, as the monitor sees it."""

    client: str
    start: date
    end: date | None
    """Last day of the stay; ``None`` while it runs."""
    kind: str
    product: str
    product_rank: int
    """Intensity of the product: higher is heavier care."""
    financing: str
    provider: str
    responsible: str
    """CBS code of the responsible municipality."""
    location: str
    """CBS code of the municipality of the location."""
    category: str = ""
    outflow_reason: str | None = None
    """Reason recorded when this stay ended."""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"stay of {self.client}: kind must be one of {KINDS}")
        if self.financing not in FINANCINGS:
            raise ValueError(f"stay of {self.client}: financing must be one of {FINANCINGS}")
        if self.category not in CATEGORIES:
            raise ValueError(f"stay of {self.client}: category must be one of {CATEGORIES}")
        if self.end is not None and self.end < self.start:
            raise ValueError(f"stay of {self.client}: ends before it starts")


class _Stay:
    """A stay with day numbers and its breakdown values."""

    __slots__ = ("client", "product", "profile", "rank", "reason", "record", "start", "stop")

    def __init__(self, record: StayRecord, profile: tuple[str, ...]) -> None:
        self.record = record
        self.client = record.client
        self.start = record.start.toordinal()
        self.stop = _OPEN if record.end is None else record.end.toordinal() + 1
        self.product = record.product
        self.rank = record.product_rank
        self.reason = record.outflow_reason
        self.profile = profile


def _priority(stay: _Stay) -> tuple[Any, ...]:
    """Latest start wins, then the heaviest product; the rest only makes the choice total."""
    record = stay.record
    return (
        stay.start,
        stay.rank,
        record.product,
        record.provider,
        record.financing,
        record.responsible,
        record.location,
        record.category,
        record.kind,
        stay.stop,
        record.outflow_reason or "",
    )


_Seg = tuple[int, int, _Stay]  # first day, day after the last, attributed stay


def _segments(own: list[_Stay]) -> list[_Seg]:
    """The client's days in care as maximal runs with one attributed stay (``own`` by start)."""
    if all(a.stop <= b.start for a, b in pairwise(own)):
        return [(stay.start, stay.stop, stay) for stay in own]
    # Overlaps: between two consecutive boundaries the set of covering stays is constant.
    points = sorted({stay.start for stay in own} | {stay.stop for stay in own})
    segments: list[_Seg] = []
    for lo, hi in pairwise(points):
        covering = [stay for stay in own if stay.start <= lo < stay.stop]
        if not covering:
            continue
        best = max(covering, key=_priority)
        if segments and segments[-1][2] is best and segments[-1][1] == lo:
            segments[-1] = (segments[-1][0], hi, best)
        else:
            segments.append((lo, hi, best))
    return segments


def _profile_getter(names: Sequence[str]) -> Callable[[StayRecord], tuple[str, ...]]:
    if not names:
        return lambda record: ()
    if len(names) == 1:
        name = names[0]
        return lambda record: (getattr(record, name),)
    return attrgetter(*names)


def _client_segments(
    stays: Iterable[StayRecord], scope: str, names: Sequence[str]
) -> Iterator[tuple[str, list[_Seg]]]:
    _check_scope(scope)
    profile = _profile_getter(names)
    own = [
        _Stay(record, profile(record)) for record in stays if scope == "all" or record.kind == scope
    ]
    # One sort instead of a dictionary of lists: most clients have a single stay.
    own.sort(key=attrgetter("client", "start"))
    n = len(own)
    i = 0
    while i < n:
        stay = own[i]
        j = i + 1
        while j < n and own[j].client == stay.client:
            j += 1
        if j == i + 1:
            yield stay.client, [(stay.start, stay.stop, stay)]
        else:
            yield stay.client, _segments(own[i:j])
        i = j


class _Timeline:
    """Everything the flow figures need, for one scope and one choice of breakdowns."""

    def __init__(self, stays: Iterable[StayRecord], scope: str, names: Sequence[str]) -> None:
        self.segments: list[_Seg] = []
        self.entries: list[tuple[int, _Stay]] = []
        self.exits: list[tuple[int, _Stay]] = []  # day = first day out of care
        self.changes: list[tuple[int, _Stay, _Stay]] = []
        for _client, segments in _client_segments(stays, scope, names):
            self.segments.extend(segments)
            previous_stop, previous = -1, None  # day ordinals start at 1: nothing before
            for lo, hi, stay in segments:
                if lo != previous_stop:
                    if previous is not None:
                        self.exits.append((previous_stop, previous))
                    self.entries.append((lo, stay))
                elif previous is not None and stay is not previous:
                    self.changes.append((lo, previous, stay))
                previous_stop, previous = hi, stay
            if previous is not None and previous_stop != _OPEN:
                self.exits.append((previous_stop, previous))

    def stock(self, day: int) -> list[tuple[str, ...]]:
        """Breakdown profiles of the clients in care on ``day`` (a client has one segment a day)."""
        return [stay.profile for lo, hi, stay in self.segments if lo <= day < hi]


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


def _check_scope(scope: str) -> None:
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}, not {scope!r}")


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


# --- episodes and durations ----------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """Consecutive days of an episode attributed to one stay."""

    start: date
    end: date | None
    stay: StayRecord


@dataclass(frozen=True)
class Episode:
    """Consecutive days in care of one client in one scope."""

    client: str
    scope: str
    start: date
    end: date | None
    """Last day in care; ``None`` while the episode runs."""
    segments: tuple[Segment, ...]

    @property
    def product_changes(self) -> list[tuple[date, StayRecord, StayRecord]]:
        """Days on which the product changes, with the stays before and after."""
        return [
            (b.start, a.stay, b.stay)
            for a, b in pairwise(self.segments)
            if a.stay.product != b.stay.product
        ]


def episodes(stays: Iterable[StayRecord], *, scope: Scope = "all") -> list[Episode]:
    """Every client's episodes in the scope, by client and start."""
    result = []
    for client, segments in _client_segments(stays, scope, ()):
        for run in _runs(segments):
            stop = run[-1][1]
            result.append(
                Episode(
                    client=client,
                    scope=scope,
                    start=date.fromordinal(run[0][0]),
                    end=None if stop == _OPEN else date.fromordinal(stop - 1),
                    segments=tuple(
                        Segment(
                            date.fromordinal(lo),
                            None if hi == _OPEN else date.fromordinal(hi - 1),
                            stay.record,
                        )
                        for lo, hi, stay in run
                    ),
                )
            )
    result.sort(key=lambda episode: (episode.client, episode.start))
    return result


def _runs(segments: list[_Seg]) -> Iterator[list[_Seg]]:
    """Split a client's segments where a day without care lies between them."""
    run: list[_Seg] = []
    for segment in segments:
        if run and run[-1][1] != segment[0]:
            yield run
            run = []
        run.append(segment)
    if run:
        yield run


@dataclass(frozen=True)
class DurationStat:
    """Durations in days (first and last day included) of completed episodes and stays.

    ``after_1_year`` / ``after_2_years``: of the episodes whose first anniversary (second) lies on
    or before the reference day, how many there are (``count``) and the share still in care on
    it (``None`` without such episodes).
    """

    episodes: int
    episode_median_days: float | None
    episode_mean_days: float | None
    stays: int
    stay_median_days: float | None
    stay_mean_days: float | None
    after_1_year: int
    share_after_1_year: float | None
    after_2_years: int
    share_after_2_years: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "episodes": {
                "count": self.episodes,
                "median_days": self.episode_median_days,
                "mean_days": self.episode_mean_days,
            },
            "stays": {
                "count": self.stays,
                "median_days": self.stay_median_days,
                "mean_days": self.stay_mean_days,
            },
            "after_1_year": {"count": self.after_1_year, "share": self.share_after_1_year},
            "after_2_years": {"count": self.after_2_years, "share": self.share_after_2_years},
        }


@dataclass(frozen=True)
class DurationStats:
    on: date
    scope: str
    total: DurationStat
    product: Mapping[str, DurationStat]

    def to_dict(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "scope": self.scope,
            "total": self.total.to_dict(),
            "product": {name: stat.to_dict() for name, stat in self.product.items()},
        }


class _DurationTally:
    def __init__(self) -> None:
        self.episodes: list[int] = []
        self.stays: list[int] = []
        self.survival = {1: [0, 0], 2: [0, 0]}  # years → [eligible, still in care]

    def stat(self) -> DurationStat:
        eligible1, kept1 = self.survival[1]
        eligible2, kept2 = self.survival[2]
        return DurationStat(
            episodes=len(self.episodes),
            episode_median_days=_median(self.episodes),
            episode_mean_days=_mean(self.episodes),
            stays=len(self.stays),
            stay_median_days=_median(self.stays),
            stay_mean_days=_mean(self.stays),
            after_1_year=eligible1,
            share_after_1_year=kept1 / eligible1 if eligible1 else None,
            after_2_years=eligible2,
            share_after_2_years=kept2 / eligible2 if eligible2 else None,
        )


def duration_stats(stays: Iterable[StayRecord], *, scope: Scope = "all", on: date) -> DurationStats:
    """Durations and survival by product, as known on ``on``.

    Completed means the last day lies before ``on`` (a client in care on ``on`` is still in
    care). An episode counts under the product it started with; a stay under its own product.
    Episodes and stays starting after ``on`` are left out.
    """
    _check_scope(scope)
    today = on.toordinal()
    total = _DurationTally()
    by_product: dict[str, _DurationTally] = defaultdict(_DurationTally)
    records = list(stays)
    for record in records:
        if scope != "all" and record.kind != scope:
            continue
        if record.end is not None and record.end < on:
            days = (record.end - record.start).days + 1
            total.stays.append(days)
            by_product[record.product].stays.append(days)
    for _client, segments in _client_segments(records, scope, ()):
        for run in _runs(segments):
            first, stop = run[0][0], run[-1][1]
            if first > today:
                continue
            tallies = (total, by_product[run[0][2].product])
            if stop <= today:
                for tally in tallies:
                    tally.episodes.append(stop - first)
            started = date.fromordinal(first)
            for years in (1, 2):
                anniversary = add_months(started, 12 * years).toordinal()
                if anniversary <= today:
                    for tally in tallies:
                        tally.survival[years][0] += 1
                        tally.survival[years][1] += anniversary < stop
    return DurationStats(
        on=on,
        scope=scope,
        total=total.stat(),
        product={name: by_product[name].stat() for name in sorted(by_product)},
    )


def _median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def _mean(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


# --- access: lead times and the waiting list -----------------------------------------------


@dataclass(frozen=True)
class Case:
    """The dates of one access case; ``None`` where the step has not happened."""

    melding: date
    onderzoek_done: date | None = None
    aanvraag: date | None = None
    beschikking: date | None = None
    care_start: date | None = None

    def __post_init__(self) -> None:
        if self.onderzoek_done is not None and self.onderzoek_done < self.melding:
            raise ValueError("onderzoek completed before the melding")
        if (
            self.beschikking is not None
            and self.aanvraag is not None
            and self.beschikking < self.aanvraag
        ):
            raise ValueError("beschikking given before the aanvraag")


@dataclass(frozen=True)
class LeadTimeStat:
    """One step of the access process as known on the reference day.

    ``count`` and the days describe completed steps; ``open`` are steps started but not completed,
    ``open_overdue`` those of them past the legal deadline (``None`` where the law sets none).
    """

    count: int
    median_days: float | None
    mean_days: float | None
    on_time_share: float | None
    open: int
    open_overdue: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "completed": {
                "count": self.count,
                "median_days": self.median_days,
                "mean_days": self.mean_days,
                "on_time_share": self.on_time_share,
            },
            "open": {"count": self.open, "overdue": self.open_overdue},
        }


@dataclass(frozen=True)
class LeadTimes:
    on: date
    melding_onderzoek: LeadTimeStat
    aanvraag_beschikking: LeadTimeStat
    beschikking_start: LeadTimeStat

    def to_dict(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "melding_onderzoek": self.melding_onderzoek.to_dict(),
            "aanvraag_beschikking": self.aanvraag_beschikking.to_dict(),
            "beschikking_start": self.beschikking_start.to_dict(),
        }


def lead_times(cases: Iterable[Case], on: date) -> LeadTimes:
    """Melding → onderzoek (6 weeks), aanvraag → beschikking (2 weeks), beschikking → care.

    Steps dated after ``on`` have not happened yet, so figures for a past day can be recomputed.
    Care may start before the beschikking (a crisis placement): that lead time is negative and
    kept, so the mean shows it.
    """
    cases = list(cases)
    return LeadTimes(
        on=on,
        melding_onderzoek=_lead_time(
            ((c.melding, c.onderzoek_done) for c in cases), on, onderzoek_deadline
        ),
        aanvraag_beschikking=_lead_time(
            ((c.aanvraag, c.beschikking) for c in cases), on, beschikking_deadline
        ),
        beschikking_start=_lead_time(((c.beschikking, c.care_start) for c in cases), on, None),
    )


def _lead_time(
    pairs: Iterable[tuple[date | None, date | None]],
    on: date,
    deadline: Callable[[date], date] | None,
) -> LeadTimeStat:
    days: list[int] = []
    on_time = 0
    still_open = 0
    overdue = 0
    for begin, done in pairs:
        if begin is None or begin > on:
            continue
        if done is not None and done <= on:
            days.append((done - begin).days)
            on_time += deadline is not None and done <= deadline(begin)
        else:
            still_open += 1
            overdue += deadline is not None and on > deadline(begin)
    return LeadTimeStat(
        count=len(days),
        median_days=_median(days),
        mean_days=_mean(days),
        on_time_share=on_time / len(days) if days and deadline is not None else None,
        open=still_open,
        open_overdue=overdue if deadline is not None else None,
    )


@dataclass(frozen=True)
class Indication:
    granted: date
    """Day the indication takes effect (beschikking / valid from)."""
    started: date | None = None
    """First day of care under it (verzilverd); ``None`` while not started."""


@dataclass(frozen=True)
class WaitingList:
    """Indications granted on or before the reference day whose care has not started."""

    on: date
    count: int
    median_days: float | None
    mean_days: float | None
    max_days: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "count": self.count,
            "median_days": self.median_days,
            "mean_days": self.mean_days,
            "max_days": self.max_days,
        }


def waiting_list(indications: Iterable[Indication], on: date) -> WaitingList:
    """Waiting days are counted from ``granted`` to ``on``."""
    days = [
        (on - indication.granted).days
        for indication in indications
        if indication.granted <= on and (indication.started is None or indication.started > on)
    ]
    return WaitingList(
        on=on,
        count=len(days),
        median_days=_median(days),
        mean_days=_mean(days),
        max_days=max(days) if days else None,
    )


# --- where clients come from ---------------------------------------------------------------


def origin_location_matrix(
    stays: Iterable[StayRecord], on: date, *, scope: Scope = "all"
) -> dict[tuple[str, str], int]:
    """Distinct clients in care on ``on`` by (responsible, location) of their attributed stay.

    Each client is in one cell, so the matrix adds up to the stock of ``flow_figures``.
    """
    timeline = _Timeline(stays, scope, ("responsible", "location"))
    counts = Counter(timeline.stock(on.toordinal()))
    return {(responsible, location): n for (responsible, location), n in sorted(counts.items())}
