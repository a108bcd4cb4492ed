"""Replaying a search against a table (:mod:`snnas.search.table`) and scoring it by regret.

:func:`replay` runs the real search loop (``run_search``: the same asks, budgets, duplicates, fidelity
costs and lag as a search that trains) with every evaluation answered from the table, into a store of
its own (a temporary one unless given). :func:`regret` measures a finished search against the table,
per chip, on full-fidelity results only:

* accuracy regret: a* − a_best, with a* the best chip accuracy of any fitting genome in the table and
  a_best the best found;
* hypervolume regret: 1 − HV(found) / HV(table), the hypervolumes of the fitting full-fidelity results'
  fitness (``Objectives.fitness``: −accuracy, energy, ...) against one reference point per chip taken
  from the whole table (accuracy 0; 1.1 × the worst cost of any fitting entry), so every strategy and seed
  is measured on the same scale. 0 means the search found the table's front.
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from snnas.search import strategy_class
from snnas.search.hyperband import SuccessiveHalving
from snnas.search.loop import SearchConfig, run_search
from snnas.search.objectives import Objectives
from snnas.search.pareto import hypervolume
from snnas.search.store import Row, Store
from snnas.search.table import Table, TableError, TableExecutor

__all__ = ["Regret", "regret", "replay", "replay_config"]


def replay_config(table: Table, strategy: str, budget: int, seed: int = 0,
                  objectives: Objectives | None = None, strategy_options: dict[str, Any] | None = None,
                  targets: tuple[str, ...] | None = None) -> SearchConfig:
    """The search configuration that asks what ``table`` holds (its space, chips, dataset, training
    settings and fidelity rule), with the strategy, budget, seed and objectives given. A multi-fidelity
    strategy (halving, hyperband, asha) starts at the table's lowest fidelity unless ``min_fidelity`` is
    among the options."""
    s = table.spec
    options = dict(strategy_options or {})
    if issubclass(strategy_class(strategy), SuccessiveHalving) and "min_fidelity" not in options:
        options["min_fidelity"] = min(s.fidelities)
    chips = targets or s.targets
    unknown = [t for t in chips if t not in s.targets]
    if unknown:
        raise TableError(f"targets {unknown} are not in the table (its chips: {list(s.targets)})")
    return SearchConfig(space=s.space, space_options=dict(s.space_options), strategy=strategy,
                        strategy_options=options, targets=tuple(chips), dataset=s.dataset,
                        budget=budget, objectives=objectives or Objectives(), seed=seed, epochs=s.epochs,
                        patience=s.patience, mapper=s.mapper, eval_samples=s.eval_samples,  # type: ignore[arg-type]
                        fidelity=s.fidelity)  # type: ignore[arg-type]


def replay(table: Table, config: SearchConfig, store: str | Path | None = None) -> dict[str, list[Row]]:
    """Run ``config`` (e.g. :func:`replay_config`) with every evaluation answered from ``table``; returns
    the stored rows per chip, as ``run_search`` does. ``store``: where to keep them (default a temporary
    file, deleted after)."""
    if store is not None:
        with Store(store) as st:
            return run_search(config, st, TableExecutor(table))
    with tempfile.TemporaryDirectory(prefix="snnas-replay-") as tmp, Store(Path(tmp) / "replay.db") as st:
        return run_search(config, st, TableExecutor(table))


@dataclass(frozen=True)
class Regret:
    """A search's distance from the table's optimum on one chip (module docstring)."""

    chip: str
    accuracy: float  # a* − best accuracy found (a* when nothing fitting was found)
    hypervolume: float  # 1 − HV(found) / HV(table)
    best_accuracy: float
    table_best_accuracy: float


def _points(scores: list[dict[str, Any]], objectives: Objectives) -> np.ndarray:
    return np.array([objectives.fitness(s) for s in scores], dtype=float).reshape(len(scores), -1)


def _reference(points: np.ndarray, objectives: Objectives) -> np.ndarray:
    """Accuracy 0 (its fitness is −accuracy), every cost 1.1 × its worst finite value in ``points``."""
    ref = np.zeros(points.shape[1])
    for k, name in enumerate(objectives.names):
        if name != "accuracy":
            col = points[:, k][np.isfinite(points[:, k])]
            ref[k] = 1.1 * float(col.max()) if col.size else 1.0
    return ref


def regret(table: Table, rows: list[Row], chip: str, objectives: Objectives) -> Regret:
    """The accuracy and hypervolume regret of ``rows`` (one chip's stored rows) against ``table``."""
    best_entries = [o["score"] for _, o in table.full(chip) if o["status"] == "ok" and o["score"]]
    if not best_entries:
        raise TableError(f"the table has no fitting full-fidelity result on chip {chip!r}")
    a_star = max(float(s["accuracy_chip"]) for s in best_entries)
    found = [r.score for r in rows if r.status == "ok" and r.fidelity == 1.0 and r.score]
    a_best = max((float(s["accuracy_chip"]) for s in found), default=0.0)
    all_pts = _points(best_entries, objectives)
    if objectives.weights is not None or all_pts.shape[1] == 1:
        hv_regret = (a_star - a_best) / a_star if a_star > 0 else 0.0
    else:
        ref = _reference(all_pts, objectives)
        hv_table = hypervolume(all_pts, ref)
        hv_found = hypervolume(_points(found, objectives), ref) if found else 0.0
        hv_regret = 1.0 - hv_found / hv_table if hv_table > 0 else 0.0
    return Regret(chip, a_star - a_best, float(max(0.0, hv_regret)) if math.isfinite(hv_regret) else 1.0,
                  a_best, a_star)
