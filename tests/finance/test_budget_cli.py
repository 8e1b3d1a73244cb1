"""'bwmo budget PARAMS.toml' as a controller runs it."""

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bwmo.rules.budget_params import EXAMPLE_PARAMETERS
from tests.commands import run_command

pytestmark = pytest.mark.django_db


def run(tmp_path, *args):
    return run_command("budget", *args)


def test_csv_to_stdout(tmp_path):
    result = run(tmp_path, EXAMPLE_PARAMETERS)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["year", "region", "municipality", "historic", "objective", "total"]
    region_2021 = next(r for r in rows if r["year"] == "2021" and r["municipality"] == "REGION")
    assert region_2021["historic"] == "13691613"
    region_2029 = next(r for r in rows if r["year"] == "2029" and r["municipality"] == "REGION")
    assert region_2029["historic"] == "0"


def test_xlsx_has_numbers_in_euro_format(tmp_path):
    out = tmp_path / "budget.xlsx"
    result = run(tmp_path, EXAMPLE_PARAMETERS, "--format", "xlsx", "--out", out)
    assert result.returncode == 0, result.stderr
    sheet = load_workbook(out)["Budget"]
    assert [c.value for c in sheet[1]] == [
        "Jaar",
        "Regio",
        "Gemeente",
        "Historisch budget",
        "Objectief budget",
        "Totaal budget",
    ]
    assert isinstance(sheet["D2"].value, int | float)
    assert sheet["D2"].number_format.endswith("#,##0.00")
    assert "€" in sheet["D2"].number_format


def test_malformed_file_exit_2_with_every_error(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        Path(EXAMPLE_PARAMETERS)
        .read_text(encoding="utf-8")
        .replace('code = "GM0109"', 'code = "GM9999"')
        .replace("macro_bw = 1426377000.00", "macro_bw = -1"),
        encoding="utf-8",
    )
    result = run(tmp_path, bad)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "GM9999" in result.stderr
    assert "macro_bw" in result.stderr
