"""Batched chip accuracy: 1,000 digits test samples on Loihi, one core call per batch vs one call per sample.

    python benchmarks/bench_batch.py [--samples 1000] [--repeats 5] [--steps 16]

A 64-128-10 LIF network trained on digits (4 epochs), quantised to Loihi's 8-bit weights and its integer
rule, is run in the fixed-point engine on ``samples`` rate-coded samples three ways, interleaved in each
repeat: (a) the loop chip accuracy ran before batching (one ``simulate_fixed`` call per sample, its input
events built in numpy), (b) one batched call on one thread, (c) one batched call on two threads. Every
way gives the same output spikes (checked). Printed: the medians and the ratios (a)/(b) and (b)/(c).
BLAS and numba are held to one thread; the batch's threads are the only parallelism.

(2) does the same for the float run behind energy per inference (``snnas.evaluate.onchip.run_network``,
double precision, the trained network before quantisation): its former loop (one whole ``simulate`` call
per sample: check, prepare, run) against the batch (``Simulator.run_batch``) on one and two threads.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine  # noqa: E402

from snnas.chip import load_chip  # noqa: E402
from snnas.data.datasets import digits, split  # noqa: E402
from snnas.evaluate.accuracy import ChipNet, _chip_net, chip_net_batch  # noqa: E402
from snnas.quantize.network import quantize  # noqa: E402
from snnas.sim.fixed import simulate_fixed  # noqa: E402
from snnas.train.config import TrainConfig, encode  # noqa: E402
from snnas.train.trained import fit  # noqa: E402


def per_sample(chip: ChipNet, x: np.ndarray) -> np.ndarray:
    """Chip accuracy's loop before batching: one engine call per sample (the code it replaced)."""
    out = np.zeros((x.shape[0], x.shape[1], chip.n_out), dtype=np.int32)
    for s, sample in enumerate(x):
        t, i = np.nonzero(sample)
        mult = sample[t, i].astype(np.int64)
        counts = chip.in_ptr[i + 1] - chip.in_ptr[i]
        first = np.repeat(chip.in_ptr[i] - (np.cumsum(counts) - counts), counts)
        syn = first + np.arange(int(counts.sum()), dtype=np.int64)
        events = (np.repeat(t, counts).astype(np.int64), chip.in_target[syn],
                  (chip.in_weight[syn] * np.repeat(mult, counts)).astype(np.int32))
        res = simulate_fixed(chip.net, x.shape[1], ext_spikes=events, i_ext=chip.i_ext)
        keep = res.spike_ids >= chip.out_offset
        np.add.at(out[s], (res.spike_steps[keep], res.spike_ids[keep] - chip.out_offset), 1)
    return out


def per_sample_float(net: Any, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The float energy path's loop before batching (run_network's former body): one whole simulate
    call (check, prepare, run) per sample, its input events expanded in numpy."""
    from snnas.evaluate.onchip import _check_raster, _sim_network
    from snnas.sim.engine import simulate

    csr = net.to_csr()
    raster = _check_raster(net, x)
    sim, glob, gain = _sim_network(net, csr)
    r = np.concatenate([p.neuron.resistance(p.size) for p in net.populations])
    drive = net.bias()[glob] * r
    in_ids = np.concatenate([np.arange(csr.offsets[i.name], csr.offsets[i.name] + i.size) for i in net.inputs])
    local = np.full(csr.num_neurons, -1, dtype=np.int64)
    local[glob] = np.arange(glob.size)
    n_steps = raster.shape[1]
    steps_all, ids_all = [], []
    for s, sample in enumerate(raster):
        t, col = np.nonzero(sample)
        mult = sample[t, col].astype(np.float64)
        src = in_ids[col]
        cnt = csr.row_ptr[src + 1] - csr.row_ptr[src]
        spike = np.repeat(np.arange(src.size), cnt)
        syn = np.repeat(csr.row_ptr[src], cnt) + np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        step = t[spike] + csr.delay[syn]
        tgt = csr.target[syn]
        ok = (step < n_steps) & (local[tgt] >= 0)
        events = (step[ok], local[tgt[ok]], (csr.weight[syn] * gain[tgt] * mult[spike])[ok])
        res = simulate(sim, n_steps, net.dt, ext_spikes=events, i_ext=drive if np.any(drive) else None)
        tt, cc = np.nonzero(sample)
        m = sample[tt, cc]
        steps_all += [np.repeat(tt, m) + s * n_steps, res.spike_steps.astype(np.int64) + s * n_steps]
        ids_all += [np.repeat(in_ids[cc], m), glob[res.spike_ids]]
    steps, ids = np.concatenate(steps_all), np.concatenate(ids_all)
    order = np.argsort(steps, kind="stable")
    return steps[order], ids[order]


def float_path(trained: Any, x: np.ndarray, repeats: int) -> None:
    """(2) The float run behind energy per inference (snnas.evaluate.onchip.run_network) on the same samples."""
    from snnas.evaluate.onchip import run_network

    net = trained.to_network()
    ways = {"per-sample loop": lambda: per_sample_float(net, x)}
    for k in (1, 2):
        def batched(k: int = k) -> tuple[np.ndarray, np.ndarray]:
            os.environ["SNNAS_THREADS"] = str(k)
            run = run_network(net, x)
            return run.spike_steps, run.spike_ids
        ways[f"batch, {k} thread{'s' if k > 1 else ''}"] = batched
    times: dict[str, list[float]] = {k: [] for k in ways}
    outs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for _ in range(repeats):
        for name, way in ways.items():
            start = time.perf_counter()
            outs[name] = way()
            times[name].append(time.perf_counter() - start)
    os.environ.pop("SNNAS_THREADS", None)
    ref = outs["per-sample loop"]
    same = all(np.array_equal(o[0], ref[0]) and np.array_equal(o[1], ref[1]) for o in outs.values())
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"\n(2) the float run of energy per inference (run_network), same network and samples, {ref[1].size} spikes")
    for name, m in med.items():
        print(f"  {name:18s} median {m * 1e3:8.1f} ms  ({m / x.shape[0] * 1e6:6.1f} µs per sample)")
    print(f"identical spikes: {same}")
    print(f"batch (1 thread) vs per-sample loop: {med['per-sample loop'] / med['batch, 1 thread']:.2f}x faster; "
          f"second thread: {med['batch, 1 thread'] / med['batch, 2 threads']:.2f}x faster")
    if not same:
        raise SystemExit("the float ways disagree")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--steps", type=int, default=16)
    args = ap.parse_args()
    print(machine())
    data = digits()
    sp = split(data, seed=0)
    cfg = TrainConfig(hidden=(128,), n_steps=args.steps, epochs=4, seed=0)
    trained = fit(cfg, data, sp)
    q = quantize(trained, load_chip("loihi"), 8)
    chip = _chip_net(q)
    every = np.arange(len(data))
    x = np.rint(encode(data, every, cfg)).astype(np.int8)
    x = np.concatenate([x] * (args.samples // len(every) + 1))[:args.samples]
    print(f"network 64-128-10 LIF, T = {args.steps}, Loihi rule ({q.numerics}); {x.shape[0]} samples, "
          f"{int(x.sum())} input spikes")
    ways = {"per-sample loop": lambda: per_sample(chip, x),
            "batch, 1 thread": lambda: chip_net_batch(chip, x, threads=1).out_spikes,
            "batch, 2 threads": lambda: chip_net_batch(chip, x, threads=2).out_spikes}
    times: dict[str, list[float]] = {k: [] for k in ways}
    outs: dict[str, np.ndarray] = {}
    for _ in range(args.repeats):
        for name, way in ways.items():
            start = time.perf_counter()
            outs[name] = way()
            times[name].append(time.perf_counter() - start)
    ref = outs["per-sample loop"]
    same = all(np.array_equal(o, ref) for o in outs.values())
    med = {k: statistics.median(v) for k, v in times.items()}
    for name, m in med.items():
        print(f"  {name:18s} median {m * 1e3:8.1f} ms  ({m / x.shape[0] * 1e6:6.1f} µs per sample; "
              f"repeats {', '.join(f'{t * 1e3:.0f}' for t in times[name])} ms)")
    print(f"identical output spikes: {same}")
    print(f"batch (1 thread) vs per-sample loop: {med['per-sample loop'] / med['batch, 1 thread']:.2f}x faster")
    print(f"second thread: {med['batch, 1 thread'] / med['batch, 2 threads']:.2f}x faster")
    if not same:
        raise SystemExit("the ways disagree")
    float_path(trained, x, args.repeats)


if __name__ == "__main__":
    main()
