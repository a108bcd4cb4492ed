"""The compiled core's tables: neuron-model codes, reset codes and the limits it enforces.

``cpp/codes.hpp`` defines them once; the binding exports them as attributes of ``snnas._core``, and this
module reads them at import. Every other module of snnas takes its codes and limits from here (or from the
names :mod:`snnas.sim.engine` and :mod:`snnas.sim.fixed` re-export), so none can drift from the core's.

Attributes:
    MODELS: neuron-model name -> the code of the core's ``model`` argument.
    FIXED_MODELS: the models with a fixed-point mode (:mod:`snnas.sim.fixed`) -> their code.
    STEPPED_MODELS: the models evaluated in every step -> their longest default integration sub-step [s]
        (None: one sub-step per step).
    HIDDEN: model name -> the names of its further state in a result's ``hidden`` dict (models without
        any are absent).
    RESETS: reset name -> the code of the core's ``reset`` argument.
    LIMITS: the limits the core enforces: ``max_neurons``, ``max_steps``, ``max_substeps``,
        ``max_ring_entries`` ((longest delay + 1) x neurons of the delivery buffers), ``max_chip_marks``
        (the same product for the chip model), ``decay_shift`` and ``decay_one`` (fixed-point decay factors
        are by default fractions of ``decay_one = 2**decay_shift``; a rule's ``decay_bits`` lies in
        [``min_decay_bits``, ``max_decay_bits``] with state bits + decay_bits <= ``max_state_decay_bits``),
        ``min_state_bits`` and ``max_state_bits``.
    FIXED_RULES: the fixed-point rule tables (``cpp/codes.hpp``), each name -> code: ``order`` (step order),
        ``decay_rounding``, ``threshold_test`` and ``overflow`` (of ``v_overflow`` and ``i_overflow``).
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["FIXED_MODELS", "FIXED_RULES", "HIDDEN", "LIMITS", "MODELS", "RESETS", "STEPPED_MODELS", "core"]

# The extension has no type stubs: its functions are reached through this Any-typed handle.
_core: Any = importlib.import_module("snnas._core")


def core() -> Any:
    """The compiled core, ``snnas._core``."""
    return _core


def _codes(table: Any) -> dict[str, int]:
    return {str(name): int(code) for name, code in table.items()}


MODELS: dict[str, int] = _codes(_core.MODELS)
FIXED_MODELS: dict[str, int] = _codes(_core.FIXED_MODELS)
STEPPED_MODELS: dict[str, float | None] = {
    str(name): None if step is None else float(step) for name, step in _core.STEPPED_MODELS.items()
}
HIDDEN: dict[str, tuple[str, ...]] = {str(name): tuple(map(str, rows)) for name, rows in _core.HIDDEN.items()}
RESETS: dict[str, int] = _codes(_core.RESETS)
LIMITS: dict[str, int] = _codes(_core.LIMITS)
FIXED_RULES: dict[str, dict[str, int]] = {str(kind): _codes(table) for kind, table in _core.FIXED_RULES.items()}
