"""Neuron-model parameters: one frozen dataclass per model, equations in the docstrings.

Continuous-time parameters follow NIR's conventions (time constants in seconds, potentials in volts,
``r`` the input resistance that scales synaptic input), so a network moves to and from NIR without loss.
:meth:`discretize` turns them into the per-neuron, per-step quantities every simulator of snnas uses.
A parameter is a scalar (shared by the population) or an array with one entry per neuron.

The time step shared by all simulators (see ``cpp/neurons.hpp``): at step n, (1) update every neuron's
state, (2) the neurons with v >= v_th spike, (3) spikes of step n - D are delivered through synapses of
delay D (a delivered spike adds its weight to v, or to the synaptic current of a current-based model),
(4) the neurons that spiked are reset.
"""

from __future__ import annotations

import abc
import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
from numpy.typing import NDArray

from snnas.errors import NetworkError

__all__ = [
    "AdaptiveLIFParameters",
    "CubaLIFParameters",
    "CubaLIParameters",
    "DiscreteNeurons",
    "IFParameters",
    "LIFParameters",
    "LIParameters",
    "NeuronParameters",
    "Reset",
]

Param = float | NDArray[np.float64]
Reset = Literal["value", "subtract"]


def _as_param(value: Any, name: str, owner: str) -> Param:
    """A finite float, or a finite 1-D float64 array (read-only, so the dataclass stays immutable)."""
    if isinstance(value, (bool, np.bool_)):
        raise NetworkError(f"{owner}.{name}: expected a number or an array of numbers, got {value!r}")
    if np.isscalar(value):
        try:
            out = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise NetworkError(f"{owner}.{name}: expected a number, got {value!r}") from None
        if not np.isfinite(out):
            raise NetworkError(f"{owner}.{name}: expected a finite number, got {out}")
        return out
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise NetworkError(f"{owner}.{name}: expected a number or a 1-D array of numbers") from None
    if arr.ndim == 0:
        return _as_param(arr.item(), name, owner)
    if arr.ndim != 1 or arr.size == 0:
        raise NetworkError(f"{owner}.{name}: expected a 1-D array with one entry per neuron, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise NetworkError(f"{owner}.{name}: contains NaN or infinity at index {int(np.argmin(np.isfinite(arr)))}")
    arr.setflags(write=False)
    return arr


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return bool(np.shape(a) == np.shape(b) and np.array_equal(a, b))
    return bool(a == b)


@dataclass(frozen=True)
class DiscreteNeurons:
    """Per-neuron quantities of one step of length dt, as the simulators take them.

    Attributes:
        model: ``"if"``, ``"lif"``, ``"cuba_lif"``, ``"li"`` or ``"cuba_li"``.
        v_th: threshold [V]; a neuron spikes when v >= v_th (``inf`` for non-spiking LI).
        v_reset: value v takes after a spike with reset ``"value"`` [V].
        v_rest: resting (leak) potential [V].
        alpha_m: membrane decay per step, exp(-dt/tau_m) (1 for IF).
        alpha_s: synaptic-current decay per step, exp(-dt/tau_syn) (0 for non-current-based models).
        t_ref: refractory period [steps].
        input_gain: factor turning a weight of the network into the jump it causes, r * dt / tau
            (NIR's continuous-time input, integrated over one step; 1 when the model has no such scale).
        reset: ``"value"`` or ``"subtract"``.
    """

    model: str
    v_th: NDArray[np.float64]
    v_reset: NDArray[np.float64]
    v_rest: NDArray[np.float64]
    alpha_m: NDArray[np.float64]
    alpha_s: NDArray[np.float64]
    t_ref: NDArray[np.int32]
    input_gain: NDArray[np.float64]
    reset: Reset


class NeuronParameters(abc.ABC):
    """Base of the parameter classes: validation, per-neuron broadcasting, array-aware equality."""

    model: ClassVar[str]
    # Set by @dataclass on every subclass; declared so that dataclasses.fields() accepts the base type.
    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]
    _positive: ClassVar[tuple[str, ...]] = ()
    _nonnegative: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        owner = type(self).__name__
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "reset":
                if value not in ("value", "subtract"):
                    raise NetworkError(f"{owner}.reset: expected 'value' or 'subtract', got {value!r}")
                continue
            param = _as_param(value, f.name, owner)
            if f.name in self._positive and np.any(np.asarray(param) <= 0):
                raise NetworkError(f"{owner}.{f.name}: expected > 0 (a time constant in seconds), got {value!r}")
            if f.name in self._nonnegative and np.any(np.asarray(param) < 0):
                raise NetworkError(f"{owner}.{f.name}: expected >= 0, got {value!r}")
            object.__setattr__(self, f.name, param)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(_equal(getattr(self, f.name), getattr(other, f.name))
                   for f in dataclasses.fields(self))

    __hash__ = None  # type: ignore[assignment]

    def check_size(self, size: int, where: str) -> None:
        """Raise if a per-neuron array does not have ``size`` entries."""
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray) and value.shape != (size,):
                raise NetworkError(f"{where}: neuron parameter {f.name} has {value.shape[0]} entries; the "
                                   f"population has {size} neurons")

    def to_dict(self) -> dict[str, Any]:
        """Plain mapping (arrays as lists), with the model name under ``"model"``."""
        out: dict[str, Any] = {"model": self.model}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            out[f.name] = v.tolist() if isinstance(v, np.ndarray) else v
        return out

    @staticmethod
    def from_dict(data: dict[str, Any]) -> NeuronParameters:
        """Inverse of :meth:`to_dict`."""
        data = dict(data)
        model = data.pop("model", None)
        cls = _REGISTRY.get(model)
        if cls is None:
            raise NetworkError(f"neuron model {model!r} unknown; expected one of {', '.join(_REGISTRY)}")
        names = {f.name for f in dataclasses.fields(cls)}
        extra = set(data) - names
        if extra:
            raise NetworkError(f"{cls.__name__}: unknown parameters {sorted(extra)}; expected {sorted(names)}")
        return cls(**data)

    @abc.abstractmethod
    def discretize(self, dt: float, size: int) -> DiscreteNeurons:
        """Per-neuron step quantities for a step of ``dt`` seconds."""

    def resistance(self, size: int) -> NDArray[np.float64]:
        """The input resistance r per neuron, ``(size,)``: a constant input (bias) b drives the potential by r·b."""
        return self._full("r", size)

    def _full(self, name: str, size: int) -> NDArray[np.float64]:
        # np.copy, not .copy(): numpy's stubs type ndarray.copy() as Self, which mypy resolves to Any here.
        return np.copy(np.broadcast_to(np.asarray(getattr(self, name), dtype=np.float64), (size,)))


def _refractory_steps(t_ref: NDArray[np.float64], dt: float) -> NDArray[np.int32]:
    return np.rint(t_ref / dt).astype(np.int32)


@dataclass(frozen=True, eq=False)
class IFParameters(NeuronParameters):
    """Integrate-and-fire: no leak. NIR ``IF``: dv/dt = R·I; spike when v >= v_th, then reset.

    Discrete step: v[n] = v[n-1] + (delivered weights) · r; reset to v_reset or by subtracting v_th.
    """

    model: ClassVar[str] = "if"
    _nonnegative: ClassVar[tuple[str, ...]] = ("t_ref",)

    v_th: Param = 1.0  # V
    v_reset: Param = 0.0  # V
    r: Param = 1.0  # input resistance: a delivered weight w moves v by r·w
    t_ref: Param = 0.0  # s
    reset: Reset = "value"

    def discretize(self, dt: float, size: int) -> DiscreteNeurons:
        return DiscreteNeurons("if", self._full("v_th", size), self._full("v_reset", size), np.zeros(size),
                               np.ones(size), np.zeros(size), _refractory_steps(self._full("t_ref", size), dt),
                               self._full("r", size), self.reset)


@dataclass(frozen=True, eq=False)
class LIFParameters(NeuronParameters):
    """Leaky integrate-and-fire. NIR ``LIF``: tau_m·dv/dt = (v_leak - v) + R·I.

    Discrete step (exact for constant input I over the step, Brian2's 'exact' method):
    v[n] = u + (v[n-1] - u)·exp(-dt/tau_m) with u = v_leak + R·I. A spike is a unit pulse lasting one
    step, so a delivered weight w adds w·r·dt/tau_m, which is ``input_gain`` (with snnTorch's NIR export,
    tau_m = dt/(1-beta) and r = tau_m/dt, this is exactly w, as in snnTorch's own update).
    """

    model: ClassVar[str] = "lif"
    _positive: ClassVar[tuple[str, ...]] = ("tau_m",)
    _nonnegative: ClassVar[tuple[str, ...]] = ("t_ref",)

    tau_m: Param = 20e-3  # s
    v_th: Param = 1.0  # V
    v_leak: Param = 0.0  # V
    v_reset: Param = 0.0  # V
    r: Param = 1.0
    t_ref: Param = 0.0  # s
    reset: Reset = "value"

    def discretize(self, dt: float, size: int) -> DiscreteNeurons:
        tau = self._full("tau_m", size)
        return DiscreteNeurons("lif", self._full("v_th", size), self._full("v_reset", size),
                               self._full("v_leak", size), np.exp(-dt / tau), np.zeros(size),
                               _refractory_steps(self._full("t_ref", size), dt), self._full("r", size) * dt / tau,
                               self.reset)


@dataclass(frozen=True, eq=False)
class CubaLIFParameters(NeuronParameters):
    """Current-based LIF. NIR ``CubaLIF``: tau_syn·dI/dt = -I + w_in·S; tau_m·dv/dt = (v_leak - v) + R·I.

    The simulator keeps the current as the drive it exerts, d = R·I [V] (the potential v would settle
    at above v_leak). Discrete step: d[n] = d[n-1]·exp(-dt/tau_syn) + (delivered weights)·input_gain;
    u = v_leak + d[n]; v[n] = u + (v[n-1] - u)·exp(-dt/tau_m). A spike is a unit pulse lasting one step,
    so a weight w moves I by w·w_in·dt/tau_syn and the drive by ``input_gain`` = r·w_in·dt/tau_syn
    (this reproduces snnTorch's Synaptic neuron exported through NIR exactly).
    """

    model: ClassVar[str] = "cuba_lif"
    _positive: ClassVar[tuple[str, ...]] = ("tau_m", "tau_syn")
    _nonnegative: ClassVar[tuple[str, ...]] = ("t_ref",)

    tau_m: Param = 20e-3  # s
    tau_syn: Param = 5e-3  # s
    v_th: Param = 1.0  # V
    v_leak: Param = 0.0  # V
    v_reset: Param = 0.0  # V
    r: Param = 1.0
    w_in: Param = 1.0
    t_ref: Param = 0.0  # s
    reset: Reset = "value"

    def discretize(self, dt: float, size: int) -> DiscreteNeurons:
        tau_m, tau_s = self._full("tau_m", size), self._full("tau_syn", size)
        return DiscreteNeurons("cuba_lif", self._full("v_th", size), self._full("v_reset", size),
                               self._full("v_leak", size), np.exp(-dt / tau_m), np.exp(-dt / tau_s),
                               _refractory_steps(self._full("t_ref", size), dt),
                               self._full("r", size) * self._full("w_in", size) * dt / tau_s, self.reset)


@dataclass(frozen=True, eq=False)
class LIParameters(NeuronParameters):
    """Leaky integrator without spikes (a readout). NIR ``LI``: tau·dv/dt = (v_leak - v) + R·I."""

    model: ClassVar[str] = "li"
    _positive: ClassVar[tuple[str, ...]] = ("tau_m",)

    tau_m: Param = 20e-3  # s
    v_leak: Param = 0.0  # V
    r: Param = 1.0

    def discretize(self, dt: float, size: int) -> DiscreteNeurons:
        tau = self._full("tau_m", size)
        v_leak = self._full("v_leak", size)
        return DiscreteNeurons("li", np.full(size, np.inf), v_leak.copy(), v_leak, np.exp(-dt / tau),
                               np.zeros(size), np.zeros(size, np.int32), self._full("r", size) * dt / tau,
                               "value")


@dataclass(frozen=True, eq=False)
class CubaLIParameters(NeuronParameters):
    """Current-based leaky integrator without spikes (a readout). NIR ``CubaLI``:
    tau_syn·dI/dt = -I + w_in·S; tau_m·dv/dt = (v_leak - v) + R·I.

    Discrete step: CUBA-LIF's (:class:`CubaLIFParameters`) with no threshold.
    """

    model: ClassVar[str] = "cuba_li"
    _positive: ClassVar[tuple[str, ...]] = ("tau_m", "tau_syn")

    tau_m: Param = 20e-3  # s
    tau_syn: Param = 5e-3  # s
    v_leak: Param = 0.0  # V
    r: Param = 1.0
    w_in: Param = 1.0

    def discretize(self, dt: float, size: int) -> DiscreteNeurons:
        tau_m, tau_s = self._full("tau_m", size), self._full("tau_syn", size)
        v_leak = self._full("v_leak", size)
        return DiscreteNeurons("cuba_li", np.full(size, np.inf), v_leak.copy(), v_leak, np.exp(-dt / tau_m),
                               np.exp(-dt / tau_s), np.zeros(size, np.int32),
                               self._full("r", size) * self._full("w_in", size) * dt / tau_s, "value")


@dataclass(frozen=True, eq=False)
class AdaptiveLIFParameters(NeuronParameters):
    """LIF with an adaptive threshold v_th + θ: θ decays with tau_adapt and rises by beta at each spike.

    Discrete step (the engine's, ``cpp/neurons.hpp``): θ ← θ·exp(-dt/tau_adapt); v relaxes as LIF; spike
    when v >= v_th + θ; reset v ← v_reset (or v - (v_th + θ)); then θ ← θ + beta. θ = 0 at the start.
    NIR has no adaptive neuron, so such a population cannot be written to NIR.
    """

    model: ClassVar[str] = "adaptive_lif"
    _positive: ClassVar[tuple[str, ...]] = ("tau_m", "tau_adapt")
    _nonnegative: ClassVar[tuple[str, ...]] = ("t_ref", "beta")

    tau_m: Param = 20e-3  # s
    v_th: Param = 1.0  # V
    v_leak: Param = 0.0  # V
    v_reset: Param = 0.0  # V
    r: Param = 1.0
    tau_adapt: Param = 100e-3  # s
    beta: Param = 0.1  # V per spike
    t_ref: Param = 0.0  # s
    reset: Reset = "value"

    def discretize(self, dt: float, size: int) -> DiscreteNeurons:
        tau = self._full("tau_m", size)
        return DiscreteNeurons("adaptive_lif", self._full("v_th", size), self._full("v_reset", size),
                               self._full("v_leak", size), np.exp(-dt / tau), np.zeros(size),
                               _refractory_steps(self._full("t_ref", size), dt), self._full("r", size) * dt / tau,
                               self.reset)


_REGISTRY: dict[str, type[NeuronParameters]] = {
    cls.model: cls for cls in (IFParameters, LIFParameters, CubaLIFParameters, LIParameters, CubaLIParameters,
                               AdaptiveLIFParameters)
}
