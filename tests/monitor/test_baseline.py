"""The bench's hand-written SQL gives the monitor's own figures on the demo (else the ratio in
`make bench` compares different things), and the bench itself runs (a smoke run: one
repetition on a small demo; its timings are reported, never asserted)."""

import json
from datetime import date

import pytest

from bwmo.generate.demo import generate_demo
from bwmo.monitor import baseline
from bwmo.monitor.selectors import region_codes, stay_records
from bwmo.monitor.services import MonitorScope, monitor_document
from bwmo.organisations.models import Region
from bwmo.rules import monitor

REFERENCE = date(2026, 11, 1)
START, END = date(2025, 1, 1), REFERENCE


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            generate_demo(seed=2026, reference_date=REFERENCE, clients=300)
            yield
            transaction.set_rollback(True)


def _kinds(counts: dict) -> dict:
    return {"total": counts["total"], **{k: n for k, n in counts.get("kind", {}).items() if n}}


def _nonzero(figures: dict) -> dict:
    return {k: n for k, n in figures.items() if n or k == "total"}


@pytest.mark.django_db
def test_the_sql_baseline_counts_what_the_monitor_counts(demo):
    checked = 0
    for region in Region.objects.order_by("pk"):
        members = region_codes(region)
        sql = baseline.dashboard_figures(members, start=START, end=END)
        records = stay_records(municipalities=members)
        document = monitor_document(scope=MonitorScope(region, None), start=START, end=END)
        # The region as the dashboard shows it (its own view, in full) ...
        stock = sql["stock"]
        flows = sql["flows"][(START, END)]
        empty = {"total": 0}
        assert _kinds(document["in_care_at_start"]) == stock[START].get("regio", empty)
        assert _kinds(document["in_care_at_end"]) == stock[END].get("regio", empty)
        for table in ("instroom", "uitstroom"):
            assert _kinds(document[table]) == flows.get("regio", {}).get(table, empty), table
        quarters = baseline.quarter_bounds(START, END)
        assert len(quarters) == len(document["quarters"])
        for (lo, hi), quarter in zip(quarters, document["quarters"], strict=True):
            assert quarter["in_care_at_end"]["total"] == stock[hi].get("regio", empty)["total"]
            got = sql["flows"][(lo, hi)].get("regio", {})
            assert quarter["instroom"]["total"] == got.get("instroom", empty)["total"]
            assert quarter["uitstroom"]["total"] == got.get("uitstroom", empty)["total"]
        # ... and every municipality's part, by the rules on the monitor's own rows.
        for code in members:
            mine = [r for r in records if r.responsible == code]
            figures = monitor.flow_figures(mine, start=START, end=END).to_dict()
            for day, table in ((START, "in_care_at_start"), (END, "in_care_at_end")):
                assert _nonzero(_kinds(figures[table])) == stock[day].get(code, empty), code
            for table in ("instroom", "uitstroom"):
                want = _nonzero(_kinds(figures[table]))
                assert want == flows.get(code, {}).get(table, empty), (code, table)
            checked += figures["in_care_at_end"]["total"] + figures["instroom"]["total"]
    assert checked > 100  # the demo has clients in care and flows to compare


@pytest.mark.django_db
def test_bench_smoke_run(demo, tmp_path):
    """The database part of `make bench` and its table, once, small: it runs and reports every
    row with its baseline; the speed targets themselves are not asserted here."""
    from bwmo.benchmarks import table
    from bwmo.monitor.benchmark import measure

    timings = measure(repeat=1, today=REFERENCE, external=False)
    names = [t.name for t in timings]
    assert any(name.startswith("region dashboard") for name in names)
    assert any(name.startswith("woonplaats recompute") for name in names)
    dashboard = next(t for t in timings if t.name.startswith("region dashboard"))
    assert dashboard.note == ""  # every page answered 200
    assert dashboard.baseline_median and dashboard.ratio
    text = table(timings)
    assert "SQL baseline" in text and "region dashboard" in text
    out = tmp_path / "results.json"
    out.write_text(json.dumps([t.to_dict() for t in timings], default=str))
    assert json.loads(out.read_text())[0]["passed"] in (True, False)
