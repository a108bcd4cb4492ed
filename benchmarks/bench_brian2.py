"""Benchmark (a) against Brian2's C++ standalone mode, side by side.

    python benchmarks/bench_brian2.py --brian2-python /tmp/vbrian/bin/python [--repeats 3]

(see brian2_standalone.py for setting up the Brian2 environment). Both simulators run the same 10,000
LIF neurons, ~1M synapses, 1,000 steps of 1 ms; the figure is synaptic events per second (spikes x mean
out-degree) of the simulation run, timed inside each process: Brian2's own run time of the network
(its binary's wall time, with loading and saving arrays, is printed beside), snnas's one prepared-network
run. The two spike counts differ slightly: Brian2 holds v during the refractory period and ignores no
input, while snnas discards input to v while refractory (see cpp/neurons.hpp).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import bench_sim  # noqa: E402
from _machine import machine  # noqa: E402

import snnas._core as _core  # noqa: E402
from snnas.sim.engine import network_arguments, run_arguments  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--brian2-python", required=True, help="Python of an environment with brian2 and numpy < 2.4")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    net = bench_sim.make_network()
    d = bench_sim.drive(1.0)
    n = bench_sim.N
    row_ptr = np.asarray(net.row_ptr)
    pre = np.repeat(np.arange(n), np.diff(row_ptr))
    prepared = _core.prepare(**network_arguments(net, bench_sim.DT))
    run_args = run_arguments(n, bench_sim.STEPS, **d)
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        out = prepared.run(**run_args)
        times.append(time.perf_counter() - t0)
    t_snnas = statistics.median(times)
    degree = np.diff(row_ptr)
    ev_snnas = int(out["synaptic_events"])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "net.npz"
        np.savez(path, n=n, steps=bench_sim.STEPS, pre=pre, post=np.asarray(net.target), weight=np.asarray(net.weight),
                 delay=np.asarray(net.delay), v0=d["v0"], i_ext=d["i_ext"])
        res = subprocess.run([args.brian2_python, str(Path(__file__).parent / "brian2_standalone.py"), str(path),
                              str(args.repeats)], capture_output=True, text=True, check=False)
    print(f"machine: {machine()}")
    print(f"(a) {n} LIF neurons, {row_ptr[-1]} synapses, {bench_sim.STEPS} steps of 1 ms, median of {args.repeats}")
    print(f"    snnas C++ : {t_snnas * 1e3:8.1f} ms  {out['spikes']} spikes  "
          f"{ev_snnas / t_snnas:.3e} synaptic events/s")
    if res.returncode != 0:
        print(f"    Brian2 failed:\n{res.stderr[-2000:]}")
        return
    b = json.loads(res.stdout.strip().splitlines()[-1])
    ev_b = b["spikes"] * float(degree.mean())
    print(f"    Brian2 {b['brian2']} C++ standalone: {b['seconds'] * 1e3:8.1f} ms  {b['spikes']} spikes  "
          f"{ev_b / b['seconds']:.3e} synaptic events/s (its run time; the whole binary with file I/O: "
          f"{b['binary_seconds'] * 1e3:.1f} ms)")
    print(f"    ratio snnas / Brian2 (events/s): {(ev_snnas / t_snnas) / (ev_b / b['seconds']):.2f}x")


if __name__ == "__main__":
    main()
