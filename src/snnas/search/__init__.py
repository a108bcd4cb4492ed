"""Search strategies behind one ask/tell interface (``base``), one file each, and the loop that runs them."""

from __future__ import annotations

from typing import Any

from snnas.search.base import Result, Strategy, StrategyError
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
    "RandomSearch",
    "Result",
    "Strategy",
    "StrategyError",
    "make_strategy",
]

STRATEGIES: dict[str, Any] = {"random": RandomSearch, "evolution": AgingEvolution, "nsga2": NSGA2}


def make_strategy(name: str, space: SearchSpace, seed: int = 0, **options: Any) -> Strategy:
    """The strategy called ``name``; StrategyError naming the choices otherwise."""
    if name not in STRATEGIES:
        raise StrategyError(f"unknown strategy {name!r}; choose one of {', '.join(STRATEGIES)}")
    try:
        return STRATEGIES[name](space, seed, **options)  # type: ignore[no-any-return]
    except TypeError as exc:
        raise StrategyError(f"strategy {name!r}: bad options {options}: {exc}") from exc
