"""The ask/tell interface every search strategy implements, and what a strategy is told.

The search loop (``snnas.search.loop``) owns evaluation, the store and parallelism; a strategy only
proposes genomes and learns from results. The loop's contract with a strategy:

* ``ask()`` is called whenever the loop has a free evaluation slot. With W parallel workers up to W
  asked genomes may still be unanswered, so ``ask`` must not assume that every earlier ask was told.
* ``tell(genome, result)`` is called exactly once for every asked genome, **in ask order**, after the
  result has been written to the store. Before the k-th ask the loop has told exactly the results of
  asks 0 .. k − W − 1 (the *lag* W is fixed for a run), so for a given seed the sequence of asks is the
  same in every run: that is what lets a killed search resume by replaying its store.
* Strategies draw every random number from ``self.rng`` (seeded by the loop) and keep no other hidden
  state (no wall clock, no global random state).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from snnas.errors import SnnasError
from snnas.space.base import Genome, SearchSpace

__all__ = ["Result", "Strategy", "StrategyError"]


class StrategyError(SnnasError, ValueError):
    """A strategy used against its contract, or given bad options."""


@dataclass(frozen=True)
class Result:
    """What a strategy learns about one genome.

    Attributes:
        fitness: minimised objective values (one value when the run is scalarised); inf where unknown.
        violation: 0 when the genome fits the chip, the number of violated limits when not, inf when the
            evaluation failed (raised, diverged, timed out).
        status: "ok", "infeasible" or "failed".
        score: the full score as a dict (None when failed).
    """

    fitness: tuple[float, ...]
    violation: float
    status: str
    score: dict[str, Any] | None = None

    @property
    def feasible(self) -> bool:
        return self.violation == 0 and all(math.isfinite(f) for f in self.fitness)


class Strategy(ABC):
    """Base of every search strategy (see the module docstring for when each method is called)."""

    name = "strategy"

    def __init__(self, space: SearchSpace, seed: int = 0) -> None:
        self.space = space
        self.rng = np.random.default_rng(seed)
        self.asked = 0
        self.told = 0
        self.seen: set[str] = set()  # keys of every genome asked so far

    def ask(self) -> Genome:
        """The next genome to evaluate."""
        g = self._ask()
        self.asked += 1
        self.seen.add(g.key)
        return g

    def tell(self, genome: Genome, result: Result) -> None:
        """The result of an asked genome (once per ask, in ask order)."""
        if self.told >= self.asked:
            raise StrategyError(f"{self.name}: tell() without a matching ask() ({self.told} told, {self.asked} asked)")
        self.told += 1
        self._tell(genome, result)

    @abstractmethod
    def _ask(self) -> Genome: ...

    @abstractmethod
    def _tell(self, genome: Genome, result: Result) -> None: ...

    def breed(self, select: Callable[[], Genome], p_crossover: float) -> Genome:
        """A child: ``select()`` a parent, with probability ``p_crossover`` cross it with a second
        ``select()``, then mutate."""
        parent = select()
        if self.rng.random() < p_crossover:
            parent = self.space.crossover(parent, select(), self.rng)
        return self.space.mutate(parent, self.rng)

    def fresh(self, propose: Any, tries: int = 32) -> Genome:
        """A genome from ``propose()`` not asked before (up to ``tries`` proposals, then random samples);
        the last proposal when the space seems exhausted."""
        g = propose()
        for k in range(tries):
            if g.key not in self.seen:
                return g
            g = propose() if k < tries // 2 else self.space.sample(self.rng)
        return g
