"""The :class:`Chip`: its schema (:mod:`snnas.chip.schema`) with reading from and writing to plain data.

Reading validates in two passes, collecting every problem before raising: each field's shape, type and
range (:mod:`snnas.chip.convert`, driven by the schema's type hints and field metadata), then the
cross-field rules (:mod:`snnas.chip.rules`).
"""

from __future__ import annotations

from typing import Any

from snnas.chip.convert import Context, convert_dataclass, to_plain
from snnas.chip.rules import check_rules
from snnas.chip.schema import ChipFields
from snnas.errors import ChipSpecError

__all__ = ["Chip", "chip_from_dict", "chip_to_dict"]


class Chip(ChipFields):
    """One neuromorphic chip, as loaded from ``hw_targets/<id>.yaml`` (every field: :class:`ChipFields`).

    ``core`` is one :class:`~snnas.chip.schema.CoreLimits` for a homogeneous chip, or a tuple with one entry
    per core for a heterogeneous one (DYNAP-CNN); use :meth:`core_limits` to read core *i* either way.
    """

    def to_dict(self) -> dict[str, Any]:
        """Plain mapping in the YAML layout; ``Chip.from_dict(c.to_dict()) == c`` exactly."""
        return chip_to_dict(self)

    @classmethod
    def from_dict(cls, data: Any, source: str = "<dict>") -> Chip:
        """Validate ``data`` and build the chip; raises ChipSpecError listing every problem."""
        return chip_from_dict(data, source=source)


def chip_from_dict(data: Any, source: str = "<dict>", lines: dict[tuple[Any, ...], int] | None = None) -> Chip:
    """Validate a mapping (shape, types, ranges, then cross-field rules) and build the Chip."""
    ctx = Context(source, lines)
    if not isinstance(data, dict):
        ctx.add((), f"the document must be a mapping of chip sections, not {type(data).__name__}")
        raise ChipSpecError(ctx.problems)
    version = data.get("schema_version")
    if version is not None and version != 1 and isinstance(version, int) and not isinstance(version, bool):
        ctx.add(("schema_version",), "unsupported schema version: this snnas reads version 1", value=version)
        raise ChipSpecError(ctx.problems)
    chip = convert_dataclass(data, Chip, (), ctx)
    if isinstance(chip, Chip):  # else BAD, and ctx has the problems
        check_rules(chip, ctx)
    if ctx.problems or not isinstance(chip, Chip):
        raise ChipSpecError(ctx.problems)
    return chip


def chip_to_dict(chip: Chip) -> dict[str, Any]:
    """Every field, in schema order, as plain Python data (dict, list, str, int, float, bool, None)."""
    plain: dict[str, Any] = to_plain(chip, Chip)
    return plain
