"""The contract every strategy keeps (run over snnas.search.STRATEGIES, present and future), and a
check on a synthetic problem that the guided strategies beat random sampling."""

from __future__ import annotations

import math

import numpy as np
import pytest

from snnas.search import STRATEGIES, Result, StrategyError, make_strategy
from snnas.search.pareto import hypervolume
from snnas.space import Genome, GlobalSpace

ALL = sorted(STRATEGIES)


def toy(space: GlobalSpace, g: Genome) -> Result:
    """A synthetic trade-off: accuracy grows with log size and with each of five hyper-parameters set
    right (a landscape a guided search can climb), energy with the synapse count; two or more layers of
    256 'do not fit'."""
    h = space.hidden(g)
    syn = sum(a * b for a, b in zip((64, *h), (*h, 10)))
    right = {"encoder": "ttfs", "neuron": "cuba_lif", "tau_m": 0.02, "reset": "subtract", "n_steps": 16}
    acc = min(0.5, 0.3 + 0.05 * math.log2(syn / 1000)) + 0.09 * sum(g[k] == v for k, v in right.items())
    if h.count(256) >= 2:
        return Result((math.inf, math.inf), 2.0, "infeasible", None)
    return Result((-min(acc, 0.99), syn * 1e-9 * (1 + g["n_steps"] / 16)), 0.0, "ok", {"accuracy_chip": acc})


def drive(name: str, seed: int, n: int, lag: int = 1, space: GlobalSpace | None = None) -> list[tuple[Genome, Result]]:
    space = space or GlobalSpace()
    s = make_strategy(name, space, seed, **({"population": 8} if name != "random" else {}))
    asked: list[Genome] = []
    out = []
    for k in range(n):
        while len(out) <= k - lag:  # the loop's lag schedule
            g = asked[len(out)]
            out.append((g, toy(space, g)))
            s.tell(g, out[-1][1])
        asked.append(s.ask())
    while len(out) < n:
        g = asked[len(out)]
        out.append((g, toy(space, g)))
        s.tell(g, out[-1][1])
    return out


@pytest.mark.parametrize("name", ALL)
def test_asks_belong_to_the_space_and_repeat_for_a_seed(name: str) -> None:
    space = GlobalSpace()
    a = drive(name, 3, 40, space=space)
    assert all(space.check(g) == g for g, _ in a)
    assert [g.key for g, _ in a] == [g.key for g, _ in drive(name, 3, 40)]
    assert [g.key for g, _ in a] != [g.key for g, _ in drive(name, 4, 40)]


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("lag", [1, 3])
def test_no_genome_twice_and_lagged_tells(name: str, lag: int) -> None:
    keys = [g.key for g, _ in drive(name, 0, 50, lag=lag)]
    assert len(set(keys)) == len(keys)


@pytest.mark.parametrize("name", ALL)
def test_tell_without_ask_is_refused(name: str) -> None:
    s = make_strategy(name, GlobalSpace(), 0)
    g = GlobalSpace().sample(np.random.default_rng(0))
    with pytest.raises(StrategyError, match="without a matching ask"):
        s.tell(g, Result((0.0, 0.0), 0.0, "ok"))


@pytest.mark.parametrize("name", ALL)
def test_failures_and_scalar_fitness_are_handled(name: str) -> None:
    space = GlobalSpace()
    s = make_strategy(name, space, 0, **({"population": 4} if name != "random" else {}))
    for k in range(20):
        g = s.ask()
        res = Result((math.inf,), math.inf, "failed") if k % 3 == 0 else Result((float(-k),), 0.0, "ok")
        s.tell(g, res)
    assert s.told == s.asked == 20


@pytest.mark.parametrize("name", ALL)
def test_tiny_space_does_not_hang(name: str) -> None:
    space = GlobalSpace(max_depth=1, widths=(8,), neurons=("lif",), tau_m=(0.01,), resets=("zero",), n_steps=(8,),
                        encoders=("rate",), weight_bits=(8,), recurrent=(False, True))
    keys = [g.key for g, _ in drive(name, 0, 6, space=space)]
    assert len(set(keys)) == 2  # only two genomes exist; asking goes on without error


def test_bad_options_are_named() -> None:
    with pytest.raises(StrategyError, match="unknown strategy"):
        make_strategy("annealing", GlobalSpace())
    with pytest.raises(StrategyError, match="sample"):
        make_strategy("evolution", GlobalSpace(), population=4, sample=9)
    with pytest.raises(StrategyError, match="population"):
        make_strategy("nsga2", GlobalSpace(), population=1)
    with pytest.raises(StrategyError, match="bad options"):
        make_strategy("random", GlobalSpace(), population=3)


@pytest.mark.parametrize("name", ["evolution", "nsga2"])
def test_guided_search_beats_random_on_a_synthetic_trade_off(name: str) -> None:
    """Median hypervolume over 7 seeds after 60 asks (deterministic: every seed is fixed)."""

    def hv(strategy: str, seed: int) -> float:
        pts = np.array([r.fitness for _, r in drive(strategy, seed, 60) if r.violation == 0])
        return hypervolume(pts, [0.0, 2e-4])

    guided = np.median([hv(name, s) for s in range(7)])
    rand = np.median([hv("random", s) for s in range(7)])
    assert guided > rand
