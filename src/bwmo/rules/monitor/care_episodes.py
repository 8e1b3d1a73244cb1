"""Care episodes and their durations.

An episode is a run of consecutive days in care of one client in one scope: consecutive or
overlapping stays form one episode, split where a day without care lies between them. Each
episode is a sequence of segments, the days attributed to one stay (see
:mod:`bwmo.rules.monitor.stays`). ``duration_stats`` reads the episodes and the stays for
durations and for the share still in care one and two years after the start.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Any

from bwmo.rules.dates import add_months
from bwmo.rules.monitor._stats import mean, median
from bwmo.rules.monitor.stays import _OPEN, Scope, StayRecord, _check_scope, _client_segments, _Seg

__all__ = [
    "DurationStat",
    "DurationStats",
    "Episode",
    "Segment",
    "duration_stats",
    "episodes",
]


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
            episode_median_days=median(self.episodes),
            episode_mean_days=mean(self.episodes),
            stays=len(self.stays),
            stay_median_days=median(self.stays),
            stay_mean_days=mean(self.stays),
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
