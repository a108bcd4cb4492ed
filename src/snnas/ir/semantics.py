"""Source semantics: the discrete-time conventions of the framework a network was made in.

A NIR file holds continuous-time parameters and no step rule, yet snnTorch, Norse, Rockpool and sinabs each
run their neurons by their own float32 rule. :class:`Semantics` names that rule field by field, so that
:func:`snnas.sim.layered.simulate_semantics` can run an imported network as its framework did, and reproduce
its spikes exactly. The rules, with file:line in each framework's source, are in
``tests/data/frameworks/README.md``; they are summarised at each field and preset below.

One step t of a population, with I_t its summed input of step t (spike counts or input values times the
weights, plus the biases; layer k+1 sees layer k's spikes of the same step), ``f_m``/``f_s`` the per-step
factors of :attr:`Semantics.decay`, ``g`` the input gain of :attr:`Semantics.r_convention`:

1. current (CubaLIF only), by :attr:`Semantics.current`; the membrane's drive ``d`` is the current (CubaLIF)
   or ``g·I_t`` (LIF, IF, LI);
2. membrane, by :attr:`Semantics.decay`;
3. threshold test (:attr:`Semantics.threshold`), spike count (:attr:`Semantics.spikes`);
4. reset (:attr:`Semantics.reset`), then the lower bound (:attr:`Semantics.v_min`).

With ``order="test_first"`` (snnas' own engine, Brian2's schedule) the input enters after the test instead.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from snnas.errors import SnnasError

__all__ = ["SEMANTICS", "Semantics", "SemanticsError", "SemanticsWarning"]

Decay = Literal["exact", "exp", "euler", "euler_step"]
Current = Literal["decay_add", "add_decay", "add_use_decay"]
Order = Literal["input_first", "test_first"]
Threshold = Literal[">", ">="]
Spikes = Literal["single", "multi"]
Reset = Literal["value", "subtract", "delayed_subtract", "delayed_value", "neuron"]
VInit = Literal["zero", "v_leak"]
Tau = Literal["seconds", "dt_scaled"]
RConvention = Literal["nir", "snntorch", "one", "rockpool"]
VLeak = Literal["potential", "bias"]

# The largest spike count per neuron and step the simulator represents (Rockpool clamps at 2**16).
MAX_SPIKES = 2**30


class SemanticsError(SnnasError, ValueError):
    """A :class:`Semantics` field has a value outside its choices, or an unknown preset was named."""


class SemanticsWarning(UserWarning):
    """A network's parameters do not look like what the semantics' exporter writes (e.g. a Norse file
    read without Norse's tau fix, a Rockpool file whose r implies another dt), or the export lost a
    parameter the semantics needs."""


@dataclass(frozen=True)
class Semantics:
    """A framework's discrete-time step rule (equations in the module docstring and at each field).

    Attributes:
        name: a label (the preset's name).
        decay: the membrane update and its per-step factor, for tau the membrane (or synaptic) time constant
            and dt :attr:`dt`:

            * ``"exact"`` (snnas, Brian2's exact method): f = exp(-dt/tau) (float64, rounded to float32);
              v <- u + (v - u)·f with u = v_leak (+ the current for CubaLIF), then the input jump g·I_t.
            * ``"exp"`` (Rockpool ``LIFTorch``, lif_torch.py:697-701): f = exp(-dt/tau) of the float32 ratio;
              v <- (f·v + d) + leak.
            * ``"euler"`` (snnTorch ``Leaky``/``Synaptic``, leaky.py:238-247): f = clamp(1 - dt/tau, 0, 1)
              in float32 (snnTorch's beta); v <- (f·v + d) + leak.
            * ``"euler_step"`` (Norse, lif.py:337-341, lif_box.py:95-96, leaky_integrator_box.py:82-92):
              f = dt·(1/tau) in float32 (Norse's ``dt*tau_mem_inv``); CubaLIF and LI:
              v <- v + f·((v_leak - v) + d); LIF (LIFBoxCell): v <- v + f·((d + v_leak) - v); IF: v <- v + d.

            IF has no decay (f = 1): v <- v + d (sinabs ``IAF``, lif.py:30).
        current: how a CubaLIF's current i takes its input (f_s its decay factor, as for ``decay``):

            * ``"decay_add"`` (snnTorch ``Synaptic``, synaptic.py:266-269): i <- f_s·i + g·I_t; v sees the new i.
            * ``"add_decay"`` (Rockpool, lif_torch.py:687-698): i <- (i + g·I_t)·f_s; v sees the new i.
            * ``"add_use_decay"`` (Norse ``LIFCell``, lif.py:335-341): i <- i + g·I_t; v sees it; then
              i <- i + f_s·i with f_s = -dt/tau_syn (Euler).
        order: ``"input_first"`` (every framework: step t's input enters v before step t's threshold test)
            or ``"test_first"`` (snnas' engine, Brian2's schedule: update, test, then the input, then reset).
        threshold: ``">"`` (snnTorch ``mem - thr > 0``, neurons.py:73-85; Norse ``v - v_th > 0``) or
            ``">="`` (Rockpool ``v >= thr``; sinabs ``v - thr >= 0``; snnas).
        spikes: ``"single"`` (0/1) or ``"multi"``: floor(v/v_th) spikes when the test passes, at most
            :attr:`max_spikes` (Rockpool StepPWL lif_torch.py:704-707; sinabs MultiSpike
            spike_generation.py:39-41, trunc = floor there). Layers downstream see count × weight.
        max_spikes: the cap of ``"multi"`` (Rockpool: 2**16), at most 2**30.
        reset: after a spike:

            * ``"value"``: v <- v_reset in the same step (Norse reset_value, reset.py:13-19; sinabs
              MembraneReset); the input of that step is lost.
            * ``"subtract"``: v <- v - s·v_th in the same step, s the spike count (Rockpool :709; sinabs
              MembraneSubtract).
            * ``"delayed_subtract"`` (snnTorch ``reset_mechanism="subtract"``, the default with
              ``reset_delay=True``): v_th is subtracted at the next step's update, not decayed:
              v_{t+1} = (f·v_t + d) - v_th (leaky.py:242-243, synaptic.py:276-279).
            * ``"delayed_value"`` (snnTorch ``reset_mechanism="zero"``; v_reset = 0 in its files): at the
              next step's update a LIF starts from v_reset and keeps that step's input,
              v_{t+1} = f·v_reset + d (leaky.py:245-247); a CubaLIF's new v is replaced by v_reset, so
              that step's input is lost (synaptic.py:281-286).
            * ``"neuron"``: each population's own ``reset`` field (``"value"`` or ``"subtract"``; snnas).

            The delayed resets keep the pre-reset v as the state (what snnTorch records as ``mem``).
        v_min: lower bound of v after the reset, as sinabs evaluates it, v <- relu(v - v_min) + v_min
            (lif.py:41-44; a float expression, not max): ``None`` (no bound), a number [V], or ``"-v_th"``
            (v_min = -v_th per neuron, what sinabs' own importer sets, nir.py:86-92).
        v_init: the state at the start: ``"zero"``, or ``"v_leak"`` (Norse, module/lif.py:90-100).
            The current starts at 0.
        tau: what a time constant in the file means: ``"seconds"``, or ``"dt_scaled"`` (Norse's to_nir
            writes tau = dt/tau_mem_inv, dt × the true tau, export_nir.py:27-47: the true tau is tau/dt).
        dt: the step [s] the rule integrates over and the file's parameters assume (snnTorch's exporter
            hard-codes 1e-4, export_nir.py:68; Norse's to_nir defaults to 1e-3); ``None``: the network's dt.
        r_convention: what the file's ``r`` (and CubaLIF's ``w_in``) are, hence the input gain g:

            * ``"nir"``: an input resistance (snnas): g = r·dt/tau (LIF, LI), r·w_in·dt/tau_syn (CubaLIF),
              r (IF).
            * ``"snntorch"``: r = tau/dt, w_in = tau_syn/dt (export_nir.py:67-117), which make NIR's Euler
              step snnTorch's; g = 1.
            * ``"one"``: r = 1, w_in = 1 (Norse, sinabs); g = 1.
            * ``"rockpool"``: r = tau·exp(-dt/tau)/dt hides dt (rockpool nir.py:252-275); g = 1.

            Each but ``"nir"`` is checked against the file: a mismatch warns (:class:`SemanticsWarning`).
        v_leak: what a product-form decay (``"exp"``, ``"euler"``) does with v_leak: ``"potential"`` (the
            potential v relaxes to: leak = (1 - f)·v_leak per step) or ``"bias"`` (Rockpool's LIF bias,
            added to v unscaled every step; Rockpool's importer reads v_leak as the bias, nir.py:126-136).
    """

    name: str = "custom"
    decay: Decay = "exact"
    current: Current = "decay_add"
    order: Order = "input_first"
    threshold: Threshold = ">="
    spikes: Spikes = "single"
    max_spikes: int = 1
    reset: Reset = "value"
    v_min: float | Literal["-v_th"] | None = None
    v_init: VInit = "zero"
    tau: Tau = "seconds"
    dt: float | None = None
    r_convention: RConvention = "nir"
    v_leak: VLeak = "potential"

    _CHOICES: ClassVar[dict[str, tuple[str, ...]]] = {
        "decay": ("exact", "exp", "euler", "euler_step"),
        "current": ("decay_add", "add_decay", "add_use_decay"),
        "order": ("input_first", "test_first"),
        "threshold": (">", ">="),
        "spikes": ("single", "multi"),
        "reset": ("value", "subtract", "delayed_subtract", "delayed_value", "neuron"),
        "v_init": ("zero", "v_leak"),
        "tau": ("seconds", "dt_scaled"),
        "r_convention": ("nir", "snntorch", "one", "rockpool"),
        "v_leak": ("potential", "bias"),
    }

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise SemanticsError(f"Semantics.name: expected a string, got {self.name!r}")
        for field, choices in self._CHOICES.items():
            value = getattr(self, field)
            if value not in choices:
                raise SemanticsError(f"Semantics.{field}: expected one of {', '.join(map(repr, choices))}, "
                                     f"got {value!r}")
        if isinstance(self.max_spikes, bool) or not isinstance(self.max_spikes, int) \
                or not 1 <= self.max_spikes <= MAX_SPIKES:
            raise SemanticsError(f"Semantics.max_spikes: expected an integer in [1, 2**30], got {self.max_spikes!r}")
        if self.spikes == "single" and self.max_spikes != 1:
            raise SemanticsError(f"Semantics.max_spikes: {self.max_spikes} with spikes='single'; use spikes='multi'")
        if self.v_min is not None and self.v_min != "-v_th":
            if isinstance(self.v_min, bool) or not isinstance(self.v_min, (int, float)) \
                    or not float(self.v_min) == float(self.v_min) or abs(float(self.v_min)) == float("inf"):
                raise SemanticsError(f"Semantics.v_min: expected None, a finite number or '-v_th', got {self.v_min!r}")
            object.__setattr__(self, "v_min", float(self.v_min))
        if self.dt is not None:
            if isinstance(self.dt, bool) or not isinstance(self.dt, (int, float)) or not 0 < float(self.dt) < 1e3:
                raise SemanticsError(f"Semantics.dt: expected None or a positive number of seconds, got {self.dt!r}")
            object.__setattr__(self, "dt", float(self.dt))
        if self.order == "test_first":
            if self.reset.startswith("delayed"):
                raise SemanticsError(f"Semantics.reset: {self.reset!r} needs order='input_first' (snnTorch's rule)")
            if self.current != "decay_add":
                raise SemanticsError(f"Semantics.current: order='test_first' adds the input after the test, so "
                                     f"current must be 'decay_add', got {self.current!r}")

    @staticmethod
    def get(name: str | Semantics, **changes: Any) -> Semantics:
        """A preset of :data:`SEMANTICS` by name (or a Semantics itself), with fields changed, e.g.
        ``Semantics.get("sinabs", spikes="single", max_spikes=1, reset="value", v_min="-v_th")``.

        Raises:
            SemanticsError: an unknown preset (listing them), an unknown field or a bad value.
        """
        if isinstance(name, Semantics):
            base = name
        elif isinstance(name, str) and name in SEMANTICS:
            base = SEMANTICS[name]
        else:
            raise SemanticsError(f"semantics: expected one of {', '.join(map(repr, SEMANTICS))} or a Semantics, "
                                 f"got {name!r}")
        fields = {f.name for f in dataclasses.fields(Semantics)}
        unknown = sorted(set(changes) - fields)
        if unknown:
            raise SemanticsError(f"Semantics: unknown field(s) {unknown}; the fields are {sorted(fields)}")
        return dataclasses.replace(base, **changes) if changes else base


SEMANTICS: dict[str, Semantics] = {
    # snnTorch 1.0.0 Leaky/Synaptic with reset_delay=True (the default); its files do not say the reset kind:
    # "snntorch" is snnTorch's default reset_mechanism="subtract", "snntorch_zero" is reset_mechanism="zero".
    "snntorch": Semantics("snntorch", decay="euler", current="decay_add", threshold=">", reset="delayed_subtract",
                          dt=1e-4, r_convention="snntorch"),
    "snntorch_zero": Semantics("snntorch_zero", decay="euler", current="decay_add", threshold=">",
                               reset="delayed_value", dt=1e-4, r_convention="snntorch"),
    # Norse 1.1.0 LIFCell / LIFBoxCell / LIBoxCell at its default dt = 1e-3 (to_nir's dt too); v_reset is not
    # written (nir fills 0, Norse's default).
    "norse": Semantics("norse", decay="euler_step", current="add_use_decay", threshold=">", reset="value",
                       v_init="v_leak", tau="dt_scaled", dt=1e-3, r_convention="one"),
    # Rockpool 3.1.0 LIFTorch: always subtractive, multi-spike; dt is the network's (read_nir's dt argument).
    "rockpool": Semantics("rockpool", decay="exp", current="add_decay", threshold=">=", spikes="multi",
                          max_spikes=2**16, reset="subtract", r_convention="rockpool", v_leak="bias"),
    # sinabs 3.1.3 IAF defaults: MultiSpike, MembraneSubtract, min_v_mem None. SingleSpike / MembraneReset /
    # min_v_mem = -thr: Semantics.get("sinabs", spikes="single", max_spikes=1, reset="value", v_min="-v_th").
    "sinabs": Semantics("sinabs", decay="exact", threshold=">=", spikes="multi", max_spikes=MAX_SPIKES,
                        reset="subtract", r_convention="one"),
    # snnas' own engine: NIR's continuous-time reading, Brian2's schedule, each population's own reset. On
    # bias-free LIF/CubaLIF networks it gives the engine's spikes (tests/sim/test_layered_kernel.py); a bias
    # here is a per-step input, where the engine drives v towards v_rest + r·b.
    "snnas": Semantics("snnas", decay="exact", current="decay_add", order="test_first", threshold=">=",
                       reset="neuron", r_convention="nir"),
}
