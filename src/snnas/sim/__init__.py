"""Simulation: the compiled event-driven engine (float and fixed point), chip activity counts, and the numba
reference backends the engine is checked against."""

from __future__ import annotations

from snnas._lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(__name__, {
    "engine": ["SimNetwork", "SimulationResult", "Simulator", "simulate", "simulate_reference"],
    "fixed": ["FixedSimNetwork", "simulate_fixed", "simulate_fixed_reference"],
    "backends": ["BACKENDS", "backend"],
    "activity": ["ChipActivity", "count_activity"],
    "layered": ["LayeredResult", "simulate_semantics"],
})
