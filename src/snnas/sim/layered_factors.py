"""From a population's NIR-convention parameters and a :class:`~snnas.ir.semantics.Semantics` to the float32
per-neuron factors of the layered simulator (``cpp/layered.hpp``), computed here, once, in numpy float32 the
way each framework computes them in torch float32, so that the C++ kernel and its numba reference only add,
multiply, divide and compare.

For tau a file's time constant, dt the semantics' step and ``inv`` = 1/tau_true in float32 (1/tau, or dt/tau
for ``tau="dt_scaled"``, Norse's ``tau_mem_inv``), ``ratio`` = dt/tau (or dt·inv when dt_scaled):

* ``exact``: f = float32(exp(-dt/tau_true)) (float64 exp)
* ``exp``: f = float32(exp(-ratio)), the float32 ratio's exp correctly rounded (Rockpool's ``torch.exp(-dt /
  tau)``; torch's float32 exp gives this value for 164 of the 168 recorded decays, numpy's float32 exp for 93)
* ``euler``: f = clamp(1 - ratio, 0, 1) in float32 (snnTorch's beta from its file: 1 - 1e-4/tau)
* ``euler_step``: f_m = dt·inv, f_s = (-dt)·inv_syn in float32 (Norse's ``dt * tau_mem_inv``)

The checks of what the exporter writes (:attr:`Semantics.r_convention`, Norse's scaled tau, Rockpool's lost
bias) warn with :class:`~snnas.ir.semantics.SemanticsWarning`; nothing is silently changed.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from snnas.errors import SimulationInputError
from snnas.ir.network import Population
from snnas.ir.semantics import Semantics, SemanticsWarning

__all__ = ["StepFactors", "rockpool_dt", "step_factors"]

F32 = np.float32
Arr = NDArray[np.float32]
_MODELS = ("if", "lif", "cuba_lif", "li")


@dataclass(frozen=True)
class StepFactors:
    """One population's rule and per-neuron float32 factors (the meaning of each in ``cpp/layered.hpp``)."""

    model: str
    reset: str  # value, subtract, delayed_subtract, delayed_value
    bounded: bool
    max_spikes: int
    f_m: Arr
    f_s: Arr
    gain: Arr
    v_th: Arr
    v_reset: Arr
    v_leak: Arr
    leak: Arr
    v_min: Arr
    v0: Arr
    i0: Arr


def _full(neuron: Any, name: str, size: int) -> NDArray[np.float64]:
    out: NDArray[np.float64] = np.array(np.broadcast_to(np.asarray(getattr(neuron, name), dtype=np.float64), (size,)))
    return out


def _decay(sem: Semantics, tau: NDArray[np.float64], dt: float, syn: bool) -> Arr:
    """The per-step factor of a time constant (module docstring)."""
    dt32, tau32 = F32(dt), tau.astype(F32)
    scaled = sem.tau == "dt_scaled"
    inv = dt32 / tau32 if scaled else F32(1) / tau32
    if sem.decay == "euler_step":
        out = ((-dt32) if syn else dt32) * inv
    elif sem.decay == "exact":
        true_tau = tau / dt if scaled else tau
        out = np.exp(-dt / true_tau)
    else:
        ratio = dt32 * inv if scaled else dt32 / tau32
        out = np.exp(-ratio.astype(np.float64)) if sem.decay == "exp" else np.clip(F32(1) - ratio, F32(0), F32(1))
    factor: Arr = np.asarray(out, dtype=F32)
    return factor


def rockpool_dt(tau: NDArray[np.float64], r: NDArray[np.float64]) -> NDArray[np.float64]:
    """The dt [s] that Rockpool's r = tau·exp(-dt/tau)/dt implies, per neuron (bisection; r·dt - tau·e^{-dt/tau}
    increases with dt). Rockpool's own importer approximates it by tau/(1 + r)."""
    lo, hi = np.zeros_like(tau), np.maximum(tau, tau / np.maximum(r, 1e-300)) * 4.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        above = r * mid - tau * np.exp(-mid / tau) > 0
        hi, lo = np.where(above, mid, hi), np.where(above, lo, mid)
    out: NDArray[np.float64] = 0.5 * (lo + hi)
    return out


def _check_r(pop: Population, sem: Semantics, dt: float, taus: dict[str, NDArray[np.float64]]) -> None:
    """Warn when the file's r (and w_in) are not what the semantics' exporter writes."""
    n, size = pop.neuron, pop.size
    model = n.model
    if sem.r_convention == "nir" or model == "li" and sem.r_convention == "rockpool":
        return
    r = _full(n, "r", size)
    w_in = _full(n, "w_in", size) if model == "cuba_lif" else np.ones(size)
    where = f"population {pop.name!r}"
    if sem.r_convention == "rockpool":
        if model == "if":
            return
        expect = taus["tau_m"] * np.exp(-dt / taus["tau_m"]) / dt
        if not np.allclose(r, expect, rtol=1e-5, atol=0):
            implied = float(np.median(rockpool_dt(taus["tau_m"], r)))
            warnings.warn(f"{where}: r does not match Rockpool's r = tau*exp(-dt/tau)/dt at dt = {dt:g} s; the r of "
                          f"the file implies dt = {implied:.6g} s (pass it as read_nir's dt)", SemanticsWarning,
                          stacklevel=4)
        return
    if sem.r_convention == "snntorch" and model != "if":
        r_expect = taus["tau_m"] / dt
        w_expect = taus["tau_syn"] / dt if model == "cuba_lif" else np.ones(size)
        label = "snnTorch's r = tau/dt" + (", w_in = tau_syn/dt" if model == "cuba_lif" else "")
    else:
        r_expect, w_expect = np.ones(size), np.ones(size)
        label = "r = 1" + (", w_in = 1" if model == "cuba_lif" else "")
    if not (np.allclose(r, r_expect, rtol=1e-5, atol=0) and np.allclose(w_in, w_expect, rtol=1e-5, atol=0)):
        warnings.warn(f"{where}: the file's r = {float(r.min()):.6g}..{float(r.max()):.6g} is not {label} at dt = "
                      f"{dt:g} s, what semantics {sem.name!r} expects; the weights enter unscaled (was the file "
                      "written by another framework?)", SemanticsWarning, stacklevel=4)


def _check_tau(pop: Population, sem: Semantics, dt: float, taus: dict[str, NDArray[np.float64]]) -> None:
    """Detect Norse's export (tau = dt × the true tau) read as seconds."""
    if sem.tau != "seconds" or not taus:
        return
    top = max(float(t.max()) for t in taus.values())
    if top < 0.1 * dt:
        warnings.warn(f"population {pop.name!r}: every time constant is below a tenth of dt = {dt:g} s (at most "
                      f"{top:.3g} s), so v forgets itself within a step. Norse's to_nir writes dt × the true time "
                      "constant (export_nir.py:27-47): a Norse file needs semantics 'norse' (tau='dt_scaled', the "
                      "true tau = tau/dt)", SemanticsWarning, stacklevel=4)


def step_factors(pop: Population, sem: Semantics, net_dt: float) -> StepFactors:
    """The factors of ``pop`` under ``sem`` (dt = ``sem.dt``, else ``net_dt``).

    Raises:
        SimulationInputError: a neuron model the layered simulator has no rule for, or a refractory period.
    """
    n, size = pop.neuron, pop.size
    model = n.model
    where = f"population {pop.name!r}"
    if model not in _MODELS:
        raise SimulationInputError(f"{where}: neuron model {model!r} has no source-semantics rule; expected one "
                                   f"of {', '.join(_MODELS)}")
    if hasattr(n, "t_ref") and np.any(_full(n, "t_ref", size) != 0):
        raise SimulationInputError(f"{where}: t_ref > 0; no framework of the source semantics has a refractory period")
    dt = sem.dt if sem.dt is not None else net_dt
    if not math.isfinite(dt) or dt <= 0:
        raise SimulationInputError(f"{where}: dt must be a positive number of seconds, got {dt!r}")
    taus = {k: _full(n, k, size) for k in ("tau_m", "tau_syn") if hasattr(n, k)}
    _check_tau(pop, sem, dt, taus)
    _check_r(pop, sem, dt, taus)
    ones, zeros = np.ones(size, F32), np.zeros(size, F32)
    f_m = _decay(sem, taus["tau_m"], dt, False) if "tau_m" in taus else ones
    f_s = _decay(sem, taus["tau_syn"], dt, True) if "tau_syn" in taus else zeros
    v_leak = _full(n, "v_leak", size).astype(F32) if hasattr(n, "v_leak") else zeros
    if sem.r_convention != "nir":
        gain = ones
    else:
        scale = 1.0 if sem.tau == "seconds" else dt
        r = _full(n, "r", size)
        if model == "if":
            g = r
        elif model == "cuba_lif":
            g = r * _full(n, "w_in", size) * dt / (taus["tau_syn"] / scale)
        else:
            g = r * dt / (taus["tau_m"] / scale)
        gain = g.astype(F32)
    product = sem.decay in ("exp", "euler") and model != "if"
    if not product:
        leak = zeros
    elif sem.v_leak == "bias":
        leak = v_leak
    else:
        leak = ((F32(1) - f_m) * v_leak).astype(F32)
    v_th = _full(n, "v_th", size).astype(F32) if hasattr(n, "v_th") else zeros
    v_reset = _full(n, "v_reset", size).astype(F32) if hasattr(n, "v_reset") else zeros
    reset = str(getattr(n, "reset", "value")) if sem.reset == "neuron" else sem.reset
    if sem.v_min is None:
        v_min, bounded = zeros, False
    elif sem.v_min == "-v_th":
        v_min, bounded = (-v_th).astype(F32), True
    else:
        v_min, bounded = np.full(size, sem.v_min, F32), True
    v0 = v_leak.copy() if sem.v_init == "v_leak" else zeros.copy()
    return StepFactors(model, reset, bounded, sem.max_spikes, f_m, f_s, gain, v_th, v_reset, v_leak, leak, v_min, v0,
                       zeros.copy())
