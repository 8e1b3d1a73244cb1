"""A forked helper process for a pure computation that would otherwise wait for one core.

The helper is forked, so it has what the parent has read and built already and needs no
setup; it never touches the database connection it inherits (it computes and returns plain
Python), and it ends with its parent, also when that is killed: it would otherwise wait for
work for ever and hold the parent's output open. Used by the iWmo import (parsing the next
batch) and the woonplaats recompute (deciding half of the clients).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

_PR_SET_PDEATHSIG = 1


def can_fork() -> bool:
    """Whether a helper may be forked here: the platform can, and this process runs no other
    thread (a fork copies the locks other threads hold, as in a web server's threads)."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


@contextlib.contextmanager
def forked_helpers(workers: int) -> Iterator[ProcessPoolExecutor | None]:
    """A pool of ``workers`` forked helpers, or ``None`` when there are none to be had."""
    if workers < 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield None
        return
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=end_with_parent,
        initargs=(os.getpid(),),
    )
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def end_with_parent(parent: int) -> None:
    """In the helper: end it when ``parent`` ends, however it ends."""
    with contextlib.suppress(OSError, AttributeError):
        # Linux: the kernel sends SIGKILL to the helper when its parent dies.
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it ended already, before the line above
        os._exit(0)

    def watch() -> None:  # elsewhere (and as a second line): look every half second
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()
