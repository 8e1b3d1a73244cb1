"""Where clients come from: clients in care by responsible municipality × location."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date

from bwmo.rules.monitor.stays import Scope, StayRecord, _Timeline

__all__ = [
    "origin_location_matrix",
]


def origin_location_matrix(
    stays: Iterable[StayRecord], on: date, *, scope: Scope = "all"
) -> dict[tuple[str, str], int]:
    """Distinct clients in care on ``on`` by (responsible, location) of their attributed stay.

    Each client is in one cell, so the matrix adds up to the stock of ``flow_figures``.
    """
    timeline = _Timeline(stays, scope, ("responsible", "location"))
    counts = Counter(timeline.stock(on.toordinal()))
    return {(responsible, location): n for (responsible, location), n in sorted(counts.items())}
