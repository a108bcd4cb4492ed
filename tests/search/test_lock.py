"""The store's single-writer lock: a second writer is refused naming the first, a stale lock is taken
over, the heartbeat runs, and a process that lost its lock stops at its next write."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from snnas.errors import StoreError, StoreInUseError
from snnas.search.lock import StoreLock, machine_id, process_alive
from snnas.search.store import Store


def _row(path: Path) -> tuple[Any, ...] | None:
    con = sqlite3.connect(path)
    try:
        row: tuple[Any, ...] | None = con.execute(
            "SELECT token, host, machine, pid, started, heartbeat FROM store_lock").fetchone()
        return row
    finally:
        con.close()


def _heartbeat(path: Path) -> float:
    row = _row(path)
    assert row is not None
    return float(row[5])


def _plant(path: Path, *, pid: int, host: str | None = None, started: float | None = None,
           heartbeat: float | None = None) -> None:
    """Write the lock row of an owner that is not this test (as a crashed or remote process leaves it)."""
    with StoreLock(path):  # creates the table
        pass
    now = time.time()
    con = sqlite3.connect(path)
    con.execute("INSERT INTO store_lock VALUES (1, 'planted', ?, ?, ?, ?, ?)",
                (socket.gethostname() if host is None else host, machine_id() if host is None else "other-machine",
                 pid, now if started is None else started, now if heartbeat is None else heartbeat))
    con.commit()
    con.close()


def _until(cond: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 30
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_a_second_writer_is_refused_naming_the_first(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with Store(path) as first, Store(path) as second, first.writing():
        with pytest.raises(StoreInUseError) as info, second.writing():
            pass
        message = str(info.value)
        assert f"the store {path} is in use by process {os.getpid()} on host {socket.gethostname()} since " in message
        assert "wait for it or pass --store elsewhere" in message
        assert isinstance(info.value, StoreError)
        assert _row(path) is not None
    assert _row(path) is None  # released on leaving the block
    with Store(path) as second, second.writing():  # and free for the next writer
        pass


def test_writing_is_reentrant(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store, store.writing() as outer, store.writing() as inner:
        assert inner is outer


def test_a_dead_local_owner_is_taken_over(tmp_path: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    pid = int(gone.stdout)
    path = tmp_path / "s.db"
    _plant(path, pid=pid)
    with StoreLock(path) as lock:
        assert lock.taken_over is not None
        owner, why = lock.taken_over
        assert owner.pid == pid and why == "its process is gone"
        row = _row(path)
        assert row is not None and row[0] == lock.token and row[3] == os.getpid()


def test_a_zombie_owner_is_dead(tmp_path: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        _until(lambda: not process_alive(child.pid), "the child to exit")  # exited, not yet reaped: a zombie
        os.kill(child.pid, 0)  # the pid still exists
        path = tmp_path / "s.db"
        _plant(path, pid=child.pid)
        with StoreLock(path) as lock:
            assert lock.taken_over is not None and lock.taken_over[1] == "its process is gone"
    finally:
        child.wait()


def test_a_reused_pid_is_not_the_owner(tmp_path: Path) -> None:
    """This process runs, but it started long after the lock was taken: the owner with its pid is gone."""
    path = tmp_path / "s.db"
    _plant(path, pid=os.getpid(), started=time.time() - 86400.0)
    with StoreLock(path) as lock:
        assert lock.taken_over is not None and lock.taken_over[1] == "its process is gone"


def test_a_live_local_owner_is_kept_whatever_its_heartbeat(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    _plant(path, pid=os.getppid(), started=time.time(), heartbeat=time.time() - 3600.0)
    with pytest.raises(StoreInUseError, match=f"in use by process {os.getppid()} "):
        StoreLock(path).acquire()


def test_a_remote_owner_is_stale_only_without_heartbeat(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    _plant(path, pid=1234567, host="elsewhere", heartbeat=time.time() - 5.0)
    with pytest.raises(StoreInUseError, match="in use by process 1234567 on host elsewhere since"):
        StoreLock(path).acquire()
    path2 = tmp_path / "s2.db"
    _plant(path2, pid=1234567, host="elsewhere", heartbeat=time.time() - 120.0)
    with StoreLock(path2) as lock:
        assert lock.taken_over is not None
        assert lock.taken_over[0].host == "elsewhere" and lock.taken_over[1].startswith("no heartbeat for 12")


def test_the_heartbeat_advances(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with StoreLock(path, heartbeat=0.05, stale_after=1.0):
        first = _heartbeat(path)
        _until(lambda: _heartbeat(path) > first, "a heartbeat")


def test_a_writer_that_lost_its_lock_stops_at_its_next_write(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with Store(path) as store, store.writing(StoreLock(path, heartbeat=0.05, stale_after=1.0)) as lock:
        store.add_ask(0, "loihi", 0, "k0", "{}")
        con = sqlite3.connect(path)  # another process took the lock over (this one paused too long)
        con.execute("UPDATE store_lock SET token = 'usurper', pid = 4242")
        con.commit()
        con.close()
        with pytest.raises(StoreInUseError, match="this process lost the store's lock .*process 4242"):
            store.add_ask(1, "loihi", 1, "k1", "{}")
        with pytest.raises(StoreInUseError, match="lost the store's lock"):
            store.finish(0, "ok", {}, None, 1.0)
        assert [r.idx for r in store.rows()] == [0] and store.rows()[0].status == "pending"
        _until(lambda: lock.lost, "the heartbeat to notice")
    row = _row(path)
    assert row is not None and row[0] == "usurper"  # not this process's row to delete


def test_timings_must_leave_room_for_a_heartbeat(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="heartbeat < stale_after"):
        StoreLock(tmp_path / "s.db", heartbeat=60.0, stale_after=60.0)
