"""Typed axons: what a mapping costs on a chip whose neurons hold one weight per axon type (TrueNorth).

The chip (Merolla et al. 2014, Science, §S1, §S4): a core has input axons and neurons joined by a binary
crossbar; axon a has one type G_a, and a spike on it adds S_j[G_a] to every neuron j whose crossbar bit is
set; a neuron sends each spike to one axon of one core (``max_dest_cores_per_neuron`` = 1).

A synapse i -> j of weight w is delivered on an axon of source i on j's core, of the type that holds w in
neuron j. Types, per synapse: neuron j's distinct positive weights, by magnitude, take types 0 .. P-1 and
its negative ones P .. P+M-1, P (M) being the most distinct positive (negative) values any neuron has.
The trinary mapping of the quantiser (:mod:`snnas.quantize.trinary`) has P = M = 1: type 0 carries +s_j,
type 1 carries -s_j. The weights fit when P + M <= ``synapse_types``; otherwise (float weights, not yet
quantised) the axons are counted as the trinary mapping will use them, by sign, and the mismatch is
reported as ``core.synapse_types``.

Cost of an assignment of neurons to cores (:func:`snnas.mapping.usage.compute_usage`):

- input axons of core c: distinct (source, type) pairs with a synapse into c; a source with weights of
  both signs into a core takes two, so a core serves 128 such sources;
- A_i: the distinct (type, core) axons neuron i drives; it needs copies_i = max(1, ceil(A_i / d)) copies,
  d = ``max_dest_cores_per_neuron`` (1: one copy per driven axon). Copies sit on the original's core with
  its crossbar column (the same inputs, no extra tick), so they take neuron slots and crossbar bits, not
  axons; of the extra copies Σ (copies_i - 1), Σ (ceil(D_i / d) - 1) serve fan-out to D_i > 1 cores and
  the rest polarity (axons of two types into one core);
- neurons of a core: Σ copies; its synapses (crossbar bits): Σ copies_j · fan-in_j; its output axons Σ A_i;
  one packet per spike per axon. Off-chip sources (inputs) need no copies: the host sends a packet per axon.

A neuron's fan-in is not split into partial sums merged by further neurons: its sources must reach it on
one core, so a layer whose neurons read more than 128 sources of both signs spreads thinly over cores
(and a neuron with more than ``max_axons_in`` sources does not fit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from snnas.chip import Chip
from snnas.ir.network import NeuronCSR
from snnas.quantize.trinary import NEGATIVE_TYPE, POSITIVE_TYPE

__all__ = ["AxonTypes", "axon_types", "copies_split"]


@dataclass(frozen=True)
class AxonTypes:
    """The axon type of every synapse of a CSR (module docstring) and the types the weights need.

    Attributes:
        types: per synapse, its axon type (0 .. ``n_types`` - 1).
        positive, negative: P and M, the most distinct positive and negative weights into one neuron.
        available: the chip's ``synapse_types``.
        per_neuron: axons one neuron may drive (``max_dest_cores_per_neuron``; None: any number).
    """

    types: NDArray[np.int64]
    positive: int
    negative: int
    available: int
    per_neuron: int | None

    @property
    def fits(self) -> bool:
        """Whether every neuron's weights are held by the chip's axon types (P + M <= types)."""
        return self.positive + self.negative <= self.available

    @property
    def n_types(self) -> int:
        """Types the axons use: P + M when the weights fit, else the two signs."""
        return int(self.types.max()) + 1 if self.types.size else 1

    def copies(self, axons: NDArray[np.int64]) -> NDArray[np.int64]:
        """Copies of each neuron for the number of axons it drives: max(1, ceil(A / d))."""
        a = np.asarray(axons, dtype=np.int64)
        if self.per_neuron is None:
            return np.ones_like(a)
        return np.maximum(1, -(-a // self.per_neuron))


def _ranks(target: NDArray[np.int64], value: NDArray[np.float64]) -> tuple[NDArray[np.int64], int]:
    """Per synapse, the rank of its value among its target's distinct values (ascending), and the most
    distinct values of one target."""
    if not target.size:
        return np.zeros(0, np.int64), 0
    order = np.lexsort((value, target))
    t, v = target[order], value[order]
    new_target = np.concatenate([[True], t[1:] != t[:-1]])
    new_value = new_target | np.concatenate([[True], v[1:] != v[:-1]])
    distinct = np.cumsum(new_value) - 1
    first = distinct[new_target][np.cumsum(new_target) - 1]
    rank = np.empty(target.size, np.int64)
    rank[order] = distinct - first
    return rank, int(rank.max()) + 1


def axon_types(csr: NeuronCSR, chip: Chip) -> AxonTypes:
    """The axon type of every synapse of ``csr`` on ``chip`` (see the module docstring)."""
    lim = chip.core_limits(0)
    available = lim.synapse_types or 1
    target = csr.target.astype(np.int64)
    pos = csr.weight > 0
    types = np.zeros(csr.num_synapses, np.int64)
    pos_rank, p = _ranks(target[pos], csr.weight[pos])
    neg_rank, m = _ranks(target[~pos], -csr.weight[~pos])
    if p + m <= available:
        types[pos], types[~pos] = pos_rank, p + neg_rank
    else:  # not quantised for the chip: count the axons the trinary mapping will use
        types[pos], types[~pos] = POSITIVE_TYPE, NEGATIVE_TYPE
    return AxonTypes(types, p, m, available, lim.max_dest_cores_per_neuron)


def copies_split(copies: NDArray[np.int64], dest_cores: NDArray[np.int64], per_neuron: int | None
                 ) -> tuple[int, int]:
    """(polarity copies, fan-out copies) of on-chip neurons with ``copies`` each driving ``dest_cores``
    cores: fan-out copies Σ (ceil(D / d) - 1) over neurons with targets, polarity copies the rest of
    Σ (copies - 1)."""
    extra = int(np.maximum(copies - 1, 0).sum())
    if per_neuron is None:
        return extra, 0
    fanout = int(np.maximum(-(-dest_cores // per_neuron) - 1, 0).sum())
    return extra - fanout, fanout
