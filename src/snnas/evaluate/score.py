"""One candidate on one chip: fits or not, then trained, quantised, simulated and costed: a :class:`Score`.

``score(config, chip, data, split)`` checks feasibility first, on the untrained architecture: a
candidate that cannot be mapped is returned with its violations and is never trained. Otherwise it is
trained (float), quantised to the chip and run in the fixed-point engine (chip accuracy), and evaluated
on the chip's model for energy and latency per inference, with the weights the chip holds. Weight-value
limits (TrueNorth's axon types) are enforced by quantisation, so they do not count against a candidate
before training.

Temporal measures: ``spike_timing_distance`` is the mean van Rossum distance (tau = 5 steps) between
the float network's and the chip's output spike trains for the same inputs; ``time_to_decision_s`` the
mean first time after which the chip's predicted class no longer changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from snnas.chip import Chip, load_chip
from snnas.data.datasets import Dataset, Split
from snnas.evaluate.accuracy import chip_membrane, chip_outputs, graph_chip_outputs
from snnas.evaluate.onchip import evaluate_on_chips
from snnas.ir.metrics import time_to_decision, van_rossum
from snnas.ir.network import Network
from snnas.mapping import Violation, map_network
from snnas.quantize.graph import quantize_graph
from snnas.quantize.layers import QuantizationError, quantize
from snnas.train.config import TrainConfig, encode, input_shape, weight_shapes
from snnas.train.graph import (
    GraphConfig,
    GraphResult,
    check_graph,
    graph_forward,
    init_weights,
    train_graph,
)
from snnas.train.layers import TrainResult, _run, train

__all__ = ["Score", "architecture", "score"]

_QUANTISED_LIMITS = {"core.weight_values_per_neuron", "core.synapse_types"}


@dataclass(frozen=True, kw_only=True)
class Score:
    """Everything a co-design search weighs for one candidate on one chip (None where not measured)."""

    chip: str
    feasible: bool
    violations: tuple[Violation, ...]
    accuracy_float: float | None = None
    accuracy_chip: float | None = None
    energy_j: float | None = None
    energy_tier: str | None = None
    energy_complete: bool = False
    latency_s: float | None = None
    spikes_per_inference: float | None = None
    firing_rate_per_layer: tuple[float, ...] = ()
    synaptic_ops: float | None = None
    spike_timing_distance: float | None = None
    time_to_decision_s: float | None = None
    train_seconds: float | None = None
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["violations"] = [dict(v.__dict__) for v in self.violations]
        d["firing_rate_per_layer"] = list(self.firing_rate_per_layer)
        d["notes"] = list(self.notes)
        return d


def architecture(config: TrainConfig, n_inputs: int, n_classes: int, seed: int = 0) -> Network:
    """The untrained network of a configuration (random weights, the configured neuron model): what
    feasibility is checked on."""
    rng = np.random.default_rng(seed)
    shapes = weight_shapes(config, n_inputs, n_classes)  # conv kernels first, then (inputs, neurons) per dense layer
    weights = [rng.normal(0, 1, size=s) + 1e-3 for s in shapes]
    rec = [rng.normal(0, 1, size=(s[1], s[1])) + 1e-3 if config.recurrent and len(config.conv) <= i < len(shapes) - 1
           else None for i, s in enumerate(shapes)]
    shape = input_shape(config, n_inputs)
    result = TrainResult(weights, replace(config, progress=False, input_shape=shape or config.input_shape), [], 0.0,
                         0.0, rec)
    return result.to_network(name="candidate")


def score(config: TrainConfig | GraphConfig, chip: Chip | str, data: Dataset, split: Split,
          weight_bits: int | None = None, mapper: str = "traffic", eval_samples: int = 64) -> Score:
    """Score one candidate architecture (a :class:`TrainConfig`, or a :class:`GraphConfig` for graph
    networks) on one chip with one dataset.

    Args:
        config: the architecture and its training budget (epochs, steps, encoder, ...).
        chip: a Chip or chip id.
        data, split: the dataset and its split (accuracy on ``split.test``).
        weight_bits: weight precision on the chip (the chip's widest when None).
        mapper: mapper for feasibility, energy and latency.
        eval_samples: test samples simulated on the chip model for energy and latency.
    """
    chip = chip if isinstance(chip, Chip) else load_chip(chip)
    tc = config.train if isinstance(config, GraphConfig) else config
    untrained = (_graph_architecture(config, data) if isinstance(config, GraphConfig)
                 else architecture(config, data.n_inputs, data.n_classes, config.seed))
    _, report = map_network(untrained, chip, mapper)
    blocking = tuple(v for v in report.violations if v.constraint not in _QUANTISED_LIMITS)
    if blocking:
        return Score(chip=chip.id, feasible=False, violations=blocking,
                     notes=("infeasible before training: not trained",))
    x = encode(data, split.test, tc)
    y = data.labels[split.test]
    x_int = np.rint(x).astype(np.int8) if tc.encoder != "direct" else x
    notes: list[str] = []
    chip_out = None
    chip_pred: np.ndarray | None = None  # the chip's readout when it is not the output spike count
    if isinstance(config, GraphConfig):
        g_result = train_graph(data, split, config)
        seconds = g_result.seconds
        counts, g_saved = graph_forward(config, g_result.weights, x, keep=True)
        float_out = np.transpose(g_saved["out"][1], (1, 0, 2))
        rates = tuple(float(g_saved[p][1].mean()) / tc.dt for p, _ in (*config.nodes, ("out", 0)))
        try:
            qg = quantize_graph(g_result, chip, weight_bits)
            chip_out = graph_chip_outputs(qg, x_int)
            net = GraphResult(qg.float_weights(), config, [], 0.0, 0.0).to_network()
        except QuantizationError as exc:
            notes.append(f"no chip accuracy: {exc}")
            net = g_result.to_network()
    else:
        result = train(data, split, config)
        seconds = result.seconds
        counts, saved, v_mean = _run(result.weights, x, config, keep=True, recurrent=result.recurrent_or_none(),
                                     drives=result.drives_or_none())
        float_out = np.transpose(saved[-1][1], (1, 0, 2))  # (samples, steps, classes)
        rates = tuple(float(s.mean()) / tc.dt for _, s in saved)  # spikes per neuron per second, per layer
        if config.loss == "membrane":  # predictions by the readout the network was trained for (train.readout)
            counts = v_mean
        try:
            q = quantize(result, chip, weight_bits)
            if config.loss == "membrane":
                chip_pred, chip_out = chip_membrane(q, x_int)
            else:
                chip_out = chip_outputs(q, x_int)
            held = replace(result, weights=q.float_weights(), recurrent=q.float_recurrent())
        except QuantizationError as exc:
            notes.append(f"no chip accuracy: {exc}")
            held = result
        net = held.to_network()  # with the weights the chip holds
    acc_float = float((np.argmax(counts, axis=1) == y).mean())
    acc_chip = dist = ttd = None
    if chip_out is not None:
        pred = chip_out.sum(axis=1) if chip_pred is None else chip_pred
        acc_chip = float((np.argmax(pred, axis=1) == y).mean())
        dist = float(van_rossum(float_out, chip_out, dt=tc.dt, tau=5 * tc.dt).mean())
        ttd = float(time_to_decision(chip_out).mean()) * tc.dt
    k = min(eval_samples, len(split.test))
    (res,) = evaluate_on_chips(net, [chip], inputs=x_int[:k], mapper=mapper, seed=tc.seed)
    energy = res.energy["placement"]
    tier = "placement"
    if energy.total_j is None:
        energy, tier = res.energy["neurobench"], "neurobench"
        notes.append("the chip file has no per-event energy figures: energy is the NeuroBench op-count estimate")
    if not energy.complete:
        notes.append(f"energy terms unknown for this chip: {', '.join(energy.missing)}")
    return Score(
        chip=chip.id, feasible=res.feasible, violations=res.report.violations, accuracy_float=acc_float,
        accuracy_chip=acc_chip, energy_j=energy.total_j, energy_tier=tier, energy_complete=energy.complete,
        latency_s=res.latency.total_s, spikes_per_inference=res.workload.spikes, firing_rate_per_layer=rates,
        synaptic_ops=res.workload.effective_acs, spike_timing_distance=dist,
        time_to_decision_s=ttd if ttd is not None and math.isfinite(ttd) else None, train_seconds=seconds,
        notes=tuple(notes),
    )


def _graph_architecture(config: GraphConfig, data: Dataset) -> Network:
    """The untrained graph network (random weights): what feasibility is checked on."""
    sizes = check_graph(config, data.n_inputs, data.n_classes)
    weights = [w + 1e-3 for w in init_weights(config, sizes, np.random.default_rng(config.train.seed))]
    return GraphResult(weights, config, [], 0.0, 0.0).to_network(name="candidate")
