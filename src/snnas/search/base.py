"""The ask/tell interface every search strategy implements, and what a strategy is told.

The search loop (``snnas.search.loop``) owns evaluation, the store and parallelism; a strategy only
proposes genomes and learns from results. The loop's contract with a strategy:

* ``bind(context)`` is called once, before the first ask: what the run is (objectives, chip, dataset,
  budget, epochs). Strategies that need none of it ignore it.
* ``propose()`` is called whenever the loop has a free evaluation slot; it returns a
  :class:`Proposal` (a genome and the fidelity to evaluate it at, 1 = the full training budget) or
  None to say "not before more results are told" (a synchronous rung of successive halving). On None
  the loop tells the strategy its next outstanding result and proposes again; None with nothing
  outstanding ends the strategy's run. With W parallel workers up to W proposals may still be
  unanswered, so a strategy must not assume that every earlier one was told. ``ask()`` is the
  shorthand for full-fidelity strategies: the genome of the next proposal.
* ``tell(genome, result)`` is called exactly once for every proposal, **in proposal order**, after the
  result has been written to the store (``result.fidelity`` says at which fidelity it was measured).
  Before its k-th ask a strategy has been told exactly the results of its asks 0 .. k − W (the *lag*
  W is fixed for a run; each chip's strategy is driven alone), so for a given seed the sequence of
  asks is the same in every run, whichever evaluation finishes first: that is what lets a killed
  search resume by replaying its store.
* Strategies draw every random number from ``self.rng`` (seeded by the loop) and keep no other hidden
  state (no wall clock, no global random state).
"""

from __future__ import annotations

import logging
import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from snnas.errors import SnnasError
from snnas.space.base import Genome, SearchSpace

if TYPE_CHECKING:
    from snnas.chip import Chip
    from snnas.search.objectives import Objectives
    from snnas.search.tasks import DatasetSpec

__all__ = ["Proposal", "Result", "SearchContext", "Strategy", "StrategyError"]

logger = logging.getLogger(__name__)


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
        fidelity: the share of the full training budget the result was measured at (1 = full).
    """

    fitness: tuple[float, ...]
    violation: float
    status: str
    score: dict[str, Any] | None = None
    fidelity: float = 1.0

    @property
    def feasible(self) -> bool:
        return self.violation == 0 and all(math.isfinite(f) for f in self.fitness)


@dataclass(frozen=True)
class Proposal:
    """One thing to evaluate: a genome at a fidelity in (0, 1] (the share of the full training budget;
    the run's ``fidelity`` setting says whether it scales epochs, training data or time steps)."""

    genome: Genome
    fidelity: float = 1.0


@dataclass(frozen=True)
class SearchContext:
    """What a strategy may know about its run (given by ``bind`` before the first ask).

    Attributes:
        objectives: what is minimised; ``n_objectives`` values per fitness.
        chip: the chip this strategy searches for (None outside a search loop).
        dataset: the dataset candidates are trained on (None outside a search loop).
        budget: full-fidelity evaluations this strategy will be given.
        epochs: the full training budget of one candidate.
        seed: the run's seed (training and data; the strategy's own generator is seeded separately).
    """

    objectives: Objectives
    chip: Chip | None = None
    dataset: DatasetSpec | None = None
    budget: int = 60
    epochs: int = 10
    seed: int = 0

    @property
    def n_objectives(self) -> int:
        return 1 if self.objectives.scalar else len(self.objectives.names)


class Strategy(ABC):
    """Base of every search strategy (see the module docstring for when each method is called)."""

    name = "strategy"

    def __init__(self, space: SearchSpace, seed: int = 0) -> None:
        self.space = space
        self.rng = np.random.default_rng(seed)
        self.asked = 0
        self.told = 0
        self.seen: set[str] = set()  # keys of every genome asked so far
        self.context: SearchContext | None = None
        self.worst: tuple[float, ...] | None = None  # per objective, the worst of any fitting result told

    def bind(self, context: SearchContext) -> None:
        """What the run is; called once before the first ask."""
        self.context = context

    def propose(self) -> Proposal | None:
        """The next thing to evaluate, or None while waiting for results (see the module docstring)."""
        p = self._ask()
        if p is None:
            return None
        if isinstance(p, Genome):
            p = Proposal(p)
        if not (isinstance(p.fidelity, float | int) and 0.0 < p.fidelity <= 1.0):
            raise StrategyError(f"{self.name}: fidelity must be in (0, 1], got {p.fidelity!r}")
        self.asked += 1
        self.seen.add(p.genome.key)
        return p

    def ask(self) -> Genome:
        """The genome of the next proposal (for strategies that never wait)."""
        p = self.propose()
        if p is None:
            raise StrategyError(f"{self.name}: waiting for results; tell them or use propose()")
        return p.genome

    def tell(self, genome: Genome, result: Result) -> None:
        """The result of a proposal (once per proposal, in proposal order)."""
        if self.told >= self.asked:
            raise StrategyError(f"{self.name}: tell() without a matching ask() ({self.told} told, {self.asked} asked)")
        self.told += 1
        if result.feasible:
            w = self.worst
            self.worst = (tuple(result.fitness) if w is None or len(w) != len(result.fitness)
                          else tuple(max(a, b) for a, b in zip(w, result.fitness)))
        self._tell(genome, result)

    def reference(self) -> tuple[float, ...] | None:
        """The hypervolume reference point the reports use, over every fitting result told so far:
        ``Objectives.reference`` (accuracy 0, else 1.1 × the worst value); for a scalarised run or
        without a context, the worst value plus 10 % of its size. None before any fitting result."""
        if self.worst is None:
            return None
        if self.context is not None and not self.context.objectives.scalar:
            return self.context.objectives.reference([self.worst])
        return tuple(w + 0.1 * max(abs(w), 1e-12) for w in self.worst)

    @abstractmethod
    def _ask(self) -> Genome | Proposal | None: ...

    @abstractmethod
    def _tell(self, genome: Genome, result: Result) -> None: ...

    def breed(self, select: Callable[[], Genome], p_crossover: float) -> Genome:
        """A child: ``select()`` a parent, with probability ``p_crossover`` cross it with a second
        ``select()``, then mutate."""
        parent = select()
        if self.rng.random() < p_crossover:
            parent = self.space.crossover(parent, select(), self.rng)
        return self.space.mutate(parent, self.rng)

    def next_unseen(self, queue: list[Genome]) -> Genome:
        """The first genome of ``queue`` not asked before (popped, with those skipped), else a fresh random one:
        how the ranking strategies (zero-shot, one-shot) walk their ranked pools."""
        while queue:
            g = queue.pop(0)
            if g.key not in self.seen:
                return g
        return self.fresh(lambda: self.space.sample(self.rng))

    def fresh(self, propose: Callable[[], Genome], tries: int = 32) -> Genome:
        """A genome from ``propose()`` not asked before (up to ``tries`` proposals, then random samples);
        the last proposal when the space seems exhausted."""
        g = propose()
        for k in range(tries):
            if g.key not in self.seen:
                return g
            g = propose() if k < tries // 2 else self.space.sample(self.rng)
        if g.key in self.seen:
            logger.warning("%s: no genome not asked before in %d proposals and random samples (the %s space seems "
                           "exhausted); asking %s again", self.name, tries, self.space.name, g.key)
        return g
