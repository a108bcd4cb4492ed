"""Simulation backends, chosen by name (as Brian2 chooses its devices): every backend runs the arguments of
``snnas._core.simulate`` / ``simulate_fixed`` / ``simulate_fixed_batch`` (built by
:func:`snnas.sim.engine.core_arguments` and :func:`snnas.sim.fixed.fixed_arguments`) and returns the core's result dict.

* ``"engine"`` (the default): the compiled event-driven C++ engine.
* ``"numba"``: the numba reference (:mod:`snnas.sim.reference`), the engine's specification in executable
  form: bit-identical states and the same spikes, ``O(neurons × steps)``; a batch is one reference run per
  sample (:mod:`snnas.sim.reference.batch`); the input is checked by the engine's own validator first, so a
  bad argument raises the same error in either backend.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from snnas import codes
from snnas.errors import SimulationInputError

__all__ = ["BACKENDS", "Backend", "backend"]

Run = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Backend:
    """One way to run a network: ``run`` (float), ``run_fixed`` (fixed point), both on the core's arguments."""

    name: str
    run: Run
    run_fixed: Run
    run_fixed_batch: Run  # simulate_fixed_batch's arguments (snnas.sim.fixed.simulate_fixed_batch)


def _engine() -> Backend:
    core = codes.core()
    return Backend("engine", lambda args: core.simulate(**args), lambda args: core.simulate_fixed(**args),
                   lambda args: core.simulate_fixed_batch(**args))


def _numba() -> Backend:
    from snnas.sim.reference.fixed import run_fixed_reference
    from snnas.sim.reference.real import run_reference

    core = codes.core()

    def run(args: dict[str, Any]) -> dict[str, Any]:
        core.validate(**args)
        return run_reference(args)

    def run_fixed(args: dict[str, Any]) -> dict[str, Any]:
        core.validate_fixed(**args)
        return run_fixed_reference(args)

    def run_fixed_batch(args: dict[str, Any]) -> dict[str, Any]:
        from snnas.sim.reference.batch import batch_by_samples

        core.validate_fixed_batch(**args)
        return batch_by_samples(args, run_fixed_reference)

    return Backend("numba", run, run_fixed, run_fixed_batch)


_MAKERS: dict[str, Callable[[], Backend]] = {"engine": _engine, "numba": _numba}
BACKENDS: tuple[str, ...] = tuple(_MAKERS)


@cache
def _built(name: str) -> Backend:
    return _MAKERS[name]()


def backend(name: str) -> Backend:
    """The backend called ``name`` (one of :data:`BACKENDS`).

    Raises:
        SimulationInputError: an unknown name, listing the backends.
    """
    if not isinstance(name, str) or name not in _MAKERS:
        raise SimulationInputError(f"backend: expected one of {', '.join(map(repr, BACKENDS))}, got {name!r}")
    return _built(name)
