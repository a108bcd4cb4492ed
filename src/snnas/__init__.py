"""snnas: spiking neural network architecture search with neuromorphic hardware co-design."""

from __future__ import annotations

from snnas import _aliases
from snnas._version import __version__
from snnas.chip import Chip, list_chips, load_chip
from snnas.errors import ChipNotFoundError, ChipSpecError, SnnasError

_aliases.install()

__all__ = ["Chip", "ChipNotFoundError", "ChipSpecError", "SnnasError", "__version__", "evaluate", "list_chips",
           "load_chip"]


def __getattr__(name: str) -> object:
    """``snnas.evaluate`` (the stage package, callable as :func:`snnas.evaluate.onchip.evaluate`) is imported on
    first use: it pulls in the simulator and the mapper."""
    if name == "evaluate":
        import snnas.evaluate

        return snnas.evaluate
    raise AttributeError(f"module 'snnas' has no attribute {name!r}")
