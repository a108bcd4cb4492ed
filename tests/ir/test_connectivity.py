"""Convolution and pooling expansion against a direct (loop) computation of the same layer."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snnas.ir.connectivity import conv_output_shape, conv_synapses, dense_synapses, pool_synapses


def direct_conv(x: np.ndarray, w: np.ndarray, stride: tuple[int, ...], padding: tuple[int, ...],
                dilation: tuple[int, ...], groups: int) -> np.ndarray:
    """Cross-correlation by explicit loops (PyTorch's definition), for 1-D or 2-D."""
    c_out, c_in_g = w.shape[:2]
    kernel = w.shape[2:]
    spatial = x.shape[1:]
    out_sp = conv_output_shape(spatial, kernel, stride, padding, dilation)
    y = np.zeros((c_out, *out_sp))
    for o in range(c_out):
        g = o // (c_out // groups)
        for pos in itertools.product(*(range(n) for n in out_sp)):
            acc = 0.0
            for c in range(c_in_g):
                for taps in itertools.product(*(range(k) for k in kernel)):
                    idx = tuple(p * s - pd + t * d for p, s, pd, t, d in zip(pos, stride, padding, taps, dilation))
                    if all(0 <= i < n for i, n in zip(idx, spatial)):
                        acc += w[(o, c, *taps)] * x[(g * c_in_g + c, *idx)]
            y[(o, *pos)] = acc
    return y


def apply(syn: tuple[np.ndarray, np.ndarray, np.ndarray], x: np.ndarray, n_out: int) -> np.ndarray:
    pre, post, w = syn
    out = np.zeros(n_out)
    np.add.at(out, post, w * x.ravel()[pre])
    return out


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_conv_expansion_matches_direct_convolution(data: st.DataObject) -> None:
    nd = data.draw(st.sampled_from([1, 2]))
    groups = data.draw(st.sampled_from([1, 2]))
    c_in = groups * data.draw(st.integers(1, 2))
    c_out = groups * data.draw(st.integers(1, 2))
    kernel = tuple(data.draw(st.integers(1, 3)) for _ in range(nd))
    stride = tuple(data.draw(st.integers(1, 3)) for _ in range(nd))
    padding = tuple(data.draw(st.integers(0, 2)) for _ in range(nd))
    dilation = tuple(data.draw(st.integers(1, 2)) for _ in range(nd))
    spatial = tuple(data.draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), 7))
                    for k, p, d in zip(kernel, padding, dilation))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    w = rng.normal(size=(c_out, c_in // groups, *kernel))
    x = rng.normal(size=(c_in, *spatial))
    ref = direct_conv(x, w, stride, padding, dilation, groups)
    syn = conv_synapses(w, (c_in, *spatial), stride, padding, dilation, groups)
    np.testing.assert_allclose(apply(syn, x, ref.size), ref.ravel(), rtol=1e-12, atol=1e-12)
    pairs = set(zip(syn[0].tolist(), syn[1].tolist()))
    assert len(pairs) == syn[0].size  # no synapse listed twice


@pytest.mark.parametrize("kind", ["sum", "avg"])
def test_pooling_matches_direct(kind: str) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 6, 6))
    syn = pool_synapses(kind, 3, (6, 6), (2, 2), (2, 2), (0, 0))
    y = apply(syn, x, 3 * 3 * 3).reshape(3, 3, 3)
    ref = x.reshape(3, 3, 2, 3, 2).sum(axis=(2, 4))
    np.testing.assert_allclose(y, ref if kind == "sum" else ref / 4)


def test_dense_expansion_is_matrix_product() -> None:
    rng = np.random.default_rng(2)
    w = rng.normal(size=(5, 7))
    x = rng.normal(size=7)
    np.testing.assert_allclose(apply(dense_synapses(w), x, 5), w @ x)
