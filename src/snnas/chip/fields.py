"""The one way a chip schema field is declared: a dataclass field carrying its unit, description and range,
which the converter (:mod:`snnas.chip.convert`), the CLI tables and the template read."""

from __future__ import annotations

from dataclasses import field
from typing import Any

__all__ = ["spec"]


def spec(
    unit: str = "",
    doc: str = "",
    lo: float | None = None,
    hi: float | None = None,
    default: Any = None,
) -> Any:
    """A dataclass field with its schema metadata: unit, description and allowed range [lo, hi]."""
    return field(default=default, metadata={"unit": unit, "doc": doc, "lo": lo, "hi": hi})
