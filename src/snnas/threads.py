"""How many threads snnas' own work may use, and BLAS kept to that many.

A process may use ``cpu_budget()`` threads: ``$SNNAS_THREADS`` when set (the search's worker processes
get ``cores // workers``, so that workers × threads ≤ cores), else the cores this process may run on.
The batched simulator runs (:func:`snnas.sim.fixed.simulate_fixed_batch`) spread their samples over
that many threads. The trainers hold BLAS to :func:`blas_budget` threads (:func:`blas_threads`): a BLAS
left to choose takes every core of the machine, and on a machine that is already busy its threads wait
on each other.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from snnas.errors import SnnasError

__all__ = ["BLAS_ENV_VAR", "ENV_VAR", "ThreadsError", "blas_budget", "blas_threads", "check_threads", "cpu_budget"]

ENV_VAR = "SNNAS_THREADS"
BLAS_ENV_VAR = "SNNAS_BLAS_THREADS"


class ThreadsError(SnnasError, ValueError):
    """A thread count that is not a positive integer."""


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def _from_env(var: str) -> int | None:
    value = os.environ.get(var)
    if value is None or value == "":
        return None
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise ThreadsError(f"${var}: expected a positive integer (threads per process), got {value!r}")
    return n


def cpu_budget() -> int:
    """Threads this process may use: ``$SNNAS_THREADS`` if set, else its cores (at least 1).

    Raises:
        ThreadsError: ``$SNNAS_THREADS`` is not a positive integer.
    """
    n = _from_env(ENV_VAR)
    return max(1, _cores()) if n is None else n


def blas_budget() -> int:
    """BLAS threads of a training: ``$SNNAS_BLAS_THREADS`` if set, else 1, and never more than
    :func:`cpu_budget`. One, because a trainer's products are small (batch × steps rows, hundreds of
    columns): on 2 cores a second BLAS thread made a recurrent CUBA-LIF training 2.4× slower (5.3 s
    against 2.2 s), its threads waiting on each other at every product; a search gains its parallelism from
    worker processes instead.

    Raises:
        ThreadsError: either variable is not a positive integer.
    """
    n = _from_env(BLAS_ENV_VAR)
    return min(1 if n is None else n, cpu_budget())


def check_threads(threads: int | None) -> int:
    """``threads`` checked (a positive int), or :func:`cpu_budget` for None."""
    if threads is None:
        return cpu_budget()
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ThreadsError(f"threads: expected a positive integer or None, got {threads!r}")
    return threads


@contextlib.contextmanager
def blas_threads(threads: int | None = None) -> Iterator[int]:
    """BLAS limited to ``threads`` (default :func:`blas_budget`) inside the block, through threadpoolctl
    (installed with scikit-learn); yields the limit."""
    n = blas_budget() if threads is None else check_threads(threads)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - scikit-learn, a dependency, brings it
        yield n
        return
    with threadpool_limits(limits=n, user_api="blas"):
        yield n
