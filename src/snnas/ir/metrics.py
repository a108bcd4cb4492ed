"""Static metrics of a network, after NeuroBench's (Yik et al., Nat. Commun. 16:1545, 2025; NeuroBench 2.3's
``metrics/static/``), compared with NeuroBench's own figures on the recorded framework networks
(``tests/data/frameworks/cases/neurobench.json``):

- ``parameter_count``: Σ numel of the connection parameters (weights and biases). NeuroBench's
  ``ParameterCount`` counts what the framework registers as torch Parameters, which is this for snnTorch
  and Norse networks (equal on 9 of the 15 recorded networks: all of theirs but a Norse Linear without a
  bias, which Norse's exporter writes with a zero bias), but Rockpool also registers tau, threshold and bias
  per neuron, sinabs each layer's threshold: their figures are larger.
- ``parameter_bytes``: bytes = Σ numel · element size; 4 bytes (float32) by default, or ``bits/8`` for a
  quantised network. Zero weights are included. (NeuroBench's ``Footprint`` adds the framework's state
  buffers, which depend on the framework and on whether the network has run: another quantity, so not
  that name.)
- ``connection_sparsity``: #zero weights / #weights over the connection layers (dense and
  convolutional, a chain's stages one by one; a sparse projection counts as the dense matrix it stands for),
  rounded to 4 decimals. Pooling has no weights and is ignored. NeuroBench's ``ConnectionSparsity``.

The workload metrics (synaptic operations, activation sparsity) are in :mod:`snnas.evaluate.neurobench`.
"""
from __future__ import annotations

import math

import numpy as np

from snnas.errors import MetricInputError
from snnas.ir.network import Chain, Conv, Dense, Network, Projection, Sparse

__all__ = ["connection_sparsity", "parameter_bytes", "parameter_count", "time_to_decision", "van_rossum"]


def _layers(net: Network) -> list[Projection]:
    """The connection layers: every projection, a chain's stages one by one (as NeuroBench sees the framework's
    own Linear/Conv layers)."""
    out: list[Projection] = []
    for p in net.projections:
        out.extend(p.stages if isinstance(p, Chain) else (p,))
    return out


def parameter_count(net: Network) -> int:
    """Σ numel of every projection's weight and bias."""
    total = 0
    for p in _layers(net):
        if isinstance(p, (Dense, Conv)):
            total += p.weight.size + (0 if p.bias is None else p.bias.size)
        elif isinstance(p, Sparse):
            total += p.weight.size
    return total


def parameter_bytes(net: Network, bits_per_parameter: int = 32) -> int:
    """Memory of the parameters in bytes: ``parameter_count · bits / 8`` (rounded up)."""
    return math.ceil(parameter_count(net) * bits_per_parameter / 8)


def connection_sparsity(net: Network) -> float:
    """Share of zero weights over all connection layers, rounded to 4 decimals (0.0 when there are none)."""
    zeros = total = 0
    for p in _layers(net):
        if isinstance(p, (Dense, Conv)):
            zeros += int(np.count_nonzero(p.weight == 0))
            total += p.weight.size
        elif isinstance(p, Sparse):
            dense = net.node(p.source).size * net.node(p.target).size
            zeros += dense - int(np.count_nonzero(p.weight))
            total += dense
    return round(zeros / total, 4) if total else 0.0


def van_rossum(a: np.ndarray, b: np.ndarray, dt: float, tau: float) -> np.ndarray:
    """van Rossum distance (Neural Comput. 13, 2001) between two spike rasters, per sample.

    Each train is filtered with a causal exponential, f[n] = f[n-1]·exp(-dt/tau) + spikes[n]; the distance
    is D = sqrt((dt/tau) · Σ_n Σ_i (f_a[n, i] - f_b[n, i])^2), summed over the neurons i of a sample
    (the multi-unit distance with independent units). Rasters: (samples, steps, neurons); returns (samples,).
    One spike against none gives D = sqrt((dt/tau)·Σ_n e^(-2n·dt/tau)) ≈ sqrt(1/2) for dt << tau.
    """
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if x.shape != y.shape or x.ndim != 3:
        raise MetricInputError(f"van_rossum: expected two rasters of one shape (samples, steps, neurons), "
                               f"got {x.shape} and {y.shape}")
    if not (dt > 0 and tau > 0):
        raise MetricInputError(f"van_rossum: dt and tau must be positive, got dt={dt!r}, tau={tau!r}")
    decay = np.exp(-dt / tau)
    diff = x - y
    f = np.zeros((diff.shape[0], diff.shape[2]))
    total = np.zeros(diff.shape[0])
    for n in range(diff.shape[1]):
        f = f * decay + diff[:, n]
        total += (f * f).sum(axis=1)
    return np.asarray(np.sqrt(total * dt / tau))


def time_to_decision(outputs: np.ndarray) -> np.ndarray:
    """First step after which the predicted class (argmax of the output spike counts so far) never changes.

    ``outputs``: (samples, steps, classes) output spikes. Returns one step per sample; a sample whose
    outputs never spike gets ``steps`` (no decision within the run).
    """
    o = np.asarray(outputs)
    if o.ndim != 3:
        raise MetricInputError(f"time_to_decision: expected outputs of shape (samples, steps, classes), "
                               f"got {o.shape}")
    cum = np.cumsum(o, axis=1)
    pred = np.argmax(cum, axis=2)
    spiked = cum.sum(axis=2) > 0
    steps = o.shape[1]
    out = np.full(o.shape[0], steps, dtype=np.int64)
    for s in range(o.shape[0]):
        if not spiked[s, -1]:
            continue
        final = pred[s, -1]
        n = steps - 1
        while n > 0 and pred[s, n - 1] == final and spiked[s, n - 1]:
            n -= 1
        out[s] = n
    return out
