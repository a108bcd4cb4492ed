"""The numba reference simulators, the engine's specification in executable form: real-valued
(:mod:`.real`) and fixed point (:mod:`.fixed`). The C++ engine is checked against them bit for bit; they are
also a backend of :func:`snnas.sim.engine.simulate` (``backend="numba"``; :func:`snnas.sim.engine.simulate_reference`
and :func:`snnas.sim.fixed.simulate_fixed_reference` are that). Both run the core's argument dicts, so they
depend on nothing else of the simulator stage."""

from __future__ import annotations

from snnas._lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(__name__, {
    "real": ["run_reference"],
    "fixed": ["run_fixed_reference"],
    "layered": ["run_layered_reference"],
})
