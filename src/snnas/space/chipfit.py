"""What a chip lets a space choose: neuron models, recurrence, weight widths (shared by every space)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from snnas import codes
from snnas.chip import Chip
from snnas.space.base import SpaceError

__all__ = ["FIXED_POINT_MODELS", "fit_to_chip"]

#: Models whose chip accuracy snnas can compute (the fixed-point engine runs them; see snnas.quantize.layers).
FIXED_POINT_MODELS: tuple[str, ...] = tuple(codes.FIXED_MODELS)  # the core's table (cpp/codes.hpp)


def fit_to_chip(space: str, chip: Chip, neurons: Sequence[str], recurrent: Sequence[bool],
                weight_bits: Sequence[int]) -> tuple[tuple[str, ...], tuple[bool, ...], tuple[Any, ...]]:
    """The choices of a space that ``chip`` allows, as (neuron models, recurrence, weight widths).

    * neuron models: those the chip implements (any, when it is programmable or its list is unknown) and
      whose chip accuracy snnas can compute (:data:`FIXED_POINT_MODELS`); SpaceError when none is left;
    * recurrence (recurrent layers, or a cell's temporal feedback): only False when the chip documents no
      recurrent connections or limits the weight values per neuron (TrueNorth's axon types: snnas
      quantises only feed-forward layers to them);
    * weight widths: those the chip stores; the chip's widest when none of them is possible.
    """
    models = chip.neuron_models
    runs = list(neurons) if models is None or "programmable" in models else [m for m in neurons if m in models]
    keep_neurons = tuple(m for m in runs if m in FIXED_POINT_MODELS)
    if not keep_neurons:
        raise SpaceError(f"{space} space: {chip.id} runs {', '.join(models or ())}, none of the space's neuron "
                         f"models ({', '.join(neurons)})")
    limited = any(chip.core_limits(i).weight_values_per_neuron is not None
                  for i in range(chip.topology.cores if chip.heterogeneous else 1))
    keep_rec = (False,) if chip.connectivity.recurrent is False or limited else tuple(recurrent)
    wb = chip.precision.weight_bits
    if wb is None:
        return keep_neurons, keep_rec or (False,), tuple(weight_bits)
    widths = list(wb.allowed) if wb.allowed is not None else list(range(wb.min, wb.max + 1))
    return keep_neurons, keep_rec or (False,), tuple(b for b in weight_bits if b in widths) or (max(widths),)
