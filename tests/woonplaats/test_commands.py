"""'bwmo woonplaats CASES.json': every case decided, printed as JSON, exit 0/1/2."""

import json
import os
from pathlib import Path

import pytest

from tests.commands import run_command

pytestmark = pytest.mark.django_db


def _shared_cases() -> Path:
    shared = Path(os.environ.get("BWMO_SHARED_DIR", Path(__file__).resolve().parents[3] / "shared"))
    return shared / "cases" / "woonplaats-examples.json"


def run(args, tmp_path):
    return run_command("woonplaats", *args)


@pytest.mark.skipif(not _shared_cases().exists(), reason="shared examples not present")
def test_woonplaats_examples_all_match(tmp_path):
    from tests.rules.test_woonplaats import SHARED_EXAMPLE_CORRECTIONS, corrected_examples

    # As shipped, the file differs from bwmo's reading exactly in the corrected cases ...
    result = run([str(_shared_cases())], tmp_path)
    assert result.returncode == (1 if SHARED_EXAMPLE_CORRECTIONS else 0)
    mismatches = {
        r["id"] for r in json.loads(result.stdout)["results"] if not r["matches_expected"]
    }
    assert mismatches == set(SHARED_EXAMPLE_CORRECTIONS)
    # ... and with bwmo's answers for those, every case matches.
    corrected = tmp_path / "woonplaats-examples.json"
    corrected.write_text(corrected_examples(_shared_cases().read_text(encoding="utf-8")))
    result = run([str(corrected)], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    document = json.loads(result.stdout)
    assert document["results"] and all(r["matches_expected"] for r in document["results"])
    assert {
        "id",
        "responsible",
        "category",
        "rule",
        "basis",
        "woonplaats_onbekend",
        "trace",
        "matches_expected",
    } <= set(document["results"][0])


def test_woonplaats_mismatch_and_invalid_file(tmp_path):
    case = {
        "id": "x",
        "product": "BW",
        "application_date": "2026-05-04",
        "applied_to": "GM0106",
        "centrumgemeente": "GM0106",
        "brp": [{"municipality": "GM1730", "from": "2015-01-01", "to": None, "kind": "woonadres"}],
        "care": [],
        "expected": {"responsible": "GM0106"},
    }
    cases = tmp_path / "cases.json"
    cases.write_text(
        json.dumps({"rules": {"start_date": "2026-01-01", "lookback_months": 12}, "cases": [case]})
    )
    result = run([str(cases)], tmp_path)
    assert result.returncode == 1
    assert json.loads(result.stdout)["results"][0]["responsible"] == "GM1730"
    case["application_date"] = "2026-13-01"
    cases.write_text(json.dumps({"rules": {"start_date": "2026-01-01"}, "cases": [case]}))
    result = run([str(cases)], tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "application_date" in result.stderr and "2026-13-01" in result.stderr
