"""Regularized (aging) evolution (Real et al., AAAI 2019), multi-objective, with a diversity mechanism.

The population is a queue of the last ``population`` told genomes. ``ask``: until the queue is full,
a random genome; then a tournament: ``sample`` members drawn at random, the winner is the one in the
best constraint-domination front of that sample (Deb's rule: fitting beats not fitting, fewer
violations beat more, then Pareto dominance of the objectives), ties broken by the larger crowding
distance in objective space, so the search spreads along the front instead of crowding one corner. With
probability ``crossover`` the winner is crossed with a second tournament's winner; the child is then
mutated. ``tell``: the genome joins the queue and the oldest member dies (aging: no genome survives by
an old lucky score). Diversity: a child that was asked before is mutated again (up to 16 times, then a
random genome replaces it), so no budget is spent twice on one architecture.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from snnas.search.base import Result, Strategy, StrategyError
from snnas.search.pareto import crowding_distance, non_dominated_sort
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
        fit = np.array([pop[i][1].fitness for i in pick], dtype=float)
        vio = [pop[i][1].violation for i in pick]
        best = non_dominated_sort(np.nan_to_num(fit, posinf=1e300), vio)[0]
        crowd = crowding_distance(np.nan_to_num(fit[best], posinf=1e300))
        return pop[int(pick[best[int(np.argmax(crowd))]])][0]

    def _child(self) -> Genome:
        parent = self._winner()
        if self.rng.random() < self.p_crossover:
            parent = self.space.crossover(parent, self._winner(), self.rng)
        return self.space.mutate(parent, self.rng)

    def _ask(self) -> Genome:
        if len(self.population) < self.population_size:
            return self.fresh(lambda: self.space.sample(self.rng))
        return self.fresh(self._child)

    def _tell(self, genome: Genome, result: Result) -> None:
        self.population.append((genome, result))
        if len(self.population) > self.population_size:
            self.population.popleft()
