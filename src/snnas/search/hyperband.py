"""Successive halving and Hyperband (Jamieson & Talwalkar, AISTATS 2016; Li et al., JMLR 2018),
multi-objective and constraint-aware, in ask/tell form.

Fidelities form rungs f_j = η^(j − K), j = 0..K, so the top rung is the full training budget and the
lowest is η^(−K) with K = ⌊log_η(1 / min_fidelity)⌋ (how a fidelity cheapens training: the run's
``fidelity`` rule, ``snnas.search.fidelity``).

A *bracket* s (0 ≤ s ≤ K) starts n configurations at fidelity η^(−s); after each rung the best
⌊n · η^(−i)⌋ (at least 1) of the rung's results go up one rung, until fidelity 1. Bracket s with
n = η^s costs about (s + 1) full trainings and ends with one full-fidelity result.

* :class:`SuccessiveHalving` runs bracket s = K again and again with fresh configurations
  (n = η^K unless given).
* :class:`ASHA` (asynchronous successive halving, Li et al., MLSys 2020) never waits: at each ask it
  promotes a result that is in the best ⌊n_j / η⌋ of the n_j results told at its rung j and has not
  gone up yet (top rung first), and otherwise starts a new configuration at the lowest rung; so no
  worker idles at the end of a rung, at the price of promotions decided on fewer results.
* :class:`Hyperband` cycles through the brackets s = K, K − 1, …, 0 with
  n_s = ⌈(K + 1) / (s + 1) · η^s⌉, hedging between many cheap configurations and a few fully trained
  ones (s = 0 is random search at full fidelity).

"Best", with several objectives: only results that fit the chip (violation 0, finite fitness) can go
up (feasibility does not change with fidelity, so an infeasible candidate is never worth more budget).
They go up in greedy hypervolume order (the result adding most hypervolume to those already chosen,
``pareto.greedy_hypervolume_order``) with the reports' reference point (accuracy 0, 1.1 × the worst
cost of any fitting result told; ``Objectives.reference``), so the rung keeps the subset that covers
the most of the front the search is judged by; results that add nothing follow in NSGA-II order
(non-dominated rank, then crowding distance, the first objective breaking ties between extremes).
With one objective this is plain sorting.

New configurations are drawn at random or, with probability ``guided`` (default 0.5), as a mutation of
a full-fidelity result on the greedy-hypervolume front so far (the first third of that order, picked
at random): model-free guidance in the spirit of DEHB (Awad et al., IJCAI 2021), which breeds
Hyperband's new configurations from the good ones found so far. ``guided=0`` is Hyperband as
published. On digits/Loihi with 60 full trainings (``benchmarks/bench_search.py``, 5 seeds) the
published form reached 0.993–0.999 of random search's median hypervolume and the guided one 1.005:
screening at one epoch alone did not pay for the full trainings it gives up.

Rungs are synchronous: a rung's promotions are decided when all its results are told; until then
``propose`` returns None and the loop tells outstanding results first. Every rung's results are in
the store with their fidelity, so a resumed search replays them instead of training again.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import cycle

import numpy as np

from snnas.search.base import Proposal, Result, Strategy, StrategyError
from snnas.search.pareto import greedy_hypervolume_order, nsga2_order
from snnas.space.base import Genome, SearchSpace

__all__ = ["ASHA", "Hyperband", "SuccessiveHalving", "promotion_order"]


def promotion_order(results: list[tuple[Genome, Result]], reference: Sequence[float] | None = None) -> list[int]:
    """Indices of the fitting results, best first (see the module docstring); unfit ones are left out.
    Without ``reference`` (or with one objective) the order is NSGA-II's alone."""
    ok = [i for i, (_, r) in enumerate(results) if r.feasible]
    if not ok:
        return []
    fit = np.array([results[i][1].fitness for i in ok], dtype=float)
    first = greedy_hypervolume_order(fit, reference) if reference is not None and fit.shape[1] > 1 else []
    return [ok[k] for k in first] + [ok[k] for k in nsga2_order(fit) if k not in first]


@dataclass
class _Bracket:
    """One run of successive halving: ``n`` configurations from fidelity ``fidelities[0]`` up to 1."""

    n: int
    fidelities: list[float]
    eta: int
    rung: int = 0
    to_sample: int = 0  # fresh configurations still to propose at rung 0
    todo: list[Genome] = field(default_factory=list)  # promoted, still to propose at this rung
    pending: list[str] = field(default_factory=list)  # keys proposed at this rung, not yet told
    results: list[tuple[Genome, Result]] = field(default_factory=list)  # told at this rung

    @property
    def fidelity(self) -> float:
        return self.fidelities[self.rung]

    def keep(self) -> int:
        """How many of this rung go up to the next."""
        divisor: int = self.eta ** (self.rung + 1)  # int ** int is Any to mypy (a negative power is a float)
        return max(1, self.n // divisor)


class SuccessiveHalving(Strategy):
    """Successive halving; see the module docstring.

    Args:
        eta: η >= 2, the factor between rungs (keep 1/η, give η times the budget).
        min_fidelity: the lowest fidelity wanted, in (0, 1]; rounded up to a power of 1/η.
        n: configurations per bracket (default η^K).
        guided: probability that a new configuration is bred from the best full-fidelity results.
    """

    name = "halving"

    def __init__(self, space: SearchSpace, seed: int = 0, eta: int = 3, min_fidelity: float = 1 / 9,
                 n: int | None = None, guided: float = 0.5) -> None:
        super().__init__(space, seed)
        if not (isinstance(guided, float | int) and 0.0 <= guided <= 1.0):
            raise StrategyError(f"{self.name}: guided must be in [0, 1], got {guided!r}")
        self.guided = float(guided)
        self.full: list[tuple[Genome, Result]] = []  # fitting full-fidelity results told
        if not (isinstance(eta, int) and eta >= 2):
            raise StrategyError(f"{self.name}: eta must be an integer >= 2, got {eta!r}")
        if not (isinstance(min_fidelity, float | int) and 0.0 < min_fidelity <= 1.0):
            raise StrategyError(f"{self.name}: min_fidelity must be in (0, 1], got {min_fidelity!r}")
        if n is not None and not (isinstance(n, int) and n >= 1):
            raise StrategyError(f"{self.name}: n must be a positive integer, got {n!r}")
        self.eta = eta
        self.max_rung = math.floor(math.log(1.0 / min_fidelity) / math.log(eta) + 1e-9)
        self.n = n
        self.bracket: _Bracket | None = None
        self._plan = self._brackets()

    def _brackets(self) -> Iterator[tuple[int, int]]:
        """(s, n) of each bracket in turn."""
        while True:
            yield self.max_rung, self.n if self.n is not None else self.eta**self.max_rung

    def _new_bracket(self) -> _Bracket:
        s, n = next(self._plan)
        fids = [float(self.eta ** -(s - j)) if j < s else 1.0 for j in range(s + 1)]
        return _Bracket(n, fids, self.eta, to_sample=n)

    def _ask(self) -> Proposal | None:
        for _ in range(self.max_rung + 3):  # at most one pass through a bracket's rungs plus a new bracket
            b = self.bracket = self.bracket or self._new_bracket()
            if b.rung == 0 and b.to_sample > 0:
                b.to_sample -= 1
                g = self.fresh(self._new)
            elif b.todo:
                g = b.todo.pop(0)
            elif b.pending:
                return None  # the rung is not complete: wait for its results
            else:
                order = promotion_order(b.results, self.reference())
                if b.rung + 1 >= len(b.fidelities) or not order:
                    self.bracket = None  # bracket done (or nothing fit the chip): start the next one
                    continue
                b.todo = [b.results[i][0] for i in order[: b.keep()]]
                b.rung += 1
                b.results = []
                continue
            b.pending.append(g.key)
            return Proposal(g, b.fidelity)
        raise StrategyError(f"{self.name}: no proposal after a full bracket (internal)")

    def _new(self) -> Genome:
        """A new configuration: random, or with probability ``guided`` a mutation of a good full result."""
        if self.guided > 0.0 and self.full and self.rng.random() < self.guided:
            order = promotion_order(self.full, self.reference())
            top = order[: max(1, len(order) // 3)]
            return self.space.mutate(self.full[top[int(self.rng.integers(len(top)))]][0], self.rng)
        return self.space.sample(self.rng)

    def _learn(self, genome: Genome, result: Result) -> None:
        """What every variant keeps: the fitting full-fidelity results (to breed from)."""
        if result.feasible and result.fidelity == 1.0:
            self.full.append((genome, result))

    def _tell(self, genome: Genome, result: Result) -> None:
        self._learn(genome, result)
        b = self.bracket
        if b is not None and genome.key in b.pending and result.fidelity == b.fidelity:
            b.pending.remove(genome.key)
            b.results.append((genome, result))


class Hyperband(SuccessiveHalving):
    """Hyperband: successive-halving brackets s = K, …, 0 in turn; see the module docstring.

    Args: as :class:`SuccessiveHalving`; ``n`` is not used (each bracket's n_s is Hyperband's).
    """

    name = "hyperband"

    def __init__(self, space: SearchSpace, seed: int = 0, eta: int = 3, min_fidelity: float = 1 / 9,
                 guided: float = 0.5) -> None:
        super().__init__(space, seed, eta, min_fidelity, None, guided)

    def _brackets(self) -> Iterator[tuple[int, int]]:
        k = self.max_rung
        for s in cycle(range(k, -1, -1)):
            yield s, math.ceil((k + 1) / (s + 1) * self.eta**s)


class ASHA(SuccessiveHalving):
    """Asynchronous successive halving; see the module docstring.

    Args: as :class:`SuccessiveHalving`; ``n`` is not used (the lowest rung grows while nothing can go up).
    """

    name = "asha"

    def __init__(self, space: SearchSpace, seed: int = 0, eta: int = 3, min_fidelity: float = 1 / 9,
                 guided: float = 0.5) -> None:
        super().__init__(space, seed, eta, min_fidelity, None, guided)
        k = self.max_rung
        self.fidelities = [float(self.eta ** -(k - j)) if j < k else 1.0 for j in range(k + 1)]
        self.rungs: list[list[tuple[Genome, Result]]] = [[] for _ in self.fidelities]  # told, per rung
        self.promoted: list[set[str]] = [set() for _ in self.fidelities]  # keys gone up from each rung
        # Each rung's promotion order, with what it was computed from: rungs only grow, so (results in the
        # rung, reference point) identifies it, and a rung no result reached since keeps its order.
        self._orders: dict[int, tuple[tuple[int, tuple[float, ...] | None], list[int]]] = {}

    def _order(self, j: int, ref: Sequence[float] | None) -> list[int]:
        told = self.rungs[j]
        key = (len(told), None if ref is None else tuple(ref))
        cached = self._orders.get(j)
        if cached is None or cached[0] != key:
            cached = (key, promotion_order(told, ref))
            self._orders[j] = cached
        return cached[1]

    def _ask(self) -> Proposal:
        ref = self.reference()
        for j in range(len(self.fidelities) - 2, -1, -1):  # the top rung first
            told = self.rungs[j]
            order = self._order(j, ref)[: len(told) // self.eta]
            for i in order:
                g = told[i][0]
                if g.key not in self.promoted[j]:
                    self.promoted[j].add(g.key)
                    return Proposal(g, self.fidelities[j + 1])
        return Proposal(self.fresh(self._new), self.fidelities[0])

    def _tell(self, genome: Genome, result: Result) -> None:
        self._learn(genome, result)
        for j, f in enumerate(self.fidelities):
            if result.fidelity == f:
                self.rungs[j].append((genome, result))
