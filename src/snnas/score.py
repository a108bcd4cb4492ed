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
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from snnas.chip import Chip, load_chip
from snnas.datasets import Dataset, Split
from snnas.mapping import Violation, map_network
from snnas.metrics import time_to_decision, van_rossum
from snnas.network import Network
from snnas.onchip import evaluate_on_chips
from snnas.quantize import QuantizationError, chip_outputs, quantize
from snnas.train import TrainConfig, forward, train

__all__ = ["Score", "architecture", "score"]

_QUANTISED_LIMITS = {"core.weight_values_per_neuron", "core.synapse_types"}


@dataclass(frozen=True)
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
    from dataclasses import replace

    from snnas.train import TrainResult

    rng = np.random.default_rng(seed)
    sizes = [n_inputs, *config.hidden, n_classes]
    weights = [rng.normal(0, 1, size=(a, b)) + 1e-3 for a, b in zip(sizes[:-1], sizes[1:])]
    rec = [rng.normal(0, 1, size=(n, n)) + 1e-3 if config.recurrent and i < len(sizes) - 2 else None
           for i, n in enumerate(sizes[1:])]
    result = TrainResult(weights, replace(config, progress=False), [], 0.0, 0.0, rec)
    return result.to_network(name="candidate")


def score(config: TrainConfig, chip: Chip | str, data: Dataset, split: Split, weight_bits: int | None = None,
          mapper: str = "traffic", eval_samples: int = 64) -> Score:
    """Score one candidate architecture (a :class:`TrainConfig`) on one chip with one dataset.

    Args:
        config: the architecture and its training budget (epochs, steps, encoder, ...).
        chip: a Chip or chip id.
        data, split: the dataset and its split (accuracy on ``split.test``).
        weight_bits: weight precision on the chip (the chip's widest when None).
        mapper: mapper for feasibility, energy and latency.
        eval_samples: test samples simulated on the chip model for energy and latency.
    """
    chip = chip if isinstance(chip, Chip) else load_chip(chip)
    _, report = map_network(architecture(config, data.n_inputs, data.n_classes, config.seed), chip, mapper)
    blocking = tuple(v for v in report.violations if v.constraint not in _QUANTISED_LIMITS)
    if blocking:
        return Score(chip.id, False, blocking, notes=("infeasible before training: not trained",))
    result = train(data, split, config)
    raster = data.raster(split.test, config.n_steps, config.dt, config.encoder, seed=config.seed, **config.encoder_options)
    x = np.asarray(raster, dtype=float)
    y = data.labels[split.test]
    counts, saved = forward(result.weights, x, config, keep=True, recurrent=result.recurrent_or_none())
    acc_float = float((np.argmax(counts, axis=1) == y).mean())
    float_out = np.transpose(saved[-1][1], (1, 0, 2))  # (samples, steps, classes)
    notes: list[str] = []
    try:
        q = quantize(result, chip, weight_bits)
    except QuantizationError as exc:
        q = None
        notes.append(f"no chip accuracy: {exc}")
    acc_chip = dist = ttd = None
    if q is not None:
        chip_out = chip_outputs(q, np.rint(x).astype(np.int8) if config.encoder != "direct" else x)
        acc_chip = float((np.argmax(chip_out.sum(axis=1), axis=1) == y).mean())
        dist = float(van_rossum(float_out, chip_out, dt=config.dt, tau=5 * config.dt).mean())
        ttd = float(time_to_decision(chip_out).mean()) * config.dt
    rates = tuple(float(s.mean()) / config.dt for _, s in saved)  # spikes per neuron per second, per layer
    from dataclasses import replace

    held = result if q is None else replace(result, weights=q.float_weights(), recurrent=q.float_recurrent())
    net = held.to_network()  # with the weights the chip holds
    k = min(eval_samples, len(split.test))
    (res,) = evaluate_on_chips(net, [chip], inputs=np.rint(x[:k]).astype(np.int8), mapper=mapper, seed=config.seed)
    energy = res.energy["placement"]
    tier = "placement"
    if energy.total_j is None:
        energy, tier = res.energy["neurobench"], "neurobench"
        notes.append("the chip file has no per-event energy figures: energy is the NeuroBench op-count estimate")
    if not energy.complete:
        notes.append(f"energy terms unknown for this chip: {', '.join(energy.missing)}")
    return Score(
        chip.id, res.feasible, res.report.violations, acc_float, acc_chip, energy.total_j, tier, energy.complete,
        res.latency.total_s, res.workload.spikes, rates, res.workload.effective_acs, dist,
        ttd if ttd is not None and math.isfinite(ttd) else None, result.seconds, tuple(notes),
    )
