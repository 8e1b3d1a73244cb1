"""The production settings refuse to load without their secrets and pass the deploy check.

Settings are read once, when the process starts: each case is a process of its own."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BWMO = [sys.executable, "-m", "bwmo.cli"]
SECRET = "x" * 64 + "-production-secret-for-the-check-only"


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


@pytest.mark.parametrize("settings", ["bwmo.settings.production"])
def test_production_settings_pass_the_deploy_check(tmp_path, settings):
    result = run(
        ["check", "--deploy", "--fail-level", "WARNING", "--settings", settings],
        tmp_path,
        SECRET_KEY=SECRET,
        BWMO_AUDIT_KEY="k" * 64,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_the_access_log_key(tmp_path):
    result = run(
        ["check", "--settings", "bwmo.settings.production"],
        tmp_path,
        SECRET_KEY=SECRET,
        BWMO_AUDIT_KEY="",
        BWMO_AUDIT_KEY_FILE="",
    )
    assert result.returncode != 0
    assert "BWMO_AUDIT_KEY or BWMO_AUDIT_KEY_FILE must be set in production" in result.stderr


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
