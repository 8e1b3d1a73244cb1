"""The headline figures of the demo reach an outside reader where that is safe: secondary
cells that suppression takes first (a total) and that turn out unnecessary once the others are
hidden are published again, and still no hidden cell follows from what is published."""

from datetime import date

import pytest

from bwmo.monitor import services
from bwmo.monitor.services import MonitorScope, computed_document
from bwmo.organisations.models import Municipality, Region
from bwmo.rules.suppression import MARK, audit_bounds, audit_parts

START, END = date(2026, 1, 1), date(2026, 10, 31)


@pytest.mark.django_db
def test_assens_headline_is_published_for_an_outside_reader(demo, monkeypatch):
    seen: dict = {}
    real = services._suppressed_parts

    def spy(raw, **kwargs):
        seen.setdefault("raw", raw)
        seen.setdefault("inputs", kwargs)
        return real(raw, **kwargs)

    monkeypatch.setattr(services, "_suppressed_parts", spy)
    region = Region.objects.get(centrumgemeente_id="GM0106")
    scope = MonitorScope(region, Municipality.objects.get(code="GM0106"))
    external = computed_document(scope=scope, start=START, end=END, audience="external")
    internal = computed_document(scope=scope, start=START, end=END, audience="internal")

    # Assen's stock at the end and its instroom: each the sum of published cells of a
    # breakdown with several hidden ones; hiding them took many more cells with them.
    for table in ("in_care_at_start", "in_care_at_end", "instroom", "uitstroom"):
        assert external[table]["total"] == internal[table]["total"] > 0, table
    assert (
        external["quarters"][-1]["in_care_at_end"]["total"] == (internal["in_care_at_end"]["total"])
    )

    # Safe: the published parts give no hidden cell back, to the public, to a reader who
    # takes every mark as at most 4, or to the staff of any reader group.
    raw, inputs = seen["raw"], seen["inputs"]
    published = real(raw, **{**inputs, "hidden_before": []})
    assert published[("GM0106", "main")]["in_care_at_end"]["total"] != MARK
    checked = {
        key: value
        for key, value in inputs.items()
        if key in ("nesting", "links", "revealed", "unshared")
    }
    exact = audit_parts(raw, published, **checked)
    assert exact["hidden"] > 0
    assert not any(exact["exposed"].values()), exact["exposed"]
    bounds = audit_bounds(raw, published, **checked)
    assert not any(bounds["exposed"].values()), bounds["exposed"]
