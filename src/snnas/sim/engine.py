"""Event-driven simulation of a spiking network: a thin typed wrapper over the compiled core.

A network is ``n`` neurons of one model with per-neuron parameters and synapses stored as CSR rows per
presynaptic neuron. Time is discrete with step ``dt`` [s]; delays and refractory periods are whole steps.
Potentials are in volts; an input current is given as the potential it drives, ``R*I`` [V].

One time step ``n`` (the same in every simulator of snnas, Brian2's default schedule):

1. **update** every neuron by its model's rule (external current ``I = i_ext[n]`` included);
2. **threshold**: the neurons that are not refractory and have ``v >= v_th`` form ``S_n`` and spike;
3. **deliver** the spikes of step ``n - D`` through the synapses of delay ``D >= 0`` (``D = 0`` delivers this
   step's spikes now) and the external spike events of step ``n``; a neuron's summed input ``x`` gives
   ``v += x`` (IF, LIF; discarded while refractory) or ``i_syn += x`` (CUBA-LIF); a sum of exactly zero
   counts as no input;
4. **reset** the neurons of ``S_n``: ``v <- v_reset`` or ``v <- v - v_th``; they are refractory for the next
   ``t_ref`` steps (``v`` held, no threshold).

Per-step rules, with ``a = exp(-dt/tau_m)``, ``b = exp(-dt/tau_s)``, ``r = v_rest``:

* IF: ``v <- v + I``
* LIF: ``u = r + I; v <- u + (v - u)*a`` (exact integration of ``tau_m dv/dt = r + I - v`` over a step)
* CUBA-LIF: ``i_syn <- i_syn*b; u = r + i_syn + I; v <- u + (v - u)*a``
* adaptive LIF (threshold ``v_th + theta``, ``rho = exp(-dt/tau_adapt)``, ``theta = 0`` at the start):
  ``theta <- theta*rho`` (also while refractory), then LIF's rule for ``v``; spike when ``v >= v_th + theta``;
  reset ``v <- v_reset`` or ``v <- v - (v_th + theta)``, then ``theta <- theta + beta``.
* Izhikevich (2003), in volts with ``tau = 1 ms``: ``tau dv/dt = 40 v^2 + 5 v + 0.14 - u + I``,
  ``du/dt = a (b v - u)`` (in mV and ms: ``v' = 0.04 v^2 + 5 v + 140 - u + I``). With ``K = substeps`` and
  ``h = dt*1000/K`` [ms]: ``K`` times ``v <- v + h*(((40 v + 5) v + 0.14) - u + I)``, capped at ``v_th``
  (``v_peak``, 30 mV); then ``u <- u + a dt (b v - u)``. Spike when ``v >= v_th``; reset ``v <- v_reset``
  (``c``), ``u <- u + d``. ``u`` starts at ``b * v0``.
* Hodgkin-Huxley (1952, squid axon: ``g_Na, g_K, g_L = 120, 36, 0.3 mS/cm^2``,
  ``E_Na, E_K, E_L = 50, -77, -54.387 mV``, ``C = 1 uF/cm^2``), ``K`` sub-steps of ``h = dt*1000/K`` ms:
  exponential Euler for the gates ``m, h, n``, forward Euler for ``V`` from the values at the start of
  each sub-step; the drive ``I`` [V] enters as ``g_L (E_L - V + I)`` (an injected current ``g_L I``). A
  spike is an upward crossing of ``v_th`` between the ends of two sub-steps (at most one per step); no
  reset. The gates start at their steady state for ``v0``.

Precision: IF, LIF and CUBA-LIF run in double precision by default, or in single precision with
``precision="single"``: parameters, weights, input and initial state are rounded to float32 once, and
the state, the input sums and every operation of the rules above are float32 (``cpp/engine.hpp``); the
numba reference runs the same float32 arithmetic and gives the same spikes. The other models run in
double precision only.

The last three are evaluated in every step (no lazy skipping), so they follow their rules exactly;
``neuron_updates`` is ``n * n_steps``; their refractory period must be 0 for Izhikevich and
Hodgkin-Huxley, which also have no reset by subtraction. ``cpp/neurons.hpp`` states every rule exactly.

Neurons that cannot spike without new input are not evaluated until they receive some; their state is
then advanced over the skipped steps in closed form (``cpp/neurons.hpp`` gives every rule exactly), so
the cost of a run grows with its spikes and active neurons, not with ``n * n_steps``. The numba
reference :mod:`snnas.sim.reference` implements the same rules operation for operation: both give
bit-identical states and the same spikes.

:func:`simulate` checks, prepares and runs a network in one call; :class:`Simulator` prepares it once
and runs it many times.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from snnas import codes
from snnas.errors import SimulationInputError

__all__ = [
    "MODELS", "PRECISIONS", "STEPPED_MODELS", "SimNetwork", "SimulationResult", "Simulator", "core_arguments",
    "network_arguments", "run_arguments", "simulate", "simulate_reference",
]

Model = Literal["if", "lif", "cuba_lif", "adaptive_lif", "izhikevich", "hodgkin_huxley"]
Reset = Literal["value", "subtract"]
Precision = Literal["double", "single"]
PRECISIONS = ("double", "single")
# The core's tables (cpp/codes.hpp, read by snnas.codes): model and reset codes, the models evaluated in
# every step with their longest default sub-step [s] (None: one sub-step), the most sub-steps per step.
MODELS: dict[str, int] = codes.MODELS
STEPPED_MODELS: dict[str, float | None] = codes.STEPPED_MODELS
MAX_SUBSTEPS: int = codes.LIMITS["max_substeps"]
RESETS: dict[str, int] = codes.RESETS

ArrayLike = npt.ArrayLike


@dataclass(frozen=True)
class SimNetwork:
    """The simulator's flat input: ``n`` neurons of one model, synapses as CSR rows per presynaptic neuron.

    Per-neuron fields accept a scalar (the same for every neuron) or an array of shape ``(n,)``. The
    synapse arrays have the layout (and dtypes) of :class:`snnas.ir.network.NeuronCSR`.

    Attributes:
        row_ptr: ``(n + 1,)`` CSR row pointers: the synapses of neuron ``i`` are ``row_ptr[i]:row_ptr[i+1]``.
        target: ``(m,)`` postsynaptic neuron of each synapse, in ``[0, n)``.
        weight: ``(m,)`` weight of each synapse [V], added to ``v`` (all models but CUBA-LIF) or ``i_syn``
            (CUBA-LIF).
        delay: ``(m,)`` delay of each synapse [steps], ``>= 0``.
        model: ``"if"``, ``"lif"``, ``"cuba_lif"``, ``"adaptive_lif"``, ``"izhikevich"`` or ``"hodgkin_huxley"``.
        v_th: threshold [V]; a neuron spikes when ``v >= v_th`` (adaptive LIF: ``v_th + theta``;
            Izhikevich: the peak ``v_peak``, typically 0.030; Hodgkin-Huxley: crossed upwards, e.g. 0.0).
        v_reset: reset value [V] (``reset="value"``; Izhikevich: ``c``, e.g. -0.065).
        v_rest: resting potential [V] (LIF, CUBA-LIF, adaptive LIF), below ``v_th``.
        tau_m: membrane time constant [s] (LIF, CUBA-LIF, adaptive LIF); ``inf`` means no leak.
        tau_s: synaptic-current time constant [s] (CUBA-LIF); ``inf`` means no decay.
        t_ref: refractory period [steps], ``>= 0`` (0 for Izhikevich and Hodgkin-Huxley).
        reset: ``"value"`` (``v <- v_reset``) or ``"subtract"`` (``v <- v - v_th``; not for Izhikevich and
            Hodgkin-Huxley).
        tau_adapt: threshold-adaptation time constant [s] (adaptive LIF); ``inf`` means no decay.
        beta: threshold increment per spike [V], ``>= 0`` (adaptive LIF).
        izh_a: recovery rate ``a`` [1/s] (Izhikevich; 0.02/ms is 20/s), with ``izh_a * dt <= 1``.
        izh_b: recovery sensitivity ``b`` (Izhikevich, dimensionless, e.g. 0.2).
        izh_d: recovery increment per spike ``d`` [V] (Izhikevich; 8 mV is 0.008).
        substeps: integration sub-steps per step (Izhikevich, Hodgkin-Huxley), in ``[1, MAX_SUBSTEPS]``;
            None chooses sub-steps of at most 0.5 ms (Izhikevich: two per 1 ms step, as in Izhikevich
            2003) or 0.01 ms (Hodgkin-Huxley) (:data:`STEPPED_MODELS`).
        alpha_m: membrane decay per step (dimensionless, in ``[0, 1]``; ``exp(-dt/tau_m)``), or None. When
            given, the engine takes these factors as they are, bit for bit, and ``tau_m`` is not used: a
            caller that already holds discretised decays (the IR's ``discretize``) passes them here
            instead of converting them to time constants and back.
        alpha_s: synaptic-current decay per step (in ``[0, 1]``; ``exp(-dt/tau_s)``), or None; when given
            it replaces ``tau_s`` likewise.
    """

    row_ptr: ArrayLike
    target: ArrayLike
    weight: ArrayLike
    delay: ArrayLike
    model: Model = "lif"
    v_th: ArrayLike = 1.0
    v_reset: ArrayLike = 0.0
    v_rest: ArrayLike = 0.0
    tau_m: ArrayLike = 20e-3
    tau_s: ArrayLike = 5e-3
    t_ref: ArrayLike = 0
    reset: Reset = "value"
    tau_adapt: ArrayLike = 100e-3
    beta: ArrayLike = 0.1
    izh_a: ArrayLike = 20.0
    izh_b: ArrayLike = 0.2
    izh_d: ArrayLike = 8e-3
    substeps: int | None = None
    alpha_m: ArrayLike | None = None
    alpha_s: ArrayLike | None = None


@dataclass(frozen=True)
class SimulationResult:
    """What a run produced.

    Attributes:
        spike_steps: ``(k,)`` int64 step of each spike, non-decreasing; the time is ``step * dt`` [s].
        spike_ids: ``(k,)`` int32 neuron of each spike, ascending within a step.
        v: ``(n,)`` membrane potential at the end of the last step [V].
        i_syn: ``(n,)`` synaptic current at the end of the last step [V] (zeros unless CUBA-LIF).
        synaptic_events: synapse traversals, the sum of the out-degrees of all spikes emitted.
        external_events: external spike events delivered.
        neuron_updates: per-step rule applications (phase 1); settled neurons cost none.
        spikes: number of spikes emitted.
        dt: the time step [s].
        hidden: further state at the end of the last step, ``(n,)`` each: ``"theta"`` [V] (adaptive LIF),
            ``"u"`` [V] (Izhikevich), the gates ``"m"``, ``"h"``, ``"n"`` (Hodgkin-Huxley); empty otherwise.
        probes: the probed neurons' state at the end of every step, ``(n_steps, probes)`` each: ``"v"`` and
            ``"i_syn"`` (fixed point, :func:`snnas.sim.fixed.simulate_fixed` with ``probe``); empty otherwise.
    """

    spike_steps: np.ndarray
    spike_ids: np.ndarray
    v: np.ndarray
    i_syn: np.ndarray
    synaptic_events: int
    external_events: int
    neuron_updates: int
    spikes: int
    dt: float = field(default=1e-3)
    hidden: dict[str, np.ndarray] = field(default_factory=dict)
    probes: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def spike_times(self) -> np.ndarray:
        """Spike times [s]: ``spike_steps * dt``."""
        return self.spike_steps * self.dt


def float_array(name: str, x: ArrayLike, n: int | None) -> np.ndarray:
    """``x`` as a C-contiguous float64 array: shape ``(n,)`` (a scalar is broadcast), or any 1-D when ``n`` is None.

    Raises:
        SimulationInputError: ``x`` is not real numbers of that shape; the message names ``name``.
    """
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as exc:
        raise SimulationInputError(f"{name}: expected real numbers ({exc})") from None
    if n is None:
        if arr.ndim != 1:
            raise SimulationInputError(f"{name}: expected a 1-D array, got shape {arr.shape}")
        return np.ascontiguousarray(arr)
    if arr.ndim == 0:
        arr = np.full(max(n, 0), float(arr))
    if arr.shape != (n,):
        raise SimulationInputError(f"{name}: expected a scalar or shape ({n},), got shape {arr.shape}")
    return np.ascontiguousarray(arr)


def int_array(name: str, x: ArrayLike, dtype: type[np.integer[Any]], n: int | None = None) -> np.ndarray:
    """``x`` as a C-contiguous integer array of ``dtype``: shape ``(n,)`` (a scalar is broadcast), or any 1-D.

    Raises:
        SimulationInputError: ``x`` is not integers of that shape, or does not fit ``dtype``; naming ``name``.
    """
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError, OverflowError) as exc:
        raise SimulationInputError(f"{name}: expected integers ({exc})") from None
    if arr.ndim == 0 and n is not None:
        arr = np.full(max(n, 0), arr)
    if arr.size == 0:
        arr = arr.astype(dtype)
    if arr.dtype.kind not in "iu":
        raise SimulationInputError(f"{name}: expected integers, got dtype {arr.dtype}")
    if arr.ndim != 1 or (n is not None and arr.shape != (n,)):
        want = f"({n},)" if n is not None else "1-D"
        raise SimulationInputError(f"{name}: expected shape {want}, got shape {arr.shape}")
    info = np.iinfo(dtype)
    if arr.size and (int(arr.min()) < info.min or int(arr.max()) > info.max):
        raise SimulationInputError(f"{name}: values out of the {np.dtype(dtype).name} range")
    return np.ascontiguousarray(arr, dtype=dtype)


def choice_code(name: str, value: str, codes: dict[str, int]) -> int:
    """The integer code of ``value`` among ``codes`` (a model or reset name as the core takes it).

    Raises:
        SimulationInputError: ``value`` is not one of ``codes``; naming ``name`` and the choices.
    """
    if value not in codes:
        raise SimulationInputError(f"{name}: expected one of {sorted(codes)}, got {value!r}")
    return codes[value]


def csr_rows(row_ptr: ArrayLike) -> tuple[np.ndarray, int]:
    """The int64 CSR row pointers and the number of neurons ``n`` they describe (``n + 1`` entries).

    Raises:
        SimulationInputError: ``row_ptr`` is not 1-D int64 integers with at least one entry.
    """
    rows = int_array("row_ptr", row_ptr, np.int64)
    if rows.shape[0] == 0:
        raise SimulationInputError("row_ptr: expected n + 1 >= 1 entries, got 0")
    return rows, rows.shape[0] - 1


def external_events(ext_spikes: tuple[ArrayLike, ArrayLike, ArrayLike] | None,
                    weights: Callable[[str, ArrayLike], np.ndarray]) -> dict[str, np.ndarray]:
    """External spike events ``(steps, ids, weights)`` as the core takes them: int64 steps, int32 ids and
    the weights converted by ``weights(name, value)``, sorted by step (stable: events of one step keep
    their order). None is no events.

    Raises:
        SimulationInputError: a part cannot be converted, or the three differ in length; naming it.
    """
    steps: Any
    ids: Any
    values: Any
    steps, ids, values = ext_spikes if ext_spikes is not None else ([], [], [])
    ext_step = int_array("ext_step", steps, np.int64)
    ext_id = int_array("ext_id", ids, np.int32)
    ext_weight = weights("ext_weight", values)
    if ext_id.shape != ext_step.shape or ext_weight.shape != ext_step.shape:
        raise SimulationInputError(
            f"ext_spikes: expected steps, ids and weights of one length, got {ext_step.shape}, {ext_id.shape}, "
            f"{ext_weight.shape}")
    order = np.argsort(ext_step, kind="stable")
    return {"ext_step": np.ascontiguousarray(ext_step[order]), "ext_id": np.ascontiguousarray(ext_id[order]),
            "ext_weight": np.ascontiguousarray(ext_weight[order])}


def _decay(name: str, tau: np.ndarray, dt: float) -> np.ndarray:
    """``exp(-dt/tau)`` per neuron; ``tau = inf`` gives 1 (no decay)."""
    if np.any(np.isnan(tau)) or np.any(tau <= 0):
        raise SimulationInputError(f"{name}: expected time constants > 0 s, got {tau[np.isnan(tau) | (tau <= 0)][0]!r}")
    return np.array([math.exp(-dt / t) for t in tau.tolist()], dtype=np.float64)


def _decay_factors(name: str, alpha: ArrayLike, n: int) -> np.ndarray:
    """Decay factors per step given directly: float64 ``(n,)`` (a scalar is broadcast), each finite in [0, 1].

    Raises:
        SimulationInputError: not real numbers of that shape, or a factor outside [0, 1]; naming ``name``,
            the neuron and the value.
    """
    arr = float_array(name, alpha, n)
    bad = ~((arr >= 0.0) & (arr <= 1.0))  # NaN fails both comparisons
    if np.any(bad):
        k = int(np.flatnonzero(bad)[0])
        raise SimulationInputError(f"{name}[{k}] = {float(arr[k])!r}: expected a decay factor per step in [0, 1]")
    return arr


def _decays(network: SimNetwork, n: int, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """``alpha_m`` and ``alpha_s``: the network's own factors when given, else ``exp(-dt/tau)``."""
    alpha_m = (_decay("tau_m", float_array("tau_m", network.tau_m, n), dt) if network.alpha_m is None
               else _decay_factors("alpha_m", network.alpha_m, n))
    alpha_s = (_decay("tau_s", float_array("tau_s", network.tau_s, n), dt) if network.alpha_s is None
               else _decay_factors("alpha_s", network.alpha_s, n))
    return alpha_m, alpha_s


def _substeps(network: SimNetwork, dt: float) -> int:
    """The number of integration sub-steps per step: the network's, or the model's default."""
    k = network.substeps
    if k is None:
        longest = STEPPED_MODELS.get(network.model)
        return 1 if longest is None else max(1, math.ceil(round(dt / longest, 9)))
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= int(k) <= MAX_SUBSTEPS:
        raise SimulationInputError(f"substeps: expected an integer in [1, {MAX_SUBSTEPS}] or None, got {k!r}")
    return int(k)


def network_arguments(network: SimNetwork, dt: float) -> dict[str, Any]:
    """Convert a network into the exact arrays of ``snnas._core.prepare``.

    The decay factors are computed here, once, as ``alpha_m = exp(-dt/tau_m)``,
    ``alpha_s = exp(-dt/tau_s)`` (unless the network gives ``alpha_m`` or ``alpha_s`` itself, which pass
    unchanged) and ``alpha_a = exp(-dt/tau_adapt)``, and Izhikevich's recovery rate per
    step as ``izh_ka = izh_a * dt``, so the C++ engine and the numba reference see bit-identical inputs.
    The Izhikevich parameters are converted (and checked) for Izhikevich networks only; the others pass
    None, the core's neutral default.

    Raises:
        SimulationInputError: an argument cannot be converted; naming it and what was expected.
    """
    if isinstance(dt, bool) or not isinstance(dt, (int, float)) or not (math.isfinite(dt) and dt > 0):
        raise SimulationInputError(f"dt: expected a finite time step > 0 s, got {dt!r}")
    model = choice_code("model", network.model, MODELS)
    reset = choice_code("reset", network.reset, RESETS)
    row_ptr, n = csr_rows(network.row_ptr)
    izh: dict[str, Any] = {"izh_ka": None, "izh_b": None, "izh_d": None}  # the core's defaults
    if network.model == "izhikevich":
        izh_a = float_array("izh_a", network.izh_a, n)
        bad_a = ~((izh_a >= 0.0) & (izh_a * float(dt) <= 1.0))
        if np.any(bad_a):
            raise SimulationInputError(
                f"izh_a: expected a rate in [0, 1/dt] = [0, {1.0 / dt!r}] 1/s, got {float(izh_a[bad_a][0])!r}")
        izh = {"izh_ka": izh_a * float(dt), "izh_b": float_array("izh_b", network.izh_b, n),
               "izh_d": float_array("izh_d", network.izh_d, n)}
    alpha_m, alpha_s = _decays(network, n, float(dt))
    return {
        "model": model,
        "reset": reset,
        "v_th": float_array("v_th", network.v_th, n),
        "v_reset": float_array("v_reset", network.v_reset, n),
        "v_rest": float_array("v_rest", network.v_rest, n),
        "alpha_m": alpha_m,
        "alpha_s": alpha_s,
        "t_ref": int_array("t_ref", network.t_ref, np.int32, n),
        "row_ptr": row_ptr,
        "target": int_array("target", network.target, np.int32),
        "weight": float_array("weight", network.weight, None),
        "delay": int_array("delay", network.delay, np.int32),
        "beta": float_array("beta", network.beta, n),
        "alpha_a": _decay("tau_adapt", float_array("tau_adapt", network.tau_adapt, n), float(dt)),
        **izh,
        "dt": float(dt),
        "substeps": _substeps(network, float(dt)),
    }


def run_arguments(
    n: int,
    n_steps: int,
    *,
    v0: ArrayLike | None = None,
    i0: ArrayLike | None = None,
    ext_spikes: tuple[ArrayLike, ArrayLike, ArrayLike] | None = None,
    i_ext: ArrayLike | None = None,
) -> dict[str, Any]:
    """Convert the input of one run of a network of ``n`` neurons into the arrays of ``PreparedNetwork.run``.

    External spike events are sorted by step (stable: events of one step keep their order).

    Raises:
        SimulationInputError: an argument cannot be converted; naming it and what was expected.
    """
    args: dict[str, Any] = {
        "n_steps": n_steps,
        "v0": float_array("v0", 0.0 if v0 is None else v0, n),
        "i0": float_array("i0", 0.0 if i0 is None else i0, n),
        **external_events(ext_spikes, lambda name, x: float_array(name, x, None)),
        "i_ext": None,
    }
    if i_ext is not None:
        try:
            args["i_ext"] = np.ascontiguousarray(np.asarray(i_ext, dtype=np.float64))
        except (TypeError, ValueError, OverflowError) as exc:
            raise SimulationInputError(f"i_ext: expected real numbers ({exc})") from None
    return args


def check_precision(network: SimNetwork, precision: str) -> str:
    """``precision`` if it is one of :data:`PRECISIONS` and the network's model supports it.

    Raises:
        SimulationInputError: naming ``precision`` and the valid choices.
    """
    if not isinstance(precision, str) or precision not in PRECISIONS:
        raise SimulationInputError(f"precision: expected one of {list(PRECISIONS)}, got {precision!r}")
    if precision == "single" and network.model in STEPPED_MODELS:
        raise SimulationInputError(f"precision: 'single' is available for the models if, lif and cuba_lif "
                                   f"only, not {network.model!r} (use 'double')")
    return precision


def core_arguments(
    network: SimNetwork,
    n_steps: int,
    dt: float,
    *,
    v0: ArrayLike | None = None,
    i0: ArrayLike | None = None,
    ext_spikes: tuple[ArrayLike, ArrayLike, ArrayLike] | None = None,
    i_ext: ArrayLike | None = None,
    precision: Precision = "double",
) -> dict[str, Any]:
    """All arguments of ``snnas._core.simulate``: :func:`network_arguments`, :func:`run_arguments` and
    the precision."""
    args = network_arguments(network, dt)
    n = args["v_th"].shape[0]
    args.update(run_arguments(n, n_steps, v0=v0, i0=i0, ext_spikes=ext_spikes, i_ext=i_ext))
    args["precision"] = check_precision(network, precision)
    return args


def result_from(raw: dict[str, Any], dt: float) -> SimulationResult:
    """Wrap the dict returned by ``_core.simulate`` (or the reference) into a :class:`SimulationResult`."""
    return SimulationResult(
        spike_steps=raw["spike_step"], spike_ids=raw["spike_id"], v=raw["v"], i_syn=raw["i_syn"],
        synaptic_events=int(raw["synaptic_events"]), external_events=int(raw["external_events"]),
        neuron_updates=int(raw["neuron_updates"]), spikes=int(raw["spikes"]), dt=float(dt),
        hidden=dict(raw.get("hidden", {})),
        probes={key: raw[f"{key}_probe"] for key in ("v", "i_syn") if f"{key}_probe" in raw})


class Simulator:
    """A network checked and prepared once in the compiled core, then run any number of times.

    Preparing costs time proportional to the synapses; each :meth:`run` then costs time proportional to
    the spikes, synaptic events and active neurons. The prepared network is immutable, so runs may also
    proceed from several threads (the core releases the GIL).

    Args:
        network: neurons and synapses.
        dt: time step [s].
        precision: ``"double"`` or ``"single"`` (IF, LIF, CUBA-LIF; see the module docstring).

    Raises:
        SimulationInputError: any malformed field of ``network`` or a bad precision, naming it.
    """

    def __init__(self, network: SimNetwork, dt: float = 1e-3, precision: Precision = "double") -> None:
        self.dt = float(dt)
        self.precision = check_precision(network, precision)
        self._prepared = codes.core().prepare(**network_arguments(network, dt), precision=precision)

    @property
    def num_neurons(self) -> int:
        """Number of neurons."""
        return int(self._prepared.num_neurons)

    @property
    def num_synapses(self) -> int:
        """Number of synapses."""
        return int(self._prepared.num_synapses)

    def run(
        self,
        n_steps: int,
        *,
        v0: ArrayLike | None = None,
        i0: ArrayLike | None = None,
        ext_spikes: tuple[ArrayLike, ArrayLike, ArrayLike] | None = None,
        i_ext: ArrayLike | None = None,
    ) -> SimulationResult:
        """Run ``n_steps`` steps; the arguments are those of :func:`simulate`."""
        args = run_arguments(self.num_neurons, n_steps, v0=v0, i0=i0, ext_spikes=ext_spikes, i_ext=i_ext)
        return result_from(self._prepared.run(**args), self.dt)

    def run_batch(self, raster: ArrayLike, inputs: tuple[ArrayLike, ArrayLike, ArrayLike, ArrayLike], *,
                  v0: ArrayLike | None = None, i_ext: ArrayLike | None = None,
                  threads: int | None = None) -> dict[str, np.ndarray]:
        """Run a batch of input samples, each from ``v0`` (rest) under ``i_ext``, on ``threads`` threads
        (None: :func:`snnas.threads.cpu_budget`), in one call; every run is the one :meth:`run` makes with
        the sample's spikes expanded into external events (in the order of their spikes).

        Args:
            raster: ``(samples, n_steps, inputs)`` whole spike counts ``>= 0`` (:func:`snnas.sim.raster.batch_raster`).
            inputs: the input synapses as CSR rows per input, ``(ptr, target, weight, delay)``: a count c
                of input i at step t adds ``c * weight[j]`` [V] to neuron ``target[j]`` at step
                ``t + delay[j]`` (dropped at or after ``n_steps``), ``j`` in ``ptr[i] .. ptr[i+1]-1``.

        Returns:
            ``spike_ptr`` (samples + 1; sample s's spikes are ``spike_ptr[s]:spike_ptr[s+1]``),
            ``spike_step`` (within the sample), ``spike_id``, and per sample ``synaptic_events``,
            ``external_events``, ``neuron_updates``.
        """
        from snnas.sim.raster import batch_raster
        from snnas.threads import check_threads

        ptr, target, weight, delay = inputs
        in_ptr = int_array("in_ptr", ptr, np.int64)
        x = batch_raster(raster, max(in_ptr.size - 1, 0))
        n_steps = int(x.shape[1])
        base = run_arguments(self.num_neurons, n_steps, v0=v0, i_ext=i_ext)
        out = self._prepared.run_batch(
            n_steps=n_steps, v0=base["v0"], i0=base["i0"], i_ext=base["i_ext"], in_ptr=in_ptr,
            in_target=int_array("in_target", target, np.int32), in_weight=float_array("in_weight", weight, None),
            in_delay=int_array("in_delay", delay, np.int32), raster=x, threads=check_threads(threads))
        return dict(out)


def simulate(
    network: SimNetwork,
    n_steps: int,
    dt: float = 1e-3,
    *,
    v0: ArrayLike | None = None,
    i0: ArrayLike | None = None,
    ext_spikes: tuple[ArrayLike, ArrayLike, ArrayLike] | None = None,
    i_ext: ArrayLike | None = None,
    precision: Precision = "double",
    backend: str = "engine",
) -> SimulationResult:
    """Run ``network`` for ``n_steps`` steps of ``dt`` seconds in the compiled event-driven engine.

    Args:
        network: neurons and synapses.
        n_steps: number of steps, ``>= 0``.
        dt: time step [s].
        v0: initial membrane potential [V] (scalar or ``(n,)``), default 0 (Izhikevich and Hodgkin-Huxley
            neurons are usually started near rest, e.g. -0.065).
        i0: initial synaptic current [V] (CUBA-LIF), default 0.
        ext_spikes: ``(steps, ids, weights)``: event ``k`` adds ``weights[k]`` [V] to neuron ``ids[k]`` in
            the delivery phase of step ``steps[k]``, like a synapse of delay 0.
        i_ext: external drive ``R*I`` [V]: ``(n,)`` constant per neuron, or ``(n_steps, n)`` per step;
            neurons with nonzero drive are evaluated every step.
        precision: ``"double"`` (default) or ``"single"`` (IF, LIF and CUBA-LIF: float32 parameters,
            weights, input and state; the result's arrays are float64 holding float32 values).
        backend: ``"engine"`` (compiled C++, default) or ``"numba"`` (the reference; see
            :mod:`snnas.sim.backends`).

    Returns:
        The spikes, the final state and the event counters.

    Raises:
        SimulationInputError: any malformed argument, naming it.
    """
    from snnas.sim.backends import backend as find_backend

    run = find_backend(backend).run  # an unknown name is refused before any work
    args = core_arguments(network, n_steps, dt, v0=v0, i0=i0, ext_spikes=ext_spikes, i_ext=i_ext,
                          precision=precision)
    return result_from(run(args), dt)


def simulate_reference(network: SimNetwork, n_steps: int, dt: float = 1e-3, **kwargs: Any) -> SimulationResult:
    """:func:`simulate` in the numba reference (``backend="numba"``): same arguments, same result, the input
    checked by the engine's own validator first."""
    return simulate(network, n_steps, dt, backend="numba", **kwargs)
