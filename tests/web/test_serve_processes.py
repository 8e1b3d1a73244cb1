"""``bwmo serve --processes N``: N server processes answer on one port and stop together."""

import http.client
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.web.test_reverse_proxy import free_port, wait_for_port

BWMO = [sys.executable, "-m", "bwmo.cli"]


def _children(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.add(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return found


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads child processes from /proc")
def test_several_processes_serve_one_port_and_stop_together(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bwmo.sqlite3'}",
        "BWMO_DATA_DIR": str(tmp_path),
    }
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [*BWMO, "serve", "--port", str(port), "--processes", "2", "--threads", "2"],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_for_port(port, server, log, seconds=300)
        deadline = time.monotonic() + 30
        while len(_children(server.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        children = _children(server.pid)
        assert len(children) == 2, log.read_text()
        for _ in range(6):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", "/inloggen/")
            assert connection.getresponse().status == 200
            connection.close()
        assert "2 processen van elk 2 threads" in log.read_text()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
        deadline = time.monotonic() + 10
        while any(os.path.exists(f"/proc/{c}") for c in children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(os.path.exists(f"/proc/{c}") for c in children)
    finally:
        if server.poll() is None:
            server.kill()


def test_at_least_one_process_and_thread(tmp_path):
    answer = subprocess.run(
        [*BWMO, "serve", "--processes", "0"],
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert answer.returncode != 0
    assert "--processes en --threads moeten minstens 1 zijn." in answer.stderr
