"""Regularized (aging) evolution (Real et al., AAAI 2019), multi-objective, with a diversity mechanism.

The population is a queue of the last ``population`` told genomes. ``ask``: until the queue is full,
a random genome; then a tournament: ``sample`` members drawn at random, the winner is the one in the
best constraint-domination front of that sample (Deb's rule: fitting beats not fitting, fewer
violations beat more, then Pareto dominance of the objectives), ties broken by the largest exclusive
hypervolume contribution (SMS-EMOA's measure) with the reference point the reports use (accuracy 0,
1.1 × the worst other cost of any fitting result told so far; ``Objectives.reference``), so the search
extends the front where the reported hypervolume gains most instead of crowding one corner or
breeding from a lone extreme such as a tiny network at chance accuracy. With
probability ``crossover`` the winner is crossed with a second tournament's winner; the child is then
mutated. ``tell``: the genome joins the queue and the oldest member dies (aging: no genome survives by
an old lucky score). Diversity: a child that was asked before is mutated again (up to 16 times, then a
random genome replaces it), so no budget is spent twice on one architecture.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from snnas.search.base import Result, Strategy, StrategyError
from snnas.search.pareto import hypervolume, non_dominated_sort
from snnas.space.base import Genome, SearchSpace

__all__ = ["AgingEvolution"]


class AgingEvolution(Strategy):
    """Regularized evolution; see the module docstring.

    Args:
        population: size of the aging queue P; sample: tournament size S (2 <= S <= P; default min(4, P));
        crossover: probability of crossing two tournament winners before mutating.
    """

    name = "evolution"

    def __init__(self, space: SearchSpace, seed: int = 0, population: int = 12, sample: int | None = None,
                 crossover: float = 0.2) -> None:
        super().__init__(space, seed)
        if sample is None:
            sample = min(4, population) if isinstance(population, int) else 4
        if not (isinstance(population, int) and population >= 2 and isinstance(sample, int)
                and 2 <= sample <= population and 0.0 <= crossover <= 1.0):
            raise StrategyError(f"evolution: need population >= 2, 2 <= sample <= population and 0 <= crossover "
                                f"<= 1; got population={population}, sample={sample}, crossover={crossover}")
        self.population_size = population
        self.sample_size = sample
        self.p_crossover = crossover
        self.population: deque[tuple[Genome, Result]] = deque()

    def _winner(self) -> Genome:
        pop = list(self.population)
        pick = self.rng.choice(len(pop), size=self.sample_size, replace=False)
        fit = np.nan_to_num(np.array([pop[i][1].fitness for i in pick], dtype=float), posinf=1e300)
        vio = [pop[i][1].violation for i in pick]
        best = non_dominated_sort(fit, vio)[0]
        if len(best) == 1 or vio[best[0]] > 0:
            return pop[int(pick[best[0]])][0]
        # Among the sample's non-dominated members: the largest exclusive hypervolume contribution
        # (SMS-EMOA's measure; a lone extreme such as a tiny network at chance accuracy contributes
        # little, a point that opens up the front a lot).
        pts = fit[best]
        told = self.reference()  # not None: the sample's front holds fitting results
        ref = np.maximum(np.array(told if told is not None else pts.max(axis=0), dtype=float),
                         pts.max(axis=0) + 1e-12 * np.maximum(np.abs(pts.max(axis=0)), 1.0))
        total = hypervolume(pts, ref)
        gain = [total - hypervolume(np.delete(pts, k, axis=0), ref) for k in range(len(best))]
        return pop[int(pick[best[int(np.argmax(gain))]])][0]

    def _ask(self) -> Genome:
        if len(self.population) < self.population_size:
            return self.fresh(lambda: self.space.sample(self.rng))
        return self.fresh(lambda: self.breed(self._winner, self.p_crossover))

    def _tell(self, genome: Genome, result: Result) -> None:
        self.population.append((genome, result))
        if len(self.population) > self.population_size:
            self.population.popleft()
