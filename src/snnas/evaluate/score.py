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
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from snnas.chip import Chip, load_chip
from snnas.data.datasets import Dataset, Split
from snnas.evaluate.accuracy import chip_readout
from snnas.evaluate.onchip import evaluate_on_chips
from snnas.ir.metrics import time_to_decision, van_rossum
from snnas.mapping import Violation, map_network
from snnas.quantize.layers import QuantizationError, QuantizedNetwork
from snnas.quantize.network import held, quantize
from snnas.train.config import TrainConfig, encode
from snnas.train.graph import GraphConfig, GraphResult
from snnas.train.layers import TrainResult
from snnas.train.trained import fit, run, settings_of, untrained

__all__ = ["QUANTISED_LIMITS", "STAGES", "TIMINGS", "Score", "score"]

# The stages of one evaluation, timed in Score.stage_seconds [s]: feasibility of the untrained architecture
# (map), training and the float run of the test samples (train; only the run when the weights were given),
# quantisation to the chip (quantise), the chip's fixed-point run of the test samples (chip_run), and the
# float run of the costed samples with the traffic-aware mapping, event counts and cost models behind
# energy and latency (cost).
STAGES = ("map", "train", "quantise", "chip_run", "cost")
TIMINGS = ("train_seconds", "stage_seconds")  # the Score fields that are wall times (differ run to run)

# Limits that quantisation enforces (so they do not block a candidate before training).
QUANTISED_LIMITS = frozenset({"core.weight_values_per_neuron", "core.synapse_types"})


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
    energy_missing: tuple[str, ...] = ()
    energy_neurobench_j: float | None = None
    latency_s: float | None = None
    latency_complete: bool = False
    latency_missing: tuple[str, ...] = ()
    spikes_per_inference: float | None = None
    firing_rate_per_layer: tuple[float, ...] = ()
    synaptic_ops: float | None = None
    spike_timing_distance: float | None = None
    time_to_decision_s: float | None = None
    train_seconds: float | None = None
    stage_seconds: dict[str, float] = field(default_factory=dict)  # wall time per stage (STAGES)
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["stage_seconds"] = dict(self.stage_seconds)
        d["violations"] = [dict(v.__dict__) for v in self.violations]
        d["firing_rate_per_layer"] = list(self.firing_rate_per_layer)
        d["notes"] = list(self.notes)
        return d


class _Clock:
    """Wall time per stage: lap(name) adds the time since the previous lap to ``laps[name]``."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = self.laps.get(name, 0.0) + now - self._last
        self._last = now


def score(config: TrainConfig | GraphConfig, chip: Chip | str, data: Dataset, split: Split,
          weight_bits: int | None = None, mapper: str = "traffic", eval_samples: int = 64,
          checkpoints: str | None = None, keep_checkpoint: bool = True,
          trained: TrainResult | GraphResult | None = None) -> Score:
    """Score one candidate architecture (a :class:`TrainConfig`, or a :class:`GraphConfig` for graph
    networks) on one chip with one dataset.

    Args:
        config: the architecture and its training budget (epochs, steps, encoder, ...).
        chip: a Chip or chip id.
        data, split: the dataset and its split (accuracy on ``split.test``).
        weight_bits: weight precision on the chip (the chip's widest when None).
        mapper: mapper for feasibility, energy and latency.
        eval_samples: test samples simulated on the chip model for energy and latency.
        checkpoints, keep_checkpoint: resume the training from (and keep it in) a folder of checkpoints
            (``snnas.train.trained.fit``): how a multi-fidelity search promotes without training again.
        trained: the network already trained (a TrainResult of ``config``, e.g. a one-shot supernet's
            sub-network with inherited weights, ``snnas.train.supernet.inherit``): scored without training.
    """
    chip = chip if isinstance(chip, Chip) else load_chip(chip)
    tc = settings_of(config)
    clock = _Clock()
    _, report = map_network(untrained(config, data), chip, mapper)
    clock.lap("map")
    blocking = tuple(v for v in report.violations if v.constraint not in QUANTISED_LIMITS)
    if blocking:
        return Score(chip=chip.id, feasible=False, violations=blocking, stage_seconds=clock.laps,
                     notes=("infeasible before training: not trained",))
    x = encode(data, split.test, tc)
    y = data.labels[split.test]
    x_int = np.rint(x).astype(np.int8) if tc.encoder != "direct" else x
    notes: list[str] = []
    chip_out = None
    chip_pred: np.ndarray | None = None  # the chip's readout when it is not the output spike count
    trained = fit(config, data, split, checkpoints, keep_checkpoint) if trained is None else trained
    floats = run(trained, x)
    clock.lap("train")
    try:
        q = quantize(trained, chip, weight_bits)
        if not isinstance(q, QuantizedNetwork) or q.numerics == "generic fixed point":
            notes.append(f"chip accuracy under the generic fixed-point rule: {chip.id} gives no integer rule for "
                         f"{tc.neuron} (numerics: null)")
        clock.lap("quantise")
        chip_pred, chip_out = chip_readout(q, x_int)
        clock.lap("chip_run")
        net = held(trained, q)  # with the weights the chip holds
    except QuantizationError as exc:
        notes.append(f"no chip accuracy: {exc}")
        net = trained.to_network()
    clock.lap("quantise")
    acc_float = float((np.argmax(floats.readout, axis=1) == y).mean())
    acc_chip = dist = ttd = None
    if chip_out is not None:
        pred = chip_out.sum(axis=1) if chip_pred is None else chip_pred
        acc_chip = float((np.argmax(pred, axis=1) == y).mean())
        dist = float(van_rossum(floats.output, chip_out, dt=tc.dt, tau=5 * tc.dt).mean())
        ttd = float(time_to_decision(chip_out).mean()) * tc.dt
    k = min(eval_samples, len(split.test))
    (res,) = evaluate_on_chips(net, [chip], inputs=x_int[:k], mapper=mapper, seed=tc.seed)
    clock.lap("cost")
    # Every chip's energy holds the same terms (the placement model: events, hops and static power over the
    # inference's latency); a term whose figure is unknown is named, and the total of the known terms is
    # then partial (a lower bound), never replaced by another quantity. The NeuroBench op-count estimate,
    # the same formula on every chip, is kept beside it.
    energy = res.energy["placement"]
    if energy.total_j is None:
        notes.append("energy unknown: the chip file has none of the figures of the events this network causes "
                     f"({', '.join(energy.missing)})")
    elif not energy.complete:
        notes.append(f"energy partial (a lower bound): unknown {', '.join(energy.missing)}")
    if res.latency.missing:
        notes.append(("latency unknown: " if res.latency.total_s is None else "latency partial (a lower bound): ")
                     + f"unknown {', '.join(res.latency.missing)}")
    return Score(
        chip=chip.id, feasible=res.feasible, violations=res.report.violations, accuracy_float=acc_float,
        accuracy_chip=acc_chip, energy_j=energy.total_j, energy_tier="placement",
        energy_complete=energy.complete and energy.total_j is not None, energy_missing=energy.missing,
        energy_neurobench_j=res.energy["neurobench"].total_j, latency_s=res.latency.total_s,
        latency_complete=res.latency.complete and res.latency.total_s is not None,
        latency_missing=res.latency.missing, spikes_per_inference=res.workload.spikes,
        firing_rate_per_layer=floats.rates(tc.dt),
        synaptic_ops=res.workload.effective_acs + res.workload.effective_macs, spike_timing_distance=dist,
        time_to_decision_s=ttd if ttd is not None and math.isfinite(ttd) else None, train_seconds=trained.seconds,
        stage_seconds=clock.laps, notes=tuple(notes),
    )
