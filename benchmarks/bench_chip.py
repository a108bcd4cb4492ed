"""Chip-model benchmark: simulation with every chip counter on, and a 100,000-neuron network.

    python benchmarks/bench_chip.py [--repeats 5]

(b) The network of bench_sim.py (a) (10,000 LIF neurons, ~1M synapses, 1,000 steps of 1 ms, tens of Hz)
    placed on the 128 cores of the Loihi model (79 consecutive neurons per core, cores row-major on the
    8x4 mesh of 4-core tiles), simulated, then counted per core and per step by the compiled chip model
    (SOPs, spikes, packets per destination core, XY hops, active and idle updates), prepared once for
    the network and placement as the network is (``_core.prepare_chip``). Synaptic events per second of
    the plain simulation and of simulation + counting, measured interleaved, with their ratio; and the
    same when the chip model is prepared in every call (``_core.count_chip_events``).
(c) 100,000 LIF neurons, ~10M synapses (p = 0.001), same drive: synaptic events per second.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import bench_sim  # noqa: E402
from _machine import machine  # noqa: E402

import snnas._core as _core  # noqa: E402
from snnas.chip import load_chip  # noqa: E402
from snnas.mapping.placement import slot_positions  # noqa: E402
from snnas.sim.engine import SimNetwork, network_arguments, run_arguments  # noqa: E402


def counters_on(net: SimNetwork, n: int, repeats: int) -> None:
    chip = load_chip("loihi")
    xy = slot_positions(chip)
    assert xy is not None
    k = chip.topology.cores
    neuron_core = (np.arange(n) * k // n).astype(np.int32)
    prepared = _core.prepare(**network_arguments(net, bench_sim.DT))
    placement = dict(row_ptr=np.asarray(net.row_ptr, np.int64), target=np.asarray(net.target, np.int32),
                     delay=np.asarray(net.delay, np.int32), neuron_core=neuron_core,
                     core_x=np.ascontiguousarray(xy[:, 0]), core_y=np.ascontiguousarray(xy[:, 1]), num_cores=k)
    t_prep, counter = bench_sim.timed(lambda: _core.prepare_chip(**placement), repeats)
    run_args = run_arguments(n, bench_sim.STEPS, **bench_sim.drive(1.0))

    def with_counts():  # type: ignore[no-untyped-def]
        res = prepared.run(**run_args)
        return res, counter.count(spike_step=res["spike_step"], spike_id=res["spike_id"], n_steps=bench_sim.STEPS)

    def one_shot():  # type: ignore[no-untyped-def]
        res = prepared.run(**run_args)
        return _core.count_chip_events(**placement, spike_step=res["spike_step"], spike_id=res["spike_id"],
                                       n_steps=bench_sim.STEPS)

    # Interleaved, so that both figures see the same load of the (shared) machine.
    sims, alls, shots = [], [], []
    for _ in range(repeats):
        t_sim, out = bench_sim.timed(lambda: prepared.run(**run_args), 1)
        t_all, (res, counts) = bench_sim.timed(with_counts, 1)
        t_shot, _ = bench_sim.timed(one_shot, 1)
        sims.append(t_sim)
        alls.append(t_all)
        shots.append(t_shot)
    t_sim, t_all, t_shot = statistics.median(sims), statistics.median(alls), statistics.median(shots)
    ev = out["synaptic_events"]
    print(f"(b) {n} LIF neurons, {int(np.asarray(net.row_ptr)[-1])} synapses on {k} Loihi cores, "
          f"{bench_sim.STEPS} steps, median of {repeats} runs (interleaved)")
    print(f"    {out['spikes']} spikes, {ev} synaptic events; counted: {int(counts['synops'].sum())} SOPs, "
          f"{int(counts['packets_in'].sum())} packets, {int(counts['hops_x'].sum() + counts['hops_y'].sum())} hops")
    print(f"    chip model prepared once per network and placement (prepare_chip): {t_prep * 1e3:.1f} ms")
    print(f"    simulation only        : {t_sim * 1e3:8.1f} ms  {ev / t_sim:.3e} synaptic events/s")
    print(f"    simulation + all counts: {t_all * 1e3:8.1f} ms  {ev / t_all:.3e} synaptic events/s")
    print(f"    ratio (with counters / without): {t_sim / t_all:.2f} of the throughput")
    print(f"    the same with the chip model prepared in every call (count_chip_events): {t_shot * 1e3:.1f} ms, "
          f"{t_sim / t_shot:.2f} of the throughput")


def large(repeats: int) -> None:
    n, p = 100_000, 0.001
    rng = np.random.default_rng(3)
    degree = rng.binomial(n, p, size=n)
    row_ptr = np.zeros(n + 1, dtype=np.int64)
    row_ptr[1:] = np.cumsum(degree)
    m = int(row_ptr[-1])
    pre = np.repeat(np.arange(n), degree)
    net = SimNetwork(row_ptr=row_ptr, target=rng.integers(0, n, size=m, dtype=np.int32),
                     weight=np.where(pre < int(0.8 * n), 0.02, -0.1), delay=np.ones(m, dtype=np.int32), model="lif",
                     v_th=1.0, v_reset=0.0, v_rest=0.0, tau_m=20e-3, t_ref=2)
    prepared = _core.prepare(**network_arguments(net, bench_sim.DT))
    d = np.random.default_rng(4)
    args = run_arguments(n, bench_sim.STEPS, v0=d.uniform(0, 1, n), i_ext=d.uniform(1.05, 1.5, n))
    t, out = bench_sim.timed(lambda: prepared.run(**args), repeats)
    rate = out["spikes"] / n / (bench_sim.STEPS * bench_sim.DT)
    print(f"(c) {n} LIF neurons, {m} synapses, {bench_sim.STEPS} steps, mean rate {rate:.1f} Hz, median of {repeats}")
    print(f"    {out['synaptic_events']} synaptic events in {t * 1e3:.1f} ms: "
          f"{out['synaptic_events'] / t:.3e} synaptic events/s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    print(f"machine: {machine()}")
    print(f"core: {_core.build_info()}\n")
    counters_on(bench_sim.make_network(), bench_sim.N, args.repeats)
    print()
    large(max(1, args.repeats // 2))


if __name__ == "__main__":
    main()
