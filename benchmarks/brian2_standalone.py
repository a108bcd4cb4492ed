"""Run the network of bench_sim.py (a) in Brian2's C++ standalone mode and print its throughput as JSON.

Brian2 2.9+ needs numpy < 2.4, so it lives in its own environment; bench_brian2.py calls this script
with that environment's Python:

    python3 -m venv /tmp/vbrian && /tmp/vbrian/bin/pip install "numpy<2.4" brian2
    python benchmarks/bench_brian2.py --brian2-python /tmp/vbrian/bin/python

Input: an .npz with the network (pre, post, weight, delay in steps) and the drive (v0, i_ext), written by
bench_brian2.py from the same generator as bench_sim.py. The model is the one snnas simulates: LIF with
tau_m = 20 ms integrated exactly ('exact' method) under a constant drive, threshold 1, reset to 0, and
snnas' refractory rule for t_ref steps: Brian2 counts the spike's own step in its refractory period, so
it gets (t_ref + 1) steps, and its synapses add w only to a target that is not refractory (snnas discards
a refractory neuron's input); Brian2's default schedule.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time

import numpy as np


def main() -> None:
    import brian2 as b2

    data = np.load(sys.argv[1])
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    n, steps = int(data["n"]), int(data["steps"])
    t_ref = int(data["t_ref"]) if "t_ref" in data else 2
    times: list[float] = []
    wall: list[float] = []
    spikes = 0
    for _r in range(repeats):
        b2.device.reinit()
        b2.device.activate()
        b2.set_device("cpp_standalone", directory=tempfile.mkdtemp(prefix="snnas_brian2_"), build_on_run=False)
        b2.prefs.devices.cpp_standalone.openmp_threads = 0
        b2.defaultclock.dt = 1 * b2.ms
        g = b2.NeuronGroup(n, "dv/dt = (I - v) / (20*ms) : 1 (unless refractory)\nI : 1", threshold="v >= 1",
                           reset="v = 0", refractory=(t_ref + 1) * b2.ms, method="exact")
        g.v = data["v0"]
        g.I = data["i_ext"]
        s = b2.Synapses(g, g, "w : 1", on_pre="v_post += w * int(not_refractory_post)")
        s.connect(i=data["pre"], j=data["post"])
        s.w = data["weight"]
        s.delay = data["delay"] * b2.ms
        mon = b2.SpikeMonitor(g)
        b2.run(steps * b2.ms)
        b2.device.build(run=False)
        t0 = time.perf_counter()
        b2.device.run()
        wall.append(time.perf_counter() - t0)
        times.append(float(b2.device._last_run_time))  # the network's run, without loading and saving arrays
        spikes = int(mon.num_spikes)
    mid = len(times) // 2
    print(json.dumps({"seconds": sorted(times)[mid], "binary_seconds": sorted(wall)[mid], "spikes": spikes,
                      "brian2": b2.__version__}))


if __name__ == "__main__":
    main()
