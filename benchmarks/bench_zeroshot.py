"""Zero-shot benchmark: how well do training-free scores of untrained networks rank trained chip accuracy?

    python benchmarks/bench_zeroshot.py [--n 60] [--epochs 8] [--workers 2] [--seed 0] [--out zeroshot.csv]

``n`` distinct random genomes of the global space restricted to Loihi (seeded), each scored zero-shot
(SAHD and NASWOT's Hamming kernel, each with the mean and the sum over sites; parameter count; mean firing
rate; 2 minibatches of 256 training samples, untrained weights as training would draw them) and each
really evaluated (trained for ``epochs`` with patience 3, quantised, mapped onto Loihi with the traffic
mapper, simulated in the fixed-point engine on the test split: chip accuracy), the trainings in
``workers`` processes. Prints Kendall τ_b between every score and chip accuracy over the candidates that
fit the chip, the mean chip accuracy of each score's top 10, and the time per zero-shot score against the
time per training; writes a CSV (genome key, description, scores, synaptic events, status, accuracies).
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import kendalltau

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine

from snnas.chip import load_chip
from snnas.search.executors import ProcessExecutor
from snnas.search.tasks import DatasetSpec, EvalTask, load_dataset
from snnas.space import GlobalSpace
from snnas.train.candidate import config_of  # noqa: E402
from snnas.train.scores import input_batch, probe, single_threaded, zero_shot_score

# column → (score name, reduce)
SCORES = {"sahd": ("sahd", "mean"), "sahd_sum": ("sahd", "sum"), "hamming": ("hamming", "mean"),
          "hamming_sum": ("hamming", "sum"), "params": ("params", "mean"), "rate": ("rate", "mean")}


def train_all(tasks: list[EvalTask], workers: int) -> list[dict[str, Any]]:
    """Every task's outcome, ``workers`` at a time."""
    out: list[dict[str, Any] | None] = [None] * len(tasks)
    with ProcessExecutor(workers, timeout=900.0) as pool:
        nxt = running = done = 0
        start = time.perf_counter()
        while done < len(tasks):
            while nxt < len(tasks) and running < pool.capacity:
                pool.submit(nxt, tasks[nxt])
                nxt, running = nxt + 1, running + 1
            for idx, outcome in pool.wait():
                out[idx] = outcome
                running, done = running - 1, done + 1
                acc = (outcome.get("score") or {}).get("accuracy_chip")
                print(f"  [{done:3d}/{len(tasks)}] {time.perf_counter() - start:6.0f} s  #{idx:<3d} "
                      f"{outcome['status']:10s} chip accuracy {acc if acc is None else round(acc, 3)}", flush=True)
    return [o if o is not None else {"status": "failed", "score": None} for o in out]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=60)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--out", default="zeroshot.csv", help="CSV of every candidate's scores and accuracy")
    args = ap.parse_args()
    print(f"machine: {machine()}")
    chip = load_chip("loihi")
    space = GlobalSpace().restrict(chip)
    rng = np.random.default_rng(args.seed)
    genomes: dict[str, Any] = {}
    while len(genomes) < args.n:
        g = space.sample(rng)
        genomes.setdefault(g.key, g)
    cands = [space.candidate(g, epochs=args.epochs, patience=3, seed=0) for g in genomes.values()]
    data, split = load_dataset(DatasetSpec())
    print(f"digits on Loihi, global space, {args.n} random genomes (seed {args.seed}), {args.epochs} epochs, "
          f"zero-shot on 2 minibatches of {args.batch} training samples")

    # -- zero-shot -----------------------------------------------------------------------------------
    rows: list[dict[str, Any]] = []
    seconds: dict[str, list[float]] = {c: [] for c in SCORES}
    for g, cand in zip(genomes.values(), cands):
        row: dict[str, Any] = {"key": g.key, "description": cand.description}
        for col, (name, reduce) in SCORES.items():
            t = time.perf_counter()
            row[col] = zero_shot_score(config_of(cand), data, split, name, batch=args.batch, repeats=2, seed=args.seed,
                                       reduce=reduce)
            seconds[col].append(time.perf_counter() - t)
        with single_threaded():
            idx = np.sort(np.random.default_rng(args.seed).choice(split.train, args.batch, replace=False))
            config = config_of(cand)
            row["synops"] = probe(config, input_batch(data, idx, config), args.seed).synops
        rows.append(row)
    print("zero-shot time per candidate (2 minibatches, raster + forward + score), median / max [s]: "
          + ", ".join(f"{c} {statistics.median(v):.3f}/{max(v):.3f}" for c, v in seconds.items()), flush=True)

    # -- training ------------------------------------------------------------------------------------
    t = time.perf_counter()
    outcomes = train_all([EvalTask(c, chip, DatasetSpec(), mapper="traffic", eval_samples=32) for c in cands],
                         args.workers)
    wall = time.perf_counter() - t
    for row, o in zip(rows, outcomes):
        sc = o.get("score") or {}
        row.update(status=o["status"], accuracy_chip=sc.get("accuracy_chip"), accuracy_float=sc.get("accuracy_float"),
                   energy_j=sc.get("energy_j"), eval_seconds=o.get("seconds"))
    per = [r["eval_seconds"] for r in rows if r["status"] == "ok" and r["eval_seconds"] is not None]
    print(f"evaluation (train + quantise + map + simulate): {wall:.0f} s wall for {len(rows)} candidates with "
          f"{args.workers} workers; per fitting candidate median {statistics.median(per):.1f} s, "
          f"max {max(per):.1f} s" if per else "no candidate fitted")

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    print(f"CSV: {out.resolve()}")

    # -- rank correlation ----------------------------------------------------------------------------
    ok = [r for r in rows if r["status"] == "ok" and r["accuracy_chip"] is not None]
    counts = {s: sum(r["status"] == s for r in rows) for s in ("ok", "infeasible", "failed")}
    acc = np.array([r["accuracy_chip"] for r in ok])
    print(f"\n{len(ok)} candidates with a chip accuracy ({counts}); chip accuracy median {np.median(acc):.3f}, "
          f"range {acc.min():.3f}-{acc.max():.3f}; mean of all {acc.mean():.3f}")
    print(f"{'score':12s} {'Kendall tau_b':>13s} {'p':>9s} {'top-10 mean acc':>16s} {'s/candidate':>12s}")
    for col in SCORES:
        x = np.array([r[col] for r in ok])
        tau, p = kendalltau(x, acc)
        top = acc[np.argsort(-x, kind="stable")[:10]].mean()
        print(f"{col:12s} {tau:13.3f} {p:9.2g} {top:16.3f} {statistics.median(seconds[col]):12.3f}")
    syn = np.array([r["synops"] for r in ok])
    tau, p = kendalltau(-syn, acc)
    print(f"{'-synops':12s} {tau:13.3f} {p:9.2g}   (cost proxy of the ranker; negative: cheaper is better)")


if __name__ == "__main__":
    main()
