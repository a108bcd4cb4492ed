"""Random simulation cases for the simulator tests: a network and its input, built from a seed.

Weights are multiples of 1/8 of the threshold scale so that sums cancel exactly now and then (a zero
sum is "no input"), initial states straddle the threshold, and delays, refractory periods, resets,
external events and currents all vary. Izhikevich and Hodgkin-Huxley cases use millivolt scales
(weights of a few mV, states near rest, drives around their rheobase) and their own sub-step counts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from snnas.codes import LIMITS
from snnas.sim.engine import SimNetwork
from snnas.sim.fixed import FIXED_RULES, FixedSimNetwork


@dataclass(frozen=True)
class Case:
    """A network, the length of the run and the keyword arguments of its input."""

    network: SimNetwork | FixedSimNetwork
    n_steps: int
    inputs: dict[str, Any]
    dt: float = 1e-3


def make_case(seed: int, model: str, *, max_neurons: int = 40, max_steps: int = 80) -> Case:
    """Build a random case of ``model`` from ``seed``."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, max_neurons + 1))
    n_steps = int(rng.integers(0, max_steps + 1))
    p = float(rng.uniform(0.0, min(1.0, 8.0 / max(n, 1) + 0.05)))
    conn = rng.random((n, n)) < p
    degree = conn.sum(axis=1)
    row_ptr = np.zeros(n + 1, dtype=np.int64)
    row_ptr[1:] = np.cumsum(degree)
    target = np.nonzero(conn)[1].astype(np.int32)
    m = target.size
    rng.shuffle(target)  # targets in any order within and across rows
    weight = rng.integers(-4, 9, size=m) / 8.0
    max_delay = int(rng.integers(0, 5))
    delay = rng.integers(0, max_delay + 1, size=m).astype(np.int32)
    v_th = rng.uniform(0.5, 1.5, size=n)
    v_rest = rng.uniform(-0.2, 0.2, size=n)
    tau_m = rng.choice([2e-3, 10e-3, 20e-3, np.inf], size=n)
    tau_s = rng.choice([1e-3, 5e-3, 20e-3], size=n)
    if rng.random() < 0.3:  # equal time constants: the a == b branch of the CUBA closed form
        tau_s = tau_m.copy()
        tau_s[~np.isfinite(tau_s)] = 5e-3
    if model in ("izhikevich", "hodgkin_huxley"):
        return _membrane_case(rng, model, n, n_steps, row_ptr, target, weight, delay)
    network = SimNetwork(row_ptr=row_ptr, target=target, weight=weight, delay=delay,
                         model=model,  # type: ignore[arg-type]
                         v_th=v_th, v_reset=rng.uniform(-0.3, 0.4, size=n), v_rest=v_rest, tau_m=tau_m, tau_s=tau_s,
                         t_ref=rng.integers(0, 4, size=n).astype(np.int32),
                         reset="subtract" if rng.random() < 0.4 else "value",
                         tau_adapt=rng.choice([2e-3, 30e-3, np.inf], size=n), beta=rng.integers(0, 5, size=n) / 8.0)
    inputs: dict[str, Any] = {
        "v0": rng.uniform(-0.5, 1.6, size=n),
        "i0": rng.uniform(-0.3, 0.6, size=n) if model == "cuba_lif" else None,
    }
    k = int(rng.integers(0, 4 * n + 1)) if n_steps > 0 else 0
    inputs["ext_spikes"] = (rng.integers(0, max(n_steps, 1), size=k), rng.integers(0, n, size=k),
                            rng.integers(-2, 10, size=k) / 8.0)
    mode = rng.integers(0, 3)
    if mode == 1:
        i_ext = rng.uniform(0.0, 1.5, size=n) * (rng.random(n) < 0.5)
        inputs["i_ext"] = i_ext
    elif mode == 2 and n_steps > 0:
        inputs["i_ext"] = rng.uniform(-0.2, 1.5, size=(n_steps, n)) * (rng.random((n_steps, n)) < 0.3)
    return Case(network=network, n_steps=n_steps, inputs=inputs)


def _membrane_case(rng: np.random.Generator, model: str, n: int, n_steps: int, row_ptr: np.ndarray,
                   target: np.ndarray, weight: np.ndarray, delay: np.ndarray) -> Case:
    """An Izhikevich or Hodgkin-Huxley case: the synapses of make_case() with weights in millivolts."""
    mv = 1e-3
    if model == "izhikevich":
        network = SimNetwork(row_ptr=row_ptr, target=target, weight=weight * 12 * mv, delay=delay, model="izhikevich",
                             v_th=rng.uniform(25, 35, size=n) * mv, v_reset=rng.uniform(-70, -50, size=n) * mv,
                             izh_a=rng.choice([20.0, 100.0], size=n), izh_b=rng.choice([0.2, 0.25], size=n),
                             izh_d=rng.choice([0.05, 2.0, 8.0], size=n) * mv, substeps=int(rng.choice([1, 2, 4])))
        v0 = rng.uniform(-75, 32, size=n) * mv
        drive = 15 * mv
    else:
        network = SimNetwork(row_ptr=row_ptr, target=target, weight=weight * 24 * mv, delay=delay,
                             model="hodgkin_huxley", v_th=rng.uniform(-20, 10, size=n) * mv,
                             substeps=int(rng.choice([50, 100])))
        v0 = rng.uniform(-75, 20, size=n) * mv
        drive = 50 * mv
    inputs: dict[str, Any] = {"v0": v0}
    k = int(rng.integers(0, 4 * n + 1)) if n_steps > 0 else 0
    inputs["ext_spikes"] = (rng.integers(0, max(n_steps, 1), size=k), rng.integers(0, n, size=k),
                            rng.integers(-2, 10, size=k) * 3 * mv)
    mode = rng.integers(0, 3)
    if mode == 1:
        inputs["i_ext"] = rng.uniform(0.0, drive, size=n) * (rng.random(n) < 0.7)
    elif mode == 2 and n_steps > 0:
        inputs["i_ext"] = rng.uniform(-0.2 * drive, drive, size=(n_steps, n)) * (rng.random((n_steps, n)) < 0.5)
    return Case(network=network, n_steps=n_steps, inputs=inputs)


# The choices the first stream draws from (the tables as they were when it was written; later choices come
# from their own stream, so that every earlier case stays as it was).
FIRST_CHOICES = {"decay_rounding": ("keep_toward_zero", "loss_floor"),
                 "overflow": ("saturate", "saturate_symmetric", "wrap")}


def _rescaled(decay: np.ndarray, bits: int) -> np.ndarray:
    """Decay factors drawn as fractions of 4096 as fractions of 2**bits (0 and the whole kept)."""
    return (decay.astype(np.int64) * 2**bits // 4096).astype(np.int32)


def make_fixed_case(seed: int, model: str, *, max_neurons: int = 40, max_steps: int = 80) -> Case:
    """Build a random fixed-point case of ``model`` from ``seed`` (small state widths saturate often), with a
    random integer rule (every choice of :data:`snnas.sim.fixed.FIXED_RULES`) and a random probe."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, max_neurons + 1))
    n_steps = int(rng.integers(0, max_steps + 1))
    bits = int(rng.choice([4, 8, 12, 16, 24, 48]))
    hi = 2 ** (bits - 1) - 1
    scale = max(hi // 4, 1)
    p = float(rng.uniform(0.0, min(1.0, 8.0 / n + 0.05)))
    conn = rng.random((n, n)) < p
    degree = conn.sum(axis=1)
    row_ptr = np.zeros(n + 1, dtype=np.int64)
    row_ptr[1:] = np.cumsum(degree)
    target = np.nonzero(conn)[1].astype(np.int32)
    rng.shuffle(target)
    m = target.size
    w_max = min(scale, 2**31 - 1)
    network = FixedSimNetwork(
        row_ptr=row_ptr, target=target, weight=rng.integers(-w_max // 2, w_max + 1, size=m).astype(np.int32),
        delay=rng.integers(0, int(rng.integers(0, 5)) + 1, size=m).astype(np.int32),
        model=model,  # type: ignore[arg-type]
        state_bits=bits, v_th=rng.integers(max(scale // 2, 1), scale * 2 + 1, size=n).clip(-hi, hi),
        v_reset=rng.integers(-scale // 2, scale // 2 + 1, size=n), decay_m=rng.choice([0, 1, 205, 819, 4096], size=n),
        decay_s=rng.choice([0, 3, 410, 2048, 4096], size=n), t_ref=rng.integers(0, 4, size=n).astype(np.int32),
        reset="subtract" if rng.random() < 0.4 else "value",
        current_bits=int(rng.choice([4, 8, 24])) if rng.random() < 0.3 else None,
        **{key: str(rng.choice(sorted(FIRST_CHOICES.get(table, FIXED_RULES[table])))) for key, table in (
            ("order", "order"), ("decay_rounding", "decay_rounding"), ("threshold_test", "threshold_test"),
            ("v_overflow", "overflow"), ("i_overflow", "overflow"))})
    i_hi = hi if network.current_bits is None else 2 ** (network.current_bits - 1) - 1
    i_scale = max(i_hi // 4, 1)
    inputs: dict[str, Any] = {"v0": rng.integers(-scale, 2 * scale + 1, size=n).clip(-hi, hi),
                              "i0": rng.integers(-i_scale, i_scale + 1, size=n) if model == "cuba_lif" else None,
                              "probe": rng.integers(0, n, size=int(rng.integers(0, 4)))}
    k = int(rng.integers(0, 4 * n + 1)) if n_steps > 0 else 0
    inputs["ext_spikes"] = (rng.integers(0, max(n_steps, 1), size=k), rng.integers(0, n, size=k),
                            rng.integers(-w_max // 4, w_max + 1, size=k))
    mode = rng.integers(0, 3)
    i_max = min(scale // 2 + 1, 2**31 - 1)
    if mode == 1:
        inputs["i_ext"] = rng.integers(0, i_max, size=n) * (rng.random(n) < 0.5)
    elif mode == 2 and n_steps > 0:
        inputs["i_ext"] = rng.integers(-i_max // 4, i_max, size=(n_steps, n)) * (rng.random((n_steps, n)) < 0.3)
    # Spikes per step and a lower bound of v, drawn from their own stream (the draws above stay as they were).
    extra = np.random.default_rng([seed, 1])
    if extra.random() < 0.4:
        network = replace(network, max_spikes=int(extra.choice([2, 3, 65535])))
    # The later choices (closed-form LIF, two's-complement wrap, other decay widths) from a third stream.
    later = np.random.default_rng([seed, 2])
    if later.random() < 0.3:
        network = replace(network, v_overflow="wrap_twos_complement")
        inputs["v0"] = inputs["v0"].clip(-hi - 1, hi)
    if later.random() < 0.5:
        widest = max(bits, network.current_bits or bits)
        b = int(later.choice([b for b in (4, 12, 15, 16) if widest + b <= LIMITS["max_state_decay_bits"]]))
        if model == "lif" and later.random() < 0.6:
            network = replace(network, decay_rounding="closed_form_nearest")
        network = replace(network, decay_bits=b,
                          decay_m=_rescaled(np.asarray(network.decay_m), b),
                          decay_s=_rescaled(np.asarray(network.decay_s), b))
    if extra.random() < 0.4:
        lo = -hi - 1 if network.v_overflow in ("saturate", "wrap_twos_complement") else -hi
        network = replace(network, v_min=extra.integers(-2 * scale, 1, size=n).clip(lo, hi))
    if model != "cuba_lif" and extra.random() < 0.3 and network.decay_rounding != "closed_form_nearest":
        network = replace(network, integration="per_event")
    return Case(network=network, n_steps=n_steps, inputs=inputs)  # type: ignore[arg-type]
