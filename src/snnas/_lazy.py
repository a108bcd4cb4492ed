"""Lazy re-exports for a stage package's ``__init__``: a name is imported from its module on first use.

A stage's heavy parts (numba kernels, the compiled core, matplotlib) load only when a name that needs
them is touched, so ``import snnas.<stage>`` stays cheap and pulls in no later stage.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from snnas._aliases import MOVED_NAMES

__all__ = ["lazy_exports"]


def lazy_exports(package: str, exports: Mapping[str, Sequence[str]]
                 ) -> tuple[list[str], Callable[[str], Any], Callable[[], list[str]]]:
    """``__all__``, ``__getattr__`` and ``__dir__`` for ``package`` re-exporting ``exports``.

    Args:
        package: the package's ``__name__``.
        exports: submodule name (relative to ``package``) → the public names it provides.

    Names listed for ``package`` in :data:`snnas._aliases.MOVED_NAMES` are found too (not in ``__all__``).
    """
    where = {name: f"{package}.{module}" for module, names in exports.items() for name in names}
    moved = MOVED_NAMES.get(package, {})

    def __getattr__(name: str) -> Any:
        module = where.get(name) or moved.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        globals_of_package = importlib.import_module(package).__dict__
        globals_of_package[name] = value  # later lookups skip __getattr__
        return value

    def __dir__() -> list[str]:
        return sorted(set(where) | set(moved) | set(importlib.import_module(package).__dict__))

    return sorted(where), __getattr__, __dir__
