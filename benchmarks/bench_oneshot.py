"""One-shot supernet: how well inherited weights rank sub-networks, and what the supernet costs.

    python benchmarks/bench_oneshot.py [--epochs 10,40,80] [--networks 50]

On the replay table's space (``benchmarks/data/replay_digits_loihi.jsonl.gz``: 1,080 genomes restricted to
Loihi, each trained stand-alone for 9 epochs in the table), a supernet (``snnas.train.supernet``) is trained
by path sampling for each number of epochs and each sampling rule; ``--networks`` random sub-networks are
scored on Loihi with inherited weights (quantised, mapped and simulated, no training) and Kendall's tau
against their stand-alone chip accuracy is printed, with the supernet's training time as a number of
stand-alone full trainings (the table's median ``train_seconds`` at full fidelity). For scale, tau of the
parameter count alone is printed too. Issue 18's target: tau >= 0.5 on 50 sub-networks.

Then the one-shot search itself (``--strategy oneshot``, defaults: 40 supernet epochs, NSGA-II over 100
inherited-weight scores on 64 test samples, the best 10 trained for real) is replayed against the table for
``--seeds`` seeds beside a 60-training evolution, and the median hypervolume of each is printed with the
one-shot search's whole cost: its wall time (supernet, inner search, and the 10 real evaluations at the
table's recorded time) in units of the table's median full evaluation. Targets: HV >= 0.98 of the
evolution's, cost <= 10 full trainings.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine  # noqa: E402

TABLE = Path(__file__).parent / "data" / "replay_digits_loihi.jsonl.gz"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--table", default=str(TABLE), help="the replay table (default the digits one)")
    parser.add_argument("--epochs", default="10,40,80")
    parser.add_argument("--networks", type=int, default=50)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--real", type=int, default=10, help="full trainings of the one-shot search (default 10)")
    parser.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                        help="a one-shot strategy option (supernet_epochs, sampling, inner, inner_test, ...), "
                             "repeatable")
    parser.add_argument("--skip-tau", action="store_true", help="only the one-shot search, not the tau table")
    ns = parser.parse_args()
    import numpy as np
    from scipy.stats import kendalltau

    from snnas.chip import load_chip
    from snnas.evaluate.score import score
    from snnas.search.table import read_table
    from snnas.search.tasks import load_dataset
    from snnas.space import make_space
    from snnas.train.supernet import inherit, train_supernet

    table = read_table(Path(ns.table))
    chip = load_chip("loihi")
    space = make_space(table.spec.space, **table.spec.space_options).restrict(chip)
    data, sp = load_dataset(table.spec.dataset)
    full_train = statistics.median(o["score"]["train_seconds"] for _, o in table.full("loihi")
                                   if o["score"].get("train_seconds"))
    rng = np.random.default_rng(1)
    genomes = [space.sample(rng) for _ in range(ns.networks)]
    alone = [table.outcome("loihi", g.key, 1.0)["score"]["accuracy_chip"] for g in genomes]  # type: ignore[index]
    params = [sum(a * b for a, b in zip((data.n_inputs, *space.hidden(g)), (*space.hidden(g), data.n_classes)))
              for g in genomes]
    print(f"machine: {machine()}")
    print(f"{ns.networks} sub-networks of {len(space.genomes())}; a stand-alone full training (9 epochs): median "
          f"{full_train:.3f} s (the table's); tau of the parameter count: {kendalltau(params, alone).statistic:.3f}\n")
    print(f"{'epochs':>6s} {'sampling':>8s} {'paths':>6s} {'train s':>8s} {'= trainings':>11s} "
          f"{'score s/net':>11s} {'tau':>6s}")
    for epochs in ([] if ns.skip_tau else (int(e) for e in ns.epochs.split(","))):
        for sampling in ("uniform", "fair"):
            net = train_supernet(space, data, sp, epochs=epochs, seed=0, sampling=sampling)
            t0 = time.perf_counter()
            inherited = []
            for g in genomes:
                tr = inherit(net, g)
                inherited.append(score(tr.config, chip, data, sp, weight_bits=int(g["weight_bits"]), eval_samples=8,
                                       trained=tr).accuracy_chip)
            per = (time.perf_counter() - t0) / len(genomes)
            tau = kendalltau(inherited, alone).statistic
            print(f"{epochs:6d} {sampling:>8s} {net.paths:6d} {net.seconds:8.2f} {net.seconds / full_train:11.1f} "
                  f"{per:11.3f} {tau:6.3f}")
    from snnas.search.objectives import Objectives
    from snnas.search.replay import regret, replay, replay_config

    obj = Objectives.parse("accuracy,energy")
    options: dict[str, object] = {}
    for item in ns.option:
        key, _, value = item.partition("=")
        options[key] = int(value) if value.lstrip("-").isdigit() else value
    full_eval = statistics.median(o["seconds"] for _, o in table.full("loihi") if o["seconds"])
    evo, one, cost = [], [], []
    for seed in range(ns.seeds):
        evo.append(1 - regret(table, replay(table, replay_config(table, "evolution", 60, seed, obj))["loihi"], "loihi",
                              obj).hypervolume)
        t0 = time.perf_counter()
        rows = replay(table, replay_config(table, "oneshot", ns.real, seed, obj, strategy_options=options))["loihi"]
        wall = time.perf_counter() - t0
        real = sum(table.outcome("loihi", r.genome_key, 1.0)["seconds"] or 0.0 for r in rows  # type: ignore[index]
                   if r.status != "duplicate")
        one.append(1 - regret(table, rows, "loihi", obj).hypervolume)
        cost.append((wall + real) / full_eval)
    print(f"\none-shot search ({ns.real} real trainings, options {options or 'default'}) vs evolution (60), "
          f"{ns.seeds} seeds; a full evaluation: median {full_eval:.3f} s")
    print(f"    evolution-60 HV share: median {statistics.median(evo):.4f}")
    ratio = statistics.median(one) / statistics.median(evo)
    print(f"    one-shot-{ns.real:<3d} HV share: median {statistics.median(one):.4f} -> ratio {ratio:.4f} "
          f"(per seed: {', '.join(f'{a / b:.3f}' for a, b in zip(one, evo))})")
    print(f"    one-shot cost: median {statistics.median(cost):.1f} full evaluations (of which {ns.real} real)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
