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

__all__ = ["SURROGATES", "SURROGATE_CODES", "layer_backward", "layer_forward", "lif_backward", "lif_forward",
           "lif_step", "spike_count", "surrogate_distance"]


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


SURROGATE_CODES: dict[str, int] = {"fast_sigmoid": 0, "arctan": 1, "triangle": 2}  # lif_backward's codes


@numba.njit(cache=True)
def _surrogate(code: int, x: float, k: float) -> float:
    """The surrogate derivative of SURROGATES[name] at x, by its code (SURROGATE_CODES): the same value."""
    if code == 0:
        d = 1.0 + k * abs(x)
        return 1.0 / (d * d)
    if code == 1:
        z = math.pi / 2 * k * x
        return (k / 2) / (1.0 + z * z)
    return max(0.0, 1.0 - k * abs(x))


@numba.njit(cache=True)
def lif_forward(currents: NDArray[np.float64], a: float, theta: float, subtract: bool, multi: bool,
                input_first: bool, u_all: NDArray[np.float64], s_all: NDArray[np.float64],
                v_sum: NDArray[np.float64]) -> None:
    """Every step of :func:`lif_step` for a batch in one call, from v = 0: ``currents`` (steps, batch,
    neurons) in, u and s of every step out (``u_all``, ``s_all``, same shape); adds each step's v (after the
    reset) to ``v_sum`` (batch, neurons) unless it is empty. The same values as the step loop."""
    steps, rows, cols = currents.shape
    v = np.zeros((rows, cols))
    with_sum = v_sum.size > 0
    for t in range(steps):
        for b in range(rows):
            for j in range(cols):
                u = a * v[b, j]
                if input_first:
                    u += currents[t, b, j]
                sp = 0.0
                if u >= theta:
                    sp = math.floor(u / theta) if multi else 1.0
                nv = u if input_first else u + currents[t, b, j]
                if sp > 0.0:
                    nv = nv - theta * sp if subtract else 0.0
                u_all[t, b, j] = u
                s_all[t, b, j] = sp
                v[b, j] = nv
                if with_sum:
                    v_sum[b, j] += nv


@numba.njit(cache=True)
def lif_backward(u: NDArray[np.float64], s: NDArray[np.float64], g: NDArray[np.float64], theta: float,
                 multi: bool, code: int, slope: float, a: float, subtract: bool, input_first: bool,
                 d_mem: NDArray[np.float64], d_current: NDArray[np.float64], du_sum: NDArray[np.float64]) -> None:
    """Backpropagation through time of one LIF/IF layer without recurrence (``snnas.train.layers``'s
    backward pass, fused): u, s (steps, batch, neurons) of the forward pass, g = dL/ds (steps or 1, batch,
    neurons; one row is every step's), the surrogate by code (SURROGATE_CODES), ``d_mem`` dL/dv added at
    every step (batch, neurons; empty: none). Writes dL/dI_n to ``d_current`` and adds Σ_n du_n to ``du_sum``
    (neurons; empty: not wanted). The same values as the step loop."""
    steps, rows, cols = u.shape
    same_g = g.shape[0] == 1
    with_mem = d_mem.size > 0
    with_sum = du_sum.size > 0
    dv = np.zeros((rows, cols))
    step_sum = np.zeros(cols)
    for t in range(steps - 1, -1, -1):
        gt = g[0] if same_g else g[t]
        for b in range(rows):
            for j in range(cols):
                d = dv[b, j] + d_mem[b, j] if with_mem else dv[b, j]
                keep = d if subtract else d * (1.0 - s[t, b, j])
                x = u[t, b, j] - theta
                if multi:
                    x = u[t, b, j] - theta * max(1.0, np.round(u[t, b, j] / theta))
                du = keep + gt[b, j] * _surrogate(code, x, slope)
                d_current[t, b, j] = du if input_first else keep
                if with_sum:  # Σ over the batch first, then over the steps (numpy's order)
                    step_sum[j] = du if b == 0 else step_sum[j] + du
                dv[b, j] = a * du
        if with_sum:
            for j in range(cols):
                du_sum[j] += step_sum[j]


@numba.njit(cache=True)
def layer_forward(currents: NDArray[np.float64], a: float, b_s: float, theta: float, subtract: bool, multi: bool,
                  cuba: bool, adaptive: bool, rho: float, beta_a: float, is_if: bool, drive: NDArray[np.float64],
                  rec: NDArray[np.float64], u_all: NDArray[np.float64], s_all: NDArray[np.float64],
                  v_sum: NDArray[np.float64]) -> None:
    """Every step of a layer with what :func:`lif_forward` lacks, in one call: CUBA-LIF (``cuba``, synaptic
    decay ``b_s``), the engine's adaptive threshold θ + θ_a (θ_a ← ρ θ_a, + β_a per spike), a constant
    drive I (``drive``, neurons; empty: none) and recurrent weights ``rec`` (neurons × neurons, delay 0:
    a step's spikes reach the layer in that step, after the test; empty: none). The operations of
    ``snnas.train.layers``' step loop in its order (the recurrent sum over the spiking neurons in ascending
    order, where BLAS chose its own). u_all holds u relative to the moving threshold."""
    steps, rows, cols = currents.shape
    v = np.zeros((rows, cols))
    i_syn = np.zeros((rows, cols))
    theta_a = np.zeros((rows, cols))
    r_in = np.zeros(cols)
    u_row = np.zeros(cols)  # u and the threshold of row b in this step, between the two passes
    thr_row = np.zeros(cols)
    with_drive, with_rec, with_sum = drive.size > 0, rec.size > 0, v_sum.size > 0
    for t in range(steps):
        for b in range(rows):
            for j in range(cols):
                if cuba:
                    i_syn[b, j] = b_s * i_syn[b, j]
                    u = i_syn[b, j] + (v[b, j] - i_syn[b, j]) * a
                    sp = 1.0 if u >= theta else 0.0
                    thr = theta
                else:
                    if adaptive:
                        theta_a[b, j] = theta_a[b, j] * rho
                    if not with_drive:
                        u = a * v[b, j]
                    elif is_if:
                        u = v[b, j] + drive[j]
                    else:
                        u = drive[j] + (v[b, j] - drive[j]) * a
                    thr = theta + theta_a[b, j] if adaptive else theta
                    sp = 0.0
                    if u >= thr:
                        sp = math.floor(u / thr) if multi else 1.0
                u_all[t, b, j] = u if cuba else u - (thr - theta)
                s_all[t, b, j] = sp
                u_row[j], thr_row[j] = u, thr
            if with_rec:  # this step's spikes of row b through the recurrent weights
                for j in range(cols):
                    r_in[j] = 0.0
                for i in range(cols):
                    c = s_all[t, b, i]
                    if c != 0.0:
                        for j in range(cols):
                            r_in[j] += c * rec[i, j]
            for j in range(cols):
                sp = s_all[t, b, j]
                extra = r_in[j] if with_rec else 0.0
                u, thr = u_row[j], thr_row[j]
                if cuba:
                    i_syn[b, j] = i_syn[b, j] + currents[t, b, j] + extra
                    v[b, j] = u - theta * sp if subtract else u * (1.0 - sp)
                else:
                    total = u + currents[t, b, j] + extra
                    v[b, j] = total - thr * sp if subtract else total * (1.0 - sp)
                    if adaptive:
                        theta_a[b, j] = theta_a[b, j] + beta_a * sp
                if with_sum:
                    v_sum[b, j] += v[b, j]


@numba.njit(cache=True)
def layer_backward(u: NDArray[np.float64], s: NDArray[np.float64], g: NDArray[np.float64], theta: float,
                   multi: bool, code: int, slope: float, a: float, b_s: float, subtract: bool, cuba: bool,
                   rec_t: NDArray[np.float64], d_mem: NDArray[np.float64], d_current: NDArray[np.float64],
                   du_sum: NDArray[np.float64]) -> None:
    """Backpropagation through time of a layer of :func:`layer_forward` (test-first order), fused: as
    :func:`lif_backward`, plus CUBA-LIF's current (dI_n is di's; di ← b_s (di + (1 - a) du)) and the
    recurrent weights' transpose ``rec_t`` (dL/ds_n += dI_n Rᵀ; empty: none)."""
    steps, rows, cols = u.shape
    same_g = g.shape[0] == 1
    with_mem, with_sum, with_rec = d_mem.size > 0, du_sum.size > 0, rec_t.size > 0
    dv = np.zeros((rows, cols))
    di = np.zeros((rows, cols))
    keep = np.zeros((rows, cols))
    d_in = np.zeros((rows, cols))
    step_sum = np.zeros(cols)
    for t in range(steps - 1, -1, -1):
        gt = g[0] if same_g else g[t]
        for b in range(rows):
            for j in range(cols):
                d = dv[b, j] + d_mem[b, j] if with_mem else dv[b, j]
                keep[b, j] = d if subtract else d * (1.0 - s[t, b, j])
                d_in[b, j] = di[b, j] if cuba else keep[b, j]
                d_current[t, b, j] = d_in[b, j]
        ds = gt + np.dot(d_in, rec_t) if with_rec else gt
        for b in range(rows):
            for j in range(cols):
                x = u[t, b, j] - theta
                if multi:
                    x = u[t, b, j] - theta * max(1.0, np.round(u[t, b, j] / theta))
                du = keep[b, j] + ds[b, j] * _surrogate(code, x, slope)
                if with_sum:
                    step_sum[j] = du if b == 0 else step_sum[j] + du
                dv[b, j] = a * du
                if cuba:
                    di[b, j] = b_s * (di[b, j] + (1.0 - a) * du)
        if with_sum:
            for j in range(cols):
                du_sum[j] += step_sum[j]


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
