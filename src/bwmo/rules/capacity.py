"""Capacity against demand: contracted places, occupancy and the waiting list.

Pure arithmetic on counts that the care selectors compute in the database:

* **Places in force** on a day: the contracted places (per provider, location and product)
  of the capacity rows whose period holds that day, within the contract's current term.
* **Occupancy** of a month: the stays in progress on the month's first day (the peildatum),
  per provider, location and product; its percentage of the places in force that day.
  Over capacity: more places occupied than contracted (also when none are contracted).
* **Waiting**: a granted zorg-in-natura indication, in force, not yet verzilverd and without
  a stay, waits since its ingangsdatum; waiting times are published in bands only.

A suppressed count (``"×"``) gives no percentage and no over-capacity flag: together with
the places either would narrow the hidden count down.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "WAIT_BANDS",
    "Occupancy",
    "Period",
    "average_places",
    "month_starts",
    "occupancy",
    "places_on",
    "wait_band",
]

# Lower bounds in days of the waiting-time bands: < 1 month, 1–3, 3–6, 6 months or more.
WAIT_BANDS: tuple[int, ...] = (0, 30, 91, 182)


@dataclass(frozen=True)
class Period:
    """A number of places in force from ``start`` through ``end`` (None: open-ended)."""

    start: date
    end: date | None
    places: int


@dataclass(frozen=True)
class Occupancy:
    occupied: int | str
    places: int
    percentage: Decimal | None
    over_capacity: bool | None


def month_starts(start: date, end: date) -> list[date]:
    """The first day of every month from ``start``'s month through ``end``'s month."""
    if end < start:
        raise ValueError("end before start")
    days = []
    day = start.replace(day=1)
    while day <= end:
        days.append(day)
        day = (day + timedelta(days=32)).replace(day=1)
    return days


def places_on(periods: list[Period], day: date) -> int:
    """The places in force on ``day``: the sum over the periods that hold it."""
    return sum(p.places for p in periods if p.start <= day and (p.end is None or day <= p.end))


def average_places(periods: list[Period], year: int) -> Decimal:
    """The contracted places averaged over the days of ``year`` (two decimals): a row of 10
    places from 1 July counts as 5.04 in a year of 365 days (184 / 365 × 10)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    days = (last - first).days + 1
    place_days = 0
    for p in periods:
        start = max(p.start, first)
        end = last if p.end is None else min(p.end, last)
        if end >= start:
            place_days += p.places * ((end - start).days + 1)
    return (Decimal(place_days) / Decimal(days)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def occupancy(occupied: int | str, places: int) -> Occupancy:
    """Occupied places against the places in force; ``occupied`` may be suppressed (a str)."""
    if isinstance(occupied, str):
        return Occupancy(occupied, places, None, None)
    percentage = (
        (Decimal(100 * occupied) / Decimal(places)).quantize(Decimal("1"), ROUND_HALF_UP)
        if places > 0
        else None
    )
    return Occupancy(occupied, places, percentage, occupied > places)


def wait_band(days: int) -> int:
    """The index in ``WAIT_BANDS`` of a waiting time of ``days`` (0 or more)."""
    if days < 0:
        raise ValueError("a waiting time is not negative")
    return max(i for i, lower in enumerate(WAIT_BANDS) if days >= lower)
