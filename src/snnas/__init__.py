"""snnas: spiking neural network architecture search with neuromorphic hardware co-design."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from snnas.chip import Chip, list_chips, load_chip
from snnas.errors import ChipNotFoundError, ChipSpecError, SnnasError

try:
    __version__ = version("snnas")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["Chip", "ChipNotFoundError", "ChipSpecError", "SnnasError", "__version__", "evaluate", "list_chips",
           "load_chip"]


def __getattr__(name: str) -> object:
    """``snnas.evaluate`` is imported on first use (it pulls in the simulator and the mapper)."""
    if name == "evaluate":
        from snnas.onchip import evaluate

        return evaluate
    raise AttributeError(f"module 'snnas' has no attribute {name!r}")
