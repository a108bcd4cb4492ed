"""Which strategies beat random search: every strategy replayed against a tabular benchmark, 20 seeds.

    python benchmarks/bench_replay.py [--table benchmarks/data/replay_digits_loihi.jsonl.gz] [--seeds 20]
        [--budgets 50,100,200] [--strategies random,evolution,...] [--workers 2]

The table (``snnas table build``; how this one was made: ``benchmarks/data/README.md``) holds every genome
of a 1,080-genome global space trained, quantised, mapped and simulated on Loihi at fidelities 1/9, 1/3
and 1, so a replayed search (``snnas.search.replay``: the real search loop, evaluations answered from the
table) costs milliseconds per ask. Per strategy and budget it prints the median and interquartile range
over the seeds of the accuracy regret (the table's best chip accuracy minus the best found) and the
hypervolume regret (1 − HV(found) / HV(table) on chip accuracy and energy, one reference point for all),
with promotions of the multi-fidelity strategies paying only their added epochs (``--no-checkpoints``:
a training from scratch each),
and a one-sided Wilcoxon signed-rank test of each strategy's hypervolume regret against random search's,
paired by seed (scipy.stats.wilcoxon). Runs go to worker processes (BLAS and numba capped to 1 thread).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine  # noqa: E402

DEFAULT_TABLE = Path(__file__).parent / "data" / "replay_digits_loihi.jsonl.gz"
STRATEGIES = ("random", "evolution", "nsga2", "halving", "hyperband", "asha", "tpe", "reinforce", "predictor")

_TABLE: Any = None


def _load(path: str) -> Any:
    global _TABLE
    if _TABLE is None:
        from snnas.search.table import read_table

        _TABLE = read_table(path)
    return _TABLE


def one_run(path: str, strategy: str, budget: int, seed: int, objectives: str,
            checkpoints: bool = True) -> tuple[str, int, int, float, float, float, int]:
    """(strategy, budget, seed, accuracy regret, hypervolume regret, seconds, asks) of one replayed search."""
    from snnas.search.objectives import Objectives
    from snnas.search.replay import regret, replay, replay_config

    table = _load(path)
    obj = Objectives.parse(objectives)
    t0 = time.perf_counter()
    rows = replay(table, replace(replay_config(table, strategy, budget, seed, obj), checkpoints=checkpoints))
    seconds = time.perf_counter() - t0
    chip = table.spec.targets[0]
    r = regret(table, rows[chip], chip, obj)
    return strategy, budget, seed, r.accuracy, r.hypervolume, seconds, len(rows[chip])


def _iqr(values: list[float]) -> str:
    q = statistics.quantiles(values, n=4) if len(values) > 1 else [values[0]] * 3
    return f"{statistics.median(values):.4f} [{q[0]:.4f}, {q[2]:.4f}]"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--table", default=str(DEFAULT_TABLE))
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--budgets", default="50,100,200")
    parser.add_argument("--strategies", default=",".join(STRATEGIES))
    parser.add_argument("--objectives", default="accuracy,energy")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-checkpoints", action="store_true",
                        help="promotions cost a training from scratch (default: only the epochs they add)")
    ns = parser.parse_args()
    from scipy.stats import wilcoxon

    table = _load(ns.table)
    budgets = [int(b) for b in ns.budgets.split(",")]
    strategies = ns.strategies.split(",")
    print(f"machine: {machine()}")
    print(f"table: {ns.table}: {len(table.outcomes)} entries, {len(table.genomes)} genomes, chips "
          f"{', '.join(table.spec.targets)}; created {table.created} in {table.wall_seconds:.0f} s wall "
          f"({table.evaluation_seconds():.0f} s of evaluations)")
    jobs = [(ns.table, s, b, seed, ns.objectives, not ns.no_checkpoints)
            for s in strategies for b in budgets for seed in range(ns.seeds)]
    print(f"promotions {'retrain from scratch' if ns.no_checkpoints else 'resume from checkpoints'} "
          f"(multi-fidelity strategies)")
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=ns.workers) as pool:
        results = list(pool.map(one_run, *zip(*jobs), chunksize=4))
    wall = time.perf_counter() - t0
    asks = sum(r[6] for r in results)
    print(f"{len(results)} replayed searches ({asks} asks) in {wall:.1f} s wall with {ns.workers} workers: "
          f"{1e3 * sum(r[5] for r in results) / asks:.2f} ms per ask (the whole loop: store, strategy, table)\n")
    by = {(s, b, seed): (acc, hv) for s, b, seed, acc, hv, _, _ in results}
    print(f"{'strategy':10s} {'budget':>6s}  {'accuracy regret, median [IQR]':>32s}  "
          f"{'hypervolume regret, median [IQR]':>34s}  {'p (HV < random)':>15s}")
    wins: dict[str, list[bool]] = {s: [] for s in strategies}
    for s in strategies:
        for b in budgets:
            acc = [by[(s, b, k)][0] for k in range(ns.seeds)]
            hv = [by[(s, b, k)][1] for k in range(ns.seeds)]
            p_text = ""
            if s != "random" and "random" in strategies:
                base = [by[("random", b, k)][1] for k in range(ns.seeds)]
                diff = [x - y for x, y in zip(hv, base)]
                p = 1.0 if all(d == 0 for d in diff) else float(wilcoxon(hv, base, alternative="less").pvalue)
                wins[s].append(p < 0.05)
                p_text = f"{p:.2g}" + (" *" if p < 0.05 else "")
            print(f"{s:10s} {b:6d}  {_iqr(acc):>32s}  {_iqr(hv):>34s}  {p_text:>15s}")
    every = [s for s, w in wins.items() if w and all(w)]
    print(f"\nbeats random search (p < 0.05) at every budget: {', '.join(every) if every else 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
