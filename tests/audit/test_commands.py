"""'bwmo audit anchor', 'bwmo backup' and 'bwmo restore' as an operator runs them."""

import pytest

from tests.commands import run_command

# Backup and restore work on committed data through connections of their own.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def demo_key(settings, tmp_path):
    """No key configured: the demo's key is generated into the data folder."""
    settings.DATA_DIR = tmp_path
    settings.BWMO_AUDIT_KEY = ""
    settings.BWMO_AUDIT_KEY_FILE = ""
    settings.BWMO_AUDIT_KEY_GENERATE = True


def test_backup_and_restore_from_the_command_line(demo_key, tmp_path, capsys):
    anchored = run_command("audit", "anchor")
    assert anchored.returncode == 0, anchored.stderr
    assert "Access log anchored: 0 entries" in anchored.stdout
    assert "new access-log key generated" in capsys.readouterr().err  # the demo's key, announced
    assert (tmp_path / "audit_key").exists() and (tmp_path / "audit-anchors.jsonl").exists()
    backup = tmp_path / "bwmo.backup"
    made = run_command("backup", backup)
    assert made.returncode == 0, made.stderr
    assert "Backup written" in made.stdout and "audit_chainhead: 1" in made.stdout
    again = run_command("backup", backup)
    assert again.returncode == 2 and "already exists" in again.stderr
    restored = run_command("restore", backup)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "Access log intact: 0 entries" in restored.stdout
    assert "consistent with the anchor" in restored.stdout
    missing = run_command("restore", tmp_path / "nope.backup")
    assert missing.returncode == 2 and "does not exist" in missing.stderr
