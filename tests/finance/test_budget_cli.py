"""'bwmo budget PARAMS.toml' as a controller runs it."""

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook

from bwmo.rules.budget_params import EXAMPLE_PARAMETERS


def run(tmp_path, *args):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "BWMO_DATA_DIR": str(tmp_path),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run(
        [sys.executable, "-m", "bwmo.cli", "budget", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


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
