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

__all__ = ["SURROGATES", "lif_step", "spike_count", "surrogate_distance"]


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
             subtract: bool, u_out: NDArray[np.float64], s_out: NDArray[np.float64], multi: bool = False,
             input_first: bool = False) -> None:
    """One step for a batch: u = a·v; s = H(u - θ) (``multi``: s = ⌊u/θ⌋ for u ≥ θ, the spike count of
    sinabs' ``MultiSpike`` and Speck); v = u + current; reset (to 0, or v - θ·s). With ``input_first``
    (every framework's order) the current enters before the test: u = a·v + current; s; v = reset(u).
    Updates v in place; u_out is the membrane the test saw."""
    rows, cols = v.shape
    for b in range(rows):
        for j in range(cols):
            u = a[j] * v[b, j]
            if input_first:
                u += current[b, j]
            s = 0.0
            if u >= theta:
                s = math.floor(u / theta) if multi else 1.0
            nv = u if input_first else u + current[b, j]
            if s > 0.0:
                nv = nv - theta * s if subtract else 0.0
            u_out[b, j] = u
            s_out[b, j] = s
            v[b, j] = nv


def spike_count(u: NDArray[np.float64], theta: float | NDArray[np.float64], multi: bool) -> NDArray[np.float64]:
    """The spikes of membranes ``u`` against θ: H(u - θ), or with ``multi`` ⌊u/θ⌋ where u ≥ θ (else 0)."""
    if not multi:
        return (u >= theta).astype(np.float64)
    return np.where(u >= theta, np.floor(u / theta), 0.0)


def surrogate_distance(u: NDArray[np.float64], theta: float, multi: bool) -> NDArray[np.float64]:
    """Where the surrogate derivative of the spike is taken: u - θ, or with ``multi`` the distance to the
    nearest step of ⌊u/θ⌋ at or above θ, u - θ·max(1, round(u/θ)) (a periodic surrogate, as sinabs'
    ``PeriodicExponential`` for ``MultiSpike``: every step of the count gets a gradient)."""
    if not multi:
        return u - theta
    return u - theta * np.maximum(1.0, np.round(u / theta))
