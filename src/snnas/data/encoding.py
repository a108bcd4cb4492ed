"""Spike encoders: turn intensities x in [0, 1] into spike rasters of shape (steps, *x.shape).

Every encoder is a pure function of its inputs and, where random, of an explicit ``seed`` (NumPy's
PCG64), so a dataset encodes the same way on every run. Rasters hold spike counts per step (int8; a
count can exceed 1 only for Poisson rate coding) or, for direct encoding, the input current per step.

Rules (T steps, t = 0 .. T-1):

- ``rate_bernoulli``: spike at step t with probability p = x · p_max, independently per step.
- ``rate_poisson``: count at step t ~ Poisson(x · p_max) (p_max = expected spikes per step at x = 1).
- ``ttfs`` (time to first spike, linear latency): one spike at t = round((1 - x) · (T - 1)) when
  x > x_min, none otherwise: strong inputs fire first.
- ``phase`` (Kim et al., 2018): x quantised to b bits, q = round(x · (2^b - 1)); at step t the spike is
  bit (b - 1 - t mod b) of q, so each period of b steps spells q most significant bit first (a
  receiver weights step t by 2^-(1 + t mod b)).
- ``burst`` (Park et al., 2019): n = ceil(x · n_max) spikes at steps 0, isi, 2·isi, ... (those < T).
- ``direct``: the value itself as an input current at every step (float64), for a first layer that
  integrates real values (the MACs of NeuroBench).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from snnas.errors import SnnasError

__all__ = ["ENCODERS", "EncodingError", "burst", "direct", "encode", "phase", "rate_bernoulli", "rate_poisson", "ttfs"]


class EncodingError(SnnasError, ValueError):
    """Bad input to an encoder: values outside [0, 1], NaN, or a bad number of steps."""


def _check(x: Any, n_steps: int, name: str) -> NDArray[np.float64]:
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise EncodingError(f"{name}: x must be an array of numbers ({exc})") from None
    if not np.all(np.isfinite(arr)):
        raise EncodingError(f"{name}: x contains NaN or infinity at index {np.argwhere(~np.isfinite(arr))[0].tolist()}")
    if arr.size and (arr.min() < 0.0 or arr.max() > 1.0):
        raise EncodingError(f"{name}: x must lie in [0, 1] (normalise it first), got values in "
                            f"[{arr.min():g}, {arr.max():g}]")
    if isinstance(n_steps, bool) or not isinstance(n_steps, (int, np.integer)) or n_steps <= 0:
        raise EncodingError(f"{name}: n_steps must be a positive integer, got {n_steps!r}")
    return arr


def _probability(p: float, name: str, label: str = "p_max") -> float:
    if not isinstance(p, (int, float)) or not math.isfinite(p) or p < 0:
        raise EncodingError(f"{name}: {label} must be a finite number >= 0, got {p!r}")
    return float(p)


def rate_bernoulli(x: Any, n_steps: int, p_max: float = 1.0, seed: int = 0) -> NDArray[np.int8]:
    """Bernoulli rate code: spike with probability x·p_max at every step."""
    arr = _check(x, n_steps, "rate_bernoulli")
    p = _probability(p_max, "rate_bernoulli")
    if p > 1.0:
        raise EncodingError(f"rate_bernoulli: p_max is a probability per step, expected <= 1, got {p}")
    rng = np.random.default_rng(seed)
    return (rng.random((n_steps, *arr.shape)) < arr * p).astype(np.int8)


def rate_poisson(x: Any, n_steps: int, p_max: float = 1.0, seed: int = 0) -> NDArray[np.int8]:
    """Poisson rate code: Poisson(x·p_max) spikes per step (counts capped at 127)."""
    arr = _check(x, n_steps, "rate_poisson")
    lam = arr * _probability(p_max, "rate_poisson")
    rng = np.random.default_rng(seed)
    return np.minimum(rng.poisson(np.broadcast_to(lam, (n_steps, *arr.shape))), 127).astype(np.int8)


def ttfs(x: Any, n_steps: int, x_min: float = 0.0) -> NDArray[np.int8]:
    """Time-to-first-spike (linear latency) code: one spike at round((1 - x)·(T - 1)) when x > x_min."""
    arr = _check(x, n_steps, "ttfs")
    out = np.zeros((n_steps, *arr.shape), dtype=np.int8)
    fire = arr > x_min
    t = np.rint((1.0 - arr) * (n_steps - 1)).astype(np.int64)
    idx = np.nonzero(fire)
    out[(t[idx],) + idx] = 1
    return out


def phase(x: Any, n_steps: int, bits: int = 8) -> NDArray[np.int8]:
    """Phase code: the b-bit quantised value, most significant bit first, repeated every b steps."""
    arr = _check(x, n_steps, "phase")
    if isinstance(bits, bool) or not isinstance(bits, (int, np.integer)) or not 1 <= bits <= 30:
        raise EncodingError(f"phase: bits must be an integer in [1, 30], got {bits!r}")
    q = np.rint(arr * ((1 << bits) - 1)).astype(np.int64)
    shift = bits - 1 - (np.arange(n_steps) % bits)
    return ((q[None, ...] >> shift.reshape((n_steps,) + (1,) * arr.ndim)) & 1).astype(np.int8)


def burst(x: Any, n_steps: int, n_max: int = 5, isi: int = 1) -> NDArray[np.int8]:
    """Burst code: ceil(x·n_max) spikes from step 0, one every ``isi`` steps."""
    arr = _check(x, n_steps, "burst")
    for name, v in (("n_max", n_max), ("isi", isi)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise EncodingError(f"burst: {name} must be a positive integer, got {v!r}")
    count = np.ceil(arr * n_max - 1e-12).astype(np.int64)
    t = np.arange(n_steps).reshape((n_steps,) + (1,) * arr.ndim)
    # numpy's stubs type comparisons of integer arrays as Any: the annotation restores the type.
    spikes: NDArray[np.int8] = ((t % isi == 0) & (t // isi < count[None, ...])).astype(np.int8)
    return spikes


def direct(x: Any, n_steps: int) -> NDArray[np.float64]:
    """Direct (current) code: x at every step, as float64."""
    arr = _check(x, n_steps, "direct")
    return np.copy(np.broadcast_to(arr, (n_steps, *arr.shape)))


ENCODERS: dict[str, Callable[..., NDArray[Any]]] = {
    "rate": rate_bernoulli, "poisson": rate_poisson, "ttfs": ttfs, "phase": phase, "burst": burst, "direct": direct,
}


def encode(name: str, x: Any, n_steps: int, **options: Any) -> NDArray[Any]:
    """Encode with the encoder called ``name`` (one of :data:`ENCODERS`)."""
    if name not in ENCODERS:
        raise EncodingError(f"unknown encoder {name!r}; choose one of {', '.join(ENCODERS)}")
    try:
        return ENCODERS[name](x, n_steps, **options)
    except TypeError as exc:
        raise EncodingError(f"{name}: {exc}") from None
