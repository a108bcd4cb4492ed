"""One-shot supernet: how well inherited weights rank sub-networks, and what the supernet costs.

    python benchmarks/bench_oneshot.py [--epochs 10,40,80] [--networks 50]

On the replay table's space (``benchmarks/data/replay_digits_loihi.jsonl.gz``: 1,080 genomes restricted to
Loihi, each trained stand-alone for 9 epochs in the table), a supernet (``snnas.train.supernet``) is trained
by path sampling for each number of epochs and each sampling rule; ``--networks`` random sub-networks are
scored on Loihi with inherited weights (quantised, mapped and simulated, no training) and Kendall's tau
against their stand-alone chip accuracy is printed, with the supernet's training time as a number of
stand-alone full trainings (the table's median ``train_seconds`` at full fidelity). For scale, tau of the
parameter count alone is printed too. Issue 18's target: tau >= 0.5 on 50 sub-networks.
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
    parser.add_argument("--epochs", default="10,40,80")
    parser.add_argument("--networks", type=int, default=50)
    ns = parser.parse_args()
    import numpy as np
    from scipy.stats import kendalltau

    from snnas.chip import load_chip
    from snnas.data.datasets import digits, split
    from snnas.evaluate.score import score
    from snnas.search.table import read_table
    from snnas.space import make_space
    from snnas.train.supernet import inherit, train_supernet

    table = read_table(TABLE)
    chip = load_chip("loihi")
    space = make_space(table.spec.space, **table.spec.space_options).restrict(chip)
    data = digits()
    sp = split(data, seed=0)
    full_train = statistics.median(o["score"]["train_seconds"] for _, o in table.full("loihi")
                                   if o["score"].get("train_seconds"))
    rng = np.random.default_rng(1)
    genomes = [space.sample(rng) for _ in range(ns.networks)]
    alone = [table.outcome("loihi", g.key, 1.0)["score"]["accuracy_chip"] for g in genomes]  # type: ignore[index]
    params = [sum(a * b for a, b in zip((64, *space.hidden(g)), (*space.hidden(g), 10))) for g in genomes]
    print(f"machine: {machine()}")
    print(f"{ns.networks} sub-networks of {len(space.genomes())}; a stand-alone full training (9 epochs): median "
          f"{full_train:.3f} s (the table's); tau of the parameter count: {kendalltau(params, alone).statistic:.3f}\n")
    print(f"{'epochs':>6s} {'sampling':>8s} {'paths':>6s} {'train s':>8s} {'= trainings':>11s} "
          f"{'score s/net':>11s} {'tau':>6s}")
    for epochs in (int(e) for e in ns.epochs.split(",")):
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
