"""The predictor-guided strategy (snnas.search.predictor): it learns a landscape that random search
only samples, refits on schedule, and refuses bad options by name."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from snnas.search import Objectives, Result, SearchContext, StrategyError, make_strategy
from snnas.search.predictor import PredictorSearch
from snnas.space import Genome, GlobalSpace

TABLE = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "replay_digits_loihi.jsonl.gz"
SPACE = GlobalSpace(max_depth=2, widths=(8, 16, 32, 64, 128), neurons=("lif", "if"), tau_m=(0.01,),
                    resets=("zero",), n_steps=(2, 4, 8), encoders=("rate", "ttfs"), weight_bits=(2, 4, 8),
                    recurrent=(False,))


def landscape(g: Genome) -> Result:
    """Accuracy rising with width, steps and bits, energy with synapses: a front to find (no noise)."""
    h = SPACE.hidden(g)
    syn = sum(a * b for a, b in zip((64, *h), (*h, 10)))
    acc = 0.1 + 0.25 * math.log2(h[0] / 4) / 5 + 0.2 * (g["n_steps"] > 2) + 0.15 * (g["weight_bits"] > 2) \
        + 0.1 * (g["encoder"] == "rate") - 0.05 * (len(h) == 2)
    return Result((-acc, syn * 1e-9 * g["n_steps"]), 0.0, "ok", {"accuracy_chip": acc}, 1.0)


def run(name: str, seed: int, budget: int = 60) -> list[tuple[float, float]]:
    s = make_strategy(name, SPACE, seed, SearchContext(Objectives.parse("accuracy,energy"), budget=budget))
    out = []
    for _ in range(budget):
        g = s.ask()
        r = landscape(g)
        s.tell(g, r)
        out.append(r.fitness)
    return out


def test_it_finds_more_of_the_front_than_random_search_on_the_replay_table() -> None:
    """The tabular benchmark of benchmarks/bench_replay.py (1,080 trained genomes on Loihi), 100 evaluations:
    the predictor's hypervolume regret is below random search's on every one of five seeds."""
    from snnas.search.replay import regret, replay, replay_config
    from snnas.search.table import read_table

    table = read_table(TABLE)
    obj = Objectives.parse("accuracy,energy")
    hv = {name: [regret(table, replay(table, replay_config(table, name, 100, seed, obj))["loihi"], "loihi",
                        obj).hypervolume for seed in range(5)] for name in ("random", "predictor")}
    assert all(p < r for p, r in zip(hv["predictor"], hv["random"])), hv


def test_the_surrogate_is_refitted_on_schedule() -> None:
    s = PredictorSearch(SPACE, 0, startup=4, refit=1.5)
    s.bind(SearchContext(Objectives.parse("accuracy,energy"), budget=30))
    fits = []
    for _ in range(30):
        g = s.ask()
        s.tell(g, landscape(g))
        if s._models is not None and (not fits or fits[-1] != s._models[0]):
            fits.append(s._models[0])
    assert fits[:4] == [4, 5, 6, 7]  # every result while fewer than 2 x startup
    assert len(fits) > 5 and all(b >= 1.5 * a for a, b in zip(fits[3:], fits[4:]))  # then once grown by 1.5


@pytest.mark.parametrize(("option", "match"), [
    ({"startup": 1}, "startup must be an integer >= 2"), ({"pool": 0}, "pool must be an integer >= 1"),
    ({"local": 1.5}, r"local must be a number in \[0, 1.0\]"), ({"kappa": -1}, "kappa must be a number"),
    ({"trees": 1}, "trees must be an integer >= 2"), ({"refit": 0.5}, "refit must be a number >= 1"),
])
def test_bad_options_are_named(option: dict[str, float], match: str) -> None:
    with pytest.raises(StrategyError, match=match):
        make_strategy("predictor", SPACE, 0, **option)
