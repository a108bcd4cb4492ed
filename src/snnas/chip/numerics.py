"""The ``numerics`` section of a chip file: the integer rule by which the chip updates each neuron model.

One entry per neuron model the chip implements (``numerics: {cuba_lif: {...}, lif: {...}}``); a chip whose
rule is not public leaves the section ``null``, and its chip accuracy is then that of the *generic* fixed
point rule (``snnas.sim.fixed``), labelled so. Each entry says:

- ``integration``: ``summed`` (the step's input summed exactly, then added) or ``per_event`` (each event added
  in arrival order and tested on its own, as ODIN's event-driven logic; ``order`` then does not apply);
- ``order``: the phases of a step, ``decay_input_threshold_reset`` (Loihi, sinabs: the input of a step is
  added after the decay, before the threshold test) or ``decay_threshold_input_reset`` (the generic rule);
- ``decay_rounding``: how a state x loses the fraction d/2^b of itself per step (b = ``decay_bits``):
  ``keep_toward_zero`` (x <- trunc(x (2^b - d) / 2^b), Loihi), ``loss_floor`` (x <- x - floor(x d / 2^b)), or
  ``closed_form_nearest`` (LIF only: the exact solution for the step's input a held over the step,
  v <- a - rnd((2^b - d)(a - v) / 2^b) rounded half up, as sPyNNaker's s16.15 LIF; an input then moves v by
  d/2^b of itself, which the quantiser folds into the weights);
- ``decay_bits`` and the offsets: the chip's decay factors are fractions of 2^b and its registers hold
  b-bit integers r, the factor applied being d = r + offset (Loihi's current: d_s = du + 1, so d_s = 4096 is
  reachable; SpiNNaker's exp(-dt/tau) has 15 fractional bits);
- ``threshold_test``: ``>`` or ``>=``; ``reset``: ``value`` (v <- reset_value) or ``subtract`` (v <- v - k v_th);
  ``refractory``: ``hold`` (v held, input lost, for ``t_ref`` steps) or ``none`` (the chip has no period);
- ``spikes_per_step``: the k spikes a neuron emits in one step, k = min(spikes_per_step, floor(v / v_th))
  (1: a single spike; DYNAP-CNN/Speck emits several, as sinabs' ``MultiSpike``);
- ``lower_bound``: the floor of v after the reset (``none``; ``value``: ``lower_bound_value`` for every neuron;
  ``per_neuron``: a register the mapping sets, as sinabs' ``min_v_mem`` or TrueNorth's negative threshold in
  saturate mode);
- ``membrane``, ``current``: each state variable's width and overflow (``saturate``, ``saturate_symmetric``,
  ``wrap`` into (-2^(m-1), 2^(m-1)] as Lava's u, or ``wrap_twos_complement`` as a CPU's m-bit integer); a
  model whose chip compartment has a current variable (Loihi's u) names it even for LIF, which the chip then
  runs with the current's decay at 2^12 (the current holds one step's input);
- ``weight``, ``threshold``, ``bias``: how each is encoded (:class:`Encoding`): a mantissa of
  ``mantissa_bits`` bits times 2^(e + shift), e a shared exponent in [exponent_min, exponent_max].

Every non-null field needs a provenance entry (``numerics.cuba_lif`` covers one entry's fields). The
choices of ``order``, ``decay_rounding``, ``threshold_test`` and the overflows are the core's
(``cpp/codes.hpp``); a test checks that these Literal types list exactly the core's tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, Literal

from snnas.chip.fields import spec

__all__ = ["ORDERS", "DecayRounding", "Encoding", "Integration", "NeuronNumerics", "Order", "Overflow",
           "StateVariable", "ThresholdTest", "numerics_leaves"]

Order = Literal["decay_threshold_input_reset", "decay_input_threshold_reset"]
ORDERS: tuple[str, ...] = ("decay_threshold_input_reset", "decay_input_threshold_reset")
DecayRounding = Literal["loss_floor", "keep_toward_zero", "closed_form_nearest"]
ThresholdTest = Literal[">=", ">"]
Overflow = Literal["saturate", "saturate_symmetric", "wrap", "wrap_twos_complement"]
Integration = Literal["summed", "per_event"]
Signedness = Literal[
    "signed",  # two's complement: [-2^(b-1), 2^(b-1) - 1]
    "unsigned",  # [0, 2^b - 1]
    "per_projection",  # Loihi's sign mode: a projection of one sign keeps b bits of magnitude, [0, 2^b - 1]
    # (or its negative); a mixed-sign projection spends one on the sign: 2 x [-2^(b-1), 2^(b-1) - 1]
    "per_source",  # ODIN: b bits of magnitude, [-(2^b - 1), 2^b - 1], the sign set per presynaptic neuron
    "sign_magnitude",  # SpiNNaker: b bits of magnitude, [-(2^b - 1), 2^b - 1], the sign set per synapse (its type)
]
Scope = Literal["none", "per_neuron", "per_projection"]


@dataclass(frozen=True)
class StateVariable:
    """Width and overflow of one integer state variable."""

    bits: int = spec("bit", "width of the state variable", 2, 48, default=24)
    overflow: Overflow = spec("", "what a result outside the range becomes", default="saturate")


@dataclass(frozen=True)
class Encoding:
    """A quantity held as m · 2^(e + shift) in state units: m a ``mantissa_bits``-bit integer, e an exponent in
    [exponent_min, exponent_max] shared as ``exponent_scope`` says (``none``: e = 0)."""

    mantissa_bits: int = spec("bit", "bits of the mantissa m", 1, 48, default=8)
    signed: Signedness = spec("", "the mantissa's range", default="signed")
    exponent_min: int = spec("", "smallest shared exponent e", -32, 32, default=0)
    exponent_max: int = spec("", "largest shared exponent e", -32, 32, default=0)
    exponent_scope: Scope = spec("", "what shares one exponent", default="none")
    shift: int = spec("bit", "fixed left shift into the state's units (Loihi: 6 for weights and thresholds)",
                       0, 32, default=0)

    def mantissa_range(self, mixed_sign: bool = True) -> tuple[int, int, int]:
        """(lowest, highest, step) of the mantissa; ``mixed_sign``: the values being encoded have both signs
        (only ``per_projection`` cares: a one-sign projection keeps every bit for the magnitude)."""
        b = self.mantissa_bits
        if self.signed == "unsigned":
            return 0, 2**b - 1, 1
        if self.signed == "signed":
            return -(2 ** (b - 1)), 2 ** (b - 1) - 1, 1
        if self.signed in ("per_source", "sign_magnitude"):
            return -(2**b - 1), 2**b - 1, 1
        if mixed_sign:
            return -(2**b), 2**b - 2, 2
        return -(2**b - 1), 2**b - 1, 1


@dataclass(frozen=True)
class NeuronNumerics:
    """The integer rule of one neuron model on one chip (module docstring)."""

    order: Order = spec("", "order of the phases of a step", default="decay_threshold_input_reset")
    integration: Integration = spec("", "a step's input summed then added, or each event added and tested on its "
                                    "own (event-driven logic)", default="summed")
    decay_rounding: DecayRounding = spec("", "rounding of a state's decay", default="loss_floor")
    decay_bits: int = spec("bit", "decay factors are fractions of 2^decay_bits, held in registers this wide",
                            1, 16, default=12)
    decay_m_offset: int = spec("", "added to the membrane's decay register (d_m = dv + offset)", 0, 1,
                                default=0)
    decay_s_offset: int = spec("", "added to the current's decay register (Loihi: d_s = du + 1)", 0, 1,
                                default=0)
    threshold_test: ThresholdTest = spec("", "comparison of v with the threshold", default=">=")
    reset: Literal["value", "subtract"] = spec("", "what a spike does to v", default="value")
    reset_value: int | None = spec("", "v after a spike (reset 'value'), in state units")
    refractory: Literal["hold", "none"] = spec("", "refractory period: v held for t_ref steps, or none",
                                                default="hold")
    spikes_per_step: int = spec("", "most spikes one neuron emits in one step (k = floor(v / v_th) up to it; "
                                "sinabs' MultiSpike on DYNAP-CNN)", 1, 65535, default=1)
    lower_bound: Literal["none", "value", "per_neuron"] = spec(
        "", "floor of v after the reset: none, one value for the chip, or a per-neuron register",
        default="none")
    lower_bound_value: int | None = spec("", "the floor of v (lower_bound 'value'), in state units")
    membrane: StateVariable = field(default_factory=StateVariable)
    current: StateVariable | None = spec("", "the synaptic current variable (CUBA compartments)")
    weight: Encoding = field(default_factory=Encoding)
    threshold: Encoding = field(default_factory=Encoding)
    bias: Encoding | None = spec("", "the constant current added to v each step; null: the chip has none")


def numerics_leaves(value: Any, prefix: str) -> list[tuple[str, Any]]:
    """``(dotted path, value)`` of every leaf of a numerics entry (nested encodings and state variables
    descended into; null leaves included)."""
    if not is_dataclass(value) or isinstance(value, type):
        return [(prefix, value)]
    out: list[tuple[str, Any]] = []
    for f in fields(value):
        out += numerics_leaves(getattr(value, f.name), f"{prefix}.{f.name}")
    return out
