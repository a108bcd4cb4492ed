"""The one-shot strategy (snnas.search.oneshot): a supernet trained once, NSGA-II over inherited-weight
scores, the best proposed for real training; on the replay table it finds a better front than random
search with the same number of real trainings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from snnas.search import Objectives, StrategyError, make_strategy
from snnas.search.replay import regret, replay, replay_config
from snnas.search.table import read_table
from snnas.space import CellSpace, GlobalSpace

TABLE = read_table(Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "replay_digits_loihi.jsonl.gz")
OBJ = Objectives.parse("accuracy,energy")


def test_ten_real_trainings_find_a_better_front_than_random_search() -> None:
    def hv(strategy: str, seed: int, **options: object) -> float:
        rows = replay(TABLE, replay_config(TABLE, strategy, 10, seed, OBJ, dict(options)))["loihi"]
        return 1.0 - regret(TABLE, rows, "loihi", OBJ).hypervolume

    one = [hv("oneshot", s, inner=30, supernet_epochs=20) for s in range(3)]
    rnd = [hv("random", s) for s in range(3)]
    assert np.median(one) > np.median(rnd) and min(one) > min(rnd), (one, rnd)


@pytest.mark.parametrize(("options", "match"), [
    ({"supernet_epochs": 0}, "supernet_epochs must be an integer >= 1"), ({"inner": 0}, "inner must be"),
    ({"population": 1}, "population must be an integer >= 2"), ({"sampling": "greedy"}, "sampling must be"),
])
def test_bad_options_are_named(options: dict[str, object], match: str) -> None:
    with pytest.raises(StrategyError, match=match):
        make_strategy("oneshot", GlobalSpace(), 0, **options)


def test_only_the_layer_wise_space_has_a_supernet() -> None:
    with pytest.raises(StrategyError, match="covers the layer-wise"):
        make_strategy("oneshot", CellSpace(), 0)


def test_the_proxy_score_has_the_chip_accuracy_and_orders_energy_as_the_chip_model() -> None:
    from scipy.stats import kendalltau

    from snnas.chip import load_chip
    from snnas.data.datasets import Split
    from snnas.search import SearchContext
    from snnas.search.fidelity import train_subset
    from snnas.search.tasks import load_dataset
    from snnas.space import make_space

    chip = load_chip("loihi")
    space = make_space(TABLE.spec.space, **TABLE.spec.space_options).restrict(chip)
    s = make_strategy("oneshot", space, 0, SearchContext(OBJ, chip, TABLE.spec.dataset, epochs=9),
                      supernet_epochs=3, inner=16, population=4)
    s.ask()  # trains the supernet and scores 16 sub-networks the full way
    data, split = load_dataset(TABLE.spec.dataset)
    scoring = Split(split.train, split.val, train_subset(split.test, data.labels, min(1.0, 64 / len(split.test))))
    s.inner_score = "proxy"
    chip_scores = [r.score for r in s.inherited.values()]
    proxy_scores = [s._score(s.genomes[k], data, scoring).score for k in s.inherited]
    assert all(c and p for c, p in zip(chip_scores, proxy_scores))
    assert [c["accuracy_chip"] for c in chip_scores] == [p["accuracy_chip"] for p in proxy_scores]  # type: ignore
    tau = kendalltau([c["energy_j"] for c in chip_scores], [p["energy_j"] for p in proxy_scores]).statistic  # type: ignore
    assert tau > 0.7, tau


def test_a_bad_inner_score_is_named() -> None:
    with pytest.raises(StrategyError, match="inner_score must be 'chip' or 'proxy'"):
        make_strategy("oneshot", GlobalSpace(), 0, inner_score="fast")
