"""Training: surrogate-gradient BPTT of layer (dense, conv, recurrent) and graph networks, the fitting loop
they share, and the training-free scores that rank untrained networks."""

from __future__ import annotations

from snnas._lazy import lazy_exports
from snnas.ir.conv import ConvSpec

_names, __getattr__, __dir__ = lazy_exports(__name__, {
    "config": ["LOSSES", "LayerNeuron", "TrainConfig", "conv_layers", "encode", "input_shape", "neuron_parameters",
               "weight_shapes"],
    "steps": ["SURROGATES"],
    "layers": ["TrainResult", "accuracy", "forward", "hit_rate", "readout"],
    "network": ["LayerView", "layer_view", "train", "train_network"],
    "candidate": ["config_of", "network_of"],
    "trained": ["FloatRun", "fit", "run", "untrained"],
    "fit": ["TrainError"],
    "graph": ["GraphConfig", "GraphEdge", "GraphResult", "train_graph"],
    "scores": ["SCORES", "zero_shot_score"],
})
__all__ = ["ConvSpec", *_names]
