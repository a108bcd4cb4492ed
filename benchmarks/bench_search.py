"""Search benchmark: on digits with Loihi, which strategies find a better (chip accuracy, energy) front
than random search with the same budget of full trainings?

    python benchmarks/bench_search.py [--budget 60] [--seeds 5] [--workers 2] [--epochs 8]
        [--strategies random,evolution,hyperband,tpe,zeroshot,reinforce]

For each seed and strategy, one search of ``budget`` full trainings (train, quantise to 8/4/2-bit
weights, map onto Loihi, simulate the fixed-point network, cost it; Hyperband's lower rungs cost their
share of a full training). Hypervolume of the full-fidelity (−chip accuracy, energy per inference)
results with one reference point for every run (accuracy 0; 1.1 × the largest energy of any fitting
candidate of any run), printed per seed, as medians over the seeds, and as the ratio to random search.

Runs with the same seed start from the same random genomes where the strategies draw their first
samples alike, and training is deterministic for a seed, so an evaluation shared by two runs is
computed once (cached by candidate, chip and data in this process).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine  # noqa: E402

from snnas.evaluate.score import STAGES  # noqa: E402
from snnas.search.executors import Executor, ProcessExecutor  # noqa: E402
from snnas.search.loop import SearchConfig, run_search  # noqa: E402
from snnas.search.pareto import hypervolume  # noqa: E402
from snnas.search.store import Store  # noqa: E402
from snnas.search.tasks import EvalTask  # noqa: E402


class Cached(Executor):
    """Serves an evaluation already computed in this benchmark (same candidate, chip, data), else runs it."""

    def __init__(self, inner: Executor, cache: dict[str, dict[str, Any]]) -> None:
        self.inner, self.cache = inner, cache
        self.capacity = inner.capacity
        self.ready: list[tuple[int, dict[str, Any]]] = []
        self.keys: dict[int, str] = {}
        self.hits = 0

    def submit(self, idx: int, task: EvalTask) -> None:
        key = repr((task.candidate, task.candidate.weight_bits, task.chip.id, task.dataset, task.mapper,
                    task.eval_samples, task.train_fraction))
        if key in self.cache:
            self.hits += 1
            self.ready.append((idx, self.cache[key]))
            return
        self.keys[idx] = key
        self.inner.submit(idx, task)

    def wait(self, timeout: float | None = None) -> list[tuple[int, dict[str, Any]]]:
        if self.ready:
            out, self.ready = self.ready, []
            return out
        out = self.inner.wait(timeout)
        for idx, o in out:
            self.cache[self.keys.pop(idx)] = o
        return out


def points(path: Path) -> np.ndarray:
    with Store(path) as st:
        rows = st.rows()
    pts = [(-r.score["accuracy_chip"], r.score["energy_j"]) for r in rows
           if r.status == "ok" and r.full and r.score and r.score.get("accuracy_chip") is not None
           and r.score.get("energy_j")]
    return np.array(pts, dtype=float).reshape(-1, 2)


def print_stages(paths: list[Path]) -> None:
    """Median wall time per stage of one full-fidelity evaluation (Score.stage_seconds), over every
    evaluated (not cached) result of the runs."""
    laps: dict[str, list[float]] = {k: [] for k in STAGES}
    totals: list[float] = []
    seen: set[str] = set()
    for path in paths:
        with Store(path) as st:
            rows = st.rows()
        for r in rows:
            stages = (r.score or {}).get("stage_seconds") or {}
            key = repr(sorted(stages.items()))
            if r.status != "ok" or not r.full or not stages or key in seen:
                continue
            seen.add(key)
            for k in STAGES:
                laps[k].append(float(stages.get(k, 0.0)))
            totals.append(sum(stages.values()))
    if not totals:
        return
    total = statistics.median(totals)
    print(f"\nper evaluation, median over {len(totals)} evaluations: {total:.2f} s; by stage:")
    for k in STAGES:
        m = statistics.median(laps[k])
        print(f"  {k:9s} {m:7.3f} s  ({100 * m / total:5.1f}%)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--budget", type=int, default=60)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--strategies", default="random,evolution,hyperband,tpe,zeroshot,reinforce",
                    help="comma-separated; NAME@RULE runs a multi-fidelity strategy with that fidelity rule "
                         "(e.g. hyperband@curriculum; default epochs)")
    ap.add_argument("--out", help="folder for the stores (default: a temporary folder)")
    args = ap.parse_args()
    strategies = [s.strip() for s in args.strategies.split(",")]
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="bench_search_"))
    out.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}")
    base = SearchConfig(targets=("loihi",), budget=args.budget, epochs=args.epochs, patience=3, eval_samples=32,
                        lag=args.workers)
    print(f"digits on Loihi, global space, {args.budget} evaluations per search, {args.epochs} epochs per candidate, "
          f"{args.workers} workers; stores in {out}")
    cache: dict[str, dict[str, Any]] = {}
    stores: dict[tuple[str, int], Path] = {}
    with ProcessExecutor(args.workers, timeout=900.0) as pool:
        for seed in range(args.seeds):
            for strat in strategies:
                path = out / f"{strat}_{seed}.db"
                path.unlink(missing_ok=True)
                ex = Cached(pool, cache)
                t = time.perf_counter()
                name, _, rule = strat.partition("@")
                with Store(path) as st:
                    run_search(replace(base, strategy=name, seed=seed, fidelity=rule or "epochs"), st, ex)
                stores[(strat, seed)] = path
                pts = points(path)
                best = -pts[:, 0].min() if pts.size else float("nan")
                print(f"  seed {seed} {strat:10s}: {time.perf_counter() - t:6.1f} s, {ex.hits} cached, "
                      f"{len(pts)} fitting, best chip accuracy {best:.3f}", flush=True)
    print_stages(list(stores.values()))
    allpts = np.concatenate([points(p) for p in stores.values()])
    ref = (0.0, 1.1 * float(allpts[:, 1].max()))
    print(f"\nhypervolume of (chip accuracy, energy per inference [J]); "
          f"reference point accuracy 0, energy {ref[1]:.4g} J")
    hv = {s: [hypervolume(points(stores[(s, k)]), ref) for k in range(args.seeds)] for s in strategies}
    print("seed  " + "  ".join(f"{s:>12s}" for s in strategies))
    for k in range(args.seeds):
        print(f"{k:4d}  " + "  ".join(f"{hv[s][k]:12.4e}" for s in strategies))
    med = {s: statistics.median(v) for s, v in hv.items()}
    print("median" + "  ".join(f"{med[s]:12.4e}" for s in strategies))
    for s in strategies:
        if s != "random" and "random" in med:
            print(f"{s} / random (median hypervolume): {med[s] / med['random']:.3f}; better on "
                  f"{sum(a > b for a, b in zip(hv[s], hv['random']))} of {args.seeds} seeds")


if __name__ == "__main__":
    main()
