"""The audit of the occupancy screen (``/zorg/bezetting/``) on the demo: every relation a
reader of both regions' screens knows at once, solved exactly for every hidden cell.

A line (provider × location × product) counts the stays at that provider and location,
whatever municipality is responsible: a provider contracted by both regions has the same
line, with the same counts, on both regions' screens. Each month is a table (lines + the
region's total); the same cell on two screens is one cell. No other relation holds between
the published counts: a month's stock is not the last month's plus a published flow.
"""

from __future__ import annotations

from datetime import date

import pytest

from bwmo.care.selectors import capacity_document
from bwmo.generate.demo import generate_demo
from bwmo.organisations.models import Region
from bwmo.rules.suppression import MARK, _Problem

REFERENCE = date(2026, 11, 1)
START, END = date(2025, 11, 1), date(2026, 10, 31)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            generate_demo(seed=2026, reference_date=REFERENCE, clients=400)
            yield
            transaction.set_rollback(True)


def occupancy_audit(documents) -> dict:
    """Cells, relations, hidden cells and the hidden cells all relations give back."""
    values: dict = {}
    shown: dict = {}
    equations = []
    for document in documents:
        region = document.region.pk
        for m, month in enumerate(document.months):
            total = ("total", region, month)
            values[total] = 0
            shown[total] = [document.totals[m].occupied]
            equation = {total: -1}
            for line in document.lines:
                key = (line.provider, line.location, line.product, month)
                cell = line.cells[m].occupied
                shown.setdefault(key, []).append(cell)
                equation[key] = 1
            equations.append(equation)
    true = true_counts(documents)
    for key in shown:
        values[key] = true[key]
    hidden = {key for key, seen in shown.items() if all(v == MARK for v in seen)}
    problem = _Problem(values, equations)
    return {
        "cells": len(values),
        "relations": len(problem.equations),
        "hidden": len(hidden),
        "on_two_screens": sum(1 for seen in shown.values() if len(seen) > 1),
        "exposed": problem.exposed(hidden),
        "exposed_to_trusting": problem.exposed(hidden, trust_marks=True),
    }


def true_counts(documents) -> dict:
    """The unsuppressed counts behind the documents, from the stays themselves."""
    from django.db.models import Q

    from bwmo.care.models import Stay

    counts: dict = {}
    for document in documents:
        for month in document.months:
            total = 0
            for line in document.lines:
                n = (
                    Stay.objects.filter(
                        provider__name=line.provider,
                        location_id=line.location,
                        product__code=line.product,
                        start__lte=month,
                    )
                    .filter(Q(end__isnull=True) | Q(end__gte=month))
                    .count()
                )
                counts[(line.provider, line.location, line.product, month)] = n
                total += n
            counts[("total", document.region.pk, month)] = total
    return counts


@pytest.mark.django_db
def test_no_hidden_occupancy_cell_follows_from_both_regions_screens(demo):
    documents = [
        capacity_document(region=region, start=START, end=END, on=REFERENCE)
        for region in Region.objects.order_by("pk")
    ]
    result = occupancy_audit(documents)
    print(result)
    assert result["hidden"] > 0
    assert not result["exposed"], sorted(map(repr, result["exposed"]))[:5]
