"""Check a neuron-to-core assignment against every limit of a chip file; one Violation per breach.

Per-core limits give one violation per offending core. Per-neuron limits give one violation per
population and limit, at its worst neuron, with the number of offending neurons in the hint (a
10,000-neuron layer that breaks fan-in should not bury the report in 10,000 lines).

On chips whose neurons hold one weight per axon type (TrueNorth; :mod:`snnas.mapping.axons`) the axons and
neuron copies of the usage are the typed ones; the weights must fit the axon types (``core.synapse_types``),
and a neuron's fan-out to several axons or cores is served by copies, so no neuron breaks
``core.max_dest_cores_per_neuron`` there.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from snnas.chip import Chip
from snnas.ir.network import Network, NeuronCSR
from snnas.mapping.axons import AxonTypes
from snnas.mapping.model import Violation
from snnas.mapping.usage import Usage

__all__ = ["check_network", "check_placement", "population_of", "synapse_bits"]


def population_of(net: Network) -> tuple[NDArray[np.int64], list[str]]:
    """Start index of every node (in global neuron order) and the node names, for lookups."""
    offsets = net.offsets()
    names = list(offsets)
    return np.array([offsets[n] for n in names], dtype=np.int64), names


def _where(net: Network, neuron: int) -> tuple[str, int]:
    starts, names = population_of(net)
    k = int(np.searchsorted(starts, neuron, side="right") - 1)
    return names[k], int(neuron - starts[k])


def synapse_bits(chip: Chip, csr: NeuronCSR) -> int:
    """Bits one stored synapse takes: the chip's widest weight, plus its delay field when delays are used."""
    wb = chip.precision.weight_bits
    bits = wb.max if wb is not None else 8
    if csr.delay.size and csr.delay.max() > 0 and chip.precision.delay_bits:
        bits += chip.precision.delay_bits
    return bits


def _per_neuron(net: Network, values: NDArray[np.int64], limit: int | None, constraint: str, hint: str,
                mask: NDArray[np.bool_] | None = None) -> list[Violation]:
    if limit is None:
        return []
    over = values > limit
    if mask is not None:
        over &= mask
    out = []
    starts, names = population_of(net)
    for k, name in enumerate(names):
        end = starts[k + 1] if k + 1 < len(starts) else values.size
        sel = np.flatnonzero(over[starts[k]:end])
        if sel.size:
            worst = int(sel[np.argmax(values[starts[k]:end][sel])])
            out.append(Violation(constraint, float(values[starts[k] + worst]), float(limit),
                                 f"{sel.size} neuron(s) of {name} exceed it; {hint}", population=name, neuron=worst))
    return out


def check_network(net: Network, chip: Chip, csr: NeuronCSR, axons: AxonTypes | None = None) -> list[Violation]:
    """Limits that do not depend on the placement: models, delays, recurrence, fan-in and fan-out per neuron,
    weight values (and, with ``axons``, whether the weights fit the axon types)."""
    out: list[Violation] = []
    models = chip.neuron_models
    for pop in net.populations:
        if models is not None and "programmable" not in models and pop.neuron.model not in models:
            out.append(Violation("neuron_models", 1, 0, f"{chip.name} runs {', '.join(models)}, not "
                                 f"{pop.neuron.model!r}; retrain with a supported model", population=pop.name))
    max_delay = chip.precision.max_delay_steps
    for p in net.projections:
        d = int(np.max(p.delay)) if np.size(p.delay) else 0
        if max_delay is not None and d > max_delay:
            out.append(Violation("precision.max_delay_steps", d, max_delay,
                                 f"delays of {p.source}->{p.target} must be at most {max_delay} steps",
                                 population=p.target))
        if p.source == p.target and chip.connectivity.recurrent is False:
            out.append(Violation("connectivity.recurrent", 1, 0, f"{chip.name} has no recurrent connections; drop "
                                 f"the projection {p.source}->{p.target}", population=p.target))
    on_chip = _on_chip(net, csr)
    fan_in = np.bincount(csr.target, minlength=csr.num_neurons).astype(np.int64)
    fan_out = np.diff(csr.row_ptr).astype(np.int64)
    if not chip.heterogeneous:  # per-neuron limits of heterogeneous chips are checked per layer core
        lim = chip.core_limits(0)
        out += _per_neuron(net, fan_in, lim.max_fanin_per_neuron, "core.max_fanin_per_neuron",
                           "reduce fan-in (sparser or smaller input layer)", on_chip)
        if axons is None:  # with typed axons, per driven axon (check_placement)
            out += _per_neuron(net, fan_out, lim.max_fanout_per_neuron, "core.max_fanout_per_neuron",
                               "reduce fan-out or duplicate the neuron", on_chip)
        values = [] if lim.weight_values_per_neuron is None else _weight_values(
            net, csr, lim.weight_values_per_neuron, on_chip)
        out += values
        if axons is not None and not axons.fits and not values:
            out.append(Violation("core.synapse_types", axons.positive + axons.negative, axons.available,
                                 f"neurons take up to {axons.positive} positive and {axons.negative} negative weight "
                                 f"values, one axon type each; quantise to trinary weights (one value per sign "
                                 f"and neuron, snnas.quantize)"))
    return out


def _weight_values(net: Network, csr: NeuronCSR, limit: int, on_chip: NDArray[np.bool_]) -> list[Violation]:
    """Distinct non-zero weight values into each neuron (TrueNorth: one per axon type)."""
    nz = csr.weight != 0
    pairs = np.unique(np.stack([csr.target[nz].astype(np.float64), csr.weight[nz]]), axis=1)
    distinct = np.bincount(pairs[0].astype(np.int64), minlength=csr.num_neurons).astype(np.int64)
    return _per_neuron(net, distinct, limit, "core.weight_values_per_neuron",
                       "quantize each neuron's weights to that many values", on_chip)


def check_placement(net: Network, chip: Chip, csr: NeuronCSR, usage: Usage, neuron_core: NDArray[np.int32],
                    core_slot: NDArray[np.int32], bits_per_synapse: int, axons: AxonTypes | None = None
                    ) -> list[Violation]:
    """Per-core limits (on each core's own limits for heterogeneous chips), core count, dest cores per neuron
    (served by neuron copies, and not checked, with typed ``axons``)."""
    out: list[Violation] = []
    if usage.num_cores > chip.topology.cores:
        out.append(Violation("topology.cores", usage.num_cores, chip.topology.cores,
                             "the network needs more cores than the chip has: fewer or smaller layers"))
    for c in range(usage.num_cores):
        slot = int(core_slot[c])
        lim = chip.core_limits(min(slot, chip.topology.cores - 1))
        checks = (
            ("core.max_neurons", usage.neurons[c], lim.max_neurons, "spread the layer over more cores"),
            ("core.max_synapses", usage.synapses[c], lim.max_synapses, "fewer synapses per core"),
            ("core.synapse_memory_bits", usage.synapses[c] * bits_per_synapse, lim.synapse_memory_bits,
             f"{usage.synapses[c]} synapses x {bits_per_synapse} bits; fewer neurons per core or fewer weight bits"),
            ("core.max_axons_in", usage.axons_in[c], lim.max_axons_in, "fewer distinct sources per core"),
            ("core.max_external_inputs", usage.external_inputs[c], lim.max_external_inputs,
             "fewer input channels into this core"),
            ("core.max_axons_out", usage.axons_out[c], lim.max_axons_out, "fewer destination cores per neuron"),
            ("core.max_dest_cores", usage.dest_cores[c], lim.max_dest_cores, "fewer layers fed by this one"),
        )
        for constraint, req, avail, hint in checks:
            if avail is not None and req > avail:
                out.append(Violation(constraint, float(req), float(avail), hint, core=c))
    lim0 = chip.core_limits(0)
    if not chip.heterogeneous and lim0.max_dest_cores_per_neuron is not None and axons is None:
        on_chip = _on_chip(net, csr)
        out += _per_neuron(net, usage.dest_cores_per_neuron, lim0.max_dest_cores_per_neuron,
                           "core.max_dest_cores_per_neuron",
                           "each neuron may target that many cores: insert splitter neurons that relay its spikes "
                           "to the other cores, or keep each layer within one core", on_chip)
    # Axon types constrain weights only where a neuron holds one weight per type (TrueNorth); elsewhere
    # (Xylo's synaptic states) synapse_types says nothing about weight sharing.
    if axons is not None and lim0.max_fanout_per_neuron is not None and not chip.heterogeneous:
        out += _per_neuron(net, _fanout_per_axon(csr, usage, neuron_core, axons), lim0.max_fanout_per_neuron,
                           "core.max_fanout_per_neuron", "neurons (copies included) one axon's crossbar row reaches; "
                           "fewer targets per core", _on_chip(net, csr))
    # On chips with one weight per axon type the typed axons hold the weights (check_network checks the fit).
    if (lim0.synapse_types is not None and lim0.weight_values_per_neuron is not None and not chip.heterogeneous
            and axons is None):
        out += _axon_types(net, csr, neuron_core, lim0.synapse_types)
    return out


def _on_chip(net: Network, csr: NeuronCSR) -> NDArray[np.bool_]:
    on_chip = np.zeros(csr.num_neurons, dtype=bool)
    for pop in net.populations:
        on_chip[csr.offsets[pop.name]:csr.offsets[pop.name] + pop.size] = True
    return on_chip


def _fanout_per_axon(csr: NeuronCSR, usage: Usage, neuron_core: NDArray[np.int32], axons: AxonTypes
                     ) -> NDArray[np.int64]:
    """Per neuron, the most neuron slots one of the axons it drives reaches (its targets with their copies)."""
    pre = np.repeat(np.arange(csr.num_neurons, dtype=np.int64), np.diff(csr.row_ptr))
    k = max(usage.num_cores, 1)
    key = (pre * axons.n_types + axons.types) * k + neuron_core[csr.target]
    uniq, inv = np.unique(key, return_inverse=True)
    reach = np.bincount(inv, weights=usage.copies[csr.target]).astype(np.int64)
    worst = np.zeros(csr.num_neurons, np.int64)
    np.maximum.at(worst, uniq // k // axons.n_types, reach)
    return worst


def _axon_types(net: Network, csr: NeuronCSR, neuron_core: NDArray[np.int32], types: int) -> list[Violation]:
    """TrueNorth: each input axon of a core has one of ``types`` types and every neuron one weight per type.

    Greedy check per core: give each axon (presynaptic source) the first type consistent with the
    weights already fixed for its targets. When no type fits, the core's weights cannot be expressed
    with its axon types (the greedy order may miss a valid assignment, so this errs towards reporting).
    """
    out = []
    pre = np.repeat(np.arange(csr.num_neurons), np.diff(csr.row_ptr))
    dest = neuron_core[csr.target]
    order = np.lexsort((pre, dest))
    for c in np.unique(dest):
        syn = order[dest[order] == c]
        table: dict[tuple[int, int], float] = {}  # (target neuron, type) -> weight
        failed_at = None
        for src in np.unique(pre[syn]):
            mine = syn[pre[syn] == src]
            targets, weights = csr.target[mine].tolist(), csr.weight[mine].tolist()
            for t in range(types):
                if all(table.get((j, t), w) == w for j, w in zip(targets, weights)):
                    table.update(((j, t), w) for j, w in zip(targets, weights))
                    break
            else:
                failed_at = int(src)
                break
        if failed_at is not None:
            name, local = _where(net, failed_at)
            out.append(Violation("core.synapse_types", types + 1, types,
                                 f"the weights into core {c} need more than {types} axon types (first failing "
                                 f"axon: {name}[{local}]); share weight values across sources", core=int(c)))
    return out
