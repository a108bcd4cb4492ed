"""Training benchmark: digits with a 64-128-10 LIF network, 16 steps; snnTorch on the CPU side by side.

    python benchmarks/bench_train.py [--epochs 10] [--repeats 3] [--no-variants]

(1) snnas' trainer to convergence (early stopping on validation): test accuracy and wall time.
(2) Throughput, samples × time steps per second, of a fixed number of epochs, for the snnas trainer and,
    when torch and snntorch are installed, for snnTorch on the CPU with the same network (Leaky neurons,
    beta = exp(-dt/tau), threshold 1, reset to zero, fast-sigmoid surrogate, Adam, batch 64, same rate-coded
    inputs, loss: cross-entropy of the output spike counts), with the ratio.
(3) Variants, each to convergence, float test accuracy and chip accuracy on Loihi (8-bit weights, fixed-point
    engine): a conv net (1×8×8 → 8 channels 3×3, padding 1 → 10), the same with 2×2 average pooling and a
    128-neuron dense layer, and the 64-128-10 network trained with the membrane loss (chip read by its
    output membrane, and for comparison by its output spike counts).
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine  # noqa: E402

from snnas.data.datasets import digits, split  # noqa: E402
from snnas.evaluate.accuracy import chip_accuracy  # noqa: E402
from snnas.ir.conv import ConvSpec  # noqa: E402
from snnas.quantize.layers import quantize  # noqa: E402
from snnas.train.config import TrainConfig  # noqa: E402
from snnas.train.layers import accuracy, train  # noqa: E402


def snntorch_epochs(x: np.ndarray, y: np.ndarray, cfg: TrainConfig, epochs: int) -> float | None:
    """Seconds for ``epochs`` epochs of snnTorch on the CPU, or None without torch/snntorch."""
    try:
        import snntorch as snn
        import torch
        from snntorch import surrogate
    except ImportError:
        return None
    torch.manual_seed(0)
    beta = math.exp(-cfg.dt / cfg.tau_m)
    fc1, fc2 = torch.nn.Linear(64, 128, bias=False), torch.nn.Linear(128, 10, bias=False)
    grad = surrogate.fast_sigmoid(slope=cfg.slope)
    lif1 = snn.Leaky(beta=beta, threshold=1.0, spike_grad=grad, reset_mechanism="zero")
    lif2 = snn.Leaky(beta=beta, threshold=1.0, spike_grad=grad, reset_mechanism="zero")
    opt = torch.optim.Adam(list(fc1.parameters()) + list(fc2.parameters()), lr=cfg.lr)
    xs = torch.tensor(np.transpose(x, (1, 0, 2)), dtype=torch.float32)  # (steps, samples, 64)
    ys = torch.tensor(y)
    loss_fn = torch.nn.CrossEntropyLoss()
    start = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(ys.numel())
        for k in range(0, order.numel(), cfg.batch_size):
            idx = order[k:k + cfg.batch_size]
            m1, m2 = lif1.init_leaky(), lif2.init_leaky()
            count = 0
            for t in range(xs.shape[0]):
                s1, m1 = lif1(fc1(xs[t, idx]), m1)
                s2, m2 = lif2(fc2(s1), m2)
                count = count + s2
            loss = loss_fn(count, ys[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=10, help="epochs of the throughput run (2)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-variants", action="store_true", help="skip (3)")
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
    x_train = np.asarray(d.raster(sp.train, cfg.n_steps, cfg.dt, cfg.encoder, seed=cfg.seed), dtype=float)
    fixed = TrainConfig(epochs=args.epochs, patience=args.epochs + 1, progress=False)
    work = sp.train.size * args.epochs * cfg.n_steps
    times = []
    for _ in range(args.repeats):
        r = train(d, sp, fixed)
        times.append(work / r.samples_per_second)
    t_snnas = statistics.median(times)
    print(f"(2) {args.epochs} epochs of {sp.train.size} samples x {cfg.n_steps} steps, median of {args.repeats}")
    print(f"    snnas (numba + BLAS): {t_snnas:7.2f} s  {work / t_snnas:,.0f} sample-steps/s")
    t_torch = [snntorch_epochs(x_train, d.labels[sp.train], cfg, args.epochs) for _ in range(args.repeats)]
    if t_torch[0] is None:
        print("    snnTorch: not installed (pip install torch==2.13.0 snntorch to compare)")
    else:
        ts = statistics.median([t for t in t_torch if t is not None])
        import snntorch
        import torch

        print(f"    snnTorch {snntorch.__version__} (torch {torch.__version__}, CPU, "
              f"{torch.get_num_threads()} threads): {ts:7.2f} s  {work / ts:,.0f} sample-steps/s")
        print(f"    ratio snnas / snnTorch throughput: {ts / t_snnas:.1f}x")
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
