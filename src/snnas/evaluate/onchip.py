"""Evaluate a network on modelled chips: simulate it once, then map, check and cost it per chip.

    >>> results = snnas.evaluate(net, chips=["loihi", "truenorth", "speck"], inputs=raster)
    >>> [(r.chip, r.feasible, r.energy["placement"].total_j) for r in results]

The float simulation runs once (chip-independent); its per-neuron firing rates weight the traffic-aware
mapper, and its spikes, replayed through each chip's mapping, give the per-core event counts that the
energy and latency models take (:mod:`snnas.sim.activity`, :mod:`snnas.evaluate.cost`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import numpy as np
from numpy.typing import NDArray

from snnas.chip import Chip, load_chip
from snnas.errors import SnnasError
from snnas.evaluate.cost import EnergyEstimate, LatencyEstimate, async_latency, energy, latency
from snnas.ir.network import Network, NeuronCSR
from snnas.mapping import FeasibilityReport, Mapping, map_network
from snnas.sim.activity import ChipActivity, async_timing, count_activity

__all__ = ["ChipResult", "EvaluationError", "Run", "Workload", "default_inputs", "evaluate", "evaluate_on_chips",
           "run_network"]


class EvaluationError(SnnasError, ValueError):
    """The network or its inputs cannot be evaluated (a neuron model the simulator lacks, a bad raster, ...)."""


@dataclass(frozen=True)
class Run:
    """One float simulation of a network: every spike (inputs included) in global neuron indices."""

    spike_steps: NDArray[np.int64]
    spike_ids: NDArray[np.int64]
    n_steps: int
    dt: float
    neuron_updates: int
    samples: int = 1

    def rates(self, num_neurons: int) -> NDArray[np.float64]:
        """Spikes per neuron per step."""
        return np.bincount(self.spike_ids, minlength=num_neurons) / max(self.n_steps * self.samples, 1)


@dataclass(frozen=True)
class Workload:
    """Workload metrics per inference: NeuroBench 2.x's, by its definitions (:mod:`snnas.evaluate.neurobench`:
    checked equal to NeuroBench's own on the recorded framework networks), and the engine's counts.

    ``effective_acs`` / ``effective_macs``: NeuroBench's effective synaptic operations (non-zero input × non-zero
    weight per layer call; MACs where a call's input is not all 0/±1: multi-spike counts, pooled sums);
    ``dense_ops``: NeuroBench's dense synaptic operations (every synapse every step); ``activation_sparsity``:
    NeuroBench's (share of population outputs, per neuron and step, that are zero); ``neuron_updates``: the
    neuron-state updates the event-driven engine performed (not NeuroBench's ``MembraneUpdates``, which only
    snnTorch layers have); ``spikes``: population spikes.
    """

    effective_acs: float
    effective_macs: float
    dense_ops: float
    activation_sparsity: float
    neuron_updates: float
    spikes: float


@dataclass(frozen=True)
class ChipResult:
    """A network on one chip: fits or not (with every violation), energy and latency per inference."""

    chip: str
    chip_name: str
    mapping: Mapping
    report: FeasibilityReport
    energy: dict[str, EnergyEstimate]
    latency: LatencyEstimate
    workload: Workload
    notes: tuple[str, ...] = field(default=())

    @property
    def feasible(self) -> bool:
        return self.report.feasible

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "chip": self.chip, "chip_name": self.chip_name, "feasible": self.feasible,
            "violations": [dict(v.__dict__) for v in self.report.violations],
            "cores_used": self.report.cores_used, "mean_hops": self.report.mean_hops, "max_hops": self.report.max_hops,
            "energy_j": {k: {"total": e.total_j, "terms": e.terms, "missing": list(e.missing), "basis": list(e.basis)}
                         for k, e in self.energy.items()},
            "latency_s": {"model": self.latency.model, "per_inference": self.latency.total_s,
                          "per_step_mean": (float(np.mean(self.latency.step_s)) if self.latency.total_s is not None
                                            and self.latency.step_s.size else None),
                          "overrun_steps": self.latency.overrun_steps, "missing": list(self.latency.missing)},
            "workload": dict(self.workload.__dict__), "mapper_seconds": self.report.mapper_seconds,
            "notes": list(self.notes),
        }


def default_inputs(net: Network, n_steps: int, rate: float = 0.1, seed: int = 0) -> NDArray[np.int8]:
    """A seeded Bernoulli raster: every input neuron spikes with probability ``rate`` per step."""
    n_in = sum(i.size for i in net.inputs)
    return (np.random.default_rng(seed).random((n_steps, n_in)) < rate).astype(np.int8)


def _check_raster(net: Network, inputs: Any) -> NDArray[np.int64]:
    n_in = sum(i.size for i in net.inputs)
    try:
        raster = np.asarray(inputs)
    except (TypeError, ValueError) as exc:
        raise EvaluationError(f"inputs: expected an array of spike counts ({exc})") from None
    if raster.ndim == 2:
        raster = raster[None]
    if raster.ndim != 3 or raster.shape[2] != n_in or raster.shape[1] == 0:
        raise EvaluationError(f"inputs: expected shape (steps, {n_in}) or (samples, steps, {n_in}) - one column per "
                              f"input neuron - got {np.shape(inputs)}")
    if raster.dtype.kind not in "biuf" or (raster.dtype.kind == "f" and not np.all(np.isfinite(raster))):
        raise EvaluationError("inputs: expected finite spike counts")
    if np.any(raster < 0) or np.any(raster != np.rint(raster)):
        raise EvaluationError("inputs: spike counts must be whole numbers >= 0")
    return raster.astype(np.int64)


_SPIKING = {"li": "lif", "cuba_li": "cuba_lif"}  # a non-spiking model -> the spiking model it runs as


def _sim_network(net: Network, csr: NeuronCSR) -> tuple[Any, NDArray[np.int64], NDArray[np.float64]]:
    """The population neurons as one simulator network; returns it, their global indices, their gains."""
    from snnas.sim.engine import SimNetwork

    pops = net.populations
    # A leaky integrator is its spiking model with an infinite threshold (LI is LIF's, CUBA-LI CUBA-LIF's:
    # discretize() gives the same decays and gains), so LIF layers with an LI readout run as one model.
    models = {_SPIKING.get(p.neuron.model, p.neuron.model) for p in pops}
    if len(models) != 1 or not models <= {"if", "lif", "cuba_lif", "adaptive_lif"}:
        raise EvaluationError(f"the simulator runs one neuron model per network (if, lif, cuba_lif or adaptive_lif; "
                              f"li and cuba_li as readouts of lif and cuba_lif); this network has "
                              f"{sorted({p.neuron.model for p in pops})}")
    resets = {getattr(p.neuron, "reset", "value") for p in pops if p.neuron.model not in _SPIKING} or {"value"}
    if len(resets) != 1:
        raise EvaluationError("the simulator runs one reset rule per network; this network mixes 'value' and "
                              "'subtract'")
    disc = [p.neuron.discretize(net.dt, p.size) for p in pops]
    glob = np.concatenate([np.arange(csr.offsets[p.name], csr.offsets[p.name] + p.size) for p in pops]).astype(np.int64)
    local = np.full(csr.num_neurons, -1, dtype=np.int64)
    local[glob] = np.arange(glob.size)
    gain = np.zeros(csr.num_neurons)
    gain[glob] = np.concatenate([d.input_gain for d in disc])
    pre = np.repeat(np.arange(csr.num_neurons), np.diff(csr.row_ptr))
    keep = local[pre] >= 0  # synapses between population neurons; input rows are replayed as events
    post_local = local[csr.target[keep]]
    order = np.argsort(local[pre[keep]], kind="stable")
    row_ptr = np.zeros(glob.size + 1, dtype=np.int64)
    np.cumsum(np.bincount(local[pre[keep]], minlength=glob.size), out=row_ptr[1:])

    def cat(name: str) -> NDArray[Any]:
        return np.concatenate([getattr(d, name) for d in disc])

    v_th = cat("v_th")
    # A readout never spikes; the engine takes finite thresholds, so it gets float32's largest value.
    v_th[np.isinf(v_th)] = float(np.finfo(np.float32).max)

    model = cast(Literal["if", "lif", "cuba_lif", "adaptive_lif"], models.pop())
    adapt: dict[str, Any] = {}
    if model == "adaptive_lif":  # the adaptation constants, per neuron, straight from the parameters
        adapt = {name: np.concatenate([np.broadcast_to(np.asarray(getattr(p.neuron, name), dtype=float), (p.size,))
                                       for p in pops]) for name in ("tau_adapt", "beta")}
    # The IR's decays per step reach the engine as they are, bit for bit (no time constant in between).
    sim = SimNetwork(row_ptr=row_ptr, target=post_local[order].astype(np.int32),
                     weight=(csr.weight[keep] * gain[csr.target[keep]])[order], delay=csr.delay[keep][order],
                     model=model, v_th=v_th, v_reset=cat("v_reset"), v_rest=cat("v_rest"),
                     alpha_m=cat("alpha_m"), alpha_s=cat("alpha_s"), t_ref=cat("t_ref"),
                     reset=cast(Literal["value", "subtract"], resets.pop()), **adapt)
    return sim, glob, gain


def run_network(net: Network, inputs: Any, csr: NeuronCSR | None = None) -> Run:
    """Simulate ``net`` (float, double precision) on a spike raster; returns every spike in global indices.

    Args:
        net: the network (one neuron model of if, lif or cuba_lif; inputs as Input nodes).
        inputs: spike counts of the input neurons, shape (steps, inputs) or (samples, steps, inputs), in the
            order of the network's Input nodes. Samples run independently, each from rest, in one batched
            call on the process's threads (:meth:`snnas.sim.engine.Simulator.run_batch`); their spikes
            follow one another, sample s at steps ``s * steps`` on.
        csr: the network's synapses, when already expanded.
    """
    from snnas.sim.engine import Simulator

    csr = csr or net.to_csr()
    raster = _check_raster(net, inputs)
    sim, glob, gain = _sim_network(net, csr)
    prepared = Simulator(sim, net.dt)  # checked and prepared once for every sample
    r = np.concatenate([p.neuron.resistance(p.size) for p in net.populations])
    drive = net.bias()[glob] * r  # a constant input b drives the potential towards v_rest + r·b
    in_ids = (np.concatenate([np.arange(csr.offsets[i.name], csr.offsets[i.name] + i.size) for i in net.inputs])
              if net.inputs else np.zeros(0, np.int64))
    local = np.full(csr.num_neurons, -1, dtype=np.int64)
    local[glob] = np.arange(glob.size)
    n_steps = raster.shape[1]
    # The input rows' synapses onto population neurons, as the batch's input synapses (weight x gain).
    cnt = csr.row_ptr[in_ids + 1] - csr.row_ptr[in_ids]
    syn = np.repeat(csr.row_ptr[in_ids], cnt) + np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    row = np.repeat(np.arange(in_ids.size), cnt)
    ok = local[csr.target[syn]] >= 0
    syn, row = syn[ok], row[ok]
    tgt = csr.target[syn]
    ptr = np.concatenate(([0], np.cumsum(np.bincount(row, minlength=in_ids.size)))).astype(np.int64)
    out = prepared.run_batch(raster, (ptr, local[tgt], csr.weight[syn] * gain[tgt], csr.delay[syn]),
                             i_ext=drive if np.any(drive) else None)
    sample = np.repeat(np.arange(raster.shape[0]), np.diff(out["spike_ptr"]))
    s_in, t_in, col = np.nonzero(raster)
    mult = raster[s_in, t_in, col]
    # Each sample's input spikes, then its neurons' spikes, every sample after the previous one.
    steps = np.concatenate((np.repeat(t_in + s_in * n_steps, mult), out["spike_step"] + sample * n_steps))
    ids = np.concatenate((np.repeat(in_ids[col], mult), glob[out["spike_id"]]))
    updates = int(np.sum(out["neuron_updates"]))
    order = np.argsort(steps, kind="stable")
    return Run(steps[order], ids[order], n_steps, net.dt, updates, raster.shape[0])


def _workload(net: Network, csr: NeuronCSR, run: Run) -> Workload:
    from snnas.evaluate.neurobench import activation_sparsity, synaptic_operations

    s = max(run.samples, 1)
    # Every sample's steps one after the other: NeuroBench's figures are sums over layer calls.
    counts = np.zeros((run.n_steps * s, csr.num_neurons))
    np.add.at(counts, (run.spike_steps, run.spike_ids), 1.0)
    outputs = {n.name: counts[:, csr.offsets[n.name]:csr.offsets[n.name] + n.size] for n in net.nodes}
    ops = synaptic_operations(net, outputs)
    pops = np.zeros(csr.num_neurons, dtype=bool)
    for p in net.populations:
        pops[csr.offsets[p.name]:csr.offsets[p.name] + p.size] = True
    pop_spikes = float(np.count_nonzero(pops[run.spike_ids])) / s
    return Workload(ops.effective_acs / s, ops.effective_macs / s, ops.dense / s, activation_sparsity(net, outputs),
                    run.neuron_updates / s, pop_spikes)


def _tiles(chip: Chip, mapping: Mapping) -> int:
    per = chip.topology.cores_per_tile or 1
    return max(1, int(np.unique(mapping.core_slot // per).size))


def _per_inference(act: ChipActivity, samples: int) -> ChipActivity:
    """Average the counts of several samples into one inference (steps stay those of one sample)."""
    if samples <= 1:
        return act
    steps = act.steps // samples

    def fold(a: NDArray[np.int64]) -> NDArray[Any]:  # the mean per sample: floats where ChipActivity has counts
        mean: NDArray[Any] = a[: steps * samples].reshape(samples, steps, -1).sum(axis=0) / samples
        return mean

    summed = {f: fold(getattr(act, f)) for f in ("synops", "updates_active", "updates_idle", "spikes_out",
                                                  "packets_out", "packets_in", "hops_x", "hops_y")}
    peak = {f: getattr(act, f)[: steps * samples].reshape(samples, steps, -1).max(axis=0)
            for f in ("max_hops_x", "max_hops_y")}
    return ChipActivity(dt=act.dt, **summed, **peak)


def _async(net: Network, chip: Chip, csr: NeuronCSR, mapping: Mapping, run: Run, act: ChipActivity) -> LatencyEstimate:
    """Event-level latency on an asynchronous chip. A figure the chip file leaves unknown counts as 0 s and is
    named in ``missing`` when the run has events of its kind: the latency is then a lower bound."""
    t = chip.latency
    timing = async_timing(csr, mapping, run.spike_steps, run.spike_ids, run.n_steps * run.samples, net.dt,
                          t_syn=t.t_syn_op or 0.0, t_spike=t.t_spike_out or 0.0, t_hop_x=t.t_hop_x or 0.0,
                          t_hop_y=t.t_hop_y or 0.0)
    outputs = np.zeros(csr.num_neurons, dtype=bool)
    for name in net.outputs:
        outputs[csr.offsets[name]:csr.offsets[name] + net.node(name).size] = True
    est = async_latency(timing.release, timing.spike_steps, outputs[timing.spike_ids], run.n_steps, run.samples,
                        net.dt)
    counts = {"t_syn_op": act.synops, "t_spike_out": act.spikes_out, "t_hop_x": act.hops_x, "t_hop_y": act.hops_y}
    unknown = tuple(f"latency.{f}" for f, c in counts.items() if getattr(t, f) is None and c.any())
    return LatencyEstimate(est.model, est.step_s, est.total_s, 0, est.missing + unknown)


def evaluate_on_chips(net: Network, chips: Sequence[Chip | str], inputs: Any = None, n_steps: int = 100,
                      mapper: str = "traffic", seed: int = 0, input_rate: float = 0.1) -> list[ChipResult]:
    """Simulate ``net`` once, then map it onto every chip and cost it there (one result per chip, in order).

    Args:
        net: the network.
        chips: chips or chip ids / YAML paths.
        inputs: spike raster of the inputs (see :func:`run_network`); None draws :func:`default_inputs` with
            ``n_steps`` steps at ``input_rate`` spikes per input per step.
        n_steps: steps when ``inputs`` is None.
        mapper: ``"sequential"`` or ``"traffic"``; the traffic mapper is weighted by the simulated rates.
        seed: seed of the default inputs and of the mapper.
    """
    if not isinstance(net, Network):
        raise EvaluationError(f"network: expected a snnas.ir.network.Network, got {type(net).__name__}")
    if isinstance(chips, (str, Chip)):
        chips = [chips]
    loaded = [c if isinstance(c, Chip) else load_chip(c) for c in chips]
    csr = net.to_csr()
    raster = default_inputs(net, n_steps, input_rate, seed) if inputs is None else inputs
    run = run_network(net, raster, csr)
    rates = run.rates(csr.num_neurons)
    workload = _workload(net, csr, run)
    results = []
    for chip in loaded:
        mapping, report = map_network(net, chip, mapper, rates=rates, seed=seed, csr=csr)
        act = count_activity(csr, mapping, run.spike_steps, run.spike_ids, run.n_steps * run.samples, net.dt)
        act = _per_inference(act, run.samples)
        lat = latency(chip, act, tiles=_tiles(chip, mapping))
        if chip.execution.model == "async_event" and (chip.latency.t_syn_op, chip.latency.t_spike_out) != (None, None):
            lat = _async(net, chip, csr, mapping, run, act)
        energies = {tier: energy(chip, act, tier, run_s=lat.total_s) for tier in ("neurobench", "device", "placement")}
        notes = ("event counts: the float simulation's spikes replayed through the mapping by the compiled chip "
                 "model; active neuron updates are neurons receiving input (a lower bound)",)
        results.append(ChipResult(chip.id, chip.name, mapping, report, energies, lat, workload, notes))
    return results


def evaluate(network: Network, chips: Sequence[Chip | str], inputs: Any = None, **options: Any) -> list[ChipResult]:
    """``snnas.evaluate(network, chips=[...], inputs=...)``: one :class:`ChipResult` per chip.

    The same as :func:`evaluate_on_chips` (its keyword options: ``n_steps``, ``mapper``, ``seed``,
    ``input_rate``).
    """
    return evaluate_on_chips(network, chips, inputs, **options)
