"""Median and mean of a list of day counts, ``None`` for an empty list (shared by the monitor)."""

from __future__ import annotations

import statistics


def median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def mean(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None
