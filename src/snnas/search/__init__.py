"""Search strategies behind one ask/tell interface (``base``), one file each, and the loop that runs them."""

from __future__ import annotations

import importlib
from typing import Any

from snnas.search.base import Proposal, Result, SearchContext, Strategy, StrategyError
from snnas.search.evolution import AgingEvolution
from snnas.search.nsga2 import NSGA2
from snnas.search.objectives import Objectives
from snnas.search.random import RandomSearch
from snnas.space.base import SearchSpace

__all__ = [
    "NSGA2",
    "STRATEGIES",
    "AgingEvolution",
    "Objectives",
    "Proposal",
    "RandomSearch",
    "Result",
    "SearchContext",
    "Strategy",
    "StrategyError",
    "make_strategy",
    "strategy_class",
]

# Strategies by name: a class, or "module:Class" imported on first use (keeps optuna out of start-up).
STRATEGIES: dict[str, Any] = {
    "random": RandomSearch,
    "evolution": AgingEvolution,
    "nsga2": NSGA2,
    "halving": "snnas.search.hyperband:SuccessiveHalving",
    "hyperband": "snnas.search.hyperband:Hyperband",
    "asha": "snnas.search.hyperband:ASHA",
    "tpe": "snnas.search.bayesian:OptunaTPE",
    "gp": "snnas.search.bayesian:OptunaGP",
    "reinforce": "snnas.search.reinforce:Reinforce",
    "zeroshot": "snnas.search.zeroshot:ZeroShotRanker",
    "predictor": "snnas.search.predictor:PredictorSearch",
    "oneshot": "snnas.search.oneshot:OneShot",
    "darts": "snnas.search.differentiable:Differentiable",
}


def strategy_class(name: str) -> type[Strategy]:
    """The class of the strategy called ``name``; StrategyError naming the choices otherwise."""
    if name not in STRATEGIES:
        raise StrategyError(f"unknown strategy {name!r}; choose one of {', '.join(STRATEGIES)}")
    cls = STRATEGIES[name]
    if isinstance(cls, str):
        module, _, attr = cls.partition(":")
        cls = getattr(importlib.import_module(module), attr)
    return cls  # type: ignore[no-any-return]


def make_strategy(name: str, space: SearchSpace, seed: int = 0, context: SearchContext | None = None,
                  **options: Any) -> Strategy:
    """The strategy called ``name``, bound to ``context`` when one is given; StrategyError naming the
    choices or the bad option otherwise."""
    from snnas.search.curves import CURVE_OPTIONS, with_curve_stopping

    cls = strategy_class(name)
    options = dict(options)
    curves: dict[str, Any] = {k: options.pop(k) for k in CURVE_OPTIONS if k in options}
    try:
        s = cls(space, seed, **options)
    except TypeError as exc:
        raise StrategyError(f"strategy {name!r}: bad options {options}: {exc}") from exc
    s = with_curve_stopping(s, curves)  # learning-curve stopping (snnas.search.curves), any strategy
    if context is not None:
        s.bind(context)
    return s
