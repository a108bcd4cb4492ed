"""What limits benchmark (a) of bench_sim.py: lower bounds measured on this machine, beside the engine.

Builds ``benchmarks/floor/plain_lif.cpp`` (stand-alone C++17, no snnas code) with the flags of the
engine (``-O3 -march=native -ffp-contract=off -fno-trapping-math``), runs it on the network and drive of
(a), and prints, as medians over rounds that interleave the loops and the engine in one invocation:

* ``plain``: a lean clock-driven C++ loop of the same rules, every neuron every step, scalar parameters
  (cheaper than any simulator that takes per-neuron parameters); it must give the engine's spikes, which
  the script checks;
* ``scatter``: the scatter-add of those spikes alone (no neuron update);
* ``stream``: the neuron update alone (no delivery);
* ``copy``: copying the synapse arrays once, which a simulator that keeps its own copy of the caller's
  arrays (so that the run, without the GIL, cannot see them change) pays per call: into fresh memory
  (page faults included, as a call that allocates its copy pays) and into memory already mapped;
* the C++ engine (one ``_core.simulate`` call, and the run of a prepared network) and the numba reference.

The numba time divided by 20 is the time the issue's "20x the numba reference" allows a whole call; the
script prints how far each bound is from it. Usage: ``python benchmarks/bench_floor.py [--repeats 7]``.
``--neurons 100000`` (or 1000000) scales the network at the same out-degree (10M or 100M synapses), with
``--skip-reference`` to leave out the numba reference; the prepare time is printed too. Needs a C++17
compiler (``$CXX`` or ``c++``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import machine  # noqa: E402
from bench_sim import DT, STEPS, N, P, drive, make_network, timed  # noqa: E402

from snnas import _core  # noqa: E402
from snnas.sim.engine import core_arguments, network_arguments, run_arguments  # noqa: E402
from snnas.sim.reference import run_reference  # noqa: E402

SOURCE = Path(__file__).resolve().parent / "floor" / "plain_lif.cpp"
INNER = 3  # runs of each loop per round
FLAGS = ["-std=c++17", "-O3", "-march=native", "-ffp-contract=off", "-fno-trapping-math"]


def build(work: Path) -> Path:
    """Compile plain_lif.cpp into work; the compiler's name and version are printed."""
    cxx = os.environ.get("CXX") or shutil.which("c++") or "g++"
    version = subprocess.run([cxx, "--version"], capture_output=True, text=True, check=True).stdout.splitlines()[0]
    exe = work / "plain_lif"
    subprocess.run([cxx, *FLAGS, "-o", str(exe), str(SOURCE)], check=True)
    print(f"floor loops: {version}, {' '.join(FLAGS)}")
    return exe


def write_inputs(work: Path, args: dict) -> None:
    """The network and drive of (a) as raw little-endian files for plain_lif."""
    for name, dtype in (("row_ptr", np.int64), ("target", np.int32), ("weight", np.float64), ("delay", np.int32),
                        ("v0", np.float64), ("i_ext", np.float64)):
        np.ascontiguousarray(args[name], dtype=dtype).tofile(work / f"{name}.bin")
    for name in ("v_th", "v_reset", "v_rest", "alpha_m", "t_ref"):
        if np.unique(args[name]).size != 1:
            raise SystemExit(f"bench_floor: {name} must be one value for every neuron")
    np.array([STEPS, args["v_th"][0], args["v_reset"][0], args["v_rest"][0], args["alpha_m"][0], args["t_ref"][0]],
             dtype=np.float64).tofile(work / "scalars.bin")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--neurons", type=int, default=N,
                        help=f"network size (default {N}); the out-degree stays {int(N * P)} (bench_sim.make_network)")
    parser.add_argument("--inner", type=int, default=INNER, help=f"runs of each loop per round (default {INNER})")
    parser.add_argument("--skip-reference", action="store_true", help="do not run the numba reference")
    parser.add_argument("--population-weights", action="store_true",
                        help="one weight per population (the engine then skips reading weights) instead of a "
                             "weight drawn per synapse")
    ns = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"core: {_core.build_info()}")
    n = ns.neurons
    net = make_network(per_synapse_weights=not ns.population_weights, n=n)
    args = core_arguments(net, STEPS, DT, **drive(1.0, n=n))
    net_args = network_arguments(net, DT)
    t_prep, prepared = timed(lambda: _core.prepare(**net_args), 3)
    run_args = run_arguments(n, STEPS, **drive(1.0, n=n))
    if not ns.skip_reference:
        run_reference(args)  # compile outside the timing
    # Rounds interleave the plain loops (their binary, INNER runs each) with the engine (INNER runs each),
    # so that both see the same machine; every figure is the median over the rounds of a round's median.
    loops: dict[str, list[float]] = {}
    t_calls, t_runs, t_refs, ratios = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        exe = build(work)
        write_inputs(work, args)
        for _ in range(ns.repeats):
            out = subprocess.run([str(exe), str(work), str(ns.inner)], capture_output=True, text=True,
                                 check=True).stdout
            floor_round = {k: float(v) for k, v in (line.split() for line in out.splitlines())}
            for k, v in floor_round.items():
                loops.setdefault(k, []).append(v)
            t_call, res = timed(lambda: _core.simulate(**args), ns.inner)
            t_run, _ = timed(lambda: prepared.run(**run_args), ns.inner)
            t_ref, _ = timed(lambda: run_reference(args), 1) if not ns.skip_reference else (float("nan"), None)
            t_calls.append(t_call)
            t_runs.append(t_run)
            t_refs.append(t_ref)
            ratios.append(floor_round["plain"] / (t_run * 1e3))
        raw = np.fromfile(work / "spikes.bin", dtype=np.int32)
    floor = {k: statistics.median(v) for k, v in loops.items()}
    t_call, t_run, t_ref = (statistics.median(t) for t in (t_calls, t_runs, t_refs))
    k = raw.size // 2
    plain_step, plain_id = raw[:k], raw[k:]

    same = np.array_equal(plain_step, res["spike_step"]) and np.array_equal(plain_id, res["spike_id"])
    ev = res["synaptic_events"]
    budget = t_ref / 20

    print(f"\n(a) {n} LIF neurons, {args['target'].size} synapses, {STEPS} steps, {res['spikes']} spikes, "
          f"{ev} synaptic events; medians of {ns.repeats} interleaved rounds ({ns.inner} runs each, the reference 1)")
    print(f"    plain C++ loop gives the engine's spikes: {same} ({int(floor['spikes'])} spikes, "
          f"{int(floor['events'])} events)")
    print(f"    prepare (check, regroup the synapses): {t_prep * 1e3:.1f} ms, median of 3\n")
    rows = [
        *([] if ns.skip_reference else [("numba reference (whole call)", t_ref * 1e3)]),
        ("C++ engine, one simulate call", t_call * 1e3),
        ("C++ engine, run of a prepared network", t_run * 1e3),
        ("floor: plain C++ loop (scalar parameters)", floor["plain"]),
        ("floor: scatter-add alone", floor["scatter"]),
        ("floor: neuron update alone", floor["stream"]),
        ("floor: copy of the synapses, fresh memory", floor["copy"]),
        ("floor: copy of the synapses, mapped memory", floor["copy_warm"]),
        ("floor: scatter + update (a run)", floor["scatter"] + floor["stream"]),
        ("floor: scatter + update + copy (mapped)", floor["scatter"] + floor["stream"] + floor["copy_warm"]),
    ]
    print(f"    {'':44s} {'ms':>8s} {'events/s':>10s} {'numba/x':>8s} {'x/budget':>9s}")
    for name, ms in rows:
        print(f"    {name:44s} {ms:8.2f} {ev / (ms / 1e3):10.3e} {t_ref * 1e3 / ms:7.1f}x {ms / (budget * 1e3):8.2f}")
    print(f"\n    prepared run / plain C++ loop: {statistics.median(ratios):.2f}x the loop's speed, median of the "
          f"rounds' ratios [{min(ratios):.2f}, {max(ratios):.2f}] "
          f"({'one weight per population' if ns.population_weights else 'a weight per synapse'})")
    if not ns.skip_reference:
        print(f"    20x the numba reference allows {budget * 1e3:.2f} ms per call ({20 * ev / t_ref:.3e} events/s); "
              "x/budget > 1: slower than that")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
