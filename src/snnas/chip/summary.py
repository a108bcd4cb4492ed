"""Read-outs of a chip for people: formatted figures, key-figure rows, how much of a chip is known."""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

from snnas.chip.convert import hints
from snnas.chip.model import Chip
from snnas.chip.numerics import NeuronNumerics
from snnas.chip.rules import figure_paths
from snnas.chip.schema import CoreLimits

__all__ = ["KEY_FIGURES", "field_meta", "format_value", "key_figures", "known_fraction"]

_PREFIXES = ((1e-15, "f"), (1e-12, "p"), (1e-9, "n"), (1e-6, "µ"), (1e-3, "m"), (1.0, ""), (1e3, "k"),
             (1e6, "M"), (1e9, "G"))


def format_value(value: Any, unit: str = "") -> str:
    """Human form of a figure: SI prefixes for J, s, W, Hz, V; ``unknown`` for null."""
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(v, tuple) and len(v) == 2 for v in value):  # a {key: value} table
            return ", ".join(f"{k}: {format_value(v, unit)}" for k, v in value)
        if value and all(not isinstance(v, (int, float)) or isinstance(v, bool) for v in value):
            return ", ".join(format_value(v) for v in value)
        return "[" + ", ".join(format_value(v) for v in value) + "]" + (f" {unit}" if unit else "")
    if dataclasses.is_dataclass(value):
        parts = [f"{f.name}={format_value(getattr(value, f.name))}" for f in dataclasses.fields(value)
                 if getattr(value, f.name) is not None]
        return ", ".join(parts)
    if isinstance(value, float) and unit in ("J", "s", "W", "Hz", "V", "1/s"):
        if value == 0:
            return f"0 {unit}"
        for scale, prefix in reversed(_PREFIXES):
            if abs(value) >= scale * 0.9999:
                return f"{value / scale:.4g} {prefix}{unit}"
        return f"{value:.3g} {unit}"
    if isinstance(value, int):
        return f"{value:,}" + (f" {unit}" if unit and unit not in ("count",) else "")
    return f"{value}" + (f" {unit}" if unit else "")


def field_meta(path: str) -> dict[str, Any]:
    """Schema metadata (unit, doc, range) of a dotted figure path such as ``energy.e_syn_op``."""
    section, _, name = path.partition(".")
    if section == "numerics" and name.count("."):  # numerics.<model>.<field>[.<subfield>]
        cls: Any = NeuronNumerics
        meta: dict[str, Any] = {}
        for part in name.split(".")[1:]:
            f = {f.name: f for f in dataclasses.fields(cls)}[part]
            meta = dict(f.metadata)
            cls = hints(cls)[part]
            cls = next((a for a in typing.get_args(cls) if dataclasses.is_dataclass(a)), cls)
        return meta
    if not name:
        f = {f.name: f for f in dataclasses.fields(Chip)}[section]
        return dict(f.metadata)
    cls = CoreLimits if section == "core" else hints(Chip)[section]
    return dict({f.name: f for f in dataclasses.fields(cls)}[name].metadata)


def known_fraction(chip: Chip) -> float:
    """Share of the schema's figures that this chip file gives (non-null), in [0, 1]."""
    rows = list(figure_paths(chip, with_null=True))
    known = sum(1 for _, v in rows if v is not None and not (isinstance(v, list) and all(x is None for x in v)))
    return known / len(rows) if rows else 0.0


def _per_core(chip: Chip, name: str) -> Any:
    if isinstance(chip.core, tuple):
        vals = [getattr(c, name) for c in chip.core]
        known = [v for v in vals if v is not None]
        if not known:
            return None
        return known[0] if len(set(known)) == 1 else (min(known), max(known))
    return getattr(chip.core, name)


def _weight_bits(chip: Chip) -> str | None:
    wb = chip.precision.weight_bits
    if wb is None:
        return None
    if wb.allowed is not None:
        return "{" + ",".join(str(b) for b in wb.allowed) + "}"
    return str(wb.min) if wb.min == wb.max else f"{wb.min}-{wb.max}"


# (label, unit, getter): the figures a user compares first.
KEY_FIGURES: tuple[tuple[str, str, Any], ...] = (
    ("vendor", "", lambda c: c.vendor),
    ("kind", "", lambda c: c.kind),
    ("execution", "", lambda c: c.execution.model),
    ("cores", "", lambda c: c.topology.cores),
    ("neurons/core", "", lambda c: _per_core(c, "max_neurons")),
    ("axons in/core", "", lambda c: _per_core(c, "max_axons_in")),
    ("synapse mem/core", "bit", lambda c: _per_core(c, "synapse_memory_bits")),
    ("fan-in/neuron", "", lambda c: _per_core(c, "max_fanin_per_neuron")),
    ("weight bits", "", _weight_bits),
    ("membrane bits", "", lambda c: c.precision.membrane_bits),
    ("time step", "s", lambda c: c.execution.timestep_s),
    ("E synaptic op", "J", lambda c: c.energy.e_syn_op),
    ("E neuron update", "J", lambda c: c.energy.e_neuron_update_active),
    ("E hop (x)", "J", lambda c: c.energy.e_hop_x),
    ("E per syn. event (chip avg)", "J", lambda c: c.energy.e_total_per_syn_event),
    ("t synaptic op", "s", lambda c: c.latency.t_syn_op),
    ("static power", "W", lambda c: c.power.p_static_w),
    ("figures known", "", lambda c: f"{100 * known_fraction(c):.0f}%"),
)


def key_figures(chip: Chip) -> list[tuple[str, Any, str]]:
    """``(label, raw value, formatted value)`` for each of :data:`KEY_FIGURES`."""
    out = []
    for label, unit, get in KEY_FIGURES:
        raw = get(chip)
        if isinstance(raw, tuple):
            text = f"{format_value(raw[0], unit)} to {format_value(raw[1], unit)}"
        else:
            text = raw if isinstance(raw, str) else format_value(raw, unit)
        out.append((label, raw, text))
    return out
