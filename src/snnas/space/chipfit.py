"""What a chip lets a space choose: neuron models, recurrence, weight widths (shared by every space)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from snnas.chip import Chip

__all__ = ["FIXED_POINT_MODELS", "allowed_neurons", "allowed_recurrent", "allowed_weight_bits"]


#: Models whose chip accuracy snnas can compute (the fixed-point engine runs them; see snnas.quantize).
FIXED_POINT_MODELS = ("if", "lif", "cuba_lif")


def allowed_neurons(chip: Chip, wanted: Sequence[str]) -> list[str]:
    """The models of ``wanted`` the chip implements (any, when the chip is programmable or its list is
    unknown) and whose chip accuracy snnas can compute (:data:`FIXED_POINT_MODELS`)."""
    models = chip.neuron_models
    runs = list(wanted) if models is None or "programmable" in models else [m for m in wanted if m in models]
    return [m for m in runs if m in FIXED_POINT_MODELS]


def allowed_recurrent(chip: Chip) -> list[bool]:
    """[False] when the chip documents no recurrent connections, or limits the weight values per neuron
    (TrueNorth's axon types: snnas quantises only feed-forward layers to them); else both."""
    limited = any(chip.core_limits(i).weight_values_per_neuron is not None
                  for i in range(chip.topology.cores if chip.heterogeneous else 1))
    return [False] if chip.connectivity.recurrent is False or limited else [False, True]


def allowed_weight_bits(chip: Chip, wanted: Sequence[int]) -> list[Any]:
    """The widths of ``wanted`` the chip stores; the chip's widest when none of them is possible."""
    wb = chip.precision.weight_bits
    if wb is None:
        return list(wanted)
    widths = list(wb.allowed) if wb.allowed is not None else list(range(wb.min, wb.max + 1))
    keep = [b for b in wanted if b in widths]
    return keep or [max(widths)]
