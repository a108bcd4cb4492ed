"""Products of spike arrays with weights, by the spikes where they are sparse and by BLAS where not.

A layer's input is spikes (0/1, or counts): ``x W`` adds, for every non-zero x[r, i], x[r, i] times row i
of W to row r of the result, and the weight gradient ``xᵀ d`` adds x[r, i] times row r of d to row i.
Done that way the work is the non-zeros times the columns, not every entry: deep layers of a spiking
network fire a few percent of their steps, where BLAS multiplies zeros. Which way is cheaper is decided
per product from the measured costs per entry (:data:`COSTS`, ns, on one core: a scan of x, an added
row entry, a BLAS multiply-add); both give x W up to the order of the additions (the sparse way sums in
ascending input order).
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import NDArray

__all__ = ["COSTS", "spike_product", "spike_product_t", "use_sparse"]

COSTS = {"scan": 1.0, "add": 0.15, "blas": 0.045}  # ns per scanned entry, per added entry, per BLAS multiply-add


def use_sparse(x: NDArray[np.float64], columns: int) -> bool:
    """Whether the sparse way is cheaper for x (rows × inputs) times a matrix of ``columns`` columns."""
    if x.size == 0 or columns == 0:
        return False
    sample = x[::8]  # every 8th row: the density to a few percent, at an eighth of a full count's cost
    density = np.count_nonzero(sample) / sample.size
    sparse = COSTS["scan"] + COSTS["add"] * density * columns
    return bool(sparse < COSTS["blas"] * columns)


@numba.njit(cache=True)
def _product(x: NDArray[np.float64], w: NDArray[np.float64], out: NDArray[np.float64]) -> None:
    rows, inputs = x.shape
    cols = w.shape[1]
    for r in range(rows):
        for i in range(inputs):
            c = x[r, i]
            if c != 0.0:
                for j in range(cols):
                    out[r, j] += c * w[i, j]


@numba.njit(cache=True)
def _product_t(x: NDArray[np.float64], d: NDArray[np.float64], out: NDArray[np.float64]) -> None:
    rows, inputs = x.shape
    cols = d.shape[1]
    for r in range(rows):
        for i in range(inputs):
            c = x[r, i]
            if c != 0.0:
                for j in range(cols):
                    out[i, j] += c * d[r, j]


def spike_product(x: NDArray[np.float64], w: NDArray[np.float64]) -> NDArray[np.float64]:
    """``x @ w`` for x (rows × inputs) of spikes and w (inputs × columns)."""
    if not use_sparse(x, w.shape[1]):
        return x @ w
    out = np.zeros((x.shape[0], w.shape[1]))
    _product(np.ascontiguousarray(x, dtype=np.float64), np.ascontiguousarray(w, dtype=np.float64), out)
    return out


def spike_product_t(x: NDArray[np.float64], d: NDArray[np.float64]) -> NDArray[np.float64]:
    """``x.T @ d`` for x (rows × inputs) of spikes and d (rows × columns): the weight gradient."""
    if not use_sparse(x, d.shape[1]):
        product: NDArray[np.float64] = x.T @ d
        return product
    out = np.zeros((x.shape[1], d.shape[1]))
    _product_t(np.ascontiguousarray(x, dtype=np.float64), np.ascontiguousarray(d, dtype=np.float64), out)
    return out
