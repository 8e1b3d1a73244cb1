"""bwmo backup / bwmo restore: a round trip finds every record and a verifying access log."""

import threading

import pytest
from django.db import connection

from bwmo.audit.models import AccessLogEntry, ChainHead, ChainVerification
from bwmo.audit.services import access_log_anchor, access_log_record, access_log_verify
from bwmo.core.backup import BackupError, current_counts, database_backup, database_restore
from tests.factories import RegionSetup, client_with_melding

# Backup and restore work on committed data through connections of their own.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DURING = 5  # entries written, in one transaction, while the backup runs


def _read(setup, clients, n=1):
    for _ in range(n):
        access_log_record(
            user=setup.users["toegang_assen"], clients=clients, what="dossier", why="test"
        )


def _write_in_another_connection(setup, clients):
    """The running server: another thread (another connection) appends while we back up."""

    def work():
        try:
            access_log_record(
                user=setup.users["toegang_assen"],
                clients=clients * DURING,
                what="zoekresultaat",
                why="test",
            )
        finally:
            connection.close()

    def during():
        thread = threading.Thread(target=work)
        thread.start()
        thread.join(timeout=30)
        assert not thread.is_alive()

    return during


@pytest.fixture
def world():
    setup = RegionSetup.create()
    clients = [client_with_melding(setup) for _ in range(3)]
    _read(setup, clients, n=4)
    access_log_anchor()
    return setup, clients


def test_round_trip_finds_every_record_and_a_write_during_the_backup_is_whole(world, tmp_path):
    setup, clients = world
    before = AccessLogEntry.objects.count()
    backup = database_backup(
        target=tmp_path / "bwmo.backup",
        step_pages=1,  # page by page, so the other connection writes in the middle
        during=_write_in_another_connection(setup, clients[:1]),
    )
    assert AccessLogEntry.objects.count() == before + DURING  # the write itself succeeded
    in_backup = backup.counts["audit_accesslogentry"]
    assert in_backup in (before, before + DURING), in_backup  # all of it or none, never half
    print(f"write during the backup: {'in' if in_backup > before else 'not in'} the backup")
    _read(setup, clients)  # the database moves on after the backup
    with pytest.raises(BackupError, match=r"not empty .* Use --force"):
        database_restore(source=backup.path)
    restored = database_restore(source=backup.path, force=True)
    assert restored == backup.counts
    assert sum(restored.values()) > 100
    assert AccessLogEntry.objects.count() == in_backup
    assert ChainHead.objects.get().entries == in_backup
    report = access_log_verify()
    assert report.ok, report.problem
    assert report.last_anchor.entries == before


def test_restoring_a_backup_older_than_the_last_anchor_reports_the_lost_entries(world, tmp_path):
    setup, clients = world
    backup = database_backup(target=tmp_path / "old.backup")
    _read(setup, clients, n=2)
    access_log_anchor()  # the auditor's anchor now records six more entries than the backup
    database_restore(source=backup.path, force=True)
    report = access_log_verify()
    assert not report.ok
    assert "truncated" in report.problem and f"holds {backup.counts['audit_accesslogentry']}" in (
        report.problem
    )


def test_bad_input_is_refused_with_a_clear_message(world, tmp_path):
    existing = tmp_path / "exists.backup"
    existing.write_text("x")
    with pytest.raises(BackupError, match="already exists"):
        database_backup(target=existing)
    with pytest.raises(BackupError, match="does not exist"):
        database_backup(target=tmp_path / "no" / "such" / "folder.backup")
    with pytest.raises(BackupError, match="does not exist"):
        database_restore(source=tmp_path / "missing.backup")
    with pytest.raises(BackupError, match="neither an SQLite backup nor a PostgreSQL dump"):
        database_restore(source=existing, force=True)
    other = b"PGDMP" if connection.vendor == "sqlite" else b"SQLite format 3\x00"
    wrong = tmp_path / "wrong.backup"
    wrong.write_bytes(other + b"\x00" * 100)
    with pytest.raises(BackupError, match=f"names a {connection.vendor} database"):
        database_restore(source=wrong, force=True)
    assert current_counts()["audit_accesslogentry"] == AccessLogEntry.objects.count() > 0
    assert not ChainVerification.objects.filter(trigger="restore").exists()
