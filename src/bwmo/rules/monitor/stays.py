"""The stays the monitor reads, and which stay a client's day in care is attributed to.

The monitor's modules (``flow``, ``care_episodes``, ``origin``) share this: per client the
stays of a scope become maximal runs of days (segments) with one attributed stay, worked out on
interval boundaries, never per day. The rule of attribution is set out in
:mod:`bwmo.rules.monitor.flow`. The names with a leading underscore are for those modules only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from operator import attrgetter
from typing import Any, Literal

__all__ = [
    "CATEGORIES",
    "FINANCINGS",
    "KINDS",
    "SCOPES",
    "Scope",
    "StayRecord",
]


Scope = Literal["all", "BW", "MO"]

SCOPES = ("all", "BW", "MO")
KINDS = ("BW", "MO")
FINANCINGS = ("ZIN", "PGB")
CATEGORIES = ("overgangsclient", "nieuwe_client", "mo", "")

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


def _check_scope(scope: str) -> None:
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}, not {scope!r}")
