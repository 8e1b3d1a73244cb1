"""'bwmo iwmo validate' on the standard's own example messages and on broken ones."""

import json
import os
from pathlib import Path

import pytest

from tests.commands import run_command

SHARED = Path(os.environ.get("BWMO_SHARED_DIR", Path(__file__).resolve().parents[3] / "shared"))
EXAMPLES = SHARED / "iwmo" / "examples"
pytestmark = [
    pytest.mark.skipif(not EXAMPLES.is_dir(), reason="iWmo examples not present"),
    pytest.mark.django_db,
]


@pytest.fixture(autouse=True)
def _xsd_dir(settings):
    settings.BWMO_IWMO_XSD_DIR = SHARED / "iwmo" / "xsd"


def run(tmp_path, *files):
    return run_command("iwmo", "validate", *files)


def test_examples_of_the_standard_are_valid(tmp_path):
    files = sorted(EXAMPLES.glob("*.xml"))
    result = run(tmp_path, *files)
    document = json.loads(result.stdout)
    assert result.returncode == 0, document
    assert [f["valid"] for f in document["files"]] == [True] * len(files)
    assert {f["message"] for f in document["files"]} >= {"WMO301", "WMO323"}


def test_broken_bsn_is_reported_with_rule_code(tmp_path):
    text = (EXAMPLES / "WMO305.xml").read_text(encoding="utf-8")
    import re

    bsn = re.search(r"<[\w:]*Bsn>(\d{9})</", text).group(1)
    broken = tmp_path / "broken.xml"
    broken.write_text(text.replace(bsn, bsn[:-1] + str((int(bsn[-1]) + 1) % 10)), "utf-8")
    result = run(tmp_path, broken, EXAMPLES / "WMO301.xml")
    assert result.returncode == 2  # bad input
    document = json.loads(result.stdout)
    errors = document["files"][0]["errors"]
    assert any(e["code"] == "CS002" and e["path"].endswith("Bsn") for e in errors), errors
    assert document["files"][1]["valid"] is True


def test_not_xml_exits_2(tmp_path):
    junk = tmp_path / "junk.xml"
    junk.write_text("dit is geen xml", "utf-8")
    result = run(tmp_path, junk)
    assert result.returncode == 2
    assert json.loads(result.stdout)["files"][0]["valid"] is False
