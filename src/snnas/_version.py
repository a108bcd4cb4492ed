"""The installed version of snnas (``0+unknown`` in a source tree that was never installed)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

__all__ = ["__version__"]

try:
    __version__ = version("snnas")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
