"""The ``bwmo`` entry point itself: its help, and a fresh database brought up to date."""

import os
import subprocess
import sys
from pathlib import Path

from bwmo.cli import main


def test_help_lists_the_commands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("demo", "serve", "generate", "audit verify", "backup FILE"):
        assert command in out


def test_empty_database_gets_its_schema_and_audit_verifies(tmp_path):
    """The installed ``bwmo`` script, as an operator starts it, on a database that does not
    exist yet (a process of its own: it must migrate a database of its own)."""
    script = Path(sys.executable).with_name("bwmo")
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "BWMO_DATA_DIR": str(tmp_path),
    }
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests only
    command = [str(script)] if script.exists() else [sys.executable, "-m", "bwmo.cli"]
    result = subprocess.run(
        [*command, "audit", "verify"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Access log intact: 0 entries" in result.stdout
    assert (tmp_path / "cli.sqlite3").exists()
