"""Simulation: the compiled event-driven engine (float and fixed point), chip activity counts, and the numba
reference backends the engine is checked against."""

from __future__ import annotations

from snnas._lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(__name__, {
    "engine": ["SimNetwork", "SimulationResult", "Simulator", "simulate"],
    "fixed": ["FixedSimNetwork", "simulate_fixed"],
    "activity": ["ChipActivity", "count_activity"],
    "reference": ["simulate_fixed_reference", "simulate_reference"],
})
