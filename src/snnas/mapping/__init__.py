"""Map a network onto a chip: partition neurons onto cores, place cores on the mesh, route (XY), and
report every violated limit together with placement quality.

    >>> mapping, report = map_network(net, load_chip("loihi"), mapper="traffic")
    >>> report.feasible, [str(v) for v in report.violations]

On chips whose neurons hold one weight per axon type (TrueNorth) the mapper counts typed axons and neuron
copies (:mod:`snnas.mapping.axons`): the partition packs each neuron with its copies, and is redone with
the copies its own placement needs until they fit; ``report.axon_cost`` sums them.
"""

from __future__ import annotations

import logging
import time

import numpy as np
from numpy.typing import NDArray

from snnas.chip import Chip, load_chip
from snnas.errors import SnnasError
from snnas.ir.network import Network, NeuronCSR
from snnas.mapping.axons import AxonTypes, axon_types, copies_split
from snnas.mapping.cnn import assign_layers, uses_layer_cores
from snnas.mapping.limits import check_network, check_placement, synapse_bits
from snnas.mapping.model import AxonCost, CoreUsage, FeasibilityReport, Mapping, Violation
from snnas.mapping.partition import Incoming, fit_copies, pack_sequential, partition_traffic, split_for_axons_out
from snnas.mapping.placement import anneal_placement, slot_positions
from snnas.mapping.usage import Usage, compute_usage
from snnas.quantize.trinary import weight_per_axon_type

__all__ = ["MAPPERS", "AxonCost", "CoreUsage", "FeasibilityReport", "Mapping", "MappingError", "Violation",
           "map_network"]

MAPPERS: tuple[str, ...] = ("sequential", "traffic")

logger = logging.getLogger(__name__)


class MappingError(SnnasError, ValueError):
    """Bad arguments to the mapper (unknown mapper name, rates of the wrong shape, ...)."""


def _rates(rates: NDArray[np.float64] | None, n: int) -> NDArray[np.float64]:
    if rates is None:
        return np.ones(n)
    r = np.asarray(rates, dtype=np.float64)
    if r.shape != (n,) or not np.all(np.isfinite(r)) or np.any(r < 0):
        raise MappingError(f"rates: expected {n} finite non-negative firing rates (one per neuron, inputs "
                           f"included), got shape {r.shape}")
    return r


def _traffic(usage: Usage, neuron_core: NDArray[np.int32], rates: NDArray[np.float64], k: int
             ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Packets between logical cores (k×k) and from the input port (k), per unit of the rates."""
    src = neuron_core[usage.pair_pre].astype(np.int64)
    w = rates[usage.pair_pre]
    inner = src >= 0
    traffic = np.zeros((k, k))
    np.add.at(traffic, (src[inner], usage.pair_core[inner]), w[inner])
    port = np.bincount(usage.pair_core[~inner], weights=w[~inner], minlength=k).astype(np.float64)
    return traffic, port


def _axon_cost(usage: Usage, axons: AxonTypes, neuron_core: NDArray[np.int32]) -> AxonCost:
    on_chip = neuron_core >= 0
    polarity, fanout = copies_split(usage.copies[on_chip], usage.dest_cores_per_neuron[on_chip], axons.per_neuron)
    return AxonCost(axon_types=axons.n_types, axons=int(usage.axons_in.sum()), neurons=int(on_chip.sum()),
                    copies_polarity=polarity, copies_fanout=fanout)


def _report(net: Network, chip: Chip, mapper: str, csr: NeuronCSR, mapping: Mapping, rates: NDArray[np.float64],
            violations: list[Violation], bits: int, seconds: float, notes: list[str],
            axons: AxonTypes | None = None) -> FeasibilityReport:
    usage = compute_usage(csr, mapping.neuron_core, mapping.num_cores, axons)
    violations = violations + check_placement(net, chip, csr, usage, mapping.neuron_core, mapping.core_slot, bits,
                                              axons)
    cores = []
    for c in range(mapping.num_cores):
        lim = chip.core_limits(min(int(mapping.core_slot[c]), chip.topology.cores - 1))
        frac = {
            "neurons": (usage.neurons[c] / lim.max_neurons) if lim.max_neurons else None,
            "synapse_memory": (usage.synapses[c] * bits / lim.synapse_memory_bits) if lim.synapse_memory_bits
            else (usage.synapses[c] / lim.max_synapses if lim.max_synapses else None),
            "axons_in": (usage.axons_in[c] / lim.max_axons_in) if lim.max_axons_in
            else (usage.external_inputs[c] / lim.max_external_inputs if lim.max_external_inputs else None),
            "axons_out": (usage.axons_out[c] / lim.max_axons_out) if lim.max_axons_out else None,
        }
        cores.append(CoreUsage(c, int(usage.neurons[c]), int(usage.synapses[c]), int(usage.synapses[c] * bits),
                               int(usage.axons_in[c]), int(usage.axons_out[c]), int(usage.dest_cores[c]),
                               {k: (float(v) if v is not None else None) for k, v in frac.items()}))
    src = mapping.neuron_core[usage.pair_pre].astype(np.int64)
    w = rates[usage.pair_pre]
    packets = float(w.sum())
    inter = float(w[(src >= 0) & (src != usage.pair_core)].sum())
    hop_weighted = mean_hops = max_hops = None
    if mapping.core_xy is not None and usage.pair_pre.size:
        dst_xy = mapping.core_xy[usage.pair_core]
        src_xy = np.where((src >= 0)[:, None], mapping.core_xy[np.maximum(src, 0)], 0)
        hops = np.abs(dst_xy - src_xy).sum(axis=1)
        hop_weighted = float((w * hops).sum())
        mean_hops = hop_weighted / packets if packets else 0.0
        max_hops = int(hops.max())
    return FeasibilityReport(
        chip=chip.id, mapper=mapper, feasible=not violations, violations=tuple(violations),
        cores_used=mapping.num_cores, cores_available=chip.topology.cores, core_usage=tuple(cores),
        inter_core_spikes=inter, packets=packets, hop_weighted_packets=hop_weighted, mean_hops=mean_hops,
        max_hops=max_hops, mapper_seconds=seconds, notes=tuple(notes),
        axon_cost=None if axons is None else _axon_cost(usage, axons, mapping.neuron_core))


def _partition(net: Network, chip: Chip, csr: NeuronCSR, bits: int, rates: NDArray[np.float64], seed: int,
               mapper: str, axons: AxonTypes | None) -> tuple[NDArray[np.int32], int]:
    """Neurons onto logical cores by ``mapper``; with typed ``axons`` each neuron packed with its copies, raised
    to what the partition needs (``fit_copies``); then cores split to respect their output axons (with typed
    axons a core's output axons are its copies, so the fitted copies already respect them at one axon per
    neuron)."""
    neuron_core = np.full(csr.num_neurons, -1, dtype=np.int32)
    if chip.topology.cores == 1:  # nothing to partition: report what the one core lacks
        for pop in net.populations:
            neuron_core[csr.offsets[pop.name]:csr.offsets[pop.name] + pop.size] = 0
        return neuron_core, 1
    incoming = None
    if axons is not None:  # the fewest copies a neuron can need: its targets on one core (fit_copies raises them)
        pre = np.repeat(np.arange(csr.num_neurons, dtype=np.int64), np.diff(csr.row_ptr))
        kinds = np.unique(pre * axons.n_types + axons.types) // axons.n_types
        slots = axons.copies(np.bincount(kinds, minlength=csr.num_neurons).astype(np.int64))
        incoming = Incoming(csr, axons.types, slots)
    if mapper == "sequential":
        neuron_core, k = pack_sequential(net, chip, csr, bits, incoming)
    else:
        neuron_core, k = partition_traffic(net, chip, csr, bits, rates, seed, incoming, axons)
    if mapper == "sequential" and axons is not None and incoming is not None:  # packed again with the copies
        neuron_core, k = fit_copies(neuron_core, k, csr, incoming, axons,  # (traffic: each candidate, repaired)
                                    lambda inc, _: pack_sequential(net, chip, csr, bits, inc))
    partitioned = k
    for _ in range(8):  # splitting a core can add output axons to the cores that feed it: iterate
        before = k
        neuron_core, k = split_for_axons_out(csr, neuron_core, k, chip.core_limits(0).max_axons_out)
        if k == before:
            break
    if k != partitioned:
        logger.info("%s: split %d cores of the %s partition into %d to respect max_axons_out = %s",
                    chip.id, partitioned, mapper, k, chip.core_limits(0).max_axons_out)
    return neuron_core, k


def map_network(net: Network, chip: Chip | str, mapper: str = "traffic", rates: NDArray[np.float64] | None = None,
                seed: int = 0, csr: NeuronCSR | None = None) -> tuple[Mapping, FeasibilityReport]:
    """Map ``net`` onto ``chip`` and check every limit of the chip file.

    Args:
        net: the network.
        chip: a Chip or a chip id / YAML path.
        mapper: ``"sequential"`` (layer packing, Lava's baseline) or ``"traffic"`` (METIS partition
            weighted by spike traffic, then placement by simulated annealing).
        rates: firing rate of every neuron (global order, inputs included), spikes per step; weights the
            traffic and the packet counts of the report. Uniform when None.
        seed: seed of the partitioner and of the annealer.
        csr: ``net.to_csr()``, when the caller has it already (mapping one network onto several chips).

    Returns:
        The mapping and its feasibility report. The mapping always exists, even when infeasible, so the
        report can say exactly what does not fit where.
    """
    if not isinstance(net, Network):
        raise MappingError(f"net: expected a snnas.ir.network.Network, got {type(net).__name__}")
    if mapper not in MAPPERS:
        raise MappingError(f"unknown mapper {mapper!r}; choose one of {', '.join(MAPPERS)}")
    chip = chip if isinstance(chip, Chip) else load_chip(chip)
    start = time.perf_counter()
    csr = csr if csr is not None else net.to_csr()
    r = _rates(rates, csr.num_neurons)
    bits = synapse_bits(chip, csr)
    axons = axon_types(csr, chip) if weight_per_axon_type(chip) else None
    violations = check_network(net, chip, csr, axons)
    notes = [f"synapse memory counted as {bits} bits per synapse (weight bits + delay bits when delays are used)"]
    if axons is not None:
        notes.append(f"one weight per axon type: an axon per (source, type) and core, {axons.n_types} types"
                     f"{'' if axons.fits else ' (by sign, as trinary weights will take them)'}; a neuron copy per "
                     f"axon a neuron drives (max_dest_cores_per_neuron = {axons.per_neuron})")
    slots_xy = slot_positions(chip)
    if uses_layer_cores(chip):
        assignment, layer_violations = assign_layers(net, chip)
        violations += layer_violations
        neuron_core = np.full(csr.num_neurons, -1, dtype=np.int32)
        free = [c for c in range(chip.topology.cores) if c not in assignment.values()]
        slot_list = []
        for k, pop in enumerate(net.populations):
            neuron_core[csr.offsets[pop.name]:csr.offsets[pop.name] + pop.size] = k
            slot_list.append(assignment[pop.name] if pop.name in assignment else (free.pop(0) if free else 0))
        core_slot = np.array(slot_list, dtype=np.int32)
        notes.append("one layer per core, assigned by bipartite matching of layers to the cores they fit")
    else:
        neuron_core, k = _partition(net, chip, csr, bits, r, seed, mapper, axons)
        core_slot = np.arange(k, dtype=np.int32)
        if mapper == "traffic" and slots_xy is not None and 1 < k <= chip.topology.cores:
            usage = compute_usage(csr, neuron_core, k, axons)
            traffic, port = _traffic(usage, neuron_core, r, k)
            core_slot = anneal_placement(traffic, port, slots_xy, seed=seed)
    core_xy = None
    if slots_xy is not None:
        core_xy = slots_xy[np.minimum(core_slot, chip.topology.cores - 1)]
    mapping = Mapping(chip.id, mapper, neuron_core, core_slot, core_xy)
    seconds = time.perf_counter() - start
    report = _report(net, chip, mapper, csr, mapping, r, violations, bits, seconds, notes, axons)
    return mapping, report
