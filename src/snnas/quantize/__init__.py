"""Quantisation of a trained network to a chip's precision: integer weights, thresholds and decays.

``chip_accuracy`` (and the other runs of a quantised network) live in :mod:`snnas.evaluate.accuracy`, the
stage that simulates; the name is also reachable here, where the README has long shown it, through a
lazy re-export (:data:`snnas._aliases.MOVED_NAMES`) that loads the evaluation stage only when used.
"""

from __future__ import annotations

from snnas._lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(__name__, {
    "network": ["fine_tune", "held", "quantize"],
    "layers": ["QuantizationError", "QuantizedNetwork", "chip_precision", "integer_decay", "integer_decay_factor",
               "integer_threshold", "integer_weights", "layer_scale", "source_types", "typed"],
    "graph": ["QuantizedGraph", "quantize_graph"],
    "trinary": ["trinary_float", "trinary_integer", "weight_per_axon_type"],
})
