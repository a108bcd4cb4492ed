"""The single-writer lock of a search store: one process writes a store at a time.

A store holds at most one lock row (table ``store_lock``): the owner's random token, host name, machine
id, pid, the time it took the lock and its last heartbeat. :meth:`StoreLock.acquire` reads and writes that
row in one ``BEGIN IMMEDIATE`` transaction, so of two processes racing for a free store exactly one wins.
A held lock is refused with :class:`~snnas.errors.StoreInUseError`, naming its owner; a stale one is
taken over:

* an owner on this machine (same host name and machine id) whose process is gone: no such pid, a zombie,
  or a pid now used by a process that started after the lock was taken;
* an owner on another machine whose heartbeat is older than ``stale_after`` (60 s): its process cannot be
  checked from here, so silence is taken for death.

While the lock is held a daemon thread refreshes the heartbeat every ``heartbeat`` seconds (10 s) over
its own connection. Every write of a :class:`~snnas.search.store.Store` that holds a lock checks, inside
its transaction, that the row is still its own (:meth:`StoreLock.check`), so a process that lost its
lock (taken over after a pause longer than ``stale_after``) stops at its next write instead of writing
beside the new owner. :meth:`StoreLock.release` deletes the row; a process killed by SIGKILL leaves it
behind, for the next run on this machine to take over at once.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from snnas.errors import StoreError, StoreInUseError

__all__ = ["HEARTBEAT_S", "STALE_AFTER_S", "LockOwner", "StoreInUseError", "StoreLock", "machine_id",
           "process_alive"]

STALE_AFTER_S = 60.0  # a remote owner silent this long is taken for dead
HEARTBEAT_S = 10.0  # how often the owner refreshes its heartbeat
_PID_REUSE_SLACK_S = 5.0  # a process started this long after the lock was taken cannot be its owner

_SCHEMA = """CREATE TABLE IF NOT EXISTS store_lock (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    token TEXT NOT NULL,
    host TEXT NOT NULL,
    machine TEXT NOT NULL,
    pid INTEGER NOT NULL,
    started REAL NOT NULL,
    heartbeat REAL NOT NULL
)"""
_COLUMNS = "token, host, machine, pid, started, heartbeat"


def machine_id() -> str:
    """This machine's id (systemd's /etc/machine-id), or "" where there is none."""
    for name in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        with contextlib.suppress(OSError):
            text = Path(name).read_text().strip()
            if text:
                return text
    return ""


def _proc_start(pid: int) -> tuple[str, float] | None:
    """State letter and start time [s since the epoch] of process ``pid`` from /proc, or None without it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        btime = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                     if line.startswith("btime "))
        rest = stat.rsplit(")", 1)[1].split()  # after "pid (comm)", which may hold spaces
        return rest[0], btime + int(rest[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def process_alive(pid: int, since: float | None = None) -> bool:
    """Whether process ``pid`` of this machine runs (a zombie does not) and, given ``since`` [s since the
    epoch], could have been running then (a pid reused by a later process is not the same process)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process: it exists
    found = _proc_start(pid)
    if found is None:
        return True
    state, started = found
    if state in ("Z", "X"):
        return False
    return since is None or started <= since + _PID_REUSE_SLACK_S


@dataclass(frozen=True)
class LockOwner:
    """The process holding a store's lock, as its row records it."""

    token: str
    host: str
    machine: str
    pid: int
    started: float  # when it took the lock [s since the epoch]
    heartbeat: float  # its last heartbeat [s since the epoch]

    @property
    def local(self) -> bool:
        """On this machine (same host name and machine id), so its pid can be checked."""
        return self.host == socket.gethostname() and self.machine == machine_id()

    def describe(self) -> str:
        since = time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(self.started))
        return f"process {self.pid} on host {self.host} since {since}"

    def stale(self, now: float, stale_after: float = STALE_AFTER_S) -> str | None:
        """Why this owner is taken for dead at time ``now``, or None while it may be alive."""
        if self.local:
            return None if process_alive(self.pid, self.started) else "its process is gone"
        if now - self.heartbeat > stale_after:
            return f"no heartbeat for {now - self.heartbeat:.0f} s"
        return None


class StoreLock:
    """The single-writer lock of the store at ``path`` (see the module docstring); a context manager.

    Args:
        stale_after: seconds without a heartbeat after which an owner on another machine is taken for dead.
        heartbeat: seconds between this owner's heartbeats.
    """

    def __init__(self, path: str | os.PathLike[str], *, stale_after: float = STALE_AFTER_S,
                 heartbeat: float = HEARTBEAT_S) -> None:
        if not 0 < heartbeat < stale_after:
            raise StoreError(f"lock: expected 0 < heartbeat < stale_after, got {heartbeat!r} and {stale_after!r}")
        self.path = Path(path)
        self.stale_after = stale_after
        self.heartbeat = heartbeat
        self.token = uuid.uuid4().hex
        self.taken_over: tuple[LockOwner, str] | None = None  # the stale owner replaced, and why it was stale
        self.lost = False  # set by the heartbeat thread when the row is no longer this lock's
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, isolation_level=None, timeout=30.0)

    def acquire(self) -> StoreLock:
        """Take the lock (or take over a stale one) and start the heartbeat; raises StoreInUseError."""
        try:
            con = self._connect()
            try:
                con.execute("BEGIN IMMEDIATE")
                try:
                    con.execute(_SCHEMA)
                    row = con.execute(f"SELECT {_COLUMNS} FROM store_lock WHERE id = 1").fetchone()
                    now = time.time()
                    if row is not None:
                        owner = LockOwner(*row)
                        why = owner.stale(now, self.stale_after) if owner.token != self.token else None
                        if why is None and owner.token != self.token:
                            raise StoreInUseError(
                                f"the store {self.path} is in use by {owner.describe()} (last heartbeat "
                                f"{max(0.0, now - owner.heartbeat):.0f} s ago); wait for it or pass --store "
                                "elsewhere")
                        self.taken_over = None if why is None else (owner, why)
                    con.execute(f"INSERT OR REPLACE INTO store_lock (id, {_COLUMNS}) VALUES (1, ?, ?, ?, ?, ?, ?)",
                                (self.token, socket.gethostname(), machine_id(), os.getpid(), now, now))
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
                con.execute("COMMIT")
            finally:
                con.close()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot take the store's lock ({exc})") from exc
        self._stop.clear()
        self._thread = threading.Thread(target=self._beat, name="snnas-store-heartbeat", daemon=True)
        self._thread.start()
        return self

    def _beat(self) -> None:
        con = self._connect()
        try:
            while not self._stop.wait(self.heartbeat):
                try:
                    cur = con.execute("UPDATE store_lock SET heartbeat = ? WHERE id = 1 AND token = ?",
                                      (time.time(), self.token))
                except sqlite3.Error:
                    continue  # busy for longer than the timeout: try again at the next beat
                if cur.rowcount != 1:
                    self.lost = True
                    return
        finally:
            con.close()

    def check(self, con: sqlite3.Connection) -> None:
        """Raise StoreInUseError unless the row is still this lock's; call it inside a write transaction."""
        row = con.execute(f"SELECT {_COLUMNS} FROM store_lock WHERE id = 1").fetchone()
        if row is None or row[0] != self.token:
            self.lost = True
            who = "nobody" if row is None else LockOwner(*row).describe()
            raise StoreInUseError(f"{self.path}: this process lost the store's lock (now held by {who}), "
                                  "probably after a pause of more than "
                                  f"{self.stale_after:g} s; stopped before writing beside another writer")

    def release(self) -> None:
        """Stop the heartbeat and delete the row if it is still this lock's (errors are ignored: a lock
        left behind is taken over by the next run)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.heartbeat + 5.0)
            self._thread = None
        with contextlib.suppress(sqlite3.Error):
            con = self._connect()
            try:
                con.execute("DELETE FROM store_lock WHERE id = 1 AND token = ?", (self.token,))
            finally:
                con.close()

    def __enter__(self) -> StoreLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
