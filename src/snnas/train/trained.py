"""One interface over the two trainers: the functions here take a layer config or a graph config (and their
results, :class:`~snnas.train.layers.TrainResult` and :class:`~snnas.train.graph.GraphResult`), so the stages
after training (quantise, score, export) handle either without asking which.

``fit(config, data, split)`` trains whichever architecture a config describes; ``untrained(config, data)``
is its untrained network (random weights, the configured neuron model), what feasibility is checked on;
``run(trained, x)`` is the float network's run on an input batch, with every population's spikes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from snnas.data.datasets import Dataset, Split
from snnas.ir.network import Network
from snnas.train.config import TrainConfig, input_shape, weight_shapes
from snnas.train.graph import GraphConfig, GraphResult, check_graph, graph_forward, init_weights, train_graph
from snnas.train.layers import TrainResult, _run, train

__all__ = ["FloatRun", "fit", "run", "settings_of", "untrained"]


@dataclass(frozen=True)
class FloatRun:
    """The float network's run on a batch.

    Attributes:
        readout: what the prediction is the argmax of, (samples, classes): output spike counts, or the
            output layer's mean membrane for a layer network trained with ``loss="membrane"``.
        spikes: every population's spikes in order (name, (steps, samples, neurons)), the output last.
    """

    readout: NDArray[np.float64]
    spikes: tuple[tuple[str, NDArray[np.float64]], ...]

    @property
    def output(self) -> NDArray[np.float64]:
        """The output population's spikes, (samples, steps, classes)."""
        return np.transpose(self.spikes[-1][1], (1, 0, 2))

    def rates(self, dt: float) -> tuple[float, ...]:
        """Mean firing rate per population [spikes per neuron per second]."""
        return tuple(float(s.mean()) / dt for _, s in self.spikes)


def settings_of(config: TrainConfig | GraphConfig) -> TrainConfig:
    """The training settings (steps, encoder, epochs, seed, ...) of a layer or graph config."""
    return config.train if isinstance(config, GraphConfig) else config


def fit(config: TrainConfig | GraphConfig, data: Dataset, split: Split,
        checkpoints: str | os.PathLike[str] | None = None, keep: bool = True) -> TrainResult | GraphResult:
    """Train the architecture ``config`` describes on ``split.train`` (early stop on ``split.val``).

    ``checkpoints``: a folder of training checkpoints (``snnas.train.checkpoint``; layer-wise networks):
    a checkpoint of this training for at most ``config.epochs`` epochs is resumed instead of training from
    scratch (the same result), and with ``keep`` the state at the end is saved there (else its file is
    removed: nothing will resume it)."""
    if isinstance(config, GraphConfig):
        return train_graph(data, split, config)
    if checkpoints is None:
        return train(data, split, config)
    from snnas.train.checkpoint import checkpoint_key, load_state, save_state

    key = checkpoint_key(config, data, split)
    path = Path(checkpoints) / f"{key}.npz"
    state = load_state(path, key)
    result = train(data, split, config, resume=state if state is not None and state.epoch <= config.epochs else None)
    if keep and result.state is not None:
        save_state(path, key, result.state)
    else:
        path.unlink(missing_ok=True)
    return result


def untrained(config: TrainConfig | GraphConfig, data: Dataset, name: str = "candidate") -> Network:
    """The untrained network of a config: random weights of the trained shapes (kept away from 0, so that
    every synapse exists), the configured neuron model."""
    if isinstance(config, GraphConfig):
        sizes = check_graph(config, data.n_inputs, data.n_classes)
        weights = [w + 1e-3 for w in init_weights(config, sizes, np.random.default_rng(config.train.seed))]
        return GraphResult(weights, config, [], 0.0, 0.0).to_network(name=name)
    rng = np.random.default_rng(config.seed)
    shapes = weight_shapes(config, data.n_inputs, data.n_classes)  # conv kernels, then (inputs, neurons) per layer
    dense = [rng.normal(0, 1, size=s) + 1e-3 for s in shapes]
    rec = [rng.normal(0, 1, size=(s[1], s[1])) + 1e-3 if config.recurrent and len(config.conv) <= i < len(shapes) - 1
           else None for i, s in enumerate(shapes)]
    shape = input_shape(config, data.n_inputs)
    result = TrainResult(dense, replace(config, progress=False, input_shape=shape or config.input_shape), [], 0.0,
                         0.0, rec)
    return result.to_network(name=name)


def run(trained: TrainResult | GraphResult, x: NDArray[np.float64]) -> FloatRun:
    """The float network's run on ``x`` (samples, steps, inputs): its readout and every population's spikes."""
    if isinstance(trained, GraphResult):
        gc = trained.config
        counts, saved = graph_forward(gc, trained.weights, x, keep=True)
        names = [p for p, _ in gc.nodes] + ["out"]
        return FloatRun(counts, tuple((p, saved[p][1]) for p in names))
    cfg = trained.config
    counts, layers, v_mean = _run(trained.weights, x, cfg, keep=True, recurrent=trained.recurrent_or_none(),
                                  drives=trained.drives_or_none())
    readout = v_mean if cfg.loss == "membrane" else counts
    return FloatRun(readout, tuple((f"l{i + 1}", s) for i, (_, s) in enumerate(layers)))

