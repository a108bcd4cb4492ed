"""Batched step functions shared by the trainers: the surrogate derivatives of the spike and one LIF step.

Each works on a batch (rows: samples, columns: neurons), compiled with numba. The step is the
simulators' own (update, threshold, deliver, reset; see :mod:`snnas.train.layers`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numba
import numpy as np
from numpy.typing import NDArray

__all__ = ["SURROGATES", "lif_step"]


@numba.njit(cache=True, fastmath=False)
def _fast_sigmoid(x: NDArray[np.float64], k: float) -> NDArray[np.float64]:
    out = np.empty_like(x)
    for i in range(x.size):
        d = 1.0 + k * abs(x.flat[i])
        out.flat[i] = 1.0 / (d * d)
    return out


@numba.njit(cache=True)
def _arctan(x: NDArray[np.float64], k: float) -> NDArray[np.float64]:
    out = np.empty_like(x)
    for i in range(x.size):
        z = math.pi / 2 * k * x.flat[i]
        out.flat[i] = (k / 2) / (1.0 + z * z)
    return out


@numba.njit(cache=True)
def _triangle(x: NDArray[np.float64], k: float) -> NDArray[np.float64]:
    out = np.empty_like(x)
    for i in range(x.size):
        out.flat[i] = max(0.0, 1.0 - k * abs(x.flat[i]))
    return out


SURROGATES: dict[str, Callable[[NDArray[np.float64], float], NDArray[np.float64]]] = {
    "fast_sigmoid": _fast_sigmoid, "arctan": _arctan, "triangle": _triangle,
}


@numba.njit(cache=True)
def lif_step(v: NDArray[np.float64], current: NDArray[np.float64], a: NDArray[np.float64], theta: float,
              subtract: bool, u_out: NDArray[np.float64], s_out: NDArray[np.float64]) -> None:
    """One step for a batch: u = a·v; s = H(u - θ); v = u + current; reset. Updates v in place."""
    rows, cols = v.shape
    for b in range(rows):
        for j in range(cols):
            u = a[j] * v[b, j]
            s = 1.0 if u >= theta else 0.0
            nv = u + current[b, j]
            if s > 0.0:
                nv = nv - theta if subtract else 0.0
            u_out[b, j] = u
            s_out[b, j] = s
            v[b, j] = nv
