"""NSGA-II (Deb et al., IEEE TEC 2002) with constraint domination, in ask/tell form.

Parents: a population of P genomes. Until P genomes have been told, ``ask`` returns random genomes and
those become the first parents. Afterwards each ``ask`` makes one offspring: two binary tournaments
on (front rank, −crowding distance) over the parents pick the parents, uniform crossover (probability
``crossover``) and one mutation make the child (never a genome asked before, while the space has
others). When P offspring have been told, environmental selection keeps the best P of parents ∪
offspring: whole fronts of the constrained non-dominated sort in order, the last front cut by crowding
distance. Constraint domination (Deb 2000) ranks every fitting genome above every non-fitting one and
non-fitting ones by their number of violations, so infeasible candidates, stored with their violations
and never trained, still steer the search towards the chip's limits.
"""

from __future__ import annotations

import numpy as np

from snnas.search.base import Result, Strategy, StrategyError
from snnas.search.pareto import crowding_distance, non_dominated_sort
from snnas.space.base import Genome, SearchSpace

__all__ = ["NSGA2"]


def _rank(members: list[tuple[Genome, Result]]) -> tuple[np.ndarray, np.ndarray, list[list[int]]]:
    fit = np.nan_to_num(np.array([r.fitness for _, r in members], dtype=float), posinf=1e300)
    fronts = non_dominated_sort(fit, [r.violation for _, r in members])
    rank = np.zeros(len(members), dtype=np.int64)
    crowd = np.zeros(len(members))
    for k, front in enumerate(fronts):
        rank[front] = k
        crowd[front] = crowding_distance(fit[front])
    return rank, crowd, fronts


class NSGA2(Strategy):
    """NSGA-II; see the module docstring. Args: population P >= 2; crossover probability."""

    name = "nsga2"

    def __init__(self, space: SearchSpace, seed: int = 0, population: int = 16, crossover: float = 0.9) -> None:
        super().__init__(space, seed)
        if not (isinstance(population, int) and population >= 2 and 0.0 <= crossover <= 1.0):
            raise StrategyError(f"nsga2: need population >= 2 and 0 <= crossover <= 1; got population={population}, "
                                f"crossover={crossover}")
        self.population_size = population
        self.p_crossover = crossover
        self.parents: list[tuple[Genome, Result]] = []
        self.offspring: list[tuple[Genome, Result]] = []
        self._rank: np.ndarray = np.zeros(0, dtype=np.int64)
        self._crowd: np.ndarray = np.zeros(0)
        self.generation = 0

    def _tournament(self) -> Genome:
        i, j = self.rng.integers(len(self.parents), size=2)
        better = i if (self._rank[i], -self._crowd[i]) <= (self._rank[j], -self._crowd[j]) else j
        return self.parents[int(better)][0]

    def _ask(self) -> Genome:
        if self.generation == 0:
            return self.fresh(lambda: self.space.sample(self.rng))
        return self.fresh(lambda: self.breed(self._tournament, self.p_crossover))

    def _tell(self, genome: Genome, result: Result) -> None:
        if self.generation == 0:
            self.parents.append((genome, result))
            if len(self.parents) == self.population_size:
                self._select([])
            return
        self.offspring.append((genome, result))
        if len(self.offspring) == self.population_size:
            self._select(self.offspring)
            self.offspring = []

    def _select(self, offspring: list[tuple[Genome, Result]]) -> None:
        pool = self.parents + offspring
        _, crowd, fronts = _rank(pool)
        keep: list[int] = []
        for front in fronts:
            if len(keep) + len(front) <= self.population_size:
                keep.extend(front)
            else:
                order = sorted(front, key=lambda i: -crowd[i])
                keep.extend(order[: self.population_size - len(keep)])
                break
        self.parents = [pool[i] for i in keep]
        self._rank, self._crowd, _ = _rank(self.parents)
        self.generation += 1
