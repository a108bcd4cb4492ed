"""Learning-curve stopping: the same hypervolume for 30% less training, on the replay table.

    python benchmarks/bench_curves.py [--seeds 20] [--budget 100] [--saved 0.3] [--strategies ...]

Each strategy is replayed against the tabular benchmark of ``bench_replay.py`` (the real search loop,
evaluations answered from the table, promotions resumed from checkpoints) twice per seed: as it is with a
budget of B full trainings, and with learning-curve stopping (``--option stop_curves=true``,
``snnas.search.curves``: climbs 1/9 → 1/3 → 1, stopped when the extrapolated result could not enter the
front) with (1 − saved)·B. Training time is the budget, in full trainings (what the loop spends). It prints
per strategy the median hypervolume of both runs (as a share of the table's), the median of the per-seed
ratio HV(stopping) / HV(plain), the share of climbs stopped and the full-fidelity evaluations each made.
Issue 18's target: 30% less training at no more than 0.5% hypervolume loss.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine  # noqa: E402
from bench_replay import DEFAULT_TABLE, _load  # noqa: E402

STRATEGIES = ("random", "evolution", "nsga2", "tpe", "reinforce", "predictor")


def one_run(path: str, strategy: str, budget: int, seed: int, stop: bool, quantile: float = 0.9,
            min_climbs: int = 10) -> tuple[float, int, int]:
    """(hypervolume share of the table's, full-fidelity evaluations, climbs stopped) of one replay."""
    from snnas.search.objectives import Objectives
    from snnas.search.replay import regret, replay, replay_config

    table = _load(path)
    obj = Objectives.parse("accuracy,energy")
    options = {"stop_curves": True, "stop_quantile": quantile, "stop_min_climbs": min_climbs} if stop else {}
    rows = replay(table, replay_config(table, strategy, budget, seed, obj, options))
    chip = table.spec.targets[0]
    full = [r for r in rows[chip] if r.status != "duplicate" and r.fidelity == 1.0]
    below = {r.genome_key for r in rows[chip] if r.fidelity < 1.0}
    stopped = len(below - {r.genome_key for r in full})
    return 1.0 - regret(table, rows[chip], chip, obj).hypervolume, len(full), stopped


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--table", default=str(DEFAULT_TABLE))
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--budget", type=int, default=100)
    parser.add_argument("--saved", type=float, default=0.3)
    parser.add_argument("--strategies", default=",".join(STRATEGIES))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quantile", type=float, default=0.9, help="stop_quantile (default 0.9)")
    parser.add_argument("--min-climbs", type=int, default=10, help="stop_min_climbs (default 10)")
    ns = parser.parse_args()
    strategies = ns.strategies.split(",")
    small = round((1.0 - ns.saved) * ns.budget)
    print(f"machine: {machine()}")
    print(f"table: {ns.table}; {ns.seeds} seeds; plain runs {ns.budget} trainings, with curve stopping {small} "
          f"({100 * (1 - small / ns.budget):.0f}% less), stop_quantile {ns.quantile}, stop_min_climbs "
          f"{ns.min_climbs}\n")
    jobs = [(ns.table, s, b, seed, stop, ns.quantile, ns.min_climbs) for s in strategies for seed in range(ns.seeds)
            for b, stop in ((ns.budget, False), (small, True))]
    with ProcessPoolExecutor(max_workers=ns.workers) as pool:
        out = list(pool.map(one_run, *zip(*jobs), chunksize=4))
    res = {(j[1], j[3], j[4]): o for j, o in zip(jobs, out)}
    print(f"{'strategy':10s} {'HV plain':>9s} {'HV stop':>9s} {'ratio (median, [min])':>22s} "
          f"{'stopped':>8s} {'full evals plain/stop':>22s}  loss <= 0.5%")
    for s in strategies:
        plain = [res[(s, k, False)] for k in range(ns.seeds)]
        stop = [res[(s, k, True)] for k in range(ns.seeds)]
        ratio = [b[0] / a[0] for a, b in zip(plain, stop)]
        med = statistics.median(ratio)
        climbs = [b[1] + b[2] for b in stop]
        share = statistics.median(b[2] / c for b, c in zip(stop, climbs) if c)
        print(f"{s:10s} {statistics.median(a[0] for a in plain):9.4f} {statistics.median(b[0] for b in stop):9.4f} "
              f"{med:12.4f} [{min(ratio):.4f}] {100 * share:7.0f}% "
              f"{statistics.median(a[1] for a in plain):10.0f} / {statistics.median(b[1] for b in stop):<9.0f}"
              f"  {'yes' if med >= 0.995 else 'NO'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
