"""Backups that lose nothing: a consistent snapshot of the running database, and back.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies the database page by
page; when another connection writes in between, SQLite starts the copy again, so the file
is always one committed state — unlike copying the file, which misses what still sits in
the write-ahead log. PostgreSQL: ``pg_dump -Fc`` inside an exported snapshot (the row counts
we report are taken in the very same snapshot), and ``pg_restore --single-transaction`` so a
restore is all or nothing.
"""

import glob
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import connection

SQLITE_HEADER = b"SQLite format 3\x00"
PGDUMP_HEADER = b"PGDMP"
# What a restore would destroy that cannot be made again: with rows here, --force is needed.
PRECIOUS_TABLES = ["accounts_user", "clients_client", "audit_accesslogentry"]


class BackupError(Exception):
    """Bad input or a refused operation; ``exit_code`` 2 for bad input."""

    def __init__(self, message: str, *, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class BackupResult:
    path: Path
    vendor: str
    counts: dict[str, int]


def _sqlite_counts(raw: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in raw.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    counts = {}
    for name in names:
        sql = f'SELECT count(*) FROM "{name}"'  # noqa: S608 - names from the catalogue
        counts[name] = raw.execute(sql).fetchone()[0]
    return counts


def _pg_counts(cursor) -> dict[str, int]:
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
    )
    names = [row[0] for row in cursor.fetchall()]
    counts = {}
    for name in names:
        cursor.execute(f'SELECT count(*) FROM "{name}"')  # noqa: S608 - catalogue names
        counts[name] = cursor.fetchone()[0]
    return counts


def current_counts() -> dict[str, int]:
    """Rows per table in the configured database, as it is now."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        return _sqlite_counts(connection.connection)
    with connection.cursor() as cursor:
        return _pg_counts(cursor)


def postgresql_tool(name: str) -> str:
    """``pg_dump``/``pg_restore``: from PATH, else the newest under /usr/lib/postgresql."""
    found = shutil.which(name)
    if found:
        return found
    candidates = glob.glob(f"/usr/lib/postgresql/*/bin/{name}")

    def version(path: str) -> tuple[int, ...]:
        match = re.search(r"/postgresql/([\d.]+)/", path)
        return tuple(int(p) for p in match.group(1).split(".")) if match else (0,)

    if not candidates:
        raise BackupError(
            f"{name} not found on PATH or under /usr/lib/postgresql/*/bin: install the "
            "PostgreSQL client tools.",
            exit_code=1,
        )
    return max(candidates, key=version)


def _pg_environment() -> dict[str, str]:
    # The password goes through the environment, never on a command line others can read.
    settings_dict = connection.settings_dict
    env = {**os.environ}
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    return env


def _run(command: list[str], *, what: str) -> None:
    result = subprocess.run(  # noqa: S603 - fixed tool, arguments we built
        command, capture_output=True, text=True, env=_pg_environment(), check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {result.stderr.strip()}", exit_code=1)


def database_backup(
    *,
    target: Path,
    force: bool = False,
    step_pages: int = -1,
    during: Callable[[], None] | None = None,
) -> BackupResult:
    """Write a consistent snapshot of the database to ``target`` (safe while bwmo runs).

    ``during`` is called once while the backup is under way (tests write there); the
    backup then holds that write entirely or not at all.
    """
    target = Path(target)
    if target.exists() and not force:
        raise BackupError(f"{target} already exists: choose another name or use --force.")
    if not target.parent.is_dir():
        raise BackupError(f"Folder {target.parent} does not exist.")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if connection.vendor == "sqlite":
            counts = _sqlite_backup(partial, step_pages=step_pages, during=during)
        elif connection.vendor == "postgresql":
            counts = _pg_backup(partial, during=during)
        else:  # pragma: no cover
            raise BackupError(f"No backup for database vendor {connection.vendor}.", exit_code=1)
        os.replace(partial, target)  # a backup file is whole or absent
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(target, connection.vendor, counts)


def _sqlite_backup(partial: Path, *, step_pages: int, during) -> dict[str, int]:
    # A connection of its own, outside any transaction of this process's ORM connection.
    source = sqlite3.connect(**connection.get_connection_params())
    destination = sqlite3.connect(partial)
    pending = [during] if during else []

    def progress(status, remaining, total):
        if pending:
            pending.pop()()

    try:
        source.backup(destination, pages=step_pages, progress=progress)
        if pending:  # the copy was a single step: the write lands after it
            pending.pop()()
        # One self-contained file (no -wal beside it), checked before it is called a backup.
        destination.execute("PRAGMA journal_mode=DELETE")
        problems = destination.execute("PRAGMA integrity_check").fetchall()
        if problems != [("ok",)]:
            raise BackupError(f"The backup does not pass SQLite's integrity check: {problems}")
        return _sqlite_counts(destination)
    finally:
        destination.close()
        source.close()


def _pg_backup(partial: Path, *, during) -> dict[str, int]:
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        raw.autocommit = True
        with raw.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = _pg_counts(cursor)
            if during:
                during()
            _run(
                [
                    postgresql_tool("pg_dump"),
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={partial}",
                ],
                what="pg_dump",
            )
            cursor.execute("COMMIT")
    finally:
        raw.close()
    return counts


def _kind_of(path: Path) -> str:
    with path.open("rb") as handle:
        header = handle.read(16)
    if header.startswith(SQLITE_HEADER):
        return "sqlite"
    if header.startswith(PGDUMP_HEADER):
        return "postgresql"
    return "unknown"


def precious_rows() -> dict[str, int]:
    """Rows in the tables a restore would destroy (missing tables count as empty)."""
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        counts = {}
        for table in PRECIOUS_TABLES:
            if table in existing:
                cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - fixed names
                counts[table] = cursor.fetchone()[0]
        return {table: n for table, n in counts.items() if n}


def database_restore(*, source: Path, force: bool = False) -> dict[str, int]:
    """Replace the database with the backup in ``source``; returns rows per table after."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"Backup file {source} does not exist.")
    kind = _kind_of(source)
    names = {"sqlite": "an SQLite backup", "postgresql": "a PostgreSQL dump (pg_dump -Fc)"}
    if kind == "unknown":
        raise BackupError(f"{source} is neither {names['sqlite']} nor {names['postgresql']}.")
    if kind != connection.vendor:
        raise BackupError(
            f"{source} is {names[kind]}, but DATABASE_URL names a {connection.vendor} database."
        )
    occupied = precious_rows()
    if occupied and not force:
        held = ", ".join(f"{n} rows in {table}" for table, n in occupied.items())
        raise BackupError(
            f"The database is not empty ({held}); restoring replaces all of it. "
            "Use --force to restore over it."
        )
    if kind == "sqlite":
        _sqlite_restore(source)
    else:
        _pg_restore(source)
    connection.close()  # the next query sees the restored database
    return current_counts()


def _sqlite_restore(source: Path) -> None:
    backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        try:
            problems = backup.execute("PRAGMA integrity_check").fetchall()
            tables = {r[0] for r in backup.execute("SELECT name FROM sqlite_master")}
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{source} is not a readable SQLite database: {error}.") from error
        if problems != [("ok",)]:
            raise BackupError(f"{source} does not pass SQLite's integrity check: {problems}")
        if "django_migrations" not in tables:
            raise BackupError(f"{source} is an SQLite database, but not one of bwmo.")
        connection.close()
        destination = sqlite3.connect(**connection.get_connection_params())
        try:
            backup.backup(destination)  # page by page, in one write transaction
        finally:
            destination.close()
    finally:
        backup.close()


def _pg_restore(source: Path) -> None:
    connection.close()
    _run(
        [
            postgresql_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={connection.settings_dict['NAME']}",
            str(source),
        ],
        what="pg_restore",
    )
