"""Where evaluations run: in this process, in a pool of worker processes, or on a Dask cluster.

Every executor has the same three calls: ``submit(idx, task)`` (at most ``capacity`` at a time),
``wait(timeout)`` → the finished ``(idx, outcome)`` pairs (at least one unless the timeout passes), and
``close()``. An outcome is :func:`snnas.search.tasks.run_task`'s dict; an evaluation that exceeds its
time limit, or whose worker dies, becomes a "failed" outcome naming the cause, and the search goes on.

* ``InlineExecutor``: runs each task at submit time in this process (no time limit can be enforced;
  for debugging and tiny runs).
* ``ProcessExecutor``: W worker processes (spawned, so no state leaks from the parent), each fed one
  task at a time over a pipe. A worker past its deadline is killed and replaced. Each worker gets
  ⌊cores / W⌋ BLAS threads so W workers do not oversubscribe the machine.
* ``Watched``: another executor, with a callback before each submit (``snnas search --verbose`` times
  its start-up with it).
* ``DaskExecutor``: ``dask://HOST:PORT`` (or ``tcp://...``), an existing ``distributed`` scheduler. A
  task past its deadline is cancelled and recorded as failed (Dask cannot stop a running Python
  function; the worker finishes it and the result is dropped).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import os
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as wait_connections
from typing import Any

from snnas.errors import SnnasError
from snnas.search.tasks import EvalTask, run_task, warm_up
from snnas.threads import cpu_budget

__all__ = ["DaskExecutor", "Executor", "ExecutorError", "InlineExecutor", "ProcessExecutor", "Watched",
           "make_executor"]

Outcome = dict[str, Any]

logger = logging.getLogger(__name__)


class ExecutorError(SnnasError, ValueError):
    """A bad executor specification, or a cluster that cannot be reached."""


def _failed(message: str, seconds: float) -> Outcome:
    return {"status": "failed", "score": None, "error": message, "seconds": seconds}


class Executor(ABC):
    """Runs evaluation tasks (see the module docstring)."""

    capacity: int = 1

    @abstractmethod
    def submit(self, idx: int, task: EvalTask) -> None: ...

    @abstractmethod
    def wait(self, timeout: float | None = None) -> list[tuple[int, Outcome]]: ...

    def close(self) -> None:
        """Release the executor's workers; a deliberate no-op default (an inline executor has none)."""
        return None

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class InlineExecutor(Executor):
    """Evaluates at submit time, in this process."""

    def __init__(self) -> None:
        self.done: list[tuple[int, Outcome]] = []

    def submit(self, idx: int, task: EvalTask) -> None:
        self.done.append((idx, run_task(task)))

    def wait(self, timeout: float | None = None) -> list[tuple[int, Outcome]]:
        out, self.done = self.done, []
        return out


class Watched(Executor):
    """``inner``, calling ``on_submit(idx)`` before each evaluation is handed to it; closing it closes ``inner``."""

    def __init__(self, inner: Executor, on_submit: Callable[[int], None]) -> None:
        self.inner, self.on_submit = inner, on_submit
        self.capacity = inner.capacity

    def submit(self, idx: int, task: EvalTask) -> None:
        self.on_submit(idx)
        self.inner.submit(idx, task)

    def wait(self, timeout: float | None = None) -> list[tuple[int, Outcome]]:
        return self.inner.wait(timeout)

    def close(self) -> None:
        self.inner.close()


def _worker_main(conn: Connection) -> None:
    """A worker process: import the evaluation stack (while the search starts up), then evaluate tasks
    from the pipe until it closes."""
    warm_up()
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        idx, task = msg
        out = run_task(task)
        try:
            conn.send((idx, out))
        except (BrokenPipeError, OSError):
            return


class _Worker:
    def __init__(self, ctx: Any, threads: int) -> None:
        self.conn, child = ctx.Pipe()
        env = {k: str(threads) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                         "NUMBA_NUM_THREADS", "SNNAS_THREADS")}
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)  # a spawned child copies the environment at start
        try:
            self.proc = ctx.Process(target=_worker_main, args=(child,), daemon=True, name="snnas-worker")
            self.proc.start()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        child.close()
        self.idx: int | None = None
        self.started = 0.0

    def stop(self, kill: bool = False) -> None:
        if not kill:
            with contextlib.suppress(OSError):
                self.conn.send(None)
            self.proc.join(timeout=2.0)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(timeout=5.0)
        self.conn.close()


class ProcessExecutor(Executor):
    """W spawned worker processes; ``timeout`` [s] per evaluation (None = no limit)."""

    def __init__(self, workers: int = 1, timeout: float | None = None) -> None:
        if not isinstance(workers, int) or workers < 1:
            raise ExecutorError(f"workers must be a positive integer, got {workers!r}")
        if timeout is not None and not timeout > 0:
            raise ExecutorError(f"timeout must be a positive number of seconds, got {timeout!r}")
        self.capacity = workers
        self.timeout = timeout
        self._ctx = mp.get_context("spawn")
        self._threads = max(1, cpu_budget() // workers)  # workers x threads <= cores
        self._workers = [_Worker(self._ctx, self._threads) for _ in range(workers)]

    def submit(self, idx: int, task: EvalTask) -> None:
        free = [w for w in self._workers if w.idx is None]
        if not free:
            raise ExecutorError("submit: every worker is busy (the loop must respect capacity)")
        w = free[0]
        try:
            w.conn.send((idx, task))
        except (BrokenPipeError, OSError):  # died while idle: replace and retry once
            logger.warning("evaluation worker (pid %s) died while idle; starting a new one", w.proc.pid)
            self._replace(w)
            w = self._workers[-1]
            w.conn.send((idx, task))
        w.idx, w.started = idx, time.monotonic()

    def _replace(self, w: _Worker, kill: bool = True) -> None:
        w.stop(kill=kill)
        self._workers.remove(w)
        self._workers.append(_Worker(self._ctx, self._threads))

    def wait(self, timeout: float | None = None) -> list[tuple[int, Outcome]]:
        busy = [w for w in self._workers if w.idx is not None]
        if not busy:
            return []
        now = time.monotonic()
        limit = timeout
        if self.timeout is not None:
            nearest = min(w.started + self.timeout for w in busy) - now
            limit = max(0.0, nearest) if limit is None else max(0.0, min(limit, nearest))
        ready = wait_connections([w.conn for w in busy], timeout=limit)
        out: list[tuple[int, Outcome]] = []
        for w, idx in [(w, w.idx) for w in busy if w.idx is not None]:
            if w.conn in ready:
                try:
                    got_idx, outcome = w.conn.recv()
                    w.idx = None
                    out.append((got_idx, outcome))
                    continue
                except (EOFError, OSError):
                    w.proc.join(timeout=1.0)
                    code = w.proc.exitcode
                    self._replace(w)
                    out.append((idx, _failed(f"worker process died (exit code {code})", time.monotonic() - w.started)))
                    continue
            if self.timeout is not None and time.monotonic() - w.started >= self.timeout:
                self._replace(w)
                out.append((idx, _failed(f"timed out after {self.timeout:g} s (time limit)", self.timeout)))
        return out

    def close(self) -> None:
        for w in self._workers:
            w.stop(kill=w.idx is not None)
        self._workers = []


class DaskExecutor(Executor):
    """Evaluations on an existing Dask ``distributed`` cluster at ``address`` (tcp://HOST:PORT)."""

    def __init__(self, address: str, capacity: int = 1, timeout: float | None = None) -> None:
        try:
            from distributed import Client
        except ImportError as exc:  # pragma: no cover - distributed is a dependency
            raise ExecutorError("the Dask executor needs the 'distributed' package: pip install distributed") from exc
        try:
            self.client = Client(address, timeout=10, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ExecutorError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
        self.capacity = capacity
        self.timeout = timeout
        self._futures: dict[Any, tuple[int, float]] = {}

    def submit(self, idx: int, task: EvalTask) -> None:
        fut = self.client.submit(run_task, task, pure=False, key=f"snnas-eval-{idx}-{os.getpid()}-{time.time_ns()}")
        self._futures[fut] = (idx, time.monotonic())

    def wait(self, timeout: float | None = None) -> list[tuple[int, Outcome]]:
        if not self._futures:
            return []
        limit = timeout
        if self.timeout is not None:
            nearest = min(t for _, t in self._futures.values()) + self.timeout - time.monotonic()
            limit = max(0.0, nearest) if limit is None else max(0.0, min(limit, nearest))
        end = None if limit is None else time.monotonic() + limit
        while not any(f.done() for f in self._futures) and (end is None or time.monotonic() < end):
            time.sleep(0.02)  # poll: this client is not the process-wide default that distributed.wait needs
        out: list[tuple[int, Outcome]] = []
        for fut, (idx, started) in list(self._futures.items()):
            if fut.done():
                del self._futures[fut]
                try:
                    out.append((idx, fut.result()))
                except Exception as exc:  # noqa: BLE001 - a lost worker or an unpicklable task
                    out.append((idx, _failed(f"dask: {type(exc).__name__}: {exc}", time.monotonic() - started)))
            elif self.timeout is not None and time.monotonic() - started >= self.timeout:
                del self._futures[fut]
                fut.cancel()
                out.append((idx, _failed(f"timed out after {self.timeout:g} s (time limit)", self.timeout)))
        return out

    def close(self) -> None:
        for fut in self._futures:
            fut.cancel()
        self.client.close()


def make_executor(spec: str | None, workers: int = 1, timeout: float | None = None) -> Executor:
    """``None``/"process": a process pool of ``workers``; "inline"; "dask://HOST:PORT" or "tcp://HOST:PORT"."""
    if spec in (None, "", "process"):
        return ProcessExecutor(workers, timeout)
    if spec == "inline":
        return InlineExecutor()
    if spec.startswith(("dask://", "tcp://")):
        address = "tcp://" + spec.split("://", 1)[1]
        if ":" not in spec.split("://", 1)[1]:
            raise ExecutorError(f"executor {spec!r}: expected dask://HOST:PORT")
        return DaskExecutor(address, capacity=workers, timeout=timeout)
    raise ExecutorError(f"unknown executor {spec!r}; use 'process', 'inline' or dask://HOST:PORT")
