"""Expand population-level projections into neuron-level synapse lists (pure functions).

Every function returns ``(pre, post, weight)``: flat arrays with one entry per synapse, neuron indices
local to the source and target populations in C order (channel, then row, then column), the order
``torch.flatten`` and NIR's ``Flatten`` use.

Convolution follows the cross-correlation convention of PyTorch and NIR: for output channel o at
position p (per spatial axis), input position i = p·stride - padding + k·dilation for kernel tap k,
and the synapse from input (c, i) to output (o, p) has weight ``w[o, c - g·C_in/groups, k]`` where g is
o's group. The output side per axis is ``floor((L + 2·padding - dilation·(K - 1) - 1) / stride) + 1``.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["Synapses", "compose_synapses", "conv_output_shape", "conv_synapses", "dense_synapses", "pool_synapses"]

Synapses = tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]


def dense_synapses(weight: NDArray[np.float64]) -> Synapses:
    """All-to-all: ``weight[j, i]`` connects source neuron i to target neuron j."""
    n_out, n_in = weight.shape
    pre = np.tile(np.arange(n_in, dtype=np.int64), n_out)
    post = np.repeat(np.arange(n_out, dtype=np.int64), n_in)
    return pre, post, np.ascontiguousarray(weight, dtype=np.float64).ravel()


def conv_output_shape(in_spatial: tuple[int, ...], kernel: tuple[int, ...], stride: tuple[int, ...],
                      padding: tuple[int, ...], dilation: tuple[int, ...]) -> tuple[int, ...]:
    """Spatial output shape of a convolution or pooling (see the module docstring)."""
    return tuple((n + 2 * p - d * (k - 1) - 1) // s + 1
                 for n, k, s, p, d in zip(in_spatial, kernel, stride, padding, dilation))


def conv_synapses(weight: NDArray[np.float64], in_shape: tuple[int, ...], stride: tuple[int, ...],
                  padding: tuple[int, ...], dilation: tuple[int, ...], groups: int) -> Synapses:
    """Synapses of an N-d convolution (N = 1 or 2) with weight of shape (C_out, C_in/groups, *kernel).

    Args:
        weight: kernel, shape ``(C_out, C_in // groups, *kernel)``.
        in_shape: ``(C_in, *spatial)`` of the source population.
        stride, padding, dilation: one entry per spatial axis.
        groups: channel groups (``C_in`` and ``C_out`` divisible by it).
    """
    c_out, c_in_g = weight.shape[:2]
    kernel = tuple(weight.shape[2:])
    spatial = tuple(in_shape[1:])
    out_spatial = conv_output_shape(spatial, kernel, stride, padding, dilation)
    in_strides = np.cumprod((1,) + spatial[::-1])[::-1]  # [prod(spatial), ..., 1]
    out_strides = np.cumprod((1,) + out_spatial[::-1])[::-1]
    in_plane, out_plane = int(in_strides[0]), int(out_strides[0])
    c_out_g = c_out // groups
    pres, posts, weights = [], [], []
    for taps in itertools.product(*(range(k) for k in kernel)):
        # Valid output positions for this kernel tap, per axis, and the input positions they read.
        axes_out, axes_in = [], []
        for ax, tap in enumerate(taps):
            o = np.arange(out_spatial[ax], dtype=np.int64)
            i = o * stride[ax] - padding[ax] + tap * dilation[ax]
            ok = (i >= 0) & (i < spatial[ax])
            axes_out.append(o[ok])
            axes_in.append(i[ok])
        if any(a.size == 0 for a in axes_out):
            continue
        grid_out = np.meshgrid(*axes_out, indexing="ij")
        grid_in = np.meshgrid(*axes_in, indexing="ij")
        post_sp = np.zeros(grid_out[0].size, dtype=np.int64)
        pre_sp = np.zeros(grid_in[0].size, dtype=np.int64)
        for ax in range(len(taps)):
            post_sp += grid_out[ax].ravel() * int(out_strides[ax + 1])
            pre_sp += grid_in[ax].ravel() * int(in_strides[ax + 1])
        index: tuple[Any, ...] = (slice(None), slice(None), *taps)
        tap_w = weight[index]  # (C_out, C_in_g)
        for g in range(groups):
            co = np.arange(g * c_out_g, (g + 1) * c_out_g, dtype=np.int64)
            ci = np.arange(g * c_in_g, (g + 1) * c_in_g, dtype=np.int64)
            w = tap_w[g * c_out_g:(g + 1) * c_out_g]  # (C_out_g, C_in_g)
            shape = (co.size, ci.size, pre_sp.size)
            pres.append(np.broadcast_to(ci[None, :, None] * in_plane + pre_sp[None, None, :], shape).ravel())
            posts.append(np.broadcast_to(co[:, None, None] * out_plane + post_sp[None, None, :], shape).ravel())
            weights.append(np.broadcast_to(w[:, :, None], shape).astype(np.float64).ravel())
    if not pres:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy(), np.zeros(0)
    return np.concatenate(pres), np.concatenate(posts), np.concatenate(weights)


def pool_synapses(kind: str, channels: int, in_spatial: tuple[int, ...], kernel: tuple[int, ...],
                  stride: tuple[int, ...], padding: tuple[int, ...]) -> Synapses:
    """Sum or average pooling per channel: weight 1, or 1/prod(kernel) (zero padding counted, as in PyTorch)."""
    scale = 1.0 if kind == "sum" else 1.0 / float(np.prod(kernel))
    weight = np.full((channels, 1, *kernel), scale)
    ones = tuple(1 for _ in kernel)
    return conv_synapses(weight, (channels, *in_spatial), stride, padding, ones, channels)


def compose_synapses(first: Synapses, second: Synapses, n_mid: int) -> Synapses:
    """Synapses of two linear maps applied one after the other (``first`` into a map of ``n_mid`` neurons,
    then ``second`` out of it): the sparse matrix product W = W_1 · W_2, W[i, j] = Σ_m W_1[i, m] · W_2[m, j].

    One synapse per (pre, post) pair with at least one path, sorted by pre then post; a weight that sums to
    exactly zero is kept (the caller drops zeros).
    """
    from scipy import sparse  # here: only chains need it

    pre1, mid1, w1 = first
    mid2, post2, w2 = second
    n_pre = int(pre1.max()) + 1 if pre1.size else 0
    n_post = int(post2.max()) + 1 if post2.size else 0
    a = sparse.csr_array((w1, (pre1, mid1)), shape=(n_pre, n_mid))
    b = sparse.csr_array((w2, (mid2, post2)), shape=(n_mid, n_post))
    c = (a @ b).tocoo()
    order = np.lexsort((c.col, c.row))
    return (c.row[order].astype(np.int64), c.col[order].astype(np.int64), c.data[order].astype(np.float64))
