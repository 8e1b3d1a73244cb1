"""Kill drills: run a ``bwmo`` command as its own process on a copy of the test database,
kill it with SIGKILL at seeded random moments, and let the test check what is left.

On SQLite the (in-memory) test database is copied into a file the process opens; on
PostgreSQL the process opens the test database itself (the drill tests commit, so they use
``django_db(transaction=True, serialized_rollback=True)``, as the browser tests). The checks
read the database with plain SQL, which works the same on both.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection


@dataclass
class Drill:
    """One database the processes share, and the figures of a drill run."""

    url: str
    sqlite_path: Path | None
    data_dir: Path
    kills: int = 0
    runs: int = 0
    finished_runs: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @classmethod
    def on_test_database(cls, tmp_path: Path) -> Drill:
        data_dir = tmp_path / "data"
        data_dir.mkdir()
        if connection.vendor == "sqlite":
            path = tmp_path / "drill.sqlite3"
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM INTO '{path}'")
            return cls(f"sqlite:///{path}", path, data_dir)
        s = connection.settings_dict
        url = f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}"
        url += f":{s['PORT'] or 5432}/{s['NAME']}"
        return cls(url, None, data_dir)

    @property
    def vendor(self) -> str:
        return "sqlite" if self.sqlite_path else "postgresql"

    def rows(self, sql: str) -> list[tuple]:
        if self.sqlite_path is not None:
            with sqlite3.connect(self.sqlite_path) as db:
                return db.execute(sql).fetchall()
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return [tuple(r) for r in cursor.fetchall()]

    def value(self, sql: str):
        ((result,),) = self.rows(sql)
        return result

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
        env.update(
            DATABASE_URL=self.url,
            DJANGO_SETTINGS_MODULE="bwmo.settings.base",
            BWMO_DATA_DIR=str(self.data_dir),
            BWMO_IWMO_XSD_DIR=str(Path(settings.BWMO_IWMO_XSD_DIR).resolve()),
            BWMO_IWMO_CODELIST_DIR=str(Path(settings.BWMO_IWMO_CODELIST_DIR).resolve()),
            CONN_MAX_AGE="0",
        )
        return env

    def run(self, *args: str, kill_after: float | None = None, started=None) -> int | None:
        """Run ``bwmo ARGS``. With ``kill_after``: SIGKILL it that many seconds after it was
        started, or after ``started()`` (polled) first returned true. Returns its exit code,
        or None when it was killed."""
        began = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-m", "bwmo.cli", *args],
            env=self._env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.runs += 1
        if kill_after is not None:
            if started is not None:
                while process.poll() is None and not started():
                    if time.monotonic() - began > 60:
                        break
                    time.sleep(0.01)
            deadline = time.monotonic() + kill_after
            while process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.002)
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.communicate()
                self.kills += 1
                self.seconds += time.monotonic() - began
                return None
        _, err = process.communicate(timeout=120)
        self.seconds += time.monotonic() - began
        self.finished_runs += 1
        if process.returncode not in (0, 1):
            raise AssertionError(f"bwmo {' '.join(args)} failed: {err.decode()[-2000:]}")
        return process.returncode

    def timed(self, *args: str) -> float:
        """How long one uninterrupted run takes (to aim the kills)."""
        started = time.monotonic()
        self.run(*args)
        return time.monotonic() - started
