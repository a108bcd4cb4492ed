"""Reference simulator in numba, real-valued (double and single precision): the semantics of the C++ engine,
written for clarity, not speed.

The stepped models (adaptive LIF, Izhikevich, Hodgkin-Huxley; rules in :mod:`snnas.sim.engine` and
``cpp/neurons.hpp``) are run by a separate loop that evaluates every neuron in every step, as the
engine does.

It runs the step of :mod:`snnas.sim.engine` (update, threshold, deliver, reset) with dense per-step scans
over all neurons, and applies exactly the rules of ``cpp/neurons.hpp``, operation for operation and in
the same order, so that in double precision its states are bit-identical to the engine's and its spikes
the same. Settled neurons (those that cannot spike without new input) are skipped and later brought
forward in closed form exactly as the engine does; this decides the rounding of their state, not their
dynamics. Its cost is ``O(n * n_steps)`` plus the events.

Single precision (``precision="single"``, IF, LIF and CUBA-LIF): the same loop compiled for float32
arrays, with every constant of the rules a float32 (``one``) and every power ``pow(a, k)`` computed in
double and rounded to float32, as ``pow_real<float>`` in ``cpp/neurons.hpp``.
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np
from numba import types
from numba.extending import overload

from snnas.sim.reference.common import (
    _ALIF,
    _CUBA,
    _HH,
    _HIDDEN,
    _IF,
    _IZH,
    _LIF,
    _STEPPED,
    _SUBTRACT,
    KEYS,
    _deliver,
    _record,
    _slots,
    current_table,
)

__all__ = ["run_reference"]

# Hodgkin-Huxley constants (mS/cm^2, mV), as in cpp/neurons.hpp.
_G_NA, _G_K, _G_L = 120.0, 36.0, 0.3
_E_NA, _E_K, _E_L = 50.0, -77.0, -54.387


def _real(x: float, one: float) -> float:
    """``x`` in the real type of ``one`` (float32 or float64)."""
    return type(one)(x)


@overload(_real)
def _real_overload(x, one):  # type: ignore[no-untyped-def]
    if isinstance(one, types.Float) and one.bitwidth == 32:
        return lambda x, one: np.float32(x)
    return lambda x, one: np.float64(x)


@numba.njit(cache=True)
def _idle(model: int, k: int, v: float, i: float, r: float, a: float, b: float, one: float) -> tuple[float, float]:
    """State after ``k >= 1`` skipped steps without input (``cpp/neurons.hpp``, IDLE NEURONS).

    ``one`` is 1 in the real type of the run: every operation stays in that type."""
    zero = one - one
    if k == 1:
        if model == _IF:
            return v + zero, i
        if model == _LIF:
            u = r + zero
            return u + (v - u) * a, i
        i = i * b
        u = r + i + zero
        return u + (v - u) * a, i
    if model == _IF:
        return v, i
    pa = _real(math.pow(float(a), float(k)), one)
    if model == _LIF:
        return r + (v - r) * pa, i
    pb = _real(math.pow(float(b), float(k)), one)
    s = _real(k, one) * pa if a == b else b * (pa - pb) / (a - b)
    return r + ((v - r) * pa + (one - a) * i * s), i * pb


@numba.njit(cache=True)
def _settled(model: int, v: float, i: float, v_th: float, r: float, a: float, b: float, ref_end: int,
             next_step: int, one: float) -> bool:
    """True when the neuron cannot spike in later steps without new input."""
    if next_step <= ref_end:
        return False
    if model != _CUBA:
        return v < v_th
    zero = one - one
    e = v - r
    bound = e if e > zero else zero
    if i > zero:
        if not (b < one):
            return False
        bound = bound + i * (one - a) * b / (one - b)
    return bound < v_th - r


@numba.njit(cache=True)
def _run(n_steps: int, model: int, subtract: bool, v_th: np.ndarray, v_reset: np.ndarray, v_rest: np.ndarray,
         a_m: np.ndarray, a_s: np.ndarray, t_ref: np.ndarray, v0: np.ndarray, i0: np.ndarray,
         row_ptr: np.ndarray, target: np.ndarray, weight: np.ndarray, delay: np.ndarray, ext_step: np.ndarray,
         ext_id: np.ndarray, ext_weight: np.ndarray, cur: np.ndarray, cur_mode: int,
         one: float) -> tuple[Any, ...]:
    """``one``: 1.0 as the real type of the float arrays (float64, or float32 in single precision)."""
    n = v_th.shape[0]
    zero = one - one
    slots = _slots(delay)
    v = v0.copy()
    i = i0.copy() if model == _CUBA else np.zeros_like(v0)
    last = np.full(n, -1, dtype=np.int64)
    ref_end = np.full(n, -1, dtype=np.int64)
    buf = np.zeros((slots, n), dtype=v0.dtype)
    active = np.zeros(n, dtype=np.bool_)
    received = np.zeros(n, dtype=np.bool_)
    fired = np.zeros(n, dtype=np.bool_)
    for k in range(n):
        active[k] = not _settled(model, v[k], i[k], v_th[k], v_rest[k], a_m[k], a_s[k], -1, 0, one)
    out_step = np.empty(16, dtype=np.int64)
    out_id = np.empty(16, dtype=np.int32)
    n_spikes = 0
    syn_events = 0
    ext_events = 0
    updates = 0
    ext_pos = 0
    for step in range(n_steps):
        slot = step % slots
        row = 0 if cur_mode == 1 else step
        for k in range(n):
            if cur_mode != 0 and cur[row, k] != 0.0:
                active[k] = True
        # (1) update and (2) threshold
        for k in range(n):
            fired[k] = False
            if not active[k]:
                continue
            updates += 1
            if step <= ref_end[k]:
                if model == _CUBA:
                    i[k] = i[k] * a_s[k]
                last[k] = step
                continue
            if step - 1 - last[k] >= 1:
                v[k], i[k] = _idle(model, step - 1 - last[k], v[k], i[k], v_rest[k], a_m[k], a_s[k], one)
            ie = cur[row, k] if cur_mode != 0 else zero
            if model == _IF:
                v[k] = v[k] + ie
            elif model == _LIF:
                u = v_rest[k] + ie
                v[k] = u + (v[k] - u) * a_m[k]
            else:
                i[k] = i[k] * a_s[k]
                u = v_rest[k] + i[k] + ie
                v[k] = u + (v[k] - u) * a_m[k]
            last[k] = step
            fired[k] = v[k] >= v_th[k]
        # (3) deliver
        se, ee, ext_pos = _deliver(fired, row_ptr, target, weight, delay, buf, slot, ext_step, ext_id, ext_weight,
                                   ext_pos, step)
        syn_events += se
        ext_events += ee
        for t in range(n):  # a neuron receives input exactly when its summed input is nonzero
            x = buf[slot, t]
            buf[slot, t] = 0.0
            received[t] = x != 0.0
            if not received[t]:
                continue
            if step - last[t] >= 1:
                v[t], i[t] = _idle(model, step - last[t], v[t], i[t], v_rest[t], a_m[t], a_s[t], one)
            last[t] = step
            if model == _CUBA:
                i[t] = i[t] + x
            elif step > ref_end[t]:
                v[t] = v[t] + x
        # (4) reset
        for k in range(n):
            if fired[k]:
                v[k] = v[k] - v_th[k] if subtract else v_reset[k]
                ref_end[k] = step + t_ref[k]
                out_step, out_id, n_spikes = _record(out_step, out_id, n_spikes, step, k)
        for k in range(n):
            if active[k] or received[k]:
                active[k] = not _settled(model, v[k], i[k], v_th[k], v_rest[k], a_m[k], a_s[k], ref_end[k], step + 1,
                                         one)
    for k in range(n):
        if n_steps - 1 - last[k] >= 1:
            v[k], i[k] = _idle(model, n_steps - 1 - last[k], v[k], i[k], v_rest[k], a_m[k], a_s[k], one)
    return out_step[:n_spikes].copy(), out_id[:n_spikes].copy(), v, i, syn_events, ext_events, updates, n_spikes


@numba.njit(cache=True)
def _efun(z: float) -> float:
    """``z / (exp(z) - 1)``, continued by ``1 - z/2`` for ``|z| < 1e-6``."""
    return 1.0 - z / 2.0 if abs(z) < 1e-6 else z / (math.exp(z) - 1.0)


@numba.njit(cache=True)
def _hh_rates(V: float) -> tuple[float, float, float, float, float, float]:
    """Hodgkin-Huxley rates [1/ms] at ``V`` [mV]: alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n."""
    am = _efun(-(V + 40.0) / 10.0)
    bm = 4.0 * math.exp(-(V + 65.0) / 18.0)
    ah = 0.07 * math.exp(-(V + 65.0) / 20.0)
    bh = 1.0 / (1.0 + math.exp(-(V + 35.0) / 10.0))
    an = 0.1 * _efun(-(V + 55.0) / 10.0)
    bn = 0.125 * math.exp(-(V + 65.0) / 80.0)
    return am, bm, ah, bh, an, bn


@numba.njit(cache=True)
def _gate(x: float, alpha: float, beta: float, h: float) -> float:
    """Exponential-Euler step of a gate over ``h`` ms."""
    inf = alpha / (alpha + beta)
    return inf + (x - inf) * math.exp(-(h * (alpha + beta)))


@numba.njit(cache=True)
def _run_stepped(n_steps: int, model: int, subtract: bool, v_th: np.ndarray, v_reset: np.ndarray,
                 v_rest: np.ndarray, a_m: np.ndarray, t_ref: np.ndarray, beta: np.ndarray, a_a: np.ndarray,
                 izh_ka: np.ndarray, izh_b: np.ndarray, izh_d: np.ndarray, dt: float, k_sub: int, v0: np.ndarray,
                 row_ptr: np.ndarray, target: np.ndarray, weight: np.ndarray, delay: np.ndarray,
                 ext_step: np.ndarray, ext_id: np.ndarray, ext_weight: np.ndarray, cur: np.ndarray,
                 cur_mode: int) -> tuple[Any, ...]:
    """The stepped models (adaptive LIF, Izhikevich, Hodgkin-Huxley): every neuron, every step."""
    n = v_th.shape[0]
    slots = _slots(delay)
    h = dt * 1000.0 / float(k_sub)
    v = v0.copy()
    hidden = np.zeros((3 if model == _HH else 1, n))
    above = np.zeros(n, dtype=np.bool_)
    ref_end = np.full(n, -1, dtype=np.int64)
    for k in range(n):
        if model == _IZH:
            hidden[0, k] = izh_b[k] * v[k]
        elif model == _HH:
            am, bm, ah, bh, an, bn = _hh_rates(v[k] * 1000.0)
            hidden[0, k] = am / (am + bm)
            hidden[1, k] = ah / (ah + bh)
            hidden[2, k] = an / (an + bn)
            above[k] = v[k] >= v_th[k]
    buf = np.zeros((slots, n))
    fired = np.zeros(n, dtype=np.bool_)
    out_step = np.empty(16, dtype=np.int64)
    out_id = np.empty(16, dtype=np.int32)
    n_spikes = 0
    syn_events = 0
    ext_events = 0
    ext_pos = 0
    for step in range(n_steps):
        slot = step % slots
        row = 0 if cur_mode == 1 else step
        # (1) update and (2) threshold
        for k in range(n):
            fired[k] = False
            ie = cur[row, k] if cur_mode != 0 else 0.0
            if model == _ALIF:
                if step <= ref_end[k]:
                    hidden[0, k] = hidden[0, k] * a_a[k]
                    continue
                hidden[0, k] = hidden[0, k] * a_a[k]
                u = v_rest[k] + ie
                v[k] = u + (v[k] - u) * a_m[k]
                fired[k] = v[k] >= v_th[k] + hidden[0, k]
            elif model == _IZH:
                vk = v[k]
                uk = hidden[0, k]
                for _ in range(k_sub):
                    vk = vk + h * ((((40.0 * vk + 5.0) * vk + 0.14) - uk) + ie)
                    if vk > v_th[k]:
                        vk = v_th[k]
                hidden[0, k] = uk + izh_ka[k] * (izh_b[k] * vk - uk)
                v[k] = vk
                fired[k] = vk >= v_th[k]
            else:
                V = v[k] * 1000.0
                J = ie * 1000.0
                th = v_th[k] * 1000.0
                crossed = False
                up = above[k]
                m = hidden[0, k]
                hg = hidden[1, k]
                nk = hidden[2, k]
                for _ in range(k_sub):
                    am, bm, ah, bh, an, bn = _hh_rates(V)
                    i_na = _G_NA * (((m * m) * m) * hg) * (_E_NA - V)
                    i_k = _G_K * ((nk * nk) * (nk * nk)) * (_E_K - V)
                    dV = h * ((i_na + i_k) + _G_L * ((_E_L - V) + J))
                    m = _gate(m, am, bm, h)
                    hg = _gate(hg, ah, bh, h)
                    nk = _gate(nk, an, bn, h)
                    V = V + dV
                    now_up = th <= V
                    crossed = crossed or (now_up and not up)
                    up = now_up
                hidden[0, k] = m
                hidden[1, k] = hg
                hidden[2, k] = nk
                v[k] = V / 1000.0
                fired[k] = crossed
                above[k] = up
        # (3) deliver
        se, ee, ext_pos = _deliver(fired, row_ptr, target, weight, delay, buf, slot, ext_step, ext_id, ext_weight,
                                   ext_pos, step)
        syn_events += se
        ext_events += ee
        for t in range(n):
            x = buf[slot, t]
            buf[slot, t] = 0.0
            if x != 0.0 and not (model == _ALIF and step <= ref_end[t]):
                v[t] = v[t] + x
        # (4) reset
        for k in range(n):
            if fired[k]:
                if model == _ALIF:
                    v[k] = v[k] - (v_th[k] + hidden[0, k]) if subtract else v_reset[k]
                    hidden[0, k] = hidden[0, k] + beta[k]
                    ref_end[k] = step + t_ref[k]
                elif model == _IZH:
                    v[k] = v_reset[k]
                    hidden[0, k] = hidden[0, k] + izh_d[k]
                out_step, out_id, n_spikes = _record(out_step, out_id, n_spikes, step, k)
    return (out_step[:n_spikes].copy(), out_id[:n_spikes].copy(), v, np.zeros(n), hidden, syn_events, ext_events,
            n * n_steps, n_spikes)


def run_reference(args: dict[str, Any]) -> dict[str, Any]:
    """Run the reference on the arguments of ``snnas._core.simulate`` (see :func:`core_arguments`).

    The arguments must already be valid (the engine's checks are not repeated here).
    """
    n = args["v_th"].shape[0]
    cur, mode = current_table(args["i_ext"], n, np.float64)
    model = int(args["model"])
    subtract = bool(args["reset"] == _SUBTRACT)
    if model in _STEPPED:
        def per_neuron(key: str) -> np.ndarray:
            value = args.get(key)
            return np.zeros(n) if value is None else value

        raw = _run_stepped(int(args["n_steps"]), model, subtract, args["v_th"], args["v_reset"],
                           args["v_rest"], args["alpha_m"], args["t_ref"], per_neuron("beta"), per_neuron("alpha_a"),
                           per_neuron("izh_ka"), per_neuron("izh_b"), per_neuron("izh_d"), float(args["dt"]),
                           int(args["substeps"]), args["v0"], args["row_ptr"], args["target"], args["weight"],
                           args["delay"], args["ext_step"], args["ext_id"], args["ext_weight"], cur, mode)
        result = dict(zip(KEYS, raw[:4] + raw[5:]))
        result["hidden"] = {name: raw[4][r].copy() for r, name in enumerate(_HIDDEN.get(model, ()))}
        return result
    # Single precision: every real input rounded to float32 once, as the engine does.
    single = args.get("precision") == "single"

    def real(x: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(x, dtype=np.float32) if single else x

    out = _run(int(args["n_steps"]), model, subtract, real(args["v_th"]), real(args["v_reset"]),
               real(args["v_rest"]), real(args["alpha_m"]), real(args["alpha_s"]), args["t_ref"], real(args["v0"]),
               real(args["i0"]), args["row_ptr"], args["target"], real(args["weight"]), args["delay"],
               args["ext_step"], args["ext_id"], real(args["ext_weight"]), real(cur), mode,
               np.float32(1.0) if single else 1.0)
    result = dict(zip(KEYS, out))
    result["v"] = np.asarray(result["v"], dtype=np.float64)
    result["i_syn"] = np.asarray(result["i_syn"], dtype=np.float64)
    return result
