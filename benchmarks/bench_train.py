"""Training benchmark: digits with a 64-128-10 LIF network, 16 steps; snnTorch on the CPU side by side.

    python benchmarks/bench_train.py [--epochs 10] [--repeats 3] [--no-variants]

(1) snnas' trainer to convergence (early stopping on validation): test accuracy and wall time.
(2) Throughput, samples × time steps per second, of a fixed number of epochs, for the snnas trainer and
    for snnTorch on the CPU, eager and under ``torch.compile``, with the same network (Leaky neurons,
    beta = exp(-dt/tau), threshold 1, reset to zero, fast-sigmoid surrogate, Adam, batch 64, same rate-coded
    inputs, loss: cross-entropy of the output spike counts) and the same threads, run in their own
    environment (``--torch-python``, snntorch_train.py), interleaved; with the ratios.
(3) Variants, each to convergence, float test accuracy and chip accuracy on Loihi (8-bit weights, fixed-point
    engine): a conv net (1×8×8 → 8 channels 3×3, padding 1 → 10), the same with 2×2 average pooling and a
    128-neuron dense layer, and the 64-128-10 network trained with the membrane loss (chip read by its
    output membrane, and for comparison by its output spike counts).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine  # noqa: E402

from snnas.data.datasets import digits, split  # noqa: E402
from snnas.evaluate.accuracy import chip_accuracy  # noqa: E402
from snnas.ir.conv import ConvSpec  # noqa: E402
from snnas.quantize.layers import quantize  # noqa: E402
from snnas.threads import blas_threads  # noqa: E402
from snnas.train.config import TrainConfig  # noqa: E402
from snnas.train.layers import accuracy, train  # noqa: E402


def snntorch_seconds(python: str, data: Path, cfg: TrainConfig, epochs: int, threads: int,
                     mode: str) -> dict[str, Any] | None:
    """snnTorch's training of the same network in ``python`` (an environment with torch and snntorch:
    snntorch_train.py), or None when it cannot run there."""
    cmd = [python, str(Path(__file__).parent / "snntorch_train.py"), str(data), "--epochs", str(epochs),
           "--threads", str(threads), "--mode", mode, "--beta", repr(math.exp(-cfg.dt / cfg.tau_m)),
           "--slope", repr(cfg.slope), "--lr", repr(cfg.lr), "--batch", str(cfg.batch_size)]
    out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": str(threads)})
    if out.returncode != 0:
        print(f"    snnTorch ({mode}) failed in {python}: {out.stderr.strip().splitlines()[-1:]}")
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=10, help="epochs of the throughput run (2)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-variants", action="store_true", help="skip (3)")
    ap.add_argument("--threads", type=int, default=1, help="threads of both trainers in (2) (default 1)")
    ap.add_argument("--torch-python", help="a Python with torch and snntorch for (2) (default: $SNNAS_TORCH_PYTHON, "
                                           "else this one)")
    args = ap.parse_args()
    print(f"machine: {machine()}")
    d = digits()
    sp = split(d, seed=0)
    cfg = TrainConfig(progress=False)
    t0 = time.perf_counter()
    res = train(d, sp, cfg)
    wall = time.perf_counter() - t0
    x_test = np.asarray(d.raster(sp.test, cfg.n_steps, cfg.dt, cfg.encoder, seed=cfg.seed), dtype=float)
    acc = accuracy(res.weights, x_test, d.labels[sp.test], cfg)
    print(f"(1) digits 64-128-10 LIF, {cfg.n_steps} steps, rate code: test accuracy {100 * acc:.1f}% after "
          f"{len(res.history)} epochs, {wall:.2f} s (encoding and early stopping included)")
    x_train = np.asarray(d.raster(sp.train, cfg.n_steps, cfg.dt, cfg.encoder, seed=cfg.seed), dtype=np.float32)
    fixed = TrainConfig(epochs=args.epochs, patience=args.epochs + 1, progress=False)
    work = sp.train.size * args.epochs * cfg.n_steps
    python = args.torch_python or os.environ.get("SNNAS_TORCH_PYTHON") or sys.executable
    times: dict[str, list[float]] = {"snnas": [], "eager": [], "compile": []}
    versions = ""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "train.npz"
        np.savez(data, x=x_train, y=d.labels[sp.train])
        train(d, sp, TrainConfig(epochs=1, progress=False))  # compiles the kernels
        for _ in range(args.repeats):  # interleaved: snnas, snnTorch eager, snnTorch compiled
            with blas_threads(args.threads):
                r = train(d, sp, fixed)
            times["snnas"].append(r.seconds)  # the fit loop: training and each epoch's validation
            for mode in ("eager", "compile"):
                res = snntorch_seconds(python, data, cfg, args.epochs, args.threads, mode)
                if res is not None:
                    times[mode].append(res["seconds"])
                    versions = f"snnTorch {res['snntorch']}, torch {res['torch']}"
    print(f"(2) {args.epochs} epochs of {sp.train.size} samples x {cfg.n_steps} steps, batch {cfg.batch_size}, "
          f"{args.threads} thread(s), median of {args.repeats} interleaved repeats")
    t_snnas = statistics.median(times["snnas"])
    print(f"    snnas (numba + BLAS, float64):     {t_snnas:7.3f} s  {work / t_snnas:,.0f} sample-steps/s "
          f"(validation included)")
    for mode in ("eager", "compile"):
        if not times[mode]:
            print(f"    snnTorch {mode}: not run (give --torch-python, a Python with torch and snntorch)")
            continue
        ts = statistics.median(times[mode])
        print(f"    {versions} {mode:7s}: {ts:7.3f} s  {work / ts:,.0f} sample-steps/s (float32)  "
              f"-> snnas / snnTorch throughput {ts / t_snnas:.2f}x")
    if not args.no_variants:
        variants(d, sp, x_test)


def variants(d, sp, x_test: np.ndarray) -> None:  # type: ignore[no-untyped-def]
    """(3): conv and membrane-loss networks, float and Loihi chip accuracy."""
    y = d.labels[sp.test]
    x_int = x_test.astype(np.int8)
    print("(3) variants to convergence (early stopping, patience 10); chip: Loihi, 8-bit weights")
    for name, cfg in [
        ("conv 8@3x3 pad 1 -> 10", TrainConfig(conv=(ConvSpec(8, 3, padding=1),), hidden=(), patience=10,
                                                progress=False)),
        ("conv 8@3x3 pad 1, avg pool 2 -> 128 -> 10",
         TrainConfig(conv=(ConvSpec(8, 3, padding=1, pool=2),), hidden=(128,), patience=10, progress=False)),
        ("64-128-10, membrane loss", TrainConfig(loss="membrane", patience=10, progress=False)),
    ]:
        t0 = time.perf_counter()
        res = train(d, sp, cfg)
        wall = time.perf_counter() - t0
        acc = accuracy(res.weights, x_test, y, res.config)
        q = quantize(res, "loihi", weight_bits=8)
        chip, _ = chip_accuracy(q, x_int, y)
        extra = ""
        if cfg.loss == "membrane":
            by_count, _ = chip_accuracy(q, x_int, y, readout="count")
            extra = f" (read by spike counts instead: {100 * by_count:.1f}%)"
        print(f"    {name:42s} float {100 * acc:5.1f}%  chip {100 * chip:5.1f}%{extra}  {len(res.history)} epochs, "
              f"{wall:.1f} s, {res.samples_per_second:,.0f} sample-steps/s")


if __name__ == "__main__":
    main()
