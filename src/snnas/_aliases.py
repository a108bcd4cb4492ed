"""The import paths of snnas's flat layout, kept working after the move to one package per stage.

``import snnas.network`` (and every other path below) gives the very module object of its new home
(``snnas.ir.network``): one module, two names, no copy. The old names are resolved on first import by a
finder on ``sys.meta_path``, so nothing of a stage is loaded before it is asked for.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType

__all__ = ["ALIASES", "MOVED_NAMES", "install"]

ALIASES: dict[str, str] = {
    "snnas.network": "snnas.ir.network",
    "snnas.neurons": "snnas.ir.neurons",
    "snnas.connectivity": "snnas.ir.connectivity",
    "snnas.nir_io": "snnas.ir.nir",
    "snnas.metrics": "snnas.ir.metrics",
    "snnas.datasets": "snnas.data.datasets",
    "snnas.encoding": "snnas.data.encoding",
    "snnas.fitting": "snnas.train.fit",
    "snnas.train_conv": "snnas.train.conv",
    "snnas.train_graph": "snnas.train.graph",
    "snnas.zeroshot": "snnas.train.scores",
    "snnas.quantize_graph": "snnas.quantize.graph",
    "snnas.simulate": "snnas.sim.engine",
    "snnas.fixed_point": "snnas.sim.fixed",
    "snnas.activity": "snnas.sim.activity",
    "snnas.reference": "snnas.sim.reference",
    "snnas.cost": "snnas.evaluate.cost",
    "snnas.onchip": "snnas.evaluate.onchip",
    "snnas.score": "snnas.evaluate.score",
    "snnas.store": "snnas.search.store",
    "snnas.report": "snnas.search.report",
    "snnas.plot": "snnas.mapping.plot",
}


# Names that moved to a later stage but are still read from their old package (the README showed them
# there): package -> name -> the module that now defines it. Only the stage packages' lazy lookup reads this
# table (:func:`snnas._lazy.lazy_exports`), so no stage imports a later one.
MOVED_NAMES: dict[str, dict[str, str]] = {
    "snnas.sim.reference": {"simulate_reference": "snnas.sim.engine", "simulate_fixed_reference": "snnas.sim.fixed"},
    "snnas.quantize": {name: "snnas.evaluate.accuracy" for name in
                       ("chip_accuracy", "chip_outputs", "chip_membrane", "graph_chip_outputs", "ChipNet",
                        "assemble_chip_net", "chip_net_outputs")},
}


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module(self.target)

    def exec_module(self, module: ModuleType) -> None:
        """The target module has already run: nothing to do."""


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
                  ) -> importlib.machinery.ModuleSpec | None:
        new = ALIASES.get(fullname)
        if new is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(new))


def install() -> None:
    """Put the finder on ``sys.meta_path`` (once)."""
    if not any(isinstance(f, _AliasFinder) for f in sys.meta_path):
        sys.meta_path.append(_AliasFinder())
