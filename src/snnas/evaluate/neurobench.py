"""NeuroBench 2.x workload metrics of a run, by NeuroBench's own definitions (Yik et al., Nat. Commun. 16:1545,
2025; ``neurobench/metrics/workload/``), computed from the values each layer received at each step.

A *layer* is what NeuroBench counts, a ``torch.nn`` Linear or Conv: every Dense and Conv projection, and
every Dense or Conv stage of a :class:`~snnas.ir.network.Chain` (whose pooling stages are no layer). At step
t a layer's input x_t is its source's output at t (spike counts, or an input's values) passed through the
chain's stages before it (e.g. the sum or average pool). With b(x) = 1 where x != 0, else 0, and the layer's
weights binarised the same way, applied without bias:

- effective synaptic operations of a call = Σ_j (B(W) · b(x_t))_j = Σ_i b(x_t)_i · #(nonzero weights out of i)
  (``synaptic_operations.py``, ``utils/layers/macs.py:7-21``); the call counts as **ACs** when every value of
  x_t is 0, 1 or -1, else as **MACs** (``input.py:44-57``: real-valued inputs, multi-spike counts, sums of a
  sum pool above 1, fractions of an average pool);
- dense synaptic operations = the same with every input and weight 1 (each synapse once; zero padding, which
  has no synapse, counts nothing);
- activation sparsity (``activation_sparsity.py:44-54``) = 1 - (nonzero outputs) / (outputs) over every neuron
  layer and step (a non-spiking readout's real-valued output counts as an activation).

All figures are totals over the steps of one sample. NeuroBench's ``MembraneUpdates`` reads snnTorch's
``layer.mem`` before and after each call and is 0 for other frameworks: the engine's count of neuron-state
updates is another quantity and is called ``neuron_updates`` in snnas (:class:`~snnas.evaluate.onchip.Workload`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from snnas.errors import MetricInputError
from snnas.ir.network import Chain, Network, Pool, Projection, stage_synapses
from snnas.ir.rasters import node_values

__all__ = ["SynapticOperations", "activation_sparsity", "synaptic_operations"]


@dataclass(frozen=True)
class SynapticOperations:
    """NeuroBench's ``SynapticOperations`` of one sample: effective ACs, effective MACs, dense operations."""

    effective_acs: float
    effective_macs: float
    dense: float


def _rasters(net: Network, outputs: Mapping[str, Any]) -> dict[str, NDArray[np.float64]]:
    """Each node's outputs as (steps, size) float64, checked: one array per input and population."""
    out: dict[str, NDArray[np.float64]] = {}
    steps = None
    for node in net.nodes:
        if node.name not in outputs:
            raise MetricInputError(f"outputs: no raster for node {node.name!r} (expected one per input and "
                                   f"population: {[n.name for n in net.nodes]})")
        a = node_values(node, outputs[node.name], f"outputs[{node.name!r}]", MetricInputError)
        if steps is not None and a.shape[0] != steps:
            raise MetricInputError(f"outputs[{node.name!r}]: {a.shape[0]} steps, the others have {steps}")
        steps = a.shape[0]
        out[node.name] = a
    return out


Stage = tuple[Projection, tuple[int, ...], tuple[int, ...]]  # (stage, input map shape, output map shape)


def _stages(net: Network, p: Projection) -> list[Stage]:
    """A projection as the stages NeuroBench's layers and poolings are, with their map shapes."""
    if not isinstance(p, Chain):
        return [(p, net.node(p.source).shape, net.node(p.target).shape)]
    shapes = net.stage_shapes(p)
    return [(st, shapes[i], shapes[i + 1]) for i, st in enumerate(p.stages)]


def _expand(stage: Stage) -> tuple[Any, NDArray[np.float64], int]:
    """The stage's weights as a sparse (inputs × outputs) matrix, each input's count of nonzero weights, and
    its synapses (zero weights included: each is a dense operation)."""
    from scipy import sparse

    st, src, dst = stage
    pre, post, w = stage_synapses(st, src)
    n_in = math.prod(src)
    fan = np.bincount(pre[w != 0], minlength=n_in).astype(np.float64)
    return sparse.csr_array((w, (pre, post)), shape=(n_in, math.prod(dst))), fan, int(pre.size)


def synaptic_operations(net: Network, outputs: Mapping[str, Any]) -> SynapticOperations:
    """NeuroBench's synaptic operations of one sample (this module's docstring).

    Args:
        net: the network.
        outputs: per node name (every input and population), its output at each step, shape (steps, size) or
            (steps, *shape): an input's values, a population's spike counts (a readout's values).
    """
    rasters = _rasters(net, outputs)
    acs = macs = dense = 0.0
    for p in net.projections:
        x = rasters[p.source]
        for stage in _stages(net, p):
            m, fan, synapses = _expand(stage)
            if not isinstance(stage[0], Pool):  # a layer NeuroBench counts
                eff = (x != 0).astype(np.float64) @ fan  # per step: Σ_j (B(W)·b(x))_j
                ac_call = np.all(np.isin(x, (0.0, 1.0, -1.0)), axis=1)
                acs += float(eff[ac_call].sum())
                macs += float(eff[~ac_call].sum())
                dense += float(synapses) * x.shape[0]
            x = np.asarray(x @ m)
    return SynapticOperations(acs, macs, dense)


def activation_sparsity(net: Network, outputs: Mapping[str, Any]) -> float:
    """NeuroBench's activation sparsity of one sample: 1 - nonzero / total over every population and step."""
    rasters = _rasters(net, outputs)
    pops = [rasters[p.name] for p in net.populations]
    total = sum(a.size for a in pops)
    return 1.0 - sum(int(np.count_nonzero(a)) for a in pops) / total if total else 0.0
