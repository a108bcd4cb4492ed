"""Cross-field rules of a chip description, checked after every field has the right type and range.

Each rule is a small function ``(chip, ctx) -> None`` that records problems; :func:`check_rules` runs
them all so a file's problems are reported together.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable, Iterator
from typing import Any

from snnas.chip.convert import Context, hints
from snnas.chip.numerics import Encoding, NeuronNumerics, StateVariable, numerics_leaves
from snnas.chip.schema import ChipFields, CoreLimits, NeuronModel

__all__ = ["FIGURE_SECTIONS", "check_rules", "figure_paths"]

# Sections whose non-null leaves are figures that need a provenance entry.
FIGURE_SECTIONS = ("physical", "topology", "execution", "core", "precision", "neuron_models", "numerics",
                   "connectivity", "energy", "latency", "power")


def figure_paths(chip: ChipFields, *, with_null: bool = False) -> Iterator[tuple[str, Any]]:
    """Yield ``(dotted_path, value)`` for every figure leaf (per-core lists collapse to one path)."""
    for section in FIGURE_SECTIONS:
        value = getattr(chip, section)
        if section == "execution":
            for f in dataclasses.fields(value):
                if f.name != "model":  # the model is the file's choice; its timing figures are sourced
                    v = getattr(value, f.name)
                    if v is not None or with_null:
                        yield f"execution.{f.name}", v
            continue
        if section == "numerics":  # one entry per neuron model, every leaf its own figure
            for model, entry in value or ():
                for path, leaf in numerics_leaves(entry, f"numerics.{model}"):
                    if leaf is not None or with_null:
                        yield path, leaf
            continue
        if section == "core" and isinstance(value, tuple):
            for f in dataclasses.fields(CoreLimits):
                vals = [getattr(c, f.name) for c in value]
                if any(v is not None for v in vals) or with_null:
                    yield f"core.{f.name}", vals
            continue
        if dataclasses.is_dataclass(value):
            for f in dataclasses.fields(value):
                v = getattr(value, f.name)
                if v is not None or with_null:
                    yield f"{section}.{f.name}", v
        elif value is not None or with_null:
            yield section, value


def _prefixes(path: str, root: str) -> list[str]:
    """``numerics.lif.weight.shift`` -> it and ``numerics.lif.weight`` (prefixes longer than ``root``)."""
    parts = path.split(".")
    return [".".join(parts[:n]) for n in range(len(root.split(".")) + 1, len(parts) + 1)]


def _known_paths() -> set[str]:
    """Every path a provenance entry may name."""
    tps = hints(ChipFields)
    paths = {*FIGURE_SECTIONS, "precision.weight_bits", "precision.weight_bits.min", "precision.weight_bits.max",
             "precision.weight_bits.allowed"}
    full = NeuronNumerics(current=StateVariable(), bias=Encoding())  # every optional part present
    for model in typing.get_args(NeuronModel):
        entry = f"numerics.{model}"
        paths |= {entry} | {p for leaf, _ in numerics_leaves(full, entry) for p in _prefixes(leaf, entry)}
    for section in FIGURE_SECTIONS:
        if section not in ("neuron_models", "numerics"):
            cls = CoreLimits if section == "core" else tps[section]
            paths |= {f"{section}.{f.name}" for f in dataclasses.fields(cls)}
    return paths


_KNOWN = _known_paths()


def _names_a_figure(chip: ChipFields, path: str, given: set[str]) -> bool:
    """Whether a provenance entry at ``path`` covers a non-null figure (``given``: the paths of those): the
    figure itself, one inside it (``numerics.lif`` of ``numerics.lif.weight.shift``), or a part of one
    (``precision.weight_bits.min``). A whole-section entry is the default for whatever its section gives,
    so it always does."""
    if "." not in path or any(f == path or f.startswith(path + ".") for f in given):
        return True
    if not any(path.startswith(f + ".") for f in given):
        return False
    value: Any = chip
    for part in path.split("."):
        value = getattr(value, part, None)
    return value is not None


def _provenance(chip: ChipFields, ctx: Context) -> None:
    table = dict(chip.provenance)
    sources = dict(chip.sources)
    given = {p for p, _ in figure_paths(chip)} | {"execution.model"}
    for path, entry in chip.provenance:
        if path not in _KNOWN:
            ctx.add(("provenance", path), "names no field of the schema (expected a dotted path such as "
                    "'core.max_neurons')")
        elif entry.basis != "unknown" and not _names_a_figure(chip, path, given):
            ctx.add(("provenance", path), f"sources a figure that is null or absent in this file: restore "
                    f"{path}, remove the entry, or give basis 'unknown' to record why it is null")
        if entry.source not in sources:
            ctx.add(("provenance", path, "source"), f"cites a source key that 'sources' does not define "
                    f"(defined: {', '.join(sources) or 'none'})", value=entry.source)
        if not entry.locator.strip():
            ctx.add(("provenance", path, "locator"), "empty locator; expected a page, table, file or commit")
    cited = {e.source for _, e in chip.provenance}
    for key, citation in chip.sources:
        if key not in cited:
            ctx.add(("sources", key), "source is never cited by a provenance entry")
        if not citation.strip():
            ctx.add(("sources", key), "empty citation; expected the full reference")
    for path, _value in figure_paths(chip):
        found = chip.provenance_of(path)
        if found is None:
            raw = tuple(path.split("."))
            ctx.add(raw, "figure has no provenance: add an entry under 'provenance' naming its source, "
                    "locator and basis")
        elif found.basis == "unknown":
            ctx.add(("provenance", path if path in table else found.source, "basis"),
                    f"basis 'unknown' is for null figures, but {path} has a value")


def _identity(chip: ChipFields, ctx: Context) -> None:
    stem = ctx.source.rsplit("/", 1)[-1].rsplit(".", 1)[0] if ctx.source.endswith((".yaml", ".yml")) else None
    if not chip.id or not chip.id.replace("_", "").isalnum() or chip.id != chip.id.lower():
        ctx.add(("id",), "expected a lowercase identifier of letters, digits and '_'", value=chip.id)
    elif stem is not None and stem != chip.id and stem != "template":
        ctx.add(("id",), f"must equal the file name stem {stem!r}", value=chip.id)
    if not chip.name.strip():
        ctx.add(("name",), "empty; expected the chip's display name")
    if not chip.vendor.strip():
        ctx.add(("vendor",), "empty; expected the maker's name")


def _topology(chip: ChipFields, ctx: Context) -> None:
    t = chip.topology
    if t.mesh is not None:
        if len(t.mesh) != 2:
            ctx.add(("topology", "mesh"), "expected [x, y]: two tile counts", value=list(t.mesh))
        else:
            slots = t.mesh[0] * t.mesh[1] * (t.cores_per_tile or 1)
            if slots < t.cores:
                ctx.add(("topology", "mesh"), f"mesh {t.mesh[0]}x{t.mesh[1]} with {t.cores_per_tile or 1} "
                        f"core(s) per tile holds {slots} cores, fewer than topology.cores = {t.cores}",
                        value=list(t.mesh))
    if t.noc == "none" and (chip.energy.e_hop_x is not None or chip.latency.t_hop_x is not None):
        ctx.add(("topology", "noc"), "is 'none' but hop energy or latency figures are given")
    if t.mesh is not None and t.noc in ("none", "crossbar"):
        ctx.add(("topology", "mesh"), f"a mesh shape is given but noc is {t.noc!r}")


def _cores(chip: ChipFields, ctx: Context) -> None:
    if isinstance(chip.core, tuple):
        if len(chip.core) != chip.topology.cores:
            ctx.add(("core",), f"per-core list has {len(chip.core)} entries; topology.cores is "
                    f"{chip.topology.cores} (one entry per core expected)")
        cores: list[tuple[int | None, CoreLimits]] = list(enumerate(chip.core))
    else:
        cores = [(None, chip.core)]
    for i, c in cores:
        base: tuple[Any, ...] = ("core",) if i is None else ("core", i)
        if c.allowed_strides is not None and len(set(c.allowed_strides)) != len(c.allowed_strides):
            ctx.add((*base, "allowed_strides"), "repeats a value", value=list(c.allowed_strides))
        if c.allowed_pool_sizes is not None and len(set(c.allowed_pool_sizes)) != len(c.allowed_pool_sizes):
            ctx.add((*base, "allowed_pool_sizes"), "repeats a value", value=list(c.allowed_pool_sizes))
        if (c.max_input_side is not None and c.max_output_side is not None
                and c.max_output_side > c.max_input_side):
            ctx.add((*base, "max_output_side"), f"exceeds max_input_side = {c.max_input_side}",
                    value=c.max_output_side)
        if (c.max_dest_cores_per_neuron is not None and c.max_dest_cores is not None
                and c.max_dest_cores_per_neuron > c.max_dest_cores):
            ctx.add((*base, "max_dest_cores_per_neuron"),
                    f"exceeds the core's own limit max_dest_cores = {c.max_dest_cores}",
                    value=c.max_dest_cores_per_neuron)
        if c.max_dest_cores is not None and c.max_dest_cores > chip.topology.cores and chip.topology.max_chips in (
                None, 1):
            ctx.add((*base, "max_dest_cores"), f"exceeds the chip's {chip.topology.cores} cores",
                    value=c.max_dest_cores)


def _precision(chip: ChipFields, ctx: Context) -> None:
    p = chip.precision
    wb = p.weight_bits
    if wb is not None:
        if wb.min > wb.max:
            ctx.add(("precision", "weight_bits", "min"), f"min bits above max bits ({wb.max})", value=wb.min)
        if wb.allowed is not None:
            bad = [b for b in wb.allowed if not wb.min <= b <= wb.max]
            if bad:
                ctx.add(("precision", "weight_bits", "allowed"),
                        f"widths {bad} lie outside [min, max] = [{wb.min}, {wb.max}]", value=list(wb.allowed))
            if list(wb.allowed) != sorted(set(wb.allowed)):
                ctx.add(("precision", "weight_bits", "allowed"), "expected strictly increasing widths",
                        value=list(wb.allowed))
    if p.delay_bits is not None and p.max_delay_steps is not None and p.max_delay_steps > (1 << p.delay_bits) - 1:
        ctx.add(("precision", "max_delay_steps"), f"does not fit in delay_bits = {p.delay_bits} "
                f"(at most {(1 << p.delay_bits) - 1})", value=p.max_delay_steps)
    if chip.neuron_models is not None and len(set(chip.neuron_models)) != len(chip.neuron_models):
        ctx.add(("neuron_models",), "repeats a model", value=list(chip.neuron_models))


def _execution(chip: ChipFields, ctx: Context) -> None:
    e = chip.execution
    if e.model == "global_tick" and e.timestep_s is None:
        # A software time step (SpiNNaker) is the user's setting, so it may be unknown; a hardware tick is not.
        ctx.add(("execution", "timestep_s"), "model 'global_tick' runs on a fixed hardware tick: timestep_s "
                "is required")
    if e.model == "async_event":
        for name in ("timestep_s", "barrier_latency_s", "cycles_per_step"):
            if getattr(e, name) is not None:
                ctx.add(("execution", name), "an 'async_event' chip has no time step; expected null",
                        value=getattr(e, name) if name != "barrier_latency_s" else dict(e.barrier_latency_s or ()))
    if e.barrier_latency_s is not None:
        if e.model != "timestep_barrier":
            ctx.add(("execution", "barrier_latency_s"), f"only a 'timestep_barrier' chip has a barrier, "
                    f"this one is {e.model!r}")
        tiles = [k for k, _ in e.barrier_latency_s]
        if tiles != sorted(set(tiles)):
            ctx.add(("execution", "barrier_latency_s"), "expected tile counts in increasing order", value=tiles)
    if e.cycles_per_step is not None and e.clock_hz is None:
        ctx.add(("execution", "cycles_per_step"), "given without execution.clock_hz to turn cycles into time")


def _pairs(chip: ChipFields, ctx: Context) -> None:
    """Idle neuron updates cannot cost more than active ones."""
    for section, active, idle in (("energy", "e_neuron_update_active", "e_neuron_update_idle"),
                                  ("latency", "t_neuron_update_active", "t_neuron_update_idle")):
        obj = getattr(chip, section)
        a, i = getattr(obj, active), getattr(obj, idle)
        if a is not None and i is not None and i > a:
            ctx.add((section, idle), f"idle update costs more than an active one ({active} = {a:g})", value=i)


# The neuron models the fixed-point engine runs (cpp/codes.hpp FIXED_MODELS; tests/chip checks the two agree).
FIXED_POINT_MODELS = ("if", "lif", "cuba_lif")
# The widest state plus decay_bits the core's products allow (cpp/codes.hpp kMaxStateDecayBits; tests/chip checks).
MAX_STATE_DECAY_BITS = 62


def _numerics(chip: ChipFields, ctx: Context) -> None:
    """Each entry names a model of the chip that snnas runs in fixed point, and is complete for it."""
    if chip.numerics is None:
        return
    seen: set[str] = set()
    for model, entry in chip.numerics:
        at: tuple[Any, ...] = ("numerics", model)
        if model in seen:
            ctx.add(at, "given twice")
        seen.add(model)
        if model not in FIXED_POINT_MODELS:
            ctx.add(at, f"snnas runs fixed point for {', '.join(FIXED_POINT_MODELS)} only")
        if chip.neuron_models is not None and model not in chip.neuron_models:
            ctx.add(at, f"not among the chip's neuron_models ({', '.join(chip.neuron_models)})")
        if model == "cuba_lif" and entry.current is None:
            ctx.add((*at, "current"), "a CUBA-LIF compartment has a current variable: give its bits and overflow")
        if entry.integration == "per_event" and model not in ("if", "lif"):
            ctx.add((*at, "integration"), "per_event applies to IF and LIF neurons", value=entry.integration)
        if entry.decay_rounding == "closed_form_nearest" and (model != "lif" or entry.integration != "summed"):
            ctx.add((*at, "decay_rounding"), "closed_form_nearest applies to LIF neurons with integration 'summed'",
                    value=entry.decay_rounding)
        widest = max(entry.membrane.bits, entry.current.bits if entry.current is not None else 0)
        if widest + entry.decay_bits > MAX_STATE_DECAY_BITS:
            ctx.add((*at, "decay_bits"), f"with a {widest}-bit state the core's decay products need "
                    f"state bits + decay_bits <= {MAX_STATE_DECAY_BITS}", value=entry.decay_bits)
        # A value of v the rule needs (the reset value, the floor): given when its mode asks, within the membrane.
        half = 1 << (entry.membrane.bits - 1)
        for mode, wants, name, what in (("reset", "value", "reset_value", "the value v takes after a spike"),
                                        ("lower_bound", "value", "lower_bound_value", "the floor of v")):
            value = getattr(entry, name)
            if getattr(entry, mode) == wants and value is None:
                ctx.add((*at, name), f"{mode} '{wants}' needs {what}")
            if value is not None and not -half <= value < half:
                ctx.add((*at, name), f"outside the {entry.membrane.bits}-bit membrane", value=value)
        for name in ("weight", "threshold", "bias"):
            code = getattr(entry, name)
            if code is None:
                continue
            if code.exponent_min > code.exponent_max:
                ctx.add((*at, name, "exponent_min"), f"above exponent_max ({code.exponent_max})",
                        value=code.exponent_min)
            if code.exponent_scope == "none" and (code.exponent_min, code.exponent_max) != (0, 0):
                ctx.add((*at, name, "exponent_scope"), "is 'none' but an exponent range is given "
                        f"([{code.exponent_min}, {code.exponent_max}]); name what shares the exponent")
            if code.mantissa_bits + code.shift + max(code.exponent_max, 0) > entry.membrane.bits + 1:
                ctx.add((*at, name, "mantissa_bits"), f"{name} values of {code.mantissa_bits} + {code.shift} + "
                        f"{code.exponent_max} bits do not fit the {entry.membrane.bits}-bit membrane",
                        value=code.mantissa_bits)


RULES: tuple[Callable[[ChipFields, Context], None], ...] = (_identity, _topology, _cores, _precision, _execution,
                                                      _pairs, _numerics, _provenance)


def check_rules(chip: ChipFields, ctx: Context) -> None:
    """Run every cross-field rule, recording problems in ``ctx``."""
    for rule in RULES:
        rule(chip, ctx)
