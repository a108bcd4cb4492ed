"""Differentiable cell search (``--strategy darts``) against the best of 60 random cells, on the delayed XOR.

    python benchmarks/bench_darts.py [--seeds 5] [--random 60] [--budget 10] [--option KEY=VALUE ...]

The task is the temporal one where architecture matters (``snnas.data.temporal.delayed_xor``: the class is
the XOR of two cues 10 silent steps apart; ``--samples-per-class`` 1000, so 1,400 training and 300 test
samples), the space the cell space with its other decisions at one setting (32 neurons per node, LIF, 24
steps, rate code, 8-bit weights: only the cell's operations and directions vary; ``--widths 16,32,64`` lets
the width vary too, and darts relax it), restricted to Loihi.
Every evaluation is the search loop's own (``snnas.search.tasks.run_task``: train 30 epochs with patience 10,
quantise, map, simulate on Loihi, chip accuracy on the test split).

``--random`` random cells (uniform over the valid cells) are evaluated once; a full training is their median
evaluation time. For each of ``--seeds`` seeds the darts strategy runs as in a search (its relaxed training
in the first ask, then its proposals evaluated one by one) until its whole cost (relaxation + evaluations)
would pass ``--budget`` full trainings; its best chip accuracy is compared with the best random cell's.
Random evaluations and darts seeds are interleaved (the machine is shared). Issue 18's target: within 1
point of the best of 60 random cells in under 10 full trainings' time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--random", type=int, default=60, help="random cells (default 60)")
    parser.add_argument("--budget", type=float, default=10.0, help="darts' cost limit in full trainings (10)")
    parser.add_argument("--samples-per-class", type=int, default=1000)
    parser.add_argument("--widths", default="32", help="the cell space's widths, comma-separated (default 32; "
                                                       "with several, darts relaxes the width too)")
    parser.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                        help="a darts strategy option as JSON (epochs, warmup, penalties, relaxation, ...)")
    parser.add_argument("--out", help="also write every evaluation as JSON here")
    ns = parser.parse_args()
    import numpy as np

    from snnas.chip import load_chip
    from snnas.cli.searchcmd import _options
    from snnas.search import Objectives, SearchContext, make_strategy
    from snnas.search.base import Result
    from snnas.search.tasks import DatasetSpec, EvalTask, load_dataset, run_task
    from snnas.space import CellSpace
    from snnas.space.base import Genome

    chip = load_chip("loihi")
    space = CellSpace(widths=tuple(int(w) for w in ns.widths.split(",")), neurons=("lif",), n_steps=(24,),
                      encoders=("rate",),
                      weight_bits=(8,)).restrict(chip)
    spec = DatasetSpec("delayed_xor", (("samples_per_class", ns.samples_per_class),))
    data, sp = load_dataset(spec)
    objectives = Objectives.parse("accuracy,energy")
    epochs, patience = 30, 10
    options = _options(ns.option)

    def evaluate(g: Genome) -> tuple[dict[str, Any], Result]:
        task = EvalTask(space.candidate(g, epochs=epochs, patience=patience, seed=0), chip, spec, eval_samples=16,
                        genome_key=g.key)
        out = run_task(task)
        s = out["score"] or {}
        if out["status"] == "failed":
            return out, Result((float("inf"), float("inf")), float("inf"), "failed")
        return out, Result(objectives.fitness(s), 0.0 if out["status"] == "ok" else 1.0, str(out["status"]), s)

    print(f"machine: {machine()}")
    print(f"delayed XOR, {len(sp.train)} training / {len(sp.val)} validation / {len(sp.test)} test samples; "
          f"widths {ns.widths}, LIF, T=24, rate code, 8-bit weights; darts options {options}")
    rng = np.random.default_rng(12345)
    cells = [space.sample(rng) for _ in range(ns.random)]
    random_runs: list[dict[str, Any]] = []
    darts_runs: list[dict[str, Any]] = []
    per_round = -(-ns.random // max(1, ns.seeds))
    for r in range(max(ns.seeds, -(-ns.random // per_round))):
        for g in cells[r * per_round:(r + 1) * per_round]:
            out, _ = evaluate(g)
            acc = (out["score"] or {}).get("accuracy_chip")
            random_runs.append({"cell": space.describe(g), "accuracy_chip": acc, "seconds": out["seconds"]})
            print(f"  random {len(random_runs):3d}: {space.describe(g)}  chip acc {acc}  {out['seconds']:.1f} s",
                  flush=True)
        if r >= ns.seeds:
            continue
        unit = statistics.median(float(x["seconds"]) for x in random_runs)
        s = make_strategy("darts", space, r, SearchContext(objectives, chip, spec, 60, epochs, 0), **options)
        t0 = time.perf_counter()
        first = s.ask()
        relax_s = time.perf_counter() - t0
        spent, best, g = relax_s, None, first
        tried: list[dict[str, Any]] = []
        while (spent + (statistics.mean(float(t["seconds"]) for t in tried) if tried else unit)) / unit  \
                <= ns.budget:  # the next evaluation priced at the mean of its own so far
            out, res = evaluate(g)
            spent += float(out["seconds"])
            s.tell(g, res)
            acc = (out["score"] or {}).get("accuracy_chip")
            tried.append({"cell": space.describe(g), "accuracy_chip": acc, "seconds": out["seconds"]})
            if acc is not None and (best is None or acc > best):
                best = acc
            g = s.ask()
        darts_runs.append({"seed": r, "relax_seconds": relax_s, "cost_trainings": spent / unit, "best": best,
                           "derived": tried[0] if tried else None, "tried": tried})
        print(f"darts seed {r}: relaxation {relax_s:.1f} s = {relax_s / unit:.2f} trainings; {len(tried)} cells "
              f"trained; whole cost {spent / unit:.2f} trainings; derived cell {tried[0]['cell'] if tried else '-'} "
              f"chip acc {tried[0]['accuracy_chip'] if tried else '-'}; best {best}", flush=True)

    accs = [float(x["accuracy_chip"]) for x in random_runs if x["accuracy_chip"] is not None]
    unit = statistics.median(float(x["seconds"]) for x in random_runs)
    best_random = max(accs)
    for d in darts_runs:  # within the budget at the final unit: the prefix of its evaluations that fits
        spent, best = float(d["relax_seconds"]), None
        for t in d["tried"]:
            if spent + float(t["seconds"]) > ns.budget * unit:
                break
            spent += float(t["seconds"])
            if t["accuracy_chip"] is not None and (best is None or t["accuracy_chip"] > best):
                best = t["accuracy_chip"]
        d["best"], d["cost_trainings"] = best, spent / unit
    bests = [float(d["best"]) for d in darts_runs if d["best"] is not None]
    derived = [float(d["derived"]["accuracy_chip"]) for d in darts_runs if d["derived"]]
    print(f"\n{len(accs)} random cells: best chip accuracy {best_random:.3f}, median {statistics.median(accs):.3f}, "
          f"worst {min(accs):.3f}; a full training (median evaluation) {unit:.2f} s")
    print(f"darts, {len(darts_runs)} seeds: best within {ns.budget:g} trainings: median {statistics.median(bests):.3f} "
          f"(min {min(bests):.3f}, max {max(bests):.3f}); gap to the best random cell, median "
          f"{100 * (best_random - statistics.median(bests)):+.1f} points; the derived cell alone: median "
          f"{statistics.median(derived):.3f}; cost median "
          f"{statistics.median(float(d['cost_trainings']) for d in darts_runs):.2f} trainings "
          f"(relaxation {statistics.median(float(d['relax_seconds']) for d in darts_runs) / unit:.2f})")
    if ns.out:
        Path(ns.out).write_text(json.dumps({"machine": machine(), "random": random_runs, "darts": darts_runs,
                                            "options": options, "unit_seconds": unit}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
