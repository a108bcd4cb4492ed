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
