"""Partition neurons onto logical cores: a sequential layer-packing baseline and a traffic-aware partitioner.

``sequential`` is what Lava's open mapper does: each population on its own run of cores, filled in index
order up to the first limit reached (neurons, synapse memory, synapse count, input axons).

``traffic`` partitions the neuron graph across population boundaries with METIS (pymetis), edge weights
being the spike traffic a synapse carries (the presynaptic firing rate), so that neurons that talk a lot
share a core; cores that still break a limit are then split by the sequential packer.

Both read a neuron's cost from :class:`Incoming`: the input axons its sources take (one per source, or
one per (source, axon type) on chips with one weight per axon type) and the neuron slots it takes (1, or
its copies there; :mod:`snnas.mapping.axons`). A neuron's copies depend on where its targets land, so
they start at the fewest it can need (its targets on one core) and :func:`fit_copies` raises them to what
the partition needs, splitting the cores they overflow, until they fit.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from snnas.chip import Chip
from snnas.ir.network import Network, NeuronCSR
from snnas.mapping.axons import AxonTypes
from snnas.mapping.usage import compute_usage

__all__ = ["Incoming", "fit_copies", "pack_sequential", "partition_traffic", "split_for_axons_out"]

Partition = tuple[NDArray[np.int32], int]  # (logical core of every neuron, -1 for inputs; number of cores)


class Incoming:
    """Incoming synapses grouped by target neuron (CSC), to count a core's distinct sources quickly.

    Args:
        csr: the network's synapses.
        types: per synapse its axon type (chips with one weight per axon type): a source then takes one
            axon per type it reaches a core with. None: one axon per source.
        slots: per neuron the neuron slots it takes on its core (its copies); None: 1 each.
    """

    def __init__(self, csr: NeuronCSR, types: NDArray[np.int64] | None = None,
                 slots: NDArray[np.int64] | None = None) -> None:
        pre = np.repeat(np.arange(csr.num_neurons, dtype=np.int64), np.diff(csr.row_ptr))
        if types is not None:
            pre = pre * (int(types.max(initial=0)) + 1) + types  # an axon is a (source, type) pair
        order = np.argsort(csr.target, kind="stable")
        self.source = pre[order]
        self.ptr = np.zeros(csr.num_neurons + 1, dtype=np.int64)
        np.cumsum(np.bincount(csr.target, minlength=csr.num_neurons), out=self.ptr[1:])
        self.slots = np.ones(csr.num_neurons, np.int64) if slots is None else np.asarray(slots, np.int64)
        self.fan_in = np.diff(self.ptr) * self.slots  # crossbar bits: each copy holds the neuron's column

    def with_slots(self, slots: NDArray[np.int64]) -> Incoming:
        """The same synapses with other neuron slots."""
        out = object.__new__(Incoming)
        out.source, out.ptr, out.slots = self.source, self.ptr, np.asarray(slots, np.int64)
        out.fan_in = (self.ptr[1:] - self.ptr[:-1]) * out.slots
        return out

    def distinct_sources(self, neurons: NDArray[np.int64]) -> int:
        """Distinct presynaptic neurons of a set of neurons (their input axons on one core)."""
        if neurons.size and np.all(np.diff(neurons) == 1):  # a contiguous run: one slice
            return int(np.unique(self.source[self.ptr[neurons[0]]:self.ptr[neurons[-1] + 1]]).size)
        parts = [self.source[self.ptr[i]:self.ptr[i + 1]] for i in neurons.tolist()]
        return int(np.unique(np.concatenate(parts)).size) if parts else 0


def _chunks(neurons: NDArray[np.int64], chip: Chip, incoming: Incoming, bits: int) -> list[NDArray[np.int64]]:
    """Split an ordered list of neurons into consecutive runs that each fit one core's additive limits."""
    lim = chip.core_limits(0)
    cum_syn = np.concatenate([[0], np.cumsum(incoming.fan_in[neurons])])
    cum_slots = np.concatenate([[0], np.cumsum(incoming.slots[neurons])])
    out = []
    start = 0
    n = neurons.size
    while start < n:
        end = n
        for cum, cap, per in ((cum_slots, lim.max_neurons, 1), (cum_syn, lim.synapse_memory_bits, bits),
                              (cum_syn, lim.max_synapses, 1)):
            if cap is not None:
                # largest end with (cum[end] - cum[start]) * per <= cap, at least one neuron
                fit = int(np.searchsorted(cum, cum[start] + cap / per, side="right")) - 1
                end = min(end, max(fit, start + 1))
        if lim.max_axons_in is not None and incoming.distinct_sources(neurons[start:end]) > lim.max_axons_in:
            lo, hi = start + 1, end  # binary search for the longest run within the axon limit
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if incoming.distinct_sources(neurons[start:mid]) <= lim.max_axons_in:
                    lo = mid
                else:
                    hi = mid - 1
            end = lo
        out.append(neurons[start:end])
        start = end
    return out


def pack_sequential(net: Network, chip: Chip, csr: NeuronCSR, bits: int, incoming: Incoming | None = None
                    ) -> tuple[NDArray[np.int32], int]:
    """Populations in order, each on its own consecutive cores, neurons packed in index order.

    Returns (neuron_core, cores).
    """
    incoming = incoming if incoming is not None else Incoming(csr)
    core = np.full(csr.num_neurons, -1, dtype=np.int32)
    groups = [np.arange(csr.offsets[p.name], csr.offsets[p.name] + p.size, dtype=np.int64) for p in net.populations]
    k = 0
    for neurons in groups:
        for run in _chunks(neurons, chip, incoming, bits):
            core[run] = k
            k += 1
    return core, k


def _cluster_graph(csr: NeuronCSR, clusters: NDArray[np.int64], n_clusters: int, rates: NDArray[np.float64]
                   ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Undirected traffic graph between clusters of on-chip neurons, in METIS' CSR form (integer weights >= 1).

    ``clusters`` maps every global neuron to its cluster (-1 for inputs). The weight of an edge is the
    traffic its synapses carry: Σ firing rate of the presynaptic neuron.
    """
    pre = np.repeat(np.arange(csr.num_neurons, dtype=np.int64), np.diff(csr.row_ptr))
    a, b = clusters[pre], clusters[csr.target]
    keep = (a >= 0) & (b >= 0) & (a != b)
    a, b, w = np.minimum(a[keep], b[keep]), np.maximum(a[keep], b[keep]), rates[pre[keep]]
    if n_clusters * n_clusters <= 50_000_000:  # dense accumulation beats sorting 10M keys
        acc = np.bincount(a * n_clusters + b, weights=w, minlength=n_clusters * n_clusters)
        key = np.flatnonzero(acc)
        weight = acc[key]
    else:
        key, inv = np.unique(a * n_clusters + b, return_inverse=True)
        weight = np.bincount(inv, weights=w)
    scale = 1000.0 / max(float(weight.max()), 1e-12) if weight.size else 1.0
    wi = np.maximum(1, np.rint(weight * scale)).astype(np.int64)
    u, v = key // n_clusters, key % n_clusters
    src, dst, ww = np.concatenate([u, v]), np.concatenate([v, u]), np.concatenate([wi, wi])
    order = np.argsort(src, kind="stable")
    xadj = np.zeros(n_clusters + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n_clusters), out=xadj[1:])
    return xadj, dst[order], ww[order]


def _inter_core_packets(csr: NeuronCSR, pre: NDArray[np.int64], core: NDArray[np.int32], k: int,
                        rates: NDArray[np.float64]) -> float:
    """Σ rate over distinct (neuron, other destination core) pairs: the traffic that leaves its core."""
    pairs = np.unique(pre * max(k, 1) + core[csr.target])
    src, dst = pairs // max(k, 1), pairs % max(k, 1)
    src_core = core[src]
    leaves = (src_core >= 0) & (src_core != dst)
    return float(rates[src[leaves]].sum())


def _metis(net: Network, csr: NeuronCSR, vertices: NDArray[np.int64], k: int, rates: NDArray[np.float64],
           seed: int, slots: NDArray[np.int64]) -> NDArray[np.int32]:
    """METIS k-way partition of the traffic graph of neuron clusters (~32 clusters per part)."""
    import pymetis

    # Coarsen: runs of consecutive neurons of one population form clusters, which METIS partitions in
    # well under a second even for 100k neurons and 10M synapses.
    size = max(1, vertices.size // (32 * k))
    clusters = np.full(csr.num_neurons, -1, dtype=np.int64)
    n_clusters = 0
    for pop in net.populations:
        local = np.arange(pop.size) // size
        clusters[csr.offsets[pop.name]:csr.offsets[pop.name] + pop.size] = n_clusters + local
        n_clusters += int(local[-1]) + 1
    xadj, adjncy, eweights = _cluster_graph(csr, clusters, n_clusters, rates)
    vweights = np.bincount(clusters[vertices], weights=slots[vertices], minlength=n_clusters).astype(np.int64)
    opts = pymetis.Options(seed=seed, ufactor=1)
    _, parts = pymetis.part_graph(k, adjacency=pymetis.CSRAdjacency(xadj, adjncy), vweights=vweights,
                                  eweights=eweights, options=opts)
    core = np.full(csr.num_neurons, -1, dtype=np.int32)
    core[vertices] = np.asarray(parts, dtype=np.int32)[clusters[vertices]]
    return core


def _repair(core: NDArray[np.int32], chip: Chip, incoming: Incoming, bits: int) -> tuple[NDArray[np.int32], int]:
    """Split every part that breaks an additive or axon limit, keeping index order inside a part."""
    out = np.full(core.size, -1, dtype=np.int32)
    n_cores = 0
    order = np.argsort(core, kind="stable")
    bounds = np.searchsorted(core[order], np.arange(int(core.max()) + 2))
    for c in range(int(core.max()) + 1):
        members = order[bounds[c]:bounds[c + 1]].astype(np.int64)
        for run in _chunks(members, chip, incoming, bits) if members.size else []:
            out[run] = n_cores
            n_cores += 1
    return out, n_cores


def fit_copies(core: NDArray[np.int32], k: int, csr: NeuronCSR, incoming: Incoming, axons: AxonTypes,
               repack: Callable[[Incoming, NDArray[np.int32]], Partition]) -> Partition:
    """Raise every neuron's slots to the copies the partition ``core`` needs (:mod:`snnas.mapping.axons`) and
    ``repack(incoming, core)`` with them, until the copies fit (at most 16 rounds; slots only grow, and a
    partition that still overflows is left for the limit checks to report)."""
    for _ in range(16):
        need = compute_usage(csr, core, k, axons).copies
        if np.all(need <= incoming.slots):
            break
        incoming = incoming.with_slots(np.maximum(incoming.slots, need))
        core, k = repack(incoming, core)
    return core, k


def partition_traffic(net: Network, chip: Chip, csr: NeuronCSR, bits: int, rates: NDArray[np.float64],
                      seed: int = 0, incoming: Incoming | None = None, axons: AxonTypes | None = None
                      ) -> tuple[NDArray[np.int32], int]:
    """Traffic-aware partition. Returns (neuron_core, cores).

    Three candidates, each repaired to respect every per-core limit: METIS on the traffic-weighted
    graph of neuron clusters; packing across layer boundaries in layer order (consecutive layers share
    cores); packing each layer on its own cores. The candidate that fits the chip with the least traffic
    leaving its cores (Σ firing rate over distinct neuron -> other-core pairs) wins; ties go to fewer cores.
    With typed ``axons`` each candidate first gets the neuron copies it needs (:func:`fit_copies`: the two
    packings packed again with them, the METIS parts split).
    """
    lim = chip.core_limits(0)
    vertices = np.concatenate([np.arange(csr.offsets[p.name], csr.offsets[p.name] + p.size, dtype=np.int64)
                               for p in net.populations])
    incoming = incoming if incoming is not None else Incoming(csr)
    syn = int(incoming.fan_in[vertices].sum())
    k = 1
    if lim.max_neurons is not None:
        k = max(k, math.ceil(int(incoming.slots[vertices].sum()) / lim.max_neurons))
    if lim.synapse_memory_bits is not None:
        k = max(k, math.ceil(syn * bits / lim.synapse_memory_bits))
    if lim.max_synapses is not None:
        k = max(k, math.ceil(syn / lim.max_synapses))

    def repair(inc: Incoming, part: NDArray[np.int32]) -> Partition:
        return _repair(part, chip, inc, bits)

    def sequential(inc: Incoming, _: NDArray[np.int32] | None = None) -> Partition:
        return pack_sequential(net, chip, csr, bits, inc)

    def across(inc: Incoming, _: NDArray[np.int32] | None = None) -> Partition:
        core = np.full(csr.num_neurons, -1, dtype=np.int32)
        runs = _chunks(vertices, chip, inc, bits)
        for n, run in enumerate(runs):
            core[run] = n
        return core, len(runs)

    # (candidate, how to redo it when a neuron needs more copies than its slots: repacked, or its cores split)
    candidates: list[tuple[Partition, Callable[[Incoming, NDArray[np.int32]], Partition]]] = [
        (across(incoming), across), (sequential(incoming), sequential)]
    if k > 1:
        metis = _metis(net, csr, vertices, k, rates, seed, incoming.slots)
        candidates.append((_repair(metis, chip, incoming, bits), repair))
    fitted = [c if axons is None else fit_copies(*c, csr, incoming, axons, redo) for c, redo in candidates]
    pre = np.repeat(np.arange(csr.num_neurons, dtype=np.int64), np.diff(csr.row_ptr))

    def score(c: tuple[NDArray[np.int32], int]) -> tuple[bool, float, int]:
        return c[1] > chip.topology.cores, _inter_core_packets(csr, pre, c[0], c[1], rates), c[1]

    return min(fitted, key=score)


def split_for_axons_out(csr: NeuronCSR, core: NDArray[np.int32], k: int, limit: int | None
                        ) -> tuple[NDArray[np.int32], int]:
    """Split every core whose neurons target more (neuron, core) pairs than ``limit`` output axons.

    A core's output axons are the distinct cores each of its neurons targets, summed over its neurons;
    splitting it into runs of at most ``limit`` divides that sum. Splitting also gives the neurons that
    feed the core one more destination, so callers repeat until nothing changes.
    """
    if limit is None or k == 0:
        return core, k
    pre = np.repeat(np.arange(csr.num_neurons, dtype=np.int64), np.diff(csr.row_ptr))
    pairs = np.unique(pre * k + core[csr.target])
    src_core = core[pairs // k]
    used = np.bincount(src_core[src_core >= 0], minlength=k)
    if np.all(used <= limit):
        return core, k
    per_neuron = np.bincount(pairs // k, minlength=csr.num_neurons)
    out = np.full(core.size, -1, dtype=np.int32)
    n = 0
    for c in range(k):
        members = np.flatnonzero(core == c)
        if used[c] <= limit:
            out[members] = n
            n += 1
            continue
        cum = np.cumsum(per_neuron[members])
        piece = np.minimum((cum - 1) // limit, members.size - 1)  # greedy runs of <= limit output axons
        _, piece = np.unique(piece, return_inverse=True)
        out[members] = n + piece
        n += int(piece.max()) + 1
    return out, n
