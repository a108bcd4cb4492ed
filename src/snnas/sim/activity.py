"""What a run did on a mapped chip: event counts per step and per logical core.

Definitions (shared by the compiled chip model and the reference computation here):

- ``synops[n, k]``: synaptic events delivered at step n to neurons on core k (one per synapse a spike
  crosses, input spikes included);
- ``spikes_out[n, k]``: spikes emitted at step n by neurons on core k;
- ``packets_out[n, k]``: packets core k sends at step n, one per spike per destination core other than
  its own (delivery within the core is part of the spike's own cost, ``e_spike_out``);
- ``packets_in[n, k]``: packets core k receives at step n, those from the input port included (input
  spikes enter the chip at mesh position (0, 0));
- ``hops_x[n, k]``, ``hops_y[n, k]``: Σ of the x and y router hops (dimension-order routing) of the
  packets core k receives; ``max_hops_x``/``max_hops_y``: the largest x and y distance among them;
- ``updates_active[n, k]`` / ``updates_idle[n, k]``: neuron updates of core k at step n for neurons
  that received input or were away from rest / for the rest of the core's neurons.

All arrays have shape (steps, cores) and integer type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from snnas import codes
from snnas.errors import SnnasError
from snnas.ir.network import NeuronCSR
from snnas.mapping import Mapping

__all__ = ["AsyncTiming", "ChipActivity", "ChipCounter", "activity_from_spikes", "async_timing",
           "async_timing_reference", "count_activity"]

Counts = NDArray[np.int64]


@dataclass(frozen=True)
class ChipActivity:
    """Per-step, per-core event counts of one run (see the module docstring for each definition)."""

    dt: float
    synops: Counts
    updates_active: Counts
    updates_idle: Counts
    spikes_out: Counts
    packets_out: Counts
    packets_in: Counts
    hops_x: Counts
    hops_y: Counts
    max_hops_x: Counts
    max_hops_y: Counts

    @property
    def steps(self) -> int:
        return int(self.synops.shape[0])

    @property
    def cores(self) -> int:
        return int(self.synops.shape[1])


def activity_from_spikes(csr: NeuronCSR, mapping: Mapping, spike_steps: NDArray[np.int64],
                         spike_ids: NDArray[np.int64], n_steps: int, dt: float,
                         active: NDArray[np.int64] | None = None) -> ChipActivity:
    """Count a run's events from its spike list (the reference for the compiled chip model).

    Args:
        csr: the network's synapses (global neuron indices, inputs included).
        mapping: where each neuron sits.
        spike_steps, spike_ids: every spike (of inputs and of neurons), one entry each.
        n_steps: steps of the run.
        dt: the step [s].
        active: optional ``(steps, cores)`` active-update counts from the simulator; when None, a neuron
            counts as active in a step where it receives a synaptic event (a lower bound: it ignores
            neurons still decaying towards rest).
    """
    k = mapping.num_cores
    steps = np.asarray(spike_steps, dtype=np.int64)
    ids = np.asarray(spike_ids, dtype=np.int64)
    if steps.shape != ids.shape or (ids.size and (ids.min() < 0 or ids.max() >= csr.num_neurons)):
        raise SnnasError(f"spikes: need equal-length steps and ids with ids in [0, {csr.num_neurons})")
    if steps.size and (steps.min() < 0 or steps.max() >= n_steps):
        raise SnnasError(f"spikes: steps must lie in [0, {n_steps})")
    core = mapping.neuron_core.astype(np.int64)
    shape = (n_steps, k)
    spikes_out = np.zeros(shape, np.int64)
    on = core[ids] >= 0
    np.add.at(spikes_out, (steps[on], core[ids[on]]), 1)
    # Every synapse a spike crosses: expand spikes into their CSR rows.
    first = csr.row_ptr[ids]
    counts = (csr.row_ptr[ids + 1] - first).astype(np.int64)
    syn_step = np.repeat(steps, counts)
    starts = np.repeat(first - np.cumsum(counts) + counts, counts)
    syn_index = starts + np.arange(int(counts.sum()), dtype=np.int64)
    delay = csr.delay[syn_index].astype(np.int64)
    arrive = syn_step + delay
    dst_core = core[csr.target[syn_index]]
    keep = (arrive < n_steps) & (dst_core >= 0)
    synops = np.zeros(shape, np.int64)
    np.add.at(synops, (arrive[keep], dst_core[keep]), 1)
    # Packets: distinct (spike, destination core) pairs, sent when the spike happens (input neurons,
    # core -1, receive nothing on the chip).
    spike_of_syn = np.repeat(np.arange(ids.size, dtype=np.int64), counts)
    on_chip = dst_core >= 0
    pair = np.unique(spike_of_syn[on_chip] * k + dst_core[on_chip])
    p_spike, p_dst = pair // k, pair % k
    p_src = core[ids[p_spike]]
    p_step = steps[p_spike]
    remote = p_src != p_dst
    p_spike, p_dst, p_src, p_step = p_spike[remote], p_dst[remote], p_src[remote], p_step[remote]
    packets_out = np.zeros(shape, np.int64)
    src_on = p_src >= 0
    np.add.at(packets_out, (p_step[src_on], p_src[src_on]), 1)
    packets_in = np.zeros(shape, np.int64)
    np.add.at(packets_in, (p_step, p_dst), 1)
    hops_x, hops_y = np.zeros(shape, np.int64), np.zeros(shape, np.int64)
    max_x, max_y = np.zeros(shape, np.int64), np.zeros(shape, np.int64)
    if mapping.core_xy is not None and p_dst.size:
        dst_xy = mapping.core_xy[p_dst].astype(np.int64)
        src_xy = np.where(src_on[:, None], mapping.core_xy[np.maximum(p_src, 0)], 0).astype(np.int64)
        dx, dy = np.abs(dst_xy[:, 0] - src_xy[:, 0]), np.abs(dst_xy[:, 1] - src_xy[:, 1])
        np.add.at(hops_x, (p_step, p_dst), dx)
        np.add.at(hops_y, (p_step, p_dst), dy)
        np.maximum.at(max_x, (p_step, p_dst), dx)
        np.maximum.at(max_y, (p_step, p_dst), dy)
    neurons = np.bincount(core[core >= 0], minlength=k).astype(np.int64)
    if active is None:
        target = csr.target[syn_index[keep]].astype(np.int64)
        key = np.unique(arrive[keep] * csr.num_neurons + target)
        act = np.zeros(shape, np.int64)
        np.add.at(act, (key // csr.num_neurons, core[key % csr.num_neurons]), 1)
    else:
        act = np.asarray(active, dtype=np.int64)
        if act.shape != shape:
            raise SnnasError(f"active: expected shape {shape}, got {act.shape}")
    idle = np.maximum(neurons[None, :] - act, 0)
    return ChipActivity(dt=dt, synops=synops, updates_active=act, updates_idle=idle, spikes_out=spikes_out,
                        packets_out=packets_out, packets_in=packets_in, hops_x=hops_x, hops_y=hops_y,
                        max_hops_x=max_x, max_hops_y=max_y)


class ChipCounter:
    """The compiled chip model (``cpp/hardware.cpp``) prepared for one network and placement.

    Preparing tabulates what every spike costs (its SOPs per core and delay, the cores it reaches, its
    targets renumbered by core); :meth:`count` then counts a run in time proportional to its spikes and
    synaptic events (one byte store each), so a network run many times is prepared once. The counts are
    those of :func:`activity_from_spikes`. Bad arguments raise SimulationInputError.
    """

    def __init__(self, csr: NeuronCSR, mapping: Mapping) -> None:
        self._prepared = codes.core().prepare_chip(**_placement_arguments(csr, mapping))

    def count(self, spike_steps: NDArray[np.int64], spike_ids: NDArray[np.int64], n_steps: int,
              dt: float) -> ChipActivity:
        """Per-step, per-core counts of one run's spikes (in any order; they are ordered by step here)."""
        steps, ids = _sorted_spikes(spike_steps, spike_ids)
        return ChipActivity(dt=dt, **self._prepared.count(**_spike_arguments(steps, ids, n_steps)))


def count_activity(csr: NeuronCSR, mapping: Mapping, spike_steps: NDArray[np.int64], spike_ids: NDArray[np.int64],
                   n_steps: int, dt: float) -> ChipActivity:
    """The same counts as :func:`activity_from_spikes`, by the compiled chip model (``cpp/hardware.cpp``).

    Prepares the model for this one run; use :class:`ChipCounter` to count several runs of one network.
    Spikes need not be sorted; they are ordered by step here. Bad arguments raise SimulationInputError.
    """
    steps, ids = _sorted_spikes(spike_steps, spike_ids)
    counts = codes.core().count_chip_events(**_core_arguments(csr, mapping, steps, ids, n_steps))
    return ChipActivity(dt=dt, **counts)


def _placement_arguments(csr: NeuronCSR, mapping: Mapping) -> dict[str, Any]:
    """The network and placement as the compiled chip model takes them."""
    xy = mapping.core_xy
    return dict(
        row_ptr=np.ascontiguousarray(csr.row_ptr, dtype=np.int64), target=np.ascontiguousarray(csr.target, np.int32),
        delay=np.ascontiguousarray(csr.delay, np.int32),
        neuron_core=np.ascontiguousarray(mapping.neuron_core, np.int32),
        core_x=None if xy is None else np.ascontiguousarray(xy[:, 0], np.int32),
        core_y=None if xy is None else np.ascontiguousarray(xy[:, 1], np.int32), num_cores=mapping.num_cores)


def _spike_arguments(steps: NDArray[np.int64], ids: NDArray[np.int64], n_steps: int) -> dict[str, Any]:
    """The (step-sorted) spikes of a run as the compiled chip model takes them."""
    return {"spike_step": np.ascontiguousarray(steps), "spike_id": np.ascontiguousarray(ids, dtype=np.int32),
            "n_steps": int(n_steps)}


def _core_arguments(csr: NeuronCSR, mapping: Mapping, steps: NDArray[np.int64], ids: NDArray[np.int64],
                    n_steps: int) -> dict[str, Any]:
    """The network, placement and (step-sorted) spikes as the compiled chip model takes them."""
    return {**_placement_arguments(csr, mapping), **_spike_arguments(steps, ids, n_steps)}


@dataclass(frozen=True)
class AsyncTiming:
    """Event timing on an asynchronous chip: release time of every spike [s] (in step order) and core busy time."""

    spike_steps: NDArray[np.int64]
    spike_ids: NDArray[np.int64]
    release: NDArray[np.float64]
    busy: NDArray[np.float64]


def _sorted_spikes(spike_steps: NDArray[np.int64], spike_ids: NDArray[np.int64]
                   ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The spikes as int64 steps and ids, ordered by step (stable: spikes of one step keep their order)."""
    steps = np.asarray(spike_steps, dtype=np.int64)
    order = np.argsort(steps, kind="stable")
    return steps[order], np.asarray(spike_ids, dtype=np.int64)[order]


def async_timing(csr: NeuronCSR, mapping: Mapping, spike_steps: NDArray[np.int64], spike_ids: NDArray[np.int64],
                 n_steps: int, dt: float, t_syn: float, t_spike: float, t_hop_x: float, t_hop_y: float) -> AsyncTiming:
    """Discrete-event timing of a run on an ``async_event`` chip, by the compiled model (``cpp/hardware.hpp``).

    A spike of step n caused by input delivered at step n - 1 leaves as soon as that input is served,
    r = max((n-1)·dt, done + t_spike); other spikes (inputs, constant drive) leave at n·dt. It sends one
    packet per (destination core, delay), arriving after its XY hops (and the delay); each core serves the
    packets of a delivery step in arrival order, t_syn per synaptic event, queueing behind the previous one.
    """
    steps, ids = _sorted_spikes(spike_steps, spike_ids)
    raw = codes.core().async_event_timing(**_core_arguments(csr, mapping, steps, ids, n_steps), dt=float(dt),
                                   t_syn=float(t_syn), t_spike=float(t_spike), t_hop_x=float(t_hop_x),
                                   t_hop_y=float(t_hop_y))
    return AsyncTiming(steps, ids, raw["release"], raw["busy"])


def async_timing_reference(csr: NeuronCSR, mapping: Mapping, spike_steps: NDArray[np.int64],
                           spike_ids: NDArray[np.int64], n_steps: int, dt: float, t_syn: float, t_spike: float,
                           t_hop_x: float, t_hop_y: float) -> AsyncTiming:
    """Plain-Python reference of :func:`async_timing` (same model, same floating-point operations)."""
    steps, ids = _sorted_spikes(spike_steps, spike_ids)
    core = mapping.neuron_core
    xy = mapping.core_xy
    done = np.full(csr.num_neurons, -1.0)
    done_step = np.full(csr.num_neurons, -1, dtype=np.int64)
    free = np.zeros(mapping.num_cores)
    busy = np.zeros(mapping.num_cores)
    release = np.zeros(ids.size)
    pending: dict[int, list[tuple[float, int, int, int]]] = {}
    j = 0
    for n in range(n_steps):
        while j < ids.size and steps[j] == n:
            src = int(ids[j])
            own = int(core[src])
            r = float(n) * dt
            if own >= 0 and done_step[src] == n - 1:
                r = max(float(n - 1) * dt, done[src] + t_spike)
            release[j] = r
            sx, sy = (int(xy[own, 0]), int(xy[own, 1])) if (xy is not None and own >= 0) else (0, 0)
            seen: set[tuple[int, int]] = set()
            for s in range(int(csr.row_ptr[src]), int(csr.row_ptr[src + 1])):
                k, d = int(core[csr.target[s]]), int(csr.delay[s])
                if k < 0 or n + d >= n_steps or (k, d) in seen:
                    continue
                seen.add((k, d))
                hops = ((abs(int(xy[k, 0]) - sx) * t_hop_x + abs(int(xy[k, 1]) - sy) * t_hop_y)
                        if xy is not None else 0.0)
                pending.setdefault(n + d, []).append((r + hops + d * dt, k, src, d))
            j += 1
        now = sorted(pending.pop(n, []), key=lambda p: p[0])  # stable, as the compiled model
        step_done: dict[int, float] = {}
        for arrive, k, src, d in now:
            row = range(int(csr.row_ptr[src]), int(csr.row_ptr[src + 1]))
            mine = [s for s in row if int(csr.delay[s]) == d and int(core[csr.target[s]]) == k]
            start = max(arrive, free[k])
            finish = start + float(len(mine)) * t_syn
            free[k] = finish
            busy[k] += finish - start
            for s in mine:
                t = int(csr.target[s])
                step_done[t] = max(step_done.get(t, -1.0), finish)
        for t, v in step_done.items():
            done[t] = v
            done_step[t] = n
    return AsyncTiming(steps, ids, release, busy)
