"""Evaluation of a network on chips: energy and latency (:mod:`.cost`), the on-chip run of a network
(:mod:`.onchip`), the accuracy of a quantised network as the chip computes it (:mod:`.accuracy`) and the
score of one search candidate (:mod:`.score`).

The package is also callable, ``snnas.evaluate(net, chips, inputs)``, as the function
:func:`snnas.evaluate.onchip.evaluate` (the public entry point since before this package existed).
"""

from __future__ import annotations

import sys
import types
from typing import Any

from snnas._lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(__name__, {
    "accuracy": ["chip_accuracy", "chip_membrane", "chip_outputs", "graph_chip_outputs"],
    "cost": ["EnergyEstimate", "LatencyEstimate", "energy", "latency"],
    "onchip": ["ChipResult", "EvaluationError", "evaluate", "evaluate_on_chips", "run_network"],
    "score": ["Score", "score"],
})


class _CallablePackage(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from snnas.evaluate.onchip import evaluate

        return evaluate(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
