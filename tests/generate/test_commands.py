"""The ``bwmo`` command as an operator uses it: a fresh database, real processes."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BWMO = [sys.executable, "-m", "bwmo.cli"]


def run(args, tmp_path: Path, **env):
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "BWMO_DATA_DIR": str(tmp_path),
        **env,
    }
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests only
    return subprocess.run(
        [*BWMO, *args], capture_output=True, text=True, env=environment, timeout=300, check=False
    )


def test_help_lists_the_commands(tmp_path):
    result = run(["--help"], tmp_path)
    assert result.returncode == 0
    for command in ("demo", "serve", "generate", "audit verify"):
        assert command in result.stdout


def test_empty_database_gets_its_schema_and_audit_verifies(tmp_path):
    result = run(["audit", "verify"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Access log intact: 0 entries" in result.stdout
    assert (tmp_path / "cli.sqlite3").exists()


def test_generate_then_refuse_a_second_time(tmp_path):
    first = run(
        [
            "generate",
            "--profile",
            "demo",
            "--seed",
            "3",
            "--clients",
            "60",
            "--reference-date",
            "2026-06-30",
        ],
        tmp_path,
    )
    assert first.returncode == 0, first.stderr
    generated = int(re.search(r"clients: (\d+)", first.stdout).group(1))
    assert generated >= 60  # the population plus the woonplaats scenarios
    assert "decisions: " in first.stdout
    second = run(["generate", "--profile", "demo", "--seed", "3", "--clients", "60"], tmp_path)
    assert second.returncode != 0
    assert "already holds clients" in second.stderr


def test_bad_arguments_are_explained(tmp_path):
    result = run(["generate", "--profile", "national"], tmp_path)
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_demo_prepares_and_prints_the_accounts(tmp_path):
    result = run(["demo", "--no-serve", "--seed", "5"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "toegang.assen" in result.stdout and "demo-bwmo-2026" in result.stdout
    again = run(["demo", "--no-serve"], tmp_path)  # idempotent: nothing generated twice
    assert again.returncode == 0
    assert "wordt aangemaakt" not in again.stdout


@pytest.mark.parametrize("settings", ["bwmo.settings.production"])
def test_production_settings_pass_the_deploy_check(tmp_path, settings):
    result = run(
        ["check", "--deploy", "--fail-level", "WARNING", "--settings", settings],
        tmp_path,
        SECRET_KEY="x" * 64 + "-production-secret-for-the-check-only",
        BWMO_AUDIT_KEY="k" * 64,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_the_access_log_key(tmp_path):
    result = run(
        ["check", "--settings", "bwmo.settings.production"],
        tmp_path,
        SECRET_KEY="x" * 64 + "-production-secret-for-the-check-only",
        BWMO_AUDIT_KEY="",
        BWMO_AUDIT_KEY_FILE="",
    )
    assert result.returncode != 0
    assert "BWMO_AUDIT_KEY or BWMO_AUDIT_KEY_FILE must be set in production" in result.stderr


def test_deploy_check_warns_about_the_demo_access_log_key(tmp_path):
    result = run(["check", "--deploy"], tmp_path, BWMO_AUDIT_KEY="", BWMO_AUDIT_KEY_FILE="")
    assert "bwmo.audit.W001" in result.stdout + result.stderr


def test_backup_and_restore_from_the_command_line(tmp_path):
    anchored = run(["audit", "anchor"], tmp_path)
    assert anchored.returncode == 0, anchored.stderr
    assert "new access-log key generated" in anchored.stderr  # the demo's key, announced
    assert (tmp_path / "audit_key").exists() and (tmp_path / "audit-anchors.jsonl").exists()
    backup = tmp_path / "bwmo.backup"
    made = run(["backup", str(backup)], tmp_path)
    assert made.returncode == 0, made.stderr
    assert "Backup written" in made.stdout and "audit_chainhead: 1" in made.stdout
    again = run(["backup", str(backup)], tmp_path)
    assert again.returncode == 2 and "already exists" in again.stderr
    other = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    restored = run(["restore", str(backup)], tmp_path, DATABASE_URL=other)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "Access log intact: 0 entries" in restored.stdout
    assert "consistent with the anchor" in restored.stdout
    missing = run(["restore", str(tmp_path / "nope.backup")], tmp_path, DATABASE_URL=other)
    assert missing.returncode == 2 and "does not exist" in missing.stderr


def test_production_refuses_to_start_without_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite3'}",
            "DJANGO_SETTINGS_MODULE": "bwmo.settings.production",
        }
    )
    result = subprocess.run(
        [*BWMO, "check"], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def _shared_cases() -> Path:
    shared = Path(os.environ.get("BWMO_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))
    return shared / "cases" / "woonplaats-examples.json"


@pytest.mark.skipif(not _shared_cases().exists(), reason="shared examples not present")
def test_woonplaats_examples_all_match(tmp_path):
    import json

    from tests.rules.test_woonplaats import SHARED_EXAMPLE_CORRECTIONS, corrected_examples

    # As shipped, the file differs from bwmo's reading exactly in the corrected cases ...
    result = run(["woonplaats", str(_shared_cases())], tmp_path)
    assert result.returncode == (1 if SHARED_EXAMPLE_CORRECTIONS else 0)
    mismatches = {
        r["id"] for r in json.loads(result.stdout)["results"] if not r["matches_expected"]
    }
    assert mismatches == set(SHARED_EXAMPLE_CORRECTIONS)
    # ... and with bwmo's answers for those, every case matches.
    corrected = tmp_path / "woonplaats-examples.json"
    corrected.write_text(corrected_examples(_shared_cases().read_text(encoding="utf-8")))
    result = run(["woonplaats", str(corrected)], tmp_path)
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
    import json

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
    result = run(["woonplaats", str(cases)], tmp_path)
    assert result.returncode == 1
    assert json.loads(result.stdout)["results"][0]["responsible"] == "GM1730"
    case["application_date"] = "2026-13-01"
    cases.write_text(json.dumps({"rules": {"start_date": "2026-01-01"}, "cases": [case]}))
    result = run(["woonplaats", str(cases)], tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "application_date" in result.stderr and "2026-13-01" in result.stderr
