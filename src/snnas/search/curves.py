"""Learning-curve stopping for any strategy: a candidate climbs rungs of fidelity (by default 1/9, 1/3,
then 1) and stops as soon as its extrapolated final result could not enter the front.

:class:`CurveStopping` wraps a single-fidelity strategy (``--option stop_curves=true``). Each genome the
inner strategy proposes is evaluated at the first rung; after each rung r the rule extrapolates its final
chip accuracy a_1 from the rung's a_r, optimistically,

    â = α_r + β_r · a_r + ε_r

with α_r, β_r the least-squares line through (a_r, a_1) of the climbs completed so far and ε_r the
``quantile`` (default 0.9) of its residuals: a regression of the final result on the partial curve, as in
the performance prediction of Baker et al. (ICLR-W 2018), with a line for the model and the residuals'
quantile for its optimism. It builds the optimistic result: the rung's score with accuracy â. The climb goes
on when that result would be on the front of the full-fidelity results told so far (not dominated by any;
with one objective, better than the best), and stops otherwise. Until ``min_climbs`` climbs have completed,
every climb goes on (nothing to extrapolate from). With resumed promotions (``SearchConfig.checkpoints``,
the default) a climb costs the epochs it reaches: a stopped one 1/9 or 1/3 of a training, a completed one a
full training.

The inner strategy is told each of its genomes once, in the order it proposed them (its contract): the
full-fidelity result of a completed climb, or the last rung's result of a stopped one (a lower bound on
what training on would have given; its ``fidelity`` says so).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from snnas.search.base import Proposal, Result, SearchContext, Strategy, StrategyError
from snnas.search.pareto import dominates
from snnas.space.base import Genome

__all__ = ["CURVE_OPTIONS", "CurveStopping", "with_curve_stopping"]


@dataclass
class _Climb:
    genome: Genome
    rung: int = 0  # index into the rungs (len(rungs) = fidelity 1)
    results: list[Result] = field(default_factory=list)
    waiting: bool = True  # proposed at ``rung``, not yet told
    final: Result | None = None  # what the inner strategy is told, once decided


class CurveStopping(Strategy):
    """Learning-curve stopping around ``inner``; see the module docstring.

    Args:
        inner: the strategy proposing genomes (at fidelity 1).
        rungs: the fidelities below 1 a climb passes, increasing, in (0, 1).
        quantile: of the observed gains a_1 − a_r, in (0, 1]; higher stops less.
        min_climbs: completed climbs before any is stopped (>= 1; with 5, a line through too few climbs
            stopped the best candidates of some seeds on the replay table, ``benchmarks/bench_curves.py``).
    """

    name = "curves"

    def __init__(self, inner: Strategy, rungs: tuple[float, ...] = (1 / 9, 1 / 3), quantile: float = 0.9,
                 min_climbs: int = 10) -> None:
        super().__init__(inner.space, 0)
        from snnas.search.hyperband import SuccessiveHalving

        if isinstance(inner, SuccessiveHalving):  # halving, hyperband, asha
            raise StrategyError(f"stop_curves: {inner.name} already stops candidates at lower fidelities; use it "
                                f"without stop_curves")
        rs = tuple(float(r) for r in rungs)
        if not rs or any(not 0.0 < r < 1.0 for r in rs) or list(rs) != sorted(set(rs)):
            raise StrategyError(f"stop_curves: rungs must be increasing fidelities in (0, 1), got {rungs!r}")
        if isinstance(quantile, bool) or not isinstance(quantile, (int, float)) or not 0.0 < quantile <= 1.0:
            raise StrategyError(f"stop_curves: quantile must be in (0, 1], got {quantile!r}")
        if isinstance(min_climbs, bool) or not isinstance(min_climbs, int) or min_climbs < 1:
            raise StrategyError(f"stop_curves: min_climbs must be an integer >= 1, got {min_climbs!r}")
        self.inner, self.rungs, self.quantile, self.min_climbs = inner, rs, float(quantile), min_climbs
        self.name = f"{inner.name}+curves"
        self.climbs: dict[str, _Climb] = {}  # by token: genome key # the inner strategy's proposal number
        self.order: deque[str] = deque()  # tokens in the inner strategy's proposal order, until it is told
        self.pending: dict[tuple[str, float], deque[str]] = {}  # (genome, fidelity) asked -> tokens
        self.pairs: list[list[tuple[float, float]]] = [[] for _ in rs]  # per rung, (a_r, a_1) of completed climbs
        self.front: list[tuple[float, ...]] = []  # fitness of the full-fidelity fitting results
        self.stopped = 0
        self.completed = 0

    def bind(self, context: SearchContext) -> None:
        super().bind(context)
        self.inner.bind(context)

    @property
    def fidelities(self) -> tuple[float, ...]:
        return (*self.rungs, 1.0)

    # -- ask -----------------------------------------------------------------------------------------
    def _propose(self, token: str, fidelity: float) -> Proposal:
        c = self.climbs[token]
        c.waiting = True
        self.pending.setdefault((c.genome.key, fidelity), deque()).append(token)
        return Proposal(c.genome, fidelity)

    def _ask(self) -> Proposal | None:
        for token in self.order:  # a climb told and going on: its next rung, oldest first
            c = self.climbs[token]
            if not c.waiting and c.final is None:
                return self._propose(token, self.fidelities[c.rung])
        p = self.inner.propose()
        if p is None:
            return None
        if p.fidelity != 1.0:
            raise StrategyError(f"stop_curves: {self.inner.name} proposed fidelity {p.fidelity}; it wraps "
                                f"single-fidelity strategies")
        token = f"{p.genome.key}#{len(self.climbs)}"
        again = any(t.startswith(p.genome.key + "#") for t in self.climbs)
        # a genome the inner strategy asks again is evaluated at full fidelity directly (the loop reuses it)
        self.climbs[token] = _Climb(p.genome, rung=len(self.rungs) if again else 0)
        self.order.append(token)
        return self._propose(token, self.fidelities[self.climbs[token].rung])

    # -- tell ----------------------------------------------------------------------------------------
    def _tell(self, genome: Genome, result: Result) -> None:
        queue = self.pending.get((genome.key, float(result.fidelity)))
        if not queue:
            raise StrategyError(f"stop_curves: told {genome.key} at fidelity {result.fidelity}, which was not asked")
        c = self.climbs[queue.popleft()]
        c.results.append(result)
        c.waiting = False
        if c.rung == len(self.rungs):  # the full-fidelity rung: completed
            self.completed += 1
            c.final = result
            self._learn(c)
        elif not result.feasible or not self._goes_on(c.rung, result):
            self.stopped += 1
            c.final = result
        else:
            c.rung += 1
        self._flush()

    def _flush(self) -> None:
        while self.order:
            c = self.climbs[self.order[0]]
            final = c.final
            if final is None:
                return
            self.order.popleft()
            self.inner.tell(c.genome, final)

    def _learn(self, c: _Climb) -> None:
        final = c.results[-1]
        if final.feasible and final.score is not None and all(math.isfinite(f) for f in final.fitness):
            self.front.append(tuple(final.fitness))
            a1 = float(final.score.get("accuracy_chip", math.nan))
            for r, res in enumerate(c.results[:-1]):
                ar = float((res.score or {}).get("accuracy_chip", math.nan))
                if math.isfinite(a1) and math.isfinite(ar):
                    self.pairs[r].append((ar, a1))

    def _goes_on(self, rung: int, result: Result) -> bool:
        """The rule of the module docstring for a result at ``rung``."""
        pairs = self.pairs[rung]
        if self.completed < self.min_climbs or len(pairs) < self.min_climbs or result.score is None \
                or self.context is None or not self.front:
            return True
        a_r = float(result.score.get("accuracy_chip", math.nan))
        if not math.isfinite(a_r):
            return True
        hat = min(1.0, self.extrapolate(rung, a_r))
        optimistic = self.context.objectives.fitness({**result.score, "accuracy_chip": hat})
        if not all(math.isfinite(f) for f in optimistic):
            return True
        if len(optimistic) == 1:
            return optimistic[0] < min(f[0] for f in self.front)
        return not any(dominates(f, optimistic) for f in self.front)

    def extrapolate(self, rung: int, a_r: float) -> float:
        """â of the module docstring for accuracy ``a_r`` at ``rung`` (a_r itself when the completed climbs do
        not determine a line)."""
        xy = np.array(self.pairs[rung], dtype=float).reshape(-1, 2)
        if xy.shape[0] < 2 or np.ptp(xy[:, 0]) == 0.0:
            return a_r + (float(np.quantile(xy[:, 1] - xy[:, 0], self.quantile)) if xy.size else 1.0)
        beta, alpha = np.polyfit(xy[:, 0], xy[:, 1], 1)
        eps = float(np.quantile(xy[:, 1] - (alpha + beta * xy[:, 0]), self.quantile))
        return float(alpha + beta * a_r + eps)



CURVE_OPTIONS = ("stop_curves", "stop_rungs", "stop_quantile", "stop_min_climbs")  # strategy options it takes


def with_curve_stopping(inner: Strategy, options: dict[str, Any]) -> Strategy:
    """``inner`` wrapped when ``options`` ask for it (``stop_curves``; ``stop_rungs``, ``stop_quantile``,
    ``stop_min_climbs``), which are taken out of ``options``."""
    if not options.pop("stop_curves", False):
        for k in ("stop_rungs", "stop_quantile", "stop_min_climbs"):
            if k in options:
                raise StrategyError(f"{k} needs stop_curves=true")
        return inner
    kw: dict[str, Any] = {}
    if "stop_rungs" in options:
        kw["rungs"] = tuple(options.pop("stop_rungs"))
    if "stop_quantile" in options:
        kw["quantile"] = options.pop("stop_quantile")
    if "stop_min_climbs" in options:
        kw["min_climbs"] = options.pop("stop_min_climbs")
    return CurveStopping(inner, **kw)

