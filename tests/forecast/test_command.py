"""``bwmo forecast``: the JSON document, the workbook and bad input (exit 2, every error)."""

import json
from io import BytesIO

import pytest
from openpyxl import load_workbook

from tests.commands import run_command

pytestmark = pytest.mark.django_db


def test_json_document(demo, tmp_path):
    scenario = tmp_path / "s.json"
    scenario.write_text(json.dumps({"name": "afschalen 20% sneller", "afschalen_pct": 20}))
    result = run_command(
        "forecast",
        "--region",
        "GM0106",
        "--cutoff",
        "2026-12-01",
        "--years",
        "2",
        "--runs",
        "50",
        "--seed",
        "4",
        "--scenario",
        scenario,
        "--backtest",
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    inputs = document["inputs"]
    for key in ("region", "cutoff", "runs", "seed", "scenario", "code_version"):
        assert key in inputs
    assert inputs["scenario"]["afschalen_pct"] == 20
    row = document["forecast"][0]
    assert set(row) == {
        "municipality",
        "year",
        "product",
        "clients_p10",
        "clients_p50",
        "clients_p90",
        "cost_p10",
        "cost_p50",
        "cost_p90",
    }
    assert any(r["product"] is None and r["municipality"] is None for r in document["forecast"])
    assert [r["horizon"] for r in document["backtest"]] == [1, 2]
    assert set(document["backtest"][0]) == {
        "horizon",
        "n",
        "mape_clients",
        "coverage_clients",
        "mape_cost",
        "coverage_cost",
    }
    one = run_command(
        "forecast",
        "--region",
        "GM0106",
        "--municipality",
        "GM0106",
        "--cutoff",
        "2026-12-01",
        "--years",
        "2",
        "--runs",
        "50",
        "--seed",
        "4",
        "--scenario",
        scenario,
    )
    rows = json.loads(one.stdout)["forecast"]
    assert {r["municipality"] for r in rows} == {"GM0106"}
    same = [r for r in document["forecast"] if r["municipality"] == "GM0106"]
    assert rows == same


def test_workbook(demo, tmp_path):
    out = tmp_path / "prognose.xlsx"
    result = run_command(
        "forecast",
        "--region",
        "GM0114",
        "--cutoff",
        "2026-12-01",
        "--years",
        "2",
        "--runs",
        "20",
        "--backtest",
        "--format",
        "xlsx",
        "--out",
        out,
    )
    assert result.returncode == 0, result.stderr
    book = load_workbook(BytesIO(out.read_bytes()))
    assert book.sheetnames == [
        "Over dit bestand",
        "Prognose",
        "Kosten tegen budget",
        "Capaciteit tegen vraag",
        "Backtest",
    ]
    capacity = [c.value for c in book["Capaciteit tegen vraag"][1]]
    assert capacity == [
        "Product",
        "Jaar",
        "Plaatsen",
        "Vraag P50",
        "Vraag P90",
        "Tekort P50",
        "Tekort P90",
    ]
    assert book["Capaciteit tegen vraag"].max_row > 2
    header = [c.value for c in book["Prognose"][1]]
    assert header[:3] == ["Gemeente", "Jaar", "Product"]
    assert book["Prognose"].max_row > 10


def test_bad_input_lists_every_error(demo, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"afschalen": 20, "wlz_pct": "meer", "capacity": [{"product": "X"}]}))
    result = run_command(
        "forecast",
        "--region",
        "GM0106",
        "--municipality",
        "GM0114",
        "--scenario",
        bad,
    )
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 6, result.stderr
    assert "GM0114" in result.stderr and "afschalen" in result.stderr
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    result = run_command("forecast", "--region", "GM0106", "--scenario", broken)
    assert result.returncode == 2 and "line 1" in result.stderr
    result = run_command("forecast", "--region", "Nergens")
    assert result.returncode == 2 and "unknown region" in result.stderr
