"""NeuroBench-compatible static metrics of a network (Yik et al., Nat. Commun. 16:1545, 2025).

Definitions follow NeuroBench 2.3's code (see shared research notes, §3):

- ``parameter_count``: Σ numel of the connection parameters (weights and biases). Neuron parameters
  are not trainable tensors in NeuroBench's reference models and are not counted.
- ``footprint``: bytes = Σ numel · element size; 4 bytes (float32) by default, or ``bits/8`` for a
  quantised network. Zero weights are included.
- ``connection_sparsity``: #zero weights / #weights over the connection layers (dense and
  convolutional; a sparse projection counts as the dense matrix it stands for), rounded to 4 decimals.
  Pooling has no weights and is ignored.
"""

from __future__ import annotations

import math

import numpy as np

from snnas.network import Conv, Dense, Network, Sparse

__all__ = ["connection_sparsity", "footprint", "parameter_count"]


def parameter_count(net: Network) -> int:
    """Σ numel of every projection's weight and bias."""
    total = 0
    for p in net.projections:
        if isinstance(p, (Dense, Conv)):
            total += p.weight.size + (0 if p.bias is None else p.bias.size)
        elif isinstance(p, Sparse):
            total += p.weight.size
    return total


def footprint(net: Network, bits_per_parameter: int = 32) -> int:
    """Memory of the parameters in bytes: ``parameter_count · bits / 8`` (rounded up)."""
    return math.ceil(parameter_count(net) * bits_per_parameter / 8)


def connection_sparsity(net: Network) -> float:
    """Share of zero weights over all connection layers, rounded to 4 decimals (0.0 when there are none)."""
    zeros = total = 0
    for p in net.projections:
        if isinstance(p, (Dense, Conv)):
            zeros += int(np.count_nonzero(p.weight == 0))
            total += p.weight.size
        elif isinstance(p, Sparse):
            dense = net.node(p.source).size * net.node(p.target).size
            zeros += dense - int(np.count_nonzero(p.weight))
            total += dense
    return round(zeros / total, 4) if total else 0.0
