"""Learning-curve stopping (snnas.search.curves) around any single-fidelity strategy: climbs, stops,
tells the inner strategy in its own order, and refuses what it cannot wrap."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from snnas.search import Objectives, StrategyError, make_strategy
from snnas.search.curves import CurveStopping
from snnas.search.replay import regret, replay, replay_config
from snnas.search.table import read_table
from snnas.space import GlobalSpace

TABLE = read_table(Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "replay_digits_loihi.jsonl.gz")
OBJ = Objectives.parse("accuracy,energy")


def _rows(strategy: str, budget: int, seed: int = 0, **options: object) -> list:  # type: ignore[type-arg]
    return replay(TABLE, replay_config(TABLE, strategy, budget, seed, OBJ, dict(options)))["loihi"]


@pytest.mark.parametrize("inner", ["tpe", "evolution", "random"])  # tpe refuses results told out of order
def test_climbs_stop_early_and_the_budget_counts_the_epochs_reached(inner: str) -> None:
    rows = [r for r in _rows(inner, 40, stop_curves=True) if r.status != "duplicate"]
    full = {r.genome_key for r in rows if r.fidelity == 1.0}
    started = {r.genome_key for r in rows if r.fidelity == pytest.approx(1 / 9)}
    assert full <= started and len(started - full) > 0  # some climbs were stopped, some completed
    reached: dict[str, float] = {}
    for r in rows:
        reached[r.genome_key] = max(reached.get(r.genome_key, 0.0), r.fidelity)
    spent = sum(round(9 * f) / 9 for f in reached.values())  # resumed climbs cost the epochs they reach
    assert spent == pytest.approx(40.0, abs=1.0)


def test_the_same_seed_gives_the_same_search_and_stopping_finds_the_front_cheaper() -> None:
    a, b = _rows("evolution", 50, 3, stop_curves=True), _rows("evolution", 50, 3, stop_curves=True)
    assert [(r.genome_key, r.fidelity) for r in a] == [(r.genome_key, r.fidelity) for r in b]
    plain = [regret(TABLE, _rows("random", 100, s), "loihi", OBJ).hypervolume for s in range(4)]
    stop = [regret(TABLE, _rows("random", 70, s, stop_curves=True), "loihi", OBJ).hypervolume for s in range(4)]
    assert np.median(stop) < np.median(plain)  # 30% less training, a better front (random proposals)


def test_the_extrapolation_is_the_fitted_line_plus_its_residual_quantile() -> None:
    s = CurveStopping(make_strategy("random", GlobalSpace()), quantile=1.0)
    s.pairs[0] = [(0.1, 0.3), (0.2, 0.5), (0.3, 0.7), (0.4, 1.0)]
    beta, alpha = np.polyfit([0.1, 0.2, 0.3, 0.4], [0.3, 0.5, 0.7, 1.0], 1)
    worst = max(y - (alpha + beta * x) for x, y in s.pairs[0])
    assert s.extrapolate(0, 0.25) == pytest.approx(alpha + beta * 0.25 + worst)


@pytest.mark.parametrize(("options", "match"), [
    ({"stop_curves": True, "stop_rungs": [0.5, 0.2]}, "rungs must be increasing fidelities"),
    ({"stop_curves": True, "stop_rungs": [1.0]}, "rungs must be increasing fidelities"),
    ({"stop_curves": True, "stop_quantile": 0}, r"quantile must be in \(0, 1\]"),
    ({"stop_curves": True, "stop_min_climbs": 0}, "min_climbs must be an integer >= 1"),
    ({"stop_quantile": 0.5}, "stop_quantile needs stop_curves=true"),
])
def test_bad_options_are_named(options: dict[str, object], match: str) -> None:
    with pytest.raises(StrategyError, match=match):
        make_strategy("evolution", GlobalSpace(), 0, **options)


def test_a_multi_fidelity_strategy_is_not_wrapped() -> None:
    with pytest.raises(StrategyError, match="asha already stops candidates at lower fidelities"):
        make_strategy("asha", GlobalSpace(), 0, stop_curves=True)
