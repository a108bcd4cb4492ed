"""Random search: every genome drawn uniformly from the space (never one asked before, while the space
has others). The baseline every other strategy must beat."""

from __future__ import annotations

from snnas.search.base import Result, Strategy
from snnas.space.base import Genome

__all__ = ["RandomSearch"]


class RandomSearch(Strategy):
    """Uniform sampling without repeats."""

    name = "random"

    def _ask(self) -> Genome:
        return self.fresh(lambda: self.space.sample(self.rng))

    def _tell(self, genome: Genome, result: Result) -> None:
        pass
