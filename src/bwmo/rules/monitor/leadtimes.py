"""Access to care: lead times of the access process (doorlooptijden) and the waiting list.

Melding → end of the onderzoek (legal maximum six weeks), aanvraag → beschikking (two weeks),
beschikking → start of care; and indications granted but not yet started. Everything is as
known on a reference day, so figures for a past day can be recomputed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from bwmo.rules.deadlines import beschikking_deadline, onderzoek_deadline
from bwmo.rules.monitor._stats import mean, median

__all__ = [
    "Case",
    "Indication",
    "LeadTimeStat",
    "LeadTimes",
    "WaitingList",
    "lead_times",
    "waiting_list",
]


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
        median_days=median(days),
        mean_days=mean(days),
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
        median_days=median(days),
        mean_days=mean(days),
        max_days=max(days) if days else None,
    )
