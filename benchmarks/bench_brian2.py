"""Benchmark (a) against Brian2's C++ standalone mode, side by side.

    python benchmarks/bench_brian2.py --brian2-python /tmp/vbrian/bin/python [--repeats 3]

(see brian2_standalone.py for setting up the Brian2 environment). Both simulators run the same 10,000
LIF neurons, ~1M synapses with a weight drawn per synapse (bench_sim.make_network(per_synapse_weights=
True)), 1,000 steps of 1 ms, with the same refractory rule: two steps after the spike's step v is held
and input is discarded (snnas' t_ref = 2; Brian2's refractory = 3 ms, as it counts the spike's own step,
with its synapses adding w only to a target that is not refractory). The figure is synaptic events per
second (spikes x mean out-degree), compared two ways, interleaved repeats, medians:

* CPU to CPU: Brian2's own run time of the network (its binary's std::clock() around the run, without
  loading and saving arrays) against snnas' process CPU time of the prepared run;
* wall to wall: Brian2's binary (loading its arrays, running, saving results) against snnas' prepare and
  run of the same network (the arrays already in memory).
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
from typing import Any

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
    net = bench_sim.make_network(per_synapse_weights=True)
    d = bench_sim.drive(1.0)
    n = bench_sim.N
    row_ptr = np.asarray(net.row_ptr)
    pre = np.repeat(np.arange(n), np.diff(row_ptr))
    run_args = run_arguments(n, bench_sim.STEPS, **d)
    cpu, wall, b_cpu, b_wall = [], [], [], []
    b: dict[str, Any] = {}
    out: dict[str, Any] = {}
    degree = np.diff(row_ptr)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "net.npz"
        np.savez(path, n=n, steps=bench_sim.STEPS, pre=pre, post=np.asarray(net.target), weight=np.asarray(net.weight),
                 delay=np.asarray(net.delay), v0=d["v0"], i_ext=d["i_ext"], t_ref=2)
        for _ in range(args.repeats):  # interleaved: snnas, then Brian2 (one build and run per repeat)
            w0 = time.perf_counter()
            prepared = _core.prepare(**network_arguments(net, bench_sim.DT))
            c0 = time.process_time()
            out = prepared.run(**run_args)
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
            res = subprocess.run([args.brian2_python, str(Path(__file__).parent / "brian2_standalone.py"), str(path),
                                  "1"], capture_output=True, text=True, check=False)
            if res.returncode != 0:
                print(f"    Brian2 failed:\n{res.stderr[-2000:]}")
                return
            b = json.loads(res.stdout.strip().splitlines()[-1])
            b_cpu.append(b["seconds"])
            b_wall.append(b["binary_seconds"])
    print(f"machine: {machine()}")
    print(f"(a) {n} LIF neurons, {row_ptr[-1]} synapses (a weight per synapse), {bench_sim.STEPS} steps of 1 ms, "
          f"medians of {args.repeats} interleaved repeats")
    ev_snnas, ev_b = int(out["synaptic_events"]), b["spikes"] * float(degree.mean())
    rate = lambda ev, t: f"{ev / statistics.median(t):.3e}"  # noqa: E731
    print(f"    snnas C++ : run {statistics.median(cpu) * 1e3:8.1f} ms CPU ({rate(ev_snnas, cpu)} events/s), prepare "
          f"and run {statistics.median(wall) * 1e3:8.1f} ms wall ({rate(ev_snnas, wall)}); {out['spikes']} spikes")
    print(f"    Brian2 {b['brian2']} C++ standalone: run {statistics.median(b_cpu) * 1e3:8.1f} ms CPU "
          f"({rate(ev_b, b_cpu)} events/s), binary {statistics.median(b_wall) * 1e3:8.1f} ms wall "
          f"({rate(ev_b, b_wall)}); {b['spikes']} spikes ({100 * (b['spikes'] / out['spikes'] - 1):+.2f}%)")
    print(f"    ratio snnas / Brian2 (events/s): CPU to CPU "
          f"{(ev_snnas / statistics.median(cpu)) / (ev_b / statistics.median(b_cpu)):.2f}x, wall to wall "
          f"{(ev_snnas / statistics.median(wall)) / (ev_b / statistics.median(b_wall)):.2f}x")


if __name__ == "__main__":
    main()
