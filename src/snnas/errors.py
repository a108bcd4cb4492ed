"""The one exception hierarchy of snnas.

Every error snnas raises on bad input is a subclass of :class:`SnnasError`, and its message names the
file, field or argument, the bad value and what was expected, so a user can fix the input without
reading snnas' source.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "ChipNotFoundError",
    "ChipSpecError",
    "ChipSpecProblem",
    "MetricInputError",
    "NIRError",
    "NetworkError",
    "SimulationInputError",
    "SnnasError",
    "StoreError",
    "StoreInUseError",
]


class SnnasError(Exception):
    """Root of every error snnas raises on purpose."""


def _show(value: Any, limit: int = 60) -> str:
    """Render a bad value for a message: short, on one line."""
    text = repr(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class ChipSpecProblem:
    """One problem found in a chip description.

    Attributes:
        field: dotted path of the faulty field, e.g. ``core.max_neurons`` or ``core[3].kernel_memory_entries``;
            ``""`` for the document as a whole.
        message: what is wrong and what was expected.
        source: the file (or ``"<dict>"`` when validating an in-memory mapping).
        line: 1-based line in ``source`` where the YAML gives one, else ``None``.
        value: the offending value, when there is one to show.
    """

    field: str
    message: str
    source: str = "<dict>"
    line: int | None = None
    value: Any = None
    has_value: bool = False

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        what = self.field or "<document>"
        got = f" (got {_show(self.value)})" if self.has_value else ""
        return f"{where}: {what}: {self.message}{got}"


class ChipSpecError(SnnasError):
    """A chip description is invalid. Carries *all* problems found in it, one per line of the message."""

    def __init__(self, problems: list[ChipSpecProblem]) -> None:
        if not problems:
            raise ValueError("ChipSpecError needs at least one problem")
        self.problems: tuple[ChipSpecProblem, ...] = tuple(problems)
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in chip description {self.problems[0].source}"
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in self.problems))

    @classmethod
    def single(cls, field: str, message: str, source: str | Path = "<dict>", **kw: Any) -> ChipSpecError:
        """Build the error for one problem."""
        return cls([ChipSpecProblem(field=field, message=message, source=str(source), **kw)])


class ChipNotFoundError(SnnasError, LookupError):
    """No chip of that name in the shipped library, ``$SNNAS_TARGETS``, or at that path."""


class SimulationInputError(SnnasError, ValueError):
    """An argument of a simulation is malformed.

    Wrong type, dtype, shape or contiguity, an index out of range, NaN/inf, a negative delay, size or
    period, or an inconsistent CSR synapse table. The message names the argument, what was expected and
    the bad value.
    """


class NetworkError(SnnasError, ValueError):
    """A network description (populations, projections, neuron parameters) is invalid."""


class MetricInputError(SnnasError, ValueError):
    """An argument of a metric of :mod:`snnas.ir.metrics` (a spike raster, a time constant) is malformed."""


class NIRError(SnnasError):
    """A NIR graph cannot be read into, or written from, a snnas network."""


class StoreError(SnnasError, ValueError):
    """A search store that cannot be opened, belongs to another run, or is corrupt."""


class StoreInUseError(StoreError):
    """A search store is being written by another process (:mod:`snnas.search.lock`), or this process lost
    its lock on it to another."""
