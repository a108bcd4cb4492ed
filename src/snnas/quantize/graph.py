"""Quantise a trained graph network (:mod:`snnas.train.graph`) to a chip.

The rules of :mod:`snnas.quantize.layers`, per destination population p instead of per layer (every edge
into p adds to the same membrane, so they share one scale):

    s_p = max over the edges e into p of max|W_e| / (2^(b−1) − 1)       (signed b-bit weights)
    W_int = clip(round(W_e / s_p)),  θ_p = round(θ / s_p) (clipped to the chip's threshold bits)
    decay d = round((1 − a) · 4096)  (LIF; 0 for IF)

Delay-1 (backward) edges keep their delay. Chips with few weight values per neuron (TrueNorth's axon
types) are not supported for graphs: :class:`QuantizationError` says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from snnas.chip import Chip, load_chip
from snnas.quantize.layers import (
    QuantizationError,
    chip_precision,
    integer_decay,
    integer_threshold,
    integer_weights,
    layer_scale,
)
from snnas.train.graph import GraphResult

__all__ = ["QuantizedGraph", "quantize_graph"]


@dataclass(frozen=True, kw_only=True)
class QuantizedGraph:
    """Integer weights per edge, scale and threshold per population, and the fixed-point parameters."""

    result: GraphResult
    weights: list[NDArray[np.int64]]
    scales: dict[str, float]
    thresholds: dict[str, int]
    state_bits: int
    weight_bits: int

    @property
    def decay(self) -> int:
        """d = round((1 − a) · 4096) of the populations (0 for IF)."""
        c = self.result.config.train
        return 0 if c.neuron == "if" else integer_decay(c.tau_m, c.dt)

    @property
    def reset(self) -> str:
        """The engine's reset: "subtract" or "value" (to 0)."""
        return "subtract" if self.result.config.train.reset == "subtract" else "value"

    def float_weights(self) -> list[NDArray[np.float64]]:
        """The weights the chip holds, back in float units (what energy and mapping see)."""
        edges = self.result.config.edges
        return [np.asarray(w * self.scales[e.dst], dtype=np.float64) for w, e in zip(self.weights, edges)]


def quantize_graph(result: GraphResult, chip: Chip | str, weight_bits: int | None = None) -> QuantizedGraph:
    """Quantise ``result`` to ``chip`` (see the module docstring)."""
    chip = chip if isinstance(chip, Chip) else load_chip(chip)
    if chip.core_limits(0).weight_values_per_neuron is not None:
        raise QuantizationError(f"{chip.id}: graph networks are not quantised to "
                                f"{chip.core_limits(0).weight_values_per_neuron} weight values per neuron")
    bits, signed, levels, state_bits, th_cap = chip_precision(chip, weight_bits)
    c = result.config.train
    edges = result.config.edges
    peaks: dict[str, float] = {}
    for e, w in zip(edges, result.weights):
        peaks[e.dst] = max(peaks.get(e.dst, 0.0), float(np.abs(w).max()) if w.size else 0.0)
    scales = {p: layer_scale(pk, levels) for p, pk in peaks.items()}
    ints = [integer_weights(w, scales[e.dst], levels, signed) for e, w in zip(edges, result.weights)]
    thresholds = {p: integer_threshold(c.threshold, s, th_cap) for p, s in scales.items()}
    return QuantizedGraph(result=result, weights=ints, scales=scales, thresholds=thresholds, state_bits=state_bits,
                          weight_bits=bits)
