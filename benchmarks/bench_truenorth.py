"""TrueNorth chip accuracy on digits next to float accuracy, and what the network costs on the chip.

    python benchmarks/bench_truenorth.py [--seeds 4] [--epochs 40] [--fine-tune 10] [--alternatives]

For each neuron model (LIF, and IF: TrueNorth's neuron with leak 0) and training seed: the 64-128-10
network of the tests trained on digits (split seed 0, 16 steps of rate code, test raster seed 0), its
float test accuracy, its chip accuracy on TrueNorth quantised as trained (trinary weights t · s_j,
:mod:`snnas.quantize.trinary`) and after fine-tuning with the trinary weights in the loop, and the mapped
cost of the fine-tuned network: cores, input axons, neuron copies (traffic mapper). Chip accuracy runs the
integer network in the fixed-point engine under TrueNorth's own rule for IF (its numerics), the generic one for LIF
(TrueNorth has no exponential leak).

``--alternatives`` also measures the mapping not offered: five levels {-2, -1, 0, 1, 2} · s_j, which needs
all four axon types (+s, -s, +2s, -2s: four axons per source and core, so a core takes 64 sources).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine  # noqa: E402

from snnas.data.datasets import digits, split  # noqa: E402
from snnas.evaluate.accuracy import chip_accuracy  # noqa: E402
from snnas.mapping import map_network  # noqa: E402
from snnas.quantize.layers import QuantizedNetwork, fine_tune, quantize  # noqa: E402
from snnas.quantize.network import held  # noqa: E402
from snnas.train.config import TrainConfig  # noqa: E402
from snnas.train.layers import TrainResult, accuracy, train  # noqa: E402


def five_levels(w: NDArray[np.float64], iterations: int = 10) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per column, levels q in {-2..2} and a scale α fitted by alternating least squares: w ≈ α · q."""
    alpha = np.maximum(np.abs(w).mean(axis=0), 1e-12)
    q = np.clip(np.rint(w / alpha), -2, 2)
    for _ in range(iterations):
        alpha = np.maximum((w * q).sum(axis=0) / np.maximum((q * q).sum(axis=0), 1), 1e-12)
        q = np.clip(np.rint(w / alpha), -2, 2)
    return q, alpha


def five_level_float(ws: list[NDArray[np.float64]]) -> list[NDArray[np.float64]]:
    """The five-level weights α · q in float scale (the projection fine-tuning trains through)."""
    return [q * alpha for q, alpha in map(five_levels, ws)]


def five_level_chip(res: TrainResult, q0: QuantizedNetwork) -> QuantizedNetwork:
    """``q0`` with five-level weights q · s_j (s_j on the 9-bit grid: 2 s_j <= 255)."""
    weights, units = [], []
    for w in res.weights:
        q, alpha = five_levels(w)
        unit = float(alpha.max()) * 2 / 255
        s = np.clip(np.rint(alpha / unit), 1, 127).astype(np.int64)
        weights.append((q.astype(np.int64) * s).astype(np.int64))
        units.append(unit)
    return replace(q0, weights=weights, scales=units, thresholds=[round(res.config.threshold / u) for u in units])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=4)
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--fine-tune", type=int, default=10)
    p.add_argument("--alternatives", action="store_true")
    args = p.parse_args()
    print(machine())
    d = digits()
    sp = split(d, seed=0)
    x = np.asarray(d.raster(sp.test, 16, 1e-3, "rate", seed=0), dtype=float)
    y = d.labels[sp.test]
    print(f"digits: {len(sp.train)} train, {len(sp.test)} test samples; 64-128-10, {args.epochs} epochs, "
          f"fine-tuning {args.fine_tune} epochs")
    head = f"{'neuron':6} {'seed':>4} {'float':>6} {'chip':>6} {'chip ft':>7} {'cores':>5} {'axons':>5} {'copies':>6}"
    print(head + ("  5-level: chip  ft cores axons copies" if args.alternatives else ""))
    for neuron in ("lif", "if"):
        rows = []
        for seed in range(args.seeds):
            start = time.perf_counter()
            cfg = TrainConfig(neuron=neuron, epochs=args.epochs, patience=args.epochs, seed=seed, progress=False)
            res = train(d, sp, cfg)
            float_acc = accuracy(res.weights, x, y, cfg)
            chip, _ = chip_accuracy(quantize(res, "truenorth"), x.astype(np.int8), y)
            tuned, q = fine_tune(res, "truenorth", d, sp, epochs=args.fine_tune)
            chip_ft, _ = chip_accuracy(q, x.astype(np.int8), y)
            _, report = map_network(held(tuned, q), "truenorth")
            cost = report.axon_cost
            assert cost is not None
            line = (f"{neuron:6} {seed:>4} {float_acc:6.3f} {chip:6.3f} {chip_ft:7.3f} {report.cores_used:>5} "
                    f"{cost.axons:>5} {cost.copies_polarity + cost.copies_fanout:>6}")
            row = [float_acc, chip, chip_ft]
            if args.alternatives:
                five, _ = chip_accuracy(five_level_chip(res, q), x.astype(np.int8), y)
                tuned5 = train(d, sp, replace(cfg, epochs=args.fine_tune, patience=args.fine_tune, lr=cfg.lr / 2),
                               init=res.weights, project=five_level_float)
                q5 = five_level_chip(tuned5, q)
                five_ft, _ = chip_accuracy(q5, x.astype(np.int8), y)
                _, report5 = map_network(held(tuned5, q5), "truenorth")
                c5 = report5.axon_cost
                assert c5 is not None
                line += (f"  {'':7}{five:.3f} {five_ft:.3f} {report5.cores_used:>5} {c5.axons:>5} "
                         f"{c5.copies_polarity + c5.copies_fanout:>6}")
                row += [five, five_ft]
            rows.append(row)
            print(line + f"   ({time.perf_counter() - start:.0f} s)", flush=True)
        mean = np.mean(rows, axis=0)
        five = f"  {'':7}{mean[3]:.3f} {mean[4]:.3f}" if args.alternatives else ""
        print(f"{neuron:6} {'mean':>4} {mean[0]:6.3f} {mean[1]:6.3f} {mean[2]:7.3f}{'':19}{five}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
