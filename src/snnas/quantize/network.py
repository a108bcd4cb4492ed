"""One entry point for every trained network: quantise (or fine-tune for) a chip whatever form the network
has: a :class:`~snnas.ir.network.Network`, a layer :class:`~snnas.train.layers.TrainResult` or a graph
:class:`~snnas.train.graph.GraphResult`."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, overload

import numpy as np
from numpy.typing import NDArray

from snnas.chip import Chip
from snnas.ir.network import Network
from snnas.quantize.graph import QuantizedGraph, quantize_graph
from snnas.quantize.layers import QuantizationError, QuantizedNetwork
from snnas.quantize.layers import fine_tune as fine_tune_layers
from snnas.quantize.layers import quantize as quantize_layers
from snnas.train.fit import TrainError
from snnas.train.graph import GraphResult
from snnas.train.layers import TrainResult
from snnas.train.network import layer_view

__all__ = ["fine_tune", "held", "quantize"]


@overload
def quantize(trained: Network | TrainResult, chip: Chip | str, weight_bits: int | None = None,
             types: list[NDArray[np.int64]] | None = None) -> QuantizedNetwork: ...
@overload
def quantize(trained: GraphResult, chip: Chip | str, weight_bits: int | None = None,
             types: list[NDArray[np.int64]] | None = None) -> QuantizedGraph: ...


def quantize(trained: Network | TrainResult | GraphResult, chip: Chip | str, weight_bits: int | None = None,
             types: list[NDArray[np.int64]] | None = None) -> QuantizedNetwork | QuantizedGraph:
    """Quantise a trained network to ``chip`` (rules: :mod:`snnas.quantize.layers`, :mod:`snnas.quantize.graph`).

    A ``Network`` is read as the layer trainer reads it (:func:`snnas.train.network.layer_view`): a chain
    of Conv and Dense projections with one neuron model.

    Raises:
        QuantizationError: the chip cannot hold the network, or the network is not one the quantiser reads.
    """
    if isinstance(trained, GraphResult):
        if types is not None:
            raise QuantizationError("types: graph networks are not quantised with source types")
        return quantize_graph(trained, chip, weight_bits)
    if isinstance(trained, Network):
        trained = _as_layers(trained)
    if not isinstance(trained, TrainResult):
        raise QuantizationError(f"quantize: expected a Network, TrainResult or GraphResult, got "
                                f"{type(trained).__name__}")
    return quantize_layers(trained, chip, weight_bits, types)


def _as_layers(net: Network) -> TrainResult:
    try:
        return layer_view(net).result
    except TrainError as exc:
        raise QuantizationError(f"network {net.name!r}: {exc}") from None


def fine_tune(trained: Network | TrainResult, chip: Chip | str, data: Any, split: Any, epochs: int = 30,
              weight_bits: int | None = None, lr: float | None = None
              ) -> tuple[Network | TrainResult, QuantizedNetwork]:
    """Quantisation-aware fine-tuning (:func:`snnas.quantize.layers.fine_tune`) of a layer result or of a
    chain ``Network``; a network comes back as a network (its weights the chip's, in IR units)."""
    if isinstance(trained, Network):
        view = layer_view(trained)
        tuned, q = fine_tune_layers(view.result, chip, data, split, epochs, weight_bits, lr)
        return view.write(tuned), q
    return fine_tune_layers(trained, chip, data, split, epochs, weight_bits, lr)


def held(trained: TrainResult | GraphResult, q: QuantizedNetwork | QuantizedGraph) -> Network:
    """The trained network with the weights the chip holds (``q``'s, back in float units): what energy and
    mapping see."""
    if isinstance(trained, GraphResult) and isinstance(q, QuantizedGraph):
        return GraphResult(q.float_weights(), trained.config, [], 0.0, 0.0).to_network()
    if isinstance(trained, TrainResult) and isinstance(q, QuantizedNetwork):
        return replace(trained, weights=q.float_weights(), recurrent=q.float_recurrent()).to_network()
    raise QuantizationError(f"held: {type(q).__name__} is not the quantisation of a {type(trained).__name__}")
