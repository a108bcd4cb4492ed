"""Mapping <-> dataclass (a chip's sections), driven by the dataclasses' type hints and field metadata.

One generic converter reads every section: the type hint says what shape a value must have, the field
metadata says its range. Problems are collected, never raised one by one, so a user sees everything
wrong with a file at once. The inverse, :func:`to_plain`, writes every field (``null`` included) in
schema order, so ``from_dict(to_dict(chip)) == chip`` exactly.

Shape rules: a dataclass is a YAML mapping; ``tuple[X, ...]`` is a list; ``tuple[tuple[K, V], ...]`` is a
mapping from K to V (kept in file order); ``A | B`` tries the branch whose shape matches.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import types
import typing
from functools import cache
from typing import Any, Literal, Union

from snnas.errors import ChipSpecProblem

__all__ = ["BAD", "REQUIRED", "Context", "convert", "convert_dataclass", "hints", "to_plain"]

BAD = object()  # marks a value that failed conversion (its problem is already recorded)

# Fields a file must spell out; everything else defaults to null (unknown).
REQUIRED: frozenset[str] = frozenset(
    {"schema_version", "id", "name", "vendor", "kind", "topology", "topology.cores", "execution",
     "execution.model", "precision.weight_bits.min", "precision.weight_bits.max",
     "provenance.*.source", "provenance.*.locator", "provenance.*.basis"}
)


class Context:
    """Where problems go, and where lines come from."""

    def __init__(self, source: str = "<dict>", lines: dict[tuple[Any, ...], int] | None = None) -> None:
        self.source = source
        self.lines = lines or {}
        self.problems: list[ChipSpecProblem] = []

    def line_of(self, raw: tuple[Any, ...]) -> int | None:
        for n in range(len(raw), -1, -1):
            if raw[:n] in self.lines:
                return self.lines[raw[:n]]
        return None

    def add(self, raw: tuple[Any, ...], message: str, *, value: Any = BAD) -> None:
        self.problems.append(
            ChipSpecProblem(
                field=show_path(raw), message=message, source=self.source, line=self.line_of(raw),
                value=None if value is BAD else value, has_value=value is not BAD,
            )
        )


def show_path(raw: tuple[Any, ...]) -> str:
    """``("core", 3, "max_neurons")`` -> ``core[3].max_neurons``; free-form keys in brackets."""
    out = ""
    for i, part in enumerate(raw):
        if isinstance(part, int) or (i > 0 and raw[0] in ("provenance", "sources") and i == 1) or (
            len(raw) > 2 and raw[1] == "barrier_latency_s" and i == 2
        ):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _schema_key(raw: tuple[Any, ...]) -> str:
    """Path as used in REQUIRED: indices dropped, free-form mapping keys as '*'."""
    parts: list[str] = []
    for i, part in enumerate(raw):
        if isinstance(part, int):
            continue
        parts.append("*" if (i == 1 and raw[0] in ("provenance", "sources")) else str(part))
    return ".".join(parts)


@cache
def hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (Union, types.UnionType)


def _kind(tp: Any) -> str:
    """Short name of the shape a type expects, for messages."""
    if dataclasses.is_dataclass(tp):
        return "a mapping"
    origin = typing.get_origin(tp)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(tp))
    if origin is tuple:
        args = typing.get_args(tp)
        if args and typing.get_origin(args[0]) is tuple:
            return "a mapping"
        return f"a list of {_kind(args[0])}s" if not dataclasses.is_dataclass(args[0]) else "a list of mappings"
    if _is_union(tp):
        return " or ".join(_kind(a) for a in typing.get_args(tp) if a is not type(None))
    return {int: "an integer", float: "a number", bool: "true or false", str: "a string"}.get(tp, str(tp))


def _range_text(meta: typing.Mapping[str, Any]) -> str:
    lo, hi, unit = meta.get("lo"), meta.get("hi"), meta.get("unit", "")
    unit_s = f" {unit}" if unit else ""
    if lo is not None and hi is not None:
        return f"in [{lo:g}, {hi:g}]{unit_s}"
    if lo is not None:
        return f">= {lo:g}{unit_s}"
    return f"<= {hi:g}{unit_s}"


def _check_range(value: float, meta: typing.Mapping[str, Any], raw: tuple[Any, ...], ctx: Context) -> bool:
    lo, hi = meta.get("lo"), meta.get("hi")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        hint = ""
        unit = meta.get("unit", "")
        if hi is not None and value > hi and unit in ("J", "s", "W"):
            hint = f"; figures are in SI units ({unit}), e.g. 23.6 pJ is 23.6e-12"
        ctx.add(raw, f"out of range: expected a value {_range_text(meta)}{hint}", value=value)
        return False
    return True


def convert(value: Any, tp: Any, raw: tuple[Any, ...], ctx: Context, meta: typing.Mapping[str, Any]) -> Any:
    """Convert ``value`` to type ``tp`` or record why not (returns BAD)."""
    if _is_union(tp):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            if len(args) < len(typing.get_args(tp)):
                return None
            ctx.add(raw, f"must not be null; expected {_kind(tp)}")
            return BAD
        if len(args) == 1:
            return convert(value, args[0], raw, ctx, meta)
        # Pick the branch whose container shape matches (mapping vs list).
        for arg in args:
            wants_list = typing.get_origin(arg) is tuple and not (
                typing.get_args(arg) and typing.get_origin(typing.get_args(arg)[0]) is tuple
            )
            if wants_list == isinstance(value, list):
                return convert(value, arg, raw, ctx, meta)
        ctx.add(raw, f"wrong type: expected {_kind(tp)}", value=value)
        return BAD
    if value is None:
        ctx.add(raw, f"must not be null; expected {_kind(tp)}")
        return BAD
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return convert_dataclass(value, tp, raw, ctx)
    origin = typing.get_origin(tp)
    if origin is Literal:
        choices = typing.get_args(tp)
        if isinstance(value, str) and value in choices:
            return value
        close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1)
        did = f" (did you mean {close[0]!r}?)" if close else ""
        ctx.add(raw, f"unknown value: expected one of {', '.join(map(str, choices))}{did}", value=value)
        return BAD
    if origin is tuple:
        (item_tp, _ellipsis) = typing.get_args(tp)
        if typing.get_origin(item_tp) is tuple:
            return _convert_table(value, item_tp, raw, ctx, meta)
        if not isinstance(value, list):
            ctx.add(raw, f"wrong type: expected {_kind(tp)}", value=value)
            return BAD
        items = [convert(v, item_tp, (*raw, i), ctx, meta) for i, v in enumerate(value)]
        return BAD if any(i is BAD for i in items) else tuple(items)
    if tp is bool:
        if isinstance(value, bool):
            return value
        ctx.add(raw, "wrong type: expected true or false", value=value)
        return BAD
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value if _check_range(value, meta, raw, ctx) else BAD
        ctx.add(raw, "wrong type: expected an integer", value=value)
        return BAD
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if not math.isfinite(value):
                ctx.add(raw, "not a finite number; write null for an unknown figure", value=value)
                return BAD
            return float(value) if _check_range(float(value), meta, raw, ctx) else BAD
        ctx.add(raw, "wrong type: expected a number" + (
            " (write exponents as 1.0e-9 or 1e-9, without spaces or units)" if isinstance(value, str) else ""
        ), value=value)
        return BAD
    if tp is str:
        if isinstance(value, str):
            return value
        ctx.add(raw, "wrong type: expected a string", value=value)
        return BAD
    raise TypeError(f"schema type {tp!r} has no converter")  # a bug in the schema, not in the input


def _convert_table(value: Any, pair_tp: Any, raw: tuple[Any, ...], ctx: Context,
                   meta: typing.Mapping[str, Any]) -> Any:
    """A YAML mapping read into a tuple of (key, value) pairs, in file order."""
    if not isinstance(value, dict):
        ctx.add(raw, "wrong type: expected a mapping", value=value)
        return BAD
    key_tp, val_tp = typing.get_args(pair_tp)
    key_meta = {"lo": 1} if key_tp is int else {}
    out = []
    for k, v in value.items():
        key = convert(k, key_tp, (*raw, k), ctx, key_meta)
        val = convert(v, val_tp, (*raw, k), ctx, meta)
        out.append((key, val))
    if any(k is BAD or v is BAD for k, v in out):
        return BAD
    return tuple(out)


def convert_dataclass(value: Any, cls: type, raw: tuple[Any, ...], ctx: Context) -> Any:
    if not isinstance(value, dict):
        ctx.add(raw, f"wrong type: expected a mapping of {cls.__name__} fields", value=value)
        return BAD
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for key in value:
        if key not in fields:
            close = difflib.get_close_matches(str(key), list(fields), n=1)
            did = f"; did you mean {close[0]!r}?" if close else ""
            ctx.add((*raw, key), f"unknown key{did} (valid keys: {', '.join(fields)})")
    kwargs: dict[str, Any] = {}
    failed = False
    tps = hints(cls)
    for name, f in fields.items():
        path = (*raw, name)
        if name not in value:
            if _schema_key(path) in REQUIRED:
                ctx.add(path, f"missing required field; expected {_kind(tps[name])}")
                failed = True
            continue
        converted = convert(value[name], tps[name], path, ctx, f.metadata)
        if converted is BAD:
            failed = True
        else:
            kwargs[name] = converted
    return BAD if failed else cls(**kwargs)


def to_plain(value: Any, tp: Any) -> Any:
    if value is None:
        return None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        tps = hints(type(value))
        return {f.name: to_plain(getattr(value, f.name), tps[f.name]) for f in dataclasses.fields(value)}
    if isinstance(value, tuple):
        if _is_union(tp):
            tp = next(a for a in typing.get_args(tp) if typing.get_origin(a) is tuple)
        item_tp = typing.get_args(tp)[0]
        if typing.get_origin(item_tp) is tuple:
            _, val_tp = typing.get_args(item_tp)
            return {k: to_plain(v, val_tp) for k, v in value}
        return [to_plain(v, item_tp) for v in value]
    return value
