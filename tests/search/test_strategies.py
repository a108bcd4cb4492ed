"""The contract every strategy keeps (run over snnas.search.STRATEGIES, present and future), and a
check on a synthetic problem that the guided strategies beat random sampling.

``drive`` plays the search loop: a context bound before the first ask, proposals answered with the
loop's lag, a strategy that waits (propose() is None) told the next outstanding result first."""

from __future__ import annotations

import importlib.util
import logging
import math

import numpy as np
import pytest

from snnas.search import (
    STRATEGIES,
    Objectives,
    Proposal,
    Result,
    SearchContext,
    StrategyError,
    make_strategy,
)
from snnas.search.pareto import hypervolume
from snnas.search.tasks import DatasetSpec
from snnas.space import CellSpace, Genome, GlobalSpace, SearchSpace

# gp needs PyTorch (the optional extra snnas[gp]); without it its tests are skipped, and its own error
# is tested in test_bayesian.py.
ALL = [pytest.param(n, marks=pytest.mark.skipif(importlib.util.find_spec("torch") is None,
                                                reason="gp needs PyTorch (pip install 'snnas[gp]')"))
       if n == "gp" else n for n in sorted(STRATEGIES)]
# Small settings so that every strategy leaves its start-up phase within a few dozen asks.
OPTIONS: dict[str, dict[str, object]] = {"evolution": {"population": 8}, "nsga2": {"population": 8},
                                         "zeroshot": {"pool": 48},
                                         "oneshot": {"supernet_epochs": 2, "inner": 24, "population": 8},
                                         "darts": {"epochs": 2, "warmup": 1}}
DATA = DatasetSpec("digits", max_samples=300)
# Strategies bound to one kind of space run the suite on that space (darts relaxes the cell's operations).
CELL = CellSpace(widths=(8, 16), neurons=("lif", "if"), n_steps=(4, 8), encoders=("rate",), weight_bits=(4, 8))
SPACES: dict[str, SearchSpace] = {"darts": CELL}


def space_for(name: str) -> SearchSpace:
    return SPACES.get(name, GlobalSpace())


def context(budget: int = 60, scalar: bool = False) -> SearchContext:
    obj = Objectives(("accuracy", "energy"), (1.0, 0.1) if scalar else None)
    return SearchContext(obj, None, DATA, budget=budget, epochs=4)


def toy(space: SearchSpace, g: Genome) -> Result:
    """A synthetic trade-off: accuracy grows with log size and with each of five hyper-parameters set
    right (a landscape a guided search can climb), energy with the synapse count; two or more layers of
    256 'do not fit'. On another space: accuracy and energy grow with the genome's encoding, a cell whose
    every pair is dense 'does not fit'."""
    if not isinstance(space, GlobalSpace):
        x = space.encode(g)
        if isinstance(space, CellSpace) and all(g[f"op_{i}{j}"] == 2 for i, j in space.pairs):
            return Result((math.inf, math.inf), 1.0, "infeasible", None)
        acc = 0.3 + 0.6 * float(np.mean(x))
        return Result((-acc, 1e-6 * (1.0 + float(np.sum(x)))), 0.0, "ok", {"accuracy_chip": acc})
    h = space.hidden(g)
    syn = sum(a * b for a, b in zip((64, *h), (*h, 10)))
    right = {"encoder": "ttfs", "neuron": "cuba_lif", "tau_m": 0.02, "reset": "subtract", "n_steps": 16}
    acc = min(0.5, 0.3 + 0.05 * math.log2(syn / 1000)) + 0.09 * sum(g[k] == v for k, v in right.items())
    if h.count(256) >= 2:
        return Result((math.inf, math.inf), 2.0, "infeasible", None)
    return Result((-min(acc, 0.99), syn * 1e-9 * (1 + g["n_steps"] / 16)), 0.0, "ok", {"accuracy_chip": acc})


def toy_at(space: SearchSpace, p: Proposal) -> Result:
    """``toy`` measured at a fidelity: accuracy scaled by 0.7 + 0.3·fidelity (a lower fidelity ranks alike)."""
    r = toy(space, p.genome)
    if r.status != "ok" or p.fidelity == 1.0:
        return Result(r.fitness, r.violation, r.status, r.score, p.fidelity)
    return Result((r.fitness[0] * (0.7 + 0.3 * p.fidelity), r.fitness[1]), r.violation, r.status, r.score, p.fidelity)


def drive_proposals(name: str, seed: int, n: int, lag: int = 1, space: SearchSpace | None = None,
                    budget: int = 60) -> list[tuple[Proposal, Result]]:
    """``n`` proposals of the strategy answered by ``toy_at`` on the loop's lag schedule (fewer if the
    strategy ends its run), on ``space`` (default: the strategy's, ``space_for``)."""
    space = space or space_for(name)
    s = make_strategy(name, space, seed, context(budget), **OPTIONS.get(name, {}))
    asked: list[Proposal] = []
    out: list[tuple[Proposal, Result]] = []

    def tell_next() -> None:
        p = asked[len(out)]
        out.append((p, toy_at(space, p)))
        s.tell(p.genome, out[-1][1])

    while len(asked) < n:
        while len(out) <= len(asked) - lag:  # the loop's lag schedule
            tell_next()
        p = s.propose()
        while p is None and len(out) < len(asked):  # waiting: tell the next outstanding result
            tell_next()
            p = s.propose()
        if p is None:
            break
        asked.append(p)
    while len(out) < len(asked):
        tell_next()
    return out


def drive(name: str, seed: int, n: int, lag: int = 1, space: SearchSpace | None = None
          ) -> list[tuple[Genome, Result]]:
    """Like ``drive_proposals``, the full-fidelity results only."""
    return [(p.genome, r) for p, r in drive_proposals(name, seed, n, lag, space) if p.fidelity == 1.0]


def keys(run: list[tuple[Proposal, Result]]) -> list[tuple[str, float]]:
    return [(p.genome.key, p.fidelity) for p, _ in run]


@pytest.mark.parametrize("name", ALL)
def test_asks_belong_to_the_space_and_repeat_for_a_seed(name: str) -> None:
    space = space_for(name)
    a = drive_proposals(name, 3, 40, space=space)
    assert len(a) == 40
    assert all(space.check(p.genome) == p.genome and 0 < p.fidelity <= 1 for p, _ in a)
    assert keys(a) == keys(drive_proposals(name, 3, 40))
    assert keys(a) != keys(drive_proposals(name, 4, 40))


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("lag", [1, 3])
def test_nothing_proposed_twice_and_lagged_tells(name: str, lag: int) -> None:
    k = keys(drive_proposals(name, 0, 50, lag=lag))
    assert len(k) == 50 and len(set(k)) == len(k)


@pytest.mark.parametrize("name", ALL)
def test_tell_without_ask_is_refused(name: str) -> None:
    s = make_strategy(name, space_for(name), 0, context(), **OPTIONS.get(name, {}))
    g = space_for(name).sample(np.random.default_rng(0))
    with pytest.raises(StrategyError, match="without a matching ask"):
        s.tell(g, Result((0.0, 0.0), 0.0, "ok"))


@pytest.mark.parametrize("name", ALL)
def test_failures_and_scalar_fitness_are_handled(name: str) -> None:
    space = space_for(name)
    s = make_strategy(name, space, 0, context(scalar=True), **OPTIONS.get(name, {}))
    pending: list[Proposal] = []
    for k in range(20):
        p = s.propose()
        while p is None and pending:
            q = pending.pop(0)
            s.tell(q.genome, Result((math.inf,), math.inf, "failed", None, q.fidelity) if k % 3 == 0
                   else Result((float(-k),), 0.0, "ok", None, q.fidelity))
            p = s.propose()
        if p is None:
            break
        pending.append(p)
        if len(pending) > 1:
            q = pending.pop(0)
            s.tell(q.genome, Result((math.inf,), math.inf, "failed", None, q.fidelity) if k % 3 == 0
                   else Result((float(-k),), 0.0, "ok", None, q.fidelity))
    for q in pending:
        s.tell(q.genome, Result((-1.0,), 0.0, "ok", None, q.fidelity))
    assert s.told == s.asked >= 10


@pytest.mark.parametrize("name", ALL)
def test_tiny_space_does_not_hang(name: str) -> None:
    if name in SPACES:  # the cell space has no tiny version (its operations are fixed): its smallest one
        small = CellSpace(widths=(8,), neurons=("lif",), n_steps=(4,), encoders=("rate",), weight_bits=(8,),
                          backward=(False,))
        keys = [p.genome.key for p, _ in drive_proposals(name, 0, 6, space=small)]
        assert len(keys) == 6 == len(set(keys))
        return
    space = GlobalSpace(max_depth=1, widths=(8,), neurons=("lif",), tau_m=(0.01,), resets=("zero",), n_steps=(8,),
                        encoders=("rate",), weight_bits=(8,), recurrent=(False, True))
    run = drive_proposals(name, 0, 6, space=space)
    first = {d.name: d.choices[0] for d in space.decisions}
    both = {space.genome({**first, "recurrent": r}).key for r in (False, True)}
    assert {p.genome.key for p, _ in run} <= both
    assert run  # only two genomes exist; proposing goes on (or the strategy ends) without error


def test_an_exhausted_space_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    space = GlobalSpace(max_depth=1, widths=(8,), neurons=("lif",), tau_m=(0.01,), resets=("zero",), n_steps=(8,),
                        encoders=("rate",), weight_bits=(8,), recurrent=(False, True))
    with caplog.at_level(logging.WARNING, logger="snnas.search"):
        drive_proposals("random", 0, 2, space=space)
        assert "seems exhausted" not in caplog.text  # two genomes, two asks: no repeat yet
        drive_proposals("random", 0, 3, space=space)
    assert "the global space seems exhausted" in caplog.text


def test_bad_options_are_named() -> None:
    with pytest.raises(StrategyError, match="unknown strategy"):
        make_strategy("annealing", GlobalSpace())
    with pytest.raises(StrategyError, match="sample"):
        make_strategy("evolution", GlobalSpace(), population=4, sample=9)
    with pytest.raises(StrategyError, match="population"):
        make_strategy("nsga2", GlobalSpace(), population=1)
    with pytest.raises(StrategyError, match="bad options"):
        make_strategy("random", GlobalSpace(), population=3)


@pytest.mark.parametrize("name", ["evolution", "nsga2", "reinforce", "tpe"])
def test_guided_search_beats_random_on_a_synthetic_trade_off(name: str) -> None:
    """Median hypervolume over 7 seeds after 60 asks (deterministic: every seed is fixed)."""

    def hv(strategy: str, seed: int) -> float:
        pts = np.array([r.fitness for _, r in drive(strategy, seed, 60) if r.violation == 0])
        return hypervolume(pts, [0.0, 2e-4])

    guided = np.median([hv(name, s) for s in range(7)])
    rand = np.median([hv("random", s) for s in range(7)])
    assert guided > rand
