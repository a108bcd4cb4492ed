"""Fixed-point simulation: integer weights, integer m-bit state, and a chip's integer rule.

A rule is a choice from each of four small tables of the core (``cpp/codes.hpp``, exported as
:data:`snnas.codes.FIXED_RULES`), which chip files name in their ``numerics`` section
(:mod:`snnas.chip.numerics`). With decay factors ``d`` in ``[0, 2**b]`` (``b = decay_bits``, 12 unless the chip
says), ``keep(x, d)`` the state left after one step's decay, ``ov_v``/``ov_i`` the overflow of ``v``
(``state_bits``) and ``i_syn`` (``current_bits``), ``I`` the integer external current of the step (a bias) and ``x``
the exact integer sum of the weights that reach the neuron in the step:

* ``decay_rounding``: ``"loss_floor"``: ``keep(x, d) = x - ((x * d) >> b)`` (the loss rounds down; the
  generic rule), ``"keep_toward_zero"``: ``keep(x, d) = trunc(x * (2**b - d) / 2**b)`` (Loihi), or
  ``"closed_form_nearest"`` (sPyNNaker's LIF, LIF only): the step's input ``a = ov_v(x + I)`` is held over the
  step and ``v <- ov_v(a - rnd((2**b - d_m) * ov_v(a - v)))``, ``rnd(y) = (y + 2**(b-1)) >> b``, in place of
  ``keep(v, d_m) + x + I`` below: an input moves ``v`` by about ``a * d_m / 2**b``.
* ``v_overflow``, ``i_overflow``: ``"saturate"`` to ``[-2**(m-1), 2**(m-1) - 1]``, ``"saturate_symmetric"`` to
  ``[-(2**(m-1) - 1), 2**(m-1) - 1]`` (Loihi's v), ``"wrap"`` modulo ``2**m`` into ``(-2**(m-1), 2**(m-1)]``
  (Loihi's u, as Lava wraps it), or ``"wrap_twos_complement"`` into ``[-2**(m-1), 2**(m-1) - 1]`` (a CPU's
  m-bit integer: SpiNNaker's s16.15).
* ``threshold_test``: ``">="`` or ``">"`` (Loihi).
* ``order``: ``"decay_threshold_input_reset"`` (generic): update ``v <- ov_v(keep(v, d_m) + I)`` (LIF; IF
  without the decay; CUBA-LIF ``i_syn <- ov_i(keep(i_syn, d_s))``, ``v <- ov_v(keep(v, d_m) + i_syn + I)``),
  threshold, then the step's input ``v <- ov_v(v + x)`` (``i_syn`` for CUBA-LIF), then reset.
  ``"decay_input_threshold_reset"`` (Loihi, sinabs): the input delivered in step n enters step n + 1's
  update after the decay and before the test: ``v <- ov_v(keep(v, d_m) + x + I)`` (LIF),
  ``i_syn <- ov_i(keep(i_syn, d_s) + x)``, ``v <- ov_v(keep(v, d_m) + i_syn + I)`` (CUBA-LIF). Both orders
  give a spike of step n with delay D its effect on the threshold test of step n + D + 1.

Reset ``v <- v_reset`` or ``v <- ov_v(v - k * v_th)``; refractory steps hold ``v`` (IF and LIF lose their
input; CUBA-LIF's current still decays and integrates).

* ``max_spikes`` (sinabs' ``MultiSpike``, DYNAP-CNN/Speck): a neuron that fires emits
  ``k = min(max_spikes, floor(v / v_th))`` spikes in the step (``floor((v - 1) / v_th)`` with ``">"``; at least
  1; ``v_th > 0``), each one event on every outgoing synapse; 1 (default) is the single spike.
* ``v_min`` (sinabs' ``min_v_mem``, TrueNorth's negative threshold in saturate mode): after the reset,
  ``v <- max(v, v_min)``; None (default) is no bound but the range of ``v``.
* ``integration``: ``"summed"`` (default: the step's input summed exactly, then added once) or
  ``"per_event"`` (ODIN's event-driven RTL; IF and LIF): the events of a step are applied one at a time in
  arrival order (spikes by ascending source and CSR order, then external events), each ``v <- ov_v(v + w)``
  followed by the test (spikes and reset, then the lower bound), as is the update; a spike of step n reaches
  its targets in step ``n + 1 + delay``; ``order`` does not apply.

The dimensionless integers relate to physical units through the caller's scales (for example a weight
of ``w`` volts is ``round(w / scale)``); this module does not choose them (:mod:`snnas.quantize` does, per
chip). Neurons at a fixed point of their rule and below threshold are skipped, which is exact. The numba
reference :func:`simulate_fixed_reference` applies the rule to every neuron in every step and gives
bit-identical results (``cpp/fixed.hpp`` holds the rules).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

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
from snnas.sim.raster import batch_raster

__all__ = ["DECAY_ONE", "FIXED_MODELS", "FIXED_RULES", "BatchResult", "FixedSimNetwork", "InputSynapses",
           "batch_raster", "fixed_arguments", "simulate_fixed", "simulate_fixed_batch", "simulate_fixed_reference"]

FIXED_MODELS: dict[str, int] = codes.FIXED_MODELS  # the models with a fixed-point mode (cpp/codes.hpp)

FIXED_RULES: dict[str, dict[str, int]] = codes.FIXED_RULES  # the rule tables: order, decay_rounding, ...

DECAY_ONE: int = codes.LIMITS["decay_one"]  # with the default decay_bits, d / DECAY_ONE of the state is lost per step


@dataclass(frozen=True)
class FixedSimNetwork:
    """A fixed-point network of one model; per-neuron fields accept a scalar or an array ``(n,)``.

    Attributes:
        row_ptr, target, delay: CSR synapses as in :class:`snnas.sim.engine.SimNetwork` (delay in steps).
        weight: ``(m,)`` integer weights (int32 range).
        model: ``"if"``, ``"lif"`` or ``"cuba_lif"``.
        state_bits: m, the width of ``v`` (2 to 48); ``current_bits`` that of ``i_syn`` (None: the same).
        v_th: integer threshold; ``v_reset``: integer reset value (both within the range of ``v``).
        decay_m: membrane decay in [0, 2**decay_bits] (LIF, CUBA-LIF); ``decay_s``: synaptic-current decay
            (CUBA-LIF); ``decay_bits``: b, 1 to 16 (12: Loihi's registers), with state_bits + b <= 62.
        t_ref: refractory period [steps].
        reset: ``"value"`` or ``"subtract"``.
        order, decay_rounding, threshold_test, v_overflow, i_overflow: the chip's integer rule (module
            docstring); the defaults are the generic rule.
        max_spikes: spikes a neuron may emit in one step (1 to 65535); ``v_min``: lower bound of ``v`` after
            the reset (scalar or ``(n,)``, None: none); ``integration``: ``"summed"`` or ``"per_event"``.
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
    current_bits: int | None = None
    order: str = "decay_threshold_input_reset"
    decay_rounding: str = "loss_floor"
    threshold_test: str = ">="
    v_overflow: str = "saturate"
    i_overflow: str = "saturate"
    max_spikes: int = 1
    v_min: ArrayLike | None = None
    integration: str = "summed"
    decay_bits: int = codes.LIMITS["decay_shift"]


def rule_codes(network: FixedSimNetwork) -> dict[str, int]:
    """The core's codes of the network's rule fields (``FIXED_RULES``).

    Raises:
        SimulationInputError: an unknown name, listing the valid ones.
    """
    return {
        "order": choice_code("order", network.order, FIXED_RULES["order"]),
        "decay_rounding": choice_code("decay_rounding", network.decay_rounding, FIXED_RULES["decay_rounding"]),
        "threshold_test": choice_code("threshold_test", network.threshold_test, FIXED_RULES["threshold_test"]),
        "v_overflow": choice_code("v_overflow", network.v_overflow, FIXED_RULES["overflow"]),
        "i_overflow": choice_code("i_overflow", network.i_overflow, FIXED_RULES["overflow"]),
        "integration": choice_code("integration", network.integration, FIXED_RULES["integration"]),
    }


def fixed_arguments(
    network: FixedSimNetwork,
    n_steps: int,
    *,
    v0: ArrayLike | None = None,
    i0: ArrayLike | None = None,
    ext_spikes: tuple[ArrayLike, ArrayLike, ArrayLike] | None = None,
    i_ext: ArrayLike | None = None,
    probe: ArrayLike | None = None,
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
        **events, "i_ext": current, "current_bits": network.current_bits, **rule_codes(network),
        "probe": None if probe is None else int_array("probe", probe, np.int32),
        "v_min": None if network.v_min is None else int_array("v_min", network.v_min, np.int64, n),
        "max_spikes": network.max_spikes, "decay_bits": network.decay_bits,
    }


def simulate_fixed(
    network: FixedSimNetwork,
    n_steps: int,
    *,
    v0: ArrayLike | None = None,
    i0: ArrayLike | None = None,
    ext_spikes: tuple[ArrayLike, ArrayLike, ArrayLike] | None = None,
    i_ext: ArrayLike | None = None,
    probe: ArrayLike | None = None,
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
        probe: neuron indices whose ``v`` and ``i_syn`` are recorded at the end of every step (after the reset),
            returned as ``result.probes["v"]`` and ``["i_syn"]``, ``(n_steps, len(probe))`` int64.
        dt: the time step [s], only to express spike times in seconds.
        backend: ``"engine"`` (compiled C++, default) or ``"numba"`` (the reference; :mod:`snnas.sim.backends`).

    Returns:
        Spikes, final state (int64 ``v`` and ``i_syn``) and counters.

    Raises:
        SimulationInputError: any malformed argument, naming it.
    """
    from snnas.sim.backends import backend as find_backend

    run = find_backend(backend).run_fixed  # an unknown name is refused before any work
    args = fixed_arguments(network, n_steps, v0=v0, i0=i0, ext_spikes=ext_spikes, i_ext=i_ext, probe=probe)
    return result_from(run(args), dt)


def simulate_fixed_reference(network: FixedSimNetwork, n_steps: int, **kwargs: Any) -> SimulationResult:
    """:func:`simulate_fixed` in the numba reference (``backend="numba"``): same arguments, same result."""
    return simulate_fixed(network, n_steps, backend="numba", **kwargs)


@dataclass(frozen=True)
class InputSynapses:
    """The synapses of a network's input neurons, CSR rows per input: input i reaches ``target[j]`` with
    integer weight ``weight[j]`` for ``j`` in ``ptr[i] .. ptr[i+1]-1`` (delay 0)."""

    ptr: NDArray[np.int64]
    target: NDArray[np.int32]
    weight: NDArray[np.int32]

    @property
    def n_inputs(self) -> int:
        return int(np.asarray(self.ptr).size) - 1


@dataclass(frozen=True)
class BatchResult:
    """A batch of fixed-point runs, reduced (:func:`simulate_fixed_batch`).

    Attributes:
        out_spikes: ``(samples, steps, outputs)`` int32, spikes of each output neuron per step.
        v_sum: ``(samples, outputs)`` int64, Σ_n v_n of the outputs (v read at the end of step n, after the
            reset), or None without ``membrane``.
        synaptic_events, external_events, neuron_updates, spikes: ``(samples,)`` int64, each run's counters.
        neuron_spikes: ``(neurons,)`` int64, every neuron's spikes summed over the samples.
    """

    out_spikes: NDArray[np.int32]
    v_sum: NDArray[np.int64] | None
    synaptic_events: NDArray[np.int64]
    external_events: NDArray[np.int64]
    neuron_updates: NDArray[np.int64]
    spikes: NDArray[np.int64]
    neuron_spikes: NDArray[np.int64]


def simulate_fixed_batch(
    network: FixedSimNetwork,
    raster: Any,
    inputs: InputSynapses,
    outputs: tuple[int, int],
    *,
    i_ext: ArrayLike | None = None,
    membrane: bool = False,
    threads: int | None = None,
    backend: str = "engine",
) -> BatchResult:
    """Run ``network`` on every sample of ``raster`` in one call: each sample an independent run of
    :func:`simulate_fixed` from the zero state for ``steps`` steps, its input spikes delivered through
    ``inputs`` (a spike count ``c`` of input ``i`` at step ``n`` is an external event ``c · weight`` on each
    of its targets at step ``n``, in the order of :func:`simulate_fixed`'s events); what a chip evaluation
    reads is reduced in the core (:class:`BatchResult`).

    Args:
        raster: ``(samples, steps, inputs)`` whole spike counts ≥ 0.
        outputs: ``(first, count)``, the output neurons ``first .. first + count - 1``.
        i_ext: integer current shared by every sample, as :func:`simulate_fixed`'s.
        membrane: also sum the outputs' ``v`` over the steps (``BatchResult.v_sum``).
        threads: threads the samples are spread over (default :func:`snnas.threads.cpu_budget`); the
            result does not depend on it. The core releases the GIL.
        backend: ``"engine"`` (one call into the compiled core) or ``"numba"`` (the reference, one run per
            sample; the same result).

    Raises:
        SimulationInputError: any malformed argument, naming it; a sample whose ``per_event`` activity
            grows without bound (naming the sample).
    """
    from snnas.sim.backends import backend as find_backend
    from snnas.threads import check_threads

    run_batch = find_backend(backend).run_fixed_batch
    n_threads = check_threads(threads)
    if not isinstance(outputs, tuple) or len(outputs) != 2:
        raise SimulationInputError(f"outputs: expected (first, count), got {outputs!r}")
    if not isinstance(membrane, bool):
        raise SimulationInputError(f"membrane: expected a bool, got {type(membrane).__name__}")
    ptr = int_array("in_ptr", inputs.ptr, np.int64)
    if ptr.size == 0:
        raise SimulationInputError("in_ptr: expected inputs + 1 >= 1 entries, got 0")
    x = batch_raster(raster, ptr.size - 1)
    steps = int(x.shape[1])
    args = fixed_arguments(network, steps, i_ext=i_ext)
    args.update(in_ptr=ptr, in_target=int_array("in_target", inputs.target, np.int32),
                in_weight=int_array("in_weight", inputs.weight, np.int32), raster=x, out_begin=outputs[0],
                n_out=outputs[1], membrane=membrane, threads=n_threads)
    raw = run_batch(args)
    return BatchResult(raw["out_spikes"], raw.get("v_sum"), raw["synaptic_events"], raw["external_events"],
                       raw["neuron_updates"], raw["spikes"], raw["neuron_spikes"])
