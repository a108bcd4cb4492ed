"""The zero-shot ranker: proposes its pool best score first (one objective) or front by front of
(−score, synaptic events) (several), is deterministic for a seed, needs a dataset, and names bad options.
The ask/tell contract itself is checked by tests/search/test_strategies.py."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from snnas.search import Objectives, SearchContext, StrategyError, make_strategy
from snnas.search.pareto import dominates
from snnas.search.tasks import DatasetSpec
from snnas.search.zeroshot import ZeroShotRanker, rank_order
from snnas.space import CellSpace, GlobalSpace

DATA = DatasetSpec("digits", max_samples=300)


def context(scalar: bool, dataset: DatasetSpec | None = DATA) -> SearchContext:
    return SearchContext(Objectives(("accuracy", "energy"), (1.0, 0.1) if scalar else None), None, dataset,
                         budget=20, epochs=4)


def ranker(seed: int = 0, scalar: bool = True, **options: object) -> ZeroShotRanker:
    s = make_strategy("zeroshot", GlobalSpace(), seed, context(scalar), **{"pool": 24, "batch": 64, **options})
    assert isinstance(s, ZeroShotRanker)
    return s


def test_the_pool_is_proposed_best_score_first() -> None:
    s = ranker()
    asked = [s.ask() for _ in range(24)]
    scores = [s.scores[g.key] for g in asked]
    assert len({g.key for g in asked}) == 24 and set(s.scores) == {g.key for g in asked}
    assert all(a >= b for a, b in itertools.pairwise(scores))
    finite = [v for v in scores if math.isfinite(v)]
    assert len(finite) >= 12 and scores[0] > np.median(finite)  # the top beats the rest
    extra = s.ask()  # past the pool: fresh random genomes
    assert extra.key not in {g.key for g in asked}


def test_several_objectives_take_fronts_in_order() -> None:
    s = ranker(scalar=False)
    asked = [s.ask() for _ in range(24)]
    pts = {g.key: (-s.scores[g.key], s.costs[g.key]) for g in asked if math.isfinite(s.scores[g.key])}
    front = {k for k, p in pts.items() if not any(dominates(q, p) for q in pts.values())}
    assert {g.key for g in asked[:len(front)]} == front  # the predicted trade-off first
    assert [g.key for g in asked] != [g.key for g in sorted(asked, key=lambda g: -s.scores[g.key])]


def test_rank_order() -> None:
    scores = np.array([1.0, 3.0, -math.inf, 2.0, 3.0])
    assert rank_order(scores) == [1, 4, 3, 0, 2]  # ties keep pool order, the unscored last
    costs = np.array([1.0, 5.0, 1.0, 2.0, 9.0])  # (−score, cost): 0, 1, 3 non-dominated; 4 dominated by 1
    order = rank_order(scores, costs)
    assert set(order[:3]) == {0, 1, 3} and order[3:] == [4, 2]


def test_deterministic_for_a_seed() -> None:
    def keys(seed: int) -> list[str]:
        s = ranker(seed, scalar=False)
        return [s.ask().key for _ in range(30)]

    assert keys(3) == keys(3)
    assert keys(3) != keys(4)


def test_scores_of_other_names_and_the_cell_space() -> None:
    s = ranker(score="params")
    asked = [s.ask() for _ in range(24)]
    params = [s.scores[g.key] for g in asked]
    assert params == sorted(params, reverse=True)
    cell = make_strategy("zeroshot", CellSpace(), 0, context(True), pool=8, batch=32, reduce="sum")
    g = cell.ask()
    assert math.isfinite(cell.scores[g.key])  # type: ignore[attr-defined]


def test_needs_a_dataset() -> None:
    s = make_strategy("zeroshot", GlobalSpace(), 0, None, pool=4)
    with pytest.raises(StrategyError, match="needs a dataset"):
        s.ask()
    s = make_strategy("zeroshot", GlobalSpace(), 0, context(True, dataset=None), pool=4)
    with pytest.raises(StrategyError, match="needs a dataset"):
        s.ask()


@pytest.mark.parametrize(("options", "match"), [({"pool": 0}, "pool"), ({"batch": 1}, "batch"),
                                                ({"score": "synflow"}, "synflow"), ({"reduce": "max"}, "reduce"),
                                                ({"alpha": -1.0}, "alpha"), ({"repeats": 0}, "repeats")])
def test_bad_options_are_named(options: dict[str, object], match: str) -> None:
    with pytest.raises(StrategyError, match=match):
        make_strategy("zeroshot", GlobalSpace(), 0, None, **options)


def params_proxy(p: object) -> float:
    """A user proxy: the parameter count (what the built-in "params" score is)."""
    return float(p.params)  # type: ignore[attr-defined]


def failing_proxy(p: object) -> float:
    """A user proxy that fails on wide networks and returns NaN on the smallest."""
    if p.params > 20_000:  # type: ignore[attr-defined]
        raise RuntimeError("too big for me")
    return math.nan if p.params < 2_000 else float(p.params)  # type: ignore[attr-defined]


def test_a_user_proxy_ranks_like_the_score_it_computes(caplog: pytest.LogCaptureFixture) -> None:
    mine = ranker(score=f"{__name__}:params_proxy", learn=False)
    builtin = ranker(score="params", learn=False)
    assert [mine.ask().key for _ in range(24)] == [builtin.ask().key for _ in range(24)]
    odd = ranker(score=f"{__name__}:failing_proxy", learn=False)
    asked = [odd.ask() for _ in range(24)]
    values = [odd.scores[g.key] for g in asked]
    assert all(a >= b for a, b in itertools.pairwise(values)) and values[-1] == -math.inf
    assert f"zeroshot: proxy {__name__}:failing_proxy failed on" in caplog.text and "too big for me" in caplog.text
    with pytest.raises(StrategyError, match="cannot import it"):
        ranker(score="no_such_module:f")
    with pytest.raises(StrategyError, match="is not callable"):
        ranker(score="math:pi")


def test_included_genomes_join_the_pool_and_bad_ones_are_named() -> None:
    space = GlobalSpace()
    mine = space.sample(np.random.default_rng(99))
    s = ranker(include=[dict(mine.values)])
    asked = {s.ask().key for _ in range(24)}
    assert mine.key in asked and mine.key in s.scores
    with pytest.raises(StrategyError, match=r"include\[0\]: .*not one of"):
        ranker(include=[{**mine.values, "depth": 99}])
    with pytest.raises(StrategyError, match=r"include\[1\]: expected an object"):
        ranker(include=[dict(mine.values), 3])


def test_results_told_rank_the_rest_of_the_pool_again() -> None:
    """Told accuracies that fall as the proxy rises: the learned ranking puts the low scores first."""
    def run(learn: bool) -> list[str]:
        s = ranker(learn=learn, learn_after=4)
        first = [s.ask() for _ in range(6)]
        for g in first:
            s.tell(g, _told(s, g))
        return [s.ask().key for _ in range(8)]

    def _told(s: ZeroShotRanker, g: object) -> object:
        from snnas.search import Result
        acc = 0.5 - s.scores[g.key] / 1000.0  # type: ignore[attr-defined]  # SAHD is negative here: falls as it rises
        return Result((-acc,), 0.0, "ok", {"accuracy_chip": acc}, 1.0)

    plain, learned = run(False), run(True)
    assert plain != learned
    s = ranker(learn=True, learn_after=4)
    first = [s.ask() for _ in range(6)]
    for g in first:
        s.tell(g, _told(s, g))
    rest = [s.scores[s.ask().key] for _ in range(8)]
    assert np.mean(rest[:4]) < np.mean([v for v in rest[4:]])  # the lower proxies now come first
    with pytest.raises(StrategyError, match="learn_after must be an integer >= 2"):
        ranker(learn_after=1)
