"""Per-core and per-neuron resource use of a neuron-to-core assignment (vectorised over synapses).

Accounting (documented model; the chip files do not yet carry per-axon header overheads):

- a core stores the synapses of its neurons' *incoming* connections;
- synapse memory in bits = stored synapses × (weight bits + delay bits when the network uses delays);
- input axons of a core = distinct presynaptic neurons (inputs included) with a synapse into it;
- external inputs of a core = the same, counting only sources on other cores or off-chip (input
  channels of chips whose recurrent synapses need no axon, such as Xylo);
- output axons of a core = Σ over its neurons of the distinct cores each one targets (Loihi's
  core-to-core fan-out edges);
- destination cores of a core = distinct *other* cores its neurons target.

On a chip whose neurons hold one weight per axon type (TrueNorth) an axon is a (source, type) pair rather
than a source, and neurons are placed with their copies (:mod:`snnas.mapping.axons`): input axons count
distinct (source, type) pairs, output axons and packets one per axon, a core's neurons and crossbar bits
include the copies of its neurons.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from snnas.ir.network import NeuronCSR
from snnas.mapping.axons import AxonTypes

__all__ = ["Usage", "compute_usage"]


@dataclass(frozen=True)
class Usage:
    """Everything the limit checks and the report need, per core and per neuron."""

    num_cores: int
    neurons: NDArray[np.int64]  # per core (neuron slots: copies included)
    synapses: NDArray[np.int64]  # per core (stored at the destination)
    axons_in: NDArray[np.int64]  # per core
    external_inputs: NDArray[np.int64]  # per core
    axons_out: NDArray[np.int64]  # per core
    dest_cores: NDArray[np.int64]  # per core, other cores only
    fan_in: NDArray[np.int64]  # per neuron
    fan_out: NDArray[np.int64]  # per neuron
    dest_cores_per_neuron: NDArray[np.int64]  # per neuron
    pair_pre: NDArray[np.int64]  # distinct (presynaptic neuron, [axon type,] destination core): the axons, one
    pair_core: NDArray[np.int64]  # packet each per spike
    copies: NDArray[np.int64]  # per neuron: the instances placed (1 without axon types; 0 for inputs)
    axons_per_neuron: NDArray[np.int64]  # per neuron: the axons it drives (A_i; dest cores without axon types)


def compute_usage(csr: NeuronCSR, neuron_core: NDArray[np.int32], num_cores: int,
                  axons: AxonTypes | None = None) -> Usage:
    """Resource use of ``neuron_core`` (logical core per global neuron, -1 for inputs); ``axons``: the axon
    type of every synapse on a chip with one weight per axon type (None: one axon per source and core)."""
    n = csr.num_neurons
    counts = np.diff(csr.row_ptr)
    pre = np.repeat(np.arange(n, dtype=np.int64), counts)
    post_core = neuron_core[csr.target].astype(np.int64)
    n_types = 1 if axons is None else axons.n_types
    syn_type = np.zeros(pre.size, np.int64) if axons is None else axons.types
    # Distinct (pre, type, destination core): one axon in at the destination, one packet per spike.
    key = np.unique((pre * n_types + syn_type) * num_cores + post_core)
    pair_pre, pair_core = key // num_cores // n_types, key % num_cores
    on_neuron = neuron_core >= 0
    driven = np.bincount(pair_pre, minlength=n).astype(np.int64)
    copies = np.where(on_neuron, 1 if axons is None else axons.copies(driven), 0).astype(np.int64)
    neurons = np.bincount(neuron_core[on_neuron], weights=copies[on_neuron], minlength=num_cores).astype(np.int64)
    synapses = np.bincount(post_core, weights=copies[csr.target], minlength=num_cores).astype(np.int64)
    axons_in = np.bincount(pair_core, minlength=num_cores).astype(np.int64)
    src_core = neuron_core[pair_pre].astype(np.int64)
    external_inputs = np.bincount(pair_core[src_core != pair_core], minlength=num_cores).astype(np.int64)
    on_chip = src_core >= 0
    axons_out = np.bincount(src_core[on_chip], minlength=num_cores).astype(np.int64)
    other = on_chip & (src_core != pair_core)
    core_pairs = np.unique(src_core[other] * num_cores + pair_core[other])
    dest_cores = np.bincount(core_pairs // num_cores, minlength=num_cores).astype(np.int64)
    if axons is None:  # the axons are the (neuron, destination core) pairs
        per_neuron_cores = driven
    else:
        neuron_pairs = np.unique(pair_pre * num_cores + pair_core)
        per_neuron_cores = np.bincount(neuron_pairs // num_cores, minlength=n).astype(np.int64)
    return Usage(
        num_cores=num_cores, neurons=neurons, synapses=synapses, axons_in=axons_in,
        external_inputs=external_inputs, axons_out=axons_out,
        dest_cores=dest_cores, fan_in=np.bincount(csr.target, minlength=n).astype(np.int64),
        fan_out=counts.astype(np.int64),
        dest_cores_per_neuron=per_neuron_cores,
        pair_pre=pair_pre, pair_core=pair_core, copies=copies, axons_per_neuron=driven,
    )
