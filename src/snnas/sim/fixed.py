"""Fixed-point simulation: integer weights, integer state of m bits with saturation, Loihi-style decay.

The step is the one of :mod:`snnas.sim.engine` (update, threshold, deliver, reset). With
``sat(x) = clip(x, -2**(m-1), 2**(m-1) - 1)``, decay factors ``d`` in ``[0, 4096]`` (a state ``x`` loses
``(x * d) >> 12`` per step; ``>>`` is an arithmetic shift, rounding down) and ``I`` the integer external
current of the step (Loihi's bias):

* IF: ``v <- sat(v + I)``
* LIF: ``v <- sat(v - ((v * d_m) >> 12) + I)``
* CUBA-LIF: ``i_syn <- sat(i_syn - ((i_syn * d_s) >> 12)); v <- sat(v - ((v * d_m) >> 12) + i_syn + I)``

A delivered input (the exact integer sum ``x`` of a neuron's weights in the step, ``x != 0``) gives
``v <- sat(v + x)`` (IF, LIF; discarded while refractory) or ``i_syn <- sat(i_syn + x)``. Threshold
``v >= v_th``; reset ``v <- v_reset`` or ``v <- sat(v - v_th)``; refractory steps hold ``v``.

The dimensionless integers relate to physical units through the caller's scales (for example a weight
of ``w`` volts is ``round(w / scale)``); this module does not choose them. Neurons at a fixed point of
their rule and below threshold are skipped, which is exact. The numba reference
:func:`snnas.sim.reference.simulate_fixed_reference` applies the rule to every neuron in every step and
gives bit-identical results (``cpp/fixed.hpp`` holds the rules).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from snnas import codes
from snnas.errors import SimulationInputError
from snnas.sim.engine import (
    RESETS,
    ArrayLike,
    SimulationResult,
    choice_code,
    csr_rows,
    external_events,
    int_array,
    result_from,
)

__all__ = ["DECAY_ONE", "FIXED_MODELS", "FixedSimNetwork", "fixed_arguments", "simulate_fixed",
           "simulate_fixed_reference"]

FIXED_MODELS: dict[str, int] = codes.FIXED_MODELS  # the models with a fixed-point mode (cpp/codes.hpp)

DECAY_ONE: int = codes.LIMITS["decay_one"]  # a decay factor d is the fraction d / DECAY_ONE of the state lost per step


@dataclass(frozen=True)
class FixedSimNetwork:
    """A fixed-point network of one model; per-neuron fields accept a scalar or an array ``(n,)``.

    Attributes:
        row_ptr, target, delay: CSR synapses as in :class:`snnas.sim.engine.SimNetwork` (delay in steps).
        weight: ``(m,)`` integer weights (int32 range).
        model: ``"if"``, ``"lif"`` or ``"cuba_lif"``.
        state_bits: m, the width of ``v`` and ``i_syn`` (2 to 48), which saturate.
        v_th: integer threshold; ``v_reset``: integer reset value (both within the m-bit range).
        decay_m: membrane decay in [0, 4096] (LIF, CUBA-LIF); ``decay_s``: synaptic-current decay (CUBA-LIF).
        t_ref: refractory period [steps].
        reset: ``"value"`` or ``"subtract"``.
    """

    row_ptr: ArrayLike
    target: ArrayLike
    weight: ArrayLike
    delay: ArrayLike
    model: Literal["if", "lif", "cuba_lif"] = "lif"
    state_bits: int = 24
    v_th: ArrayLike = 1000
    v_reset: ArrayLike = 0
    decay_m: ArrayLike = 205  # about dt/tau = 1/20
    decay_s: ArrayLike = 819  # about 1/5
    t_ref: ArrayLike = 0
    reset: Literal["value", "subtract"] = "value"


def fixed_arguments(
    network: FixedSimNetwork,
    n_steps: int,
    *,
    v0: ArrayLike | None = None,
    i0: ArrayLike | None = None,
    ext_spikes: tuple[ArrayLike, ArrayLike, ArrayLike] | None = None,
    i_ext: ArrayLike | None = None,
) -> dict[str, Any]:
    """Convert a fixed-point network and its input into the arrays of ``snnas._core.simulate_fixed``.

    Raises:
        SimulationInputError: an argument cannot be converted; naming it and what was expected.
    """
    model = choice_code("model", network.model, FIXED_MODELS)
    reset = choice_code("reset", network.reset, RESETS)
    row_ptr, n = csr_rows(network.row_ptr)
    events = external_events(ext_spikes, lambda name, x: int_array(name, x, np.int32))
    current = None
    if i_ext is not None:
        try:
            arr = np.asarray(i_ext)
        except (TypeError, ValueError) as exc:
            raise SimulationInputError(f"i_ext: expected integers ({exc})") from None
        if arr.dtype.kind not in "iu":
            raise SimulationInputError(f"i_ext: expected integers, got dtype {arr.dtype}")
        if arr.size and (int(arr.min()) < -(2**31) or int(arr.max()) >= 2**31):
            raise SimulationInputError("i_ext: values out of the int32 range")
        current = np.ascontiguousarray(arr, dtype=np.int32)
    return {
        "model": model, "reset": reset, "state_bits": network.state_bits,
        "v_th": int_array("v_th", network.v_th, np.int64, n),
        "v_reset": int_array("v_reset", network.v_reset, np.int64, n),
        "decay_m": int_array("decay_m", network.decay_m, np.int32, n),
        "decay_s": int_array("decay_s", network.decay_s, np.int32, n),
        "t_ref": int_array("t_ref", network.t_ref, np.int32, n),
        "row_ptr": row_ptr, "target": int_array("target", network.target, np.int32),
        "weight": int_array("weight", network.weight, np.int32), "delay": int_array("delay", network.delay, np.int32),
        "n_steps": n_steps, "v0": int_array("v0", 0 if v0 is None else v0, np.int64, n),
        "i0": int_array("i0", 0 if i0 is None else i0, np.int64, n),
        **events, "i_ext": current,
    }


def simulate_fixed(
    network: FixedSimNetwork,
    n_steps: int,
    *,
    v0: ArrayLike | None = None,
    i0: ArrayLike | None = None,
    ext_spikes: tuple[ArrayLike, ArrayLike, ArrayLike] | None = None,
    i_ext: ArrayLike | None = None,
    dt: float = 1e-3,
    backend: str = "engine",
) -> SimulationResult:
    """Run ``network`` for ``n_steps`` steps in fixed point.

    Args:
        network: neurons and synapses, integers throughout.
        n_steps: number of steps, ``>= 0``.
        v0, i0: initial integer state (scalar or ``(n,)``), default 0.
        ext_spikes: ``(steps, ids, weights)`` with integer weights, delivered like synapses of delay 0.
        i_ext: integer current: ``(n,)`` constant per neuron, or ``(n_steps, n)`` per step.
        dt: the time step [s], only to express spike times in seconds.
        backend: ``"engine"`` (compiled C++, default) or ``"numba"`` (the reference; :mod:`snnas.sim.backends`).

    Returns:
        Spikes, final state (int64 ``v`` and ``i_syn``) and counters.

    Raises:
        SimulationInputError: any malformed argument, naming it.
    """
    from snnas.sim.backends import backend as find_backend

    run = find_backend(backend).run_fixed  # an unknown name is refused before any work
    args = fixed_arguments(network, n_steps, v0=v0, i0=i0, ext_spikes=ext_spikes, i_ext=i_ext)
    return result_from(run(args), dt)


def simulate_fixed_reference(network: FixedSimNetwork, n_steps: int, **kwargs: Any) -> SimulationResult:
    """:func:`simulate_fixed` in the numba reference (``backend="numba"``): same arguments, same result."""
    return simulate_fixed(network, n_steps, backend="numba", **kwargs)
