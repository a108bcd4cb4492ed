"""Benchmark of the event-driven simulator: prints the machine and the figures of issue 3.

(a) 10,000 LIF neurons, ~1,000,000 synapses (p = 0.01, 80% excitatory / 20% inhibitory), dt = 1 ms,
    1,000 steps, tens of Hz: synaptic events per second of the C++ engine and of the numba reference,
    side by side with their ratio. Weights are drawn per synapse (uniform within ±50% of the population's
    value), as a trained network has them; (a') repeats it with one weight per population (as in
    Brian2's benchmark networks), which lets the engine skip reading weights: a best case.
(s) the network of (a) in single precision (float32 state, parameters and weights), interleaved with
    double precision, and the numba float32 reference.
(f) the network of (a) in fixed point (24-bit state, weights and drive in units of v_th / 1000): synaptic
    events per second of the fixed-point engine (scalar; not vectorised) and of its numba reference; then
    the same network under every chip's own integer rule (the ``numerics`` section of each shipped chip file
    that has one: its LIF rule, else its first model's; 24-bit state; lower bound -v_th where the chip sets one
    per neuron), all rules
    measured round-robin in one run, each with its ratio to the generic rule.
(d) activity scaling: the same network, N and T, with only 0.8% of the neurons driven (about 100x fewer
    spikes): the time ratio of the runs of a prepared network (full and sparse runs interleaved), and of
    whole calls (preparing included); then (d') the same 0.8% above threshold but every other neuron
    driven below it (a constant current in [0.3, 0.9) of v_th): as few spikes, but every neuron is
    updated in every step, so the per-neuron update sets the floor.
(g) the stepped models (adaptive LIF, Izhikevich, Hodgkin-Huxley; evaluated in every step) on a smaller
    recurrent network of 1,000 neurons (p = 0.01) for 200 steps: neuron updates per second of the C++
    engine and of the numba reference (at most 3 runs each; Hodgkin-Huxley with its default 100
    sub-steps per 1 ms step).
(p) portable against native build: the C++ figures above (whole calls of (a), (a'), (s), (f), the prepared
    runs of (d), (g)) with the installed core (the portable default build, whose hot kernels dispatch to
    an AVX2 clone on CPUs that have it) and with a copy built with SNNAS_NATIVE=ON (-march=native) on this
    machine, each in a worker process of its own (benchmarks/_builds.py), the two builds run alternately
    case by case; medians and ratios of wall and CPU time, and whether both builds give identical results.

Every figure is the median of several runs. Usage: ``python benchmarks/bench_sim.py [--repeats 7]
[--native-core PATH | --no-native]``; without ``--native-core``, (p) first builds the native copy into a
temporary directory (``pip wheel``, about a minute).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _builds import THREADS, Worker, build_native  # noqa: E402

for _name, _value in THREADS.items():  # single-threaded figures, set before numpy and numba load
    os.environ.setdefault(_name, _value)

import numpy as np  # noqa: E402
from _machine import machine  # noqa: E402

from snnas import _core  # noqa: E402
from snnas.sim.engine import SimNetwork, core_arguments, network_arguments, run_arguments  # noqa: E402
from snnas.sim.fixed import FixedSimNetwork, fixed_arguments  # noqa: E402
from snnas.sim.reference import run_fixed_reference, run_reference  # noqa: E402

N = 10_000
P = 0.01
STEPS = 1_000
DT = 1e-3
SPARSE = 0.008  # fraction of driven neurons in the low-activity run of (d): about 100x fewer spikes


def make_network(seed: int = 1, per_synapse_weights: bool = True, n: int = N) -> SimNetwork:
    """Random network: each synapse exists with probability P; 80% excitatory, 20% inhibitory neurons.

    LIF, tau_m = 20 ms, v_rest = 0, v_th = 1, reset to 0, refractory 2 steps, delay 1 step (potentials
    in units of the threshold). Excitatory weight 0.02, inhibitory -0.1 (g = 5); with
    ``per_synapse_weights`` each weight is drawn uniformly within +-50% of those values. ``n`` neurons
    (default N) with the mean out-degree of N neurons at probability P (N * P = 100), so that a larger
    network keeps the rates and events per spike of the reference one.
    """
    rng = np.random.default_rng(seed)
    degree = rng.binomial(n, N * P / n, size=n)
    row_ptr = np.zeros(n + 1, dtype=np.int64)
    row_ptr[1:] = np.cumsum(degree)
    m = int(row_ptr[-1])
    target = rng.integers(0, n, size=m, dtype=np.int32)
    pre = np.repeat(np.arange(n), degree)
    weight = np.where(pre < int(0.8 * n), 0.02, -0.1)
    if per_synapse_weights:
        weight = weight * rng.uniform(0.5, 1.5, size=m)
    return SimNetwork(row_ptr=row_ptr, target=target, weight=weight, delay=np.ones(m, dtype=np.int32), model="lif",
                      v_th=1.0, v_reset=0.0, v_rest=0.0, tau_m=20e-3, t_ref=2)


def drive(fraction: float, seed: int = 2, n: int = N) -> dict[str, np.ndarray]:
    """Initial v uniform in [0, 1) and a constant drive R*I in [1.05, 1.5) on the first fraction of neurons."""
    rng = np.random.default_rng(seed)
    v0 = rng.uniform(0.0, 1.0, size=n)
    i_ext = rng.uniform(1.05, 1.5, size=n)
    k = int(round(fraction * n))
    i_ext[k:] = 0.0
    v0[k:] = 0.0
    return {"v0": v0, "i_ext": i_ext}


def drive_subthreshold(fraction: float, seed: int = 3) -> dict[str, np.ndarray]:
    """drive(fraction), with every other neuron driven below threshold: R*I in [0.3, 0.9), v0 in [0, 0.9)."""
    out = drive(fraction)
    rng = np.random.default_rng(seed)
    k = int(round(fraction * N))
    out["i_ext"][k:] = rng.uniform(0.3, 0.9, size=N - k)
    out["v0"][k:] = rng.uniform(0.0, 0.9, size=N - k)
    return out


def timed(run: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = run()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def interleaved(first: Callable[[], Any], second: Callable[[], Any], repeats: int) -> tuple[float, Any, float, Any]:
    """Median times and last outputs of two runs measured alternately, so that both see the same machine."""
    t1, t2, out1, out2 = [], [], None, None
    for _ in range(repeats):
        t, out1 = timed(first, 1)
        t1.append(t)
        t, out2 = timed(second, 1)
        t2.append(t)
    return statistics.median(t1), out1, statistics.median(t2), out2


def throughput(label: str, net: SimNetwork, repeats: int, reference: bool) -> float:
    args = core_arguments(net, STEPS, DT, **drive(1.0))
    t_cpp, out = timed(lambda: _core.simulate(**args), repeats)
    ev = out["synaptic_events"]
    rate = out["spikes"] / N / (STEPS * DT)
    print(f"({label}) {N} LIF neurons, {args['target'].size} synapses, {STEPS} steps of {DT * 1e3:g} ms, "
          f"median of {repeats} runs")
    print(f"    mean rate {rate:.1f} Hz, {out['spikes']} spikes, {ev} synaptic events, "
          f"{out['neuron_updates']} neuron updates")
    print(f"    C++ engine : {t_cpp * 1e3:9.1f} ms  {ev / t_cpp:.3e} synaptic events/s  "
          "(one call: check, prepare, run)")
    if reference:
        run_reference(args)  # compile outside the timing
        t_ref, ref = timed(lambda: run_reference(args), repeats)
        same = np.array_equal(ref["spike_step"], out["spike_step"]) and np.array_equal(ref["spike_id"], out["spike_id"])
        print(f"    numba ref  : {t_ref * 1e3:9.1f} ms  {ev / t_ref:.3e} synaptic events/s  (same spikes: {same})")
        print(f"    ratio C++ / numba: {t_ref / t_cpp:.1f}x")
    return t_cpp


def single_precision(net: SimNetwork, repeats: int, reference: bool) -> None:
    """(s) (a) in single precision, measured interleaved with double precision, and its float32 reference."""
    args = core_arguments(net, STEPS, DT, **drive(1.0))
    single = {**args, "precision": "single"}
    td, out_d, ts, out_s = interleaved(lambda: _core.simulate(**args), lambda: _core.simulate(**single), repeats)
    ev = out_s["synaptic_events"]
    print(f"(s) (a) in single precision, median of {repeats} runs interleaved with double precision: mean rate "
          f"{out_s['spikes'] / N / (STEPS * DT):.1f} Hz, {ev} synaptic events")
    print(f"    C++ single : {ts * 1e3:9.1f} ms  {ev / ts:.3e} synaptic events/s")
    print(f"    C++ double : {td * 1e3:9.1f} ms  {out_d['synaptic_events'] / td:.3e} synaptic events/s")
    same = np.array_equal(out_s["spike_id"], out_d["spike_id"]) and np.array_equal(out_s["spike_step"],
                                                                                   out_d["spike_step"])
    print(f"    same spikes as double precision: {same} ({out_s['spikes']} vs {out_d['spikes']} spikes)")
    if reference:
        run_reference(single)  # compile outside the timing
        t_ref, ref = timed(lambda: run_reference(single), repeats)
        same = np.array_equal(ref["spike_step"], out_s["spike_step"]) and np.array_equal(ref["spike_id"],
                                                                                         out_s["spike_id"])
        print(f"    numba float32 ref: {t_ref * 1e3:9.1f} ms  {ev / t_ref:.3e} synaptic events/s  "
              f"(same spikes: {same})")


def fixed_point_arguments(net: SimNetwork) -> dict[str, Any]:
    """(a) quantised: v_th = 1000, weights 20 / -100, decay 205/4096 (about dt/tau), drive 53..75 per step."""
    fixed = FixedSimNetwork(row_ptr=net.row_ptr, target=net.target,
                            weight=np.rint(np.asarray(net.weight) * 1000).astype(np.int32), delay=net.delay,
                            model="lif", state_bits=24, v_th=1000, v_reset=0, decay_m=205, t_ref=2)
    d = drive(1.0)
    return fixed_arguments(fixed, STEPS, v0=np.rint(d["v0"] * 1000).astype(np.int64),
                           i_ext=np.rint(d["i_ext"] * 1000 * 205 / 4096).astype(np.int32))


def fixed_point(net: SimNetwork, repeats: int, reference: bool) -> None:
    """(f): see fixed_point_arguments()."""
    args = fixed_point_arguments(net)
    t_cpp, out = timed(lambda: _core.simulate_fixed(**args), repeats)
    ev = out["synaptic_events"]
    print(f"(f) fixed point, same network, median of {repeats} runs: mean rate "
          f"{out['spikes'] / N / (STEPS * DT):.1f} Hz, {ev} synaptic events")
    print(f"    C++ engine : {t_cpp * 1e3:9.1f} ms  {ev / t_cpp:.3e} synaptic events/s")
    if reference:
        run_fixed_reference(args)
        t_ref, ref = timed(lambda: run_fixed_reference(args), repeats)
        same = np.array_equal(ref["spike_id"], out["spike_id"]) and np.array_equal(ref["v"], out["v"])
        print(f"    numba ref  : {t_ref * 1e3:9.1f} ms  {ev / t_ref:.3e} synaptic events/s  (bit-identical: {same})")


def chip_rules() -> dict[str, tuple[str, dict[str, Any]]]:
    """Rule label -> (model, FixedSimNetwork fields) for the generic rule and each shipped chip's own."""
    from snnas.chip import list_chips, load_chip
    from snnas.quantize.numerics import rule_fields

    rules: dict[str, tuple[str, dict[str, Any]]] = {"generic": ("lif", {})}
    for chip_id in list_chips():
        chip = load_chip(chip_id)
        if not chip.numerics:
            continue
        model, entry = next(((m, e) for m, e in chip.numerics if m == "lif"), chip.numerics[0])
        fields: dict[str, Any] = dict(rule_fields(entry), reset=entry.reset)
        fields.pop("current_bits", None)  # every rule on the 24-bit state of (f), so that v_th = 1000 fits
        if entry.lower_bound == "value":
            fields["v_min"] = entry.lower_bound_value
        elif entry.lower_bound == "per_neuron":
            fields["v_min"] = -1000
        if entry.reset == "value":
            fields["v_reset"] = entry.reset_value or 0
        rules[f"{chip_id} {model}"] = (model, fields)
    return rules


def fixed_rules(net: SimNetwork, repeats: int) -> None:
    """(f) per chip rule: the network of (f) under each rule of chip_rules(), measured round-robin."""
    base = fixed_point_arguments(net)
    calls: dict[str, dict[str, Any]] = {}
    for label, (model, fields) in chip_rules().items():
        # The same decay per step, dt/tau = 205/4096, on the rule's decay width b.
        b = int(fields.get("decay_bits", 12))
        decay = round(205 * 2.0 ** (b - 12))
        # The closed form (sPyNNaker) relaxes v toward a = x + I by d / 2^b per step, where the other rules add
        # x + I: the same dynamics take weights and drive g = 2^b / d times larger, as quantize() writes them.
        gain = 2.0**b / decay if fields.get("decay_rounding") == "closed_form_nearest" else 1.0
        weight = np.rint(np.asarray(base["weight"], np.float64) * gain).astype(np.int32)
        i_ext = np.rint(np.asarray(base["i_ext"], np.float64) * gain).astype(np.int32)
        fixed = FixedSimNetwork(row_ptr=net.row_ptr, target=net.target,
                                weight=weight, delay=net.delay, model=model,  # type: ignore[arg-type]
                                state_bits=24, v_th=1000, decay_m=decay, t_ref=2, **fields)
        calls[label] = fixed_arguments(fixed, STEPS, v0=base["v0"], i_ext=i_ext)
    times: dict[str, list[float]] = {label: [] for label in calls}
    outs: dict[str, Any] = {}
    for _ in range(repeats):
        for label, args in calls.items():
            t, outs[label] = timed(lambda args=args: _core.simulate_fixed(**args), 1)
            times[label].append(t)
    print(f"(f) per chip rule: the network of (f) under each chip's own integer rule, medians of {repeats} runs "
          "measured round-robin")
    generic = statistics.median(times["generic"])
    generic_rate = outs["generic"]["synaptic_events"] / generic
    for label in calls:
        t, out = statistics.median(times[label]), outs[label]
        rate = out["synaptic_events"] / t
        print(f"    {label:18s}: {t * 1e3:8.1f} ms  {rate:.3e} synaptic events/s  ({rate / generic_rate:.2f}x "
              f"generic per event; {out['spikes'] / N / (STEPS * DT):6.1f} Hz)")


def scaling(net: SimNetwork, repeats: int) -> None:
    net_args = network_arguments(net, DT)
    t_prep, prepared = timed(lambda: _core.prepare(**net_args), repeats)
    full, sparse = (run_arguments(N, STEPS, **drive(f)) for f in (1.0, SPARSE))
    # Each sparse run follows a full one, whose data it finds evicted from the caches (as in a program that
    # runs other networks in between).
    t_full, hi, t_sparse, lo = interleaved(lambda: prepared.run(**full), lambda: prepared.run(**sparse), repeats)
    t_call_full, _ = timed(lambda: _core.simulate(**net_args, **full), repeats)
    t_call_sparse, _ = timed(lambda: _core.simulate(**net_args, **sparse), repeats)
    print(f"(d) activity scaling, same N and T, {SPARSE:.1%} of the neurons driven, median of {repeats} runs "
          "(full and sparse interleaved)")
    print(f"    prepare (check, regroup synapses): {t_prep * 1e3:.2f} ms, once per network")
    for name, t, o in (("full  ", t_full, hi), ("sparse", t_sparse, lo)):
        print(f"    run {name}: {o['spikes']:8d} spikes  {t * 1e3:8.2f} ms  ({o['neuron_updates']} neuron updates, "
              f"{o['synaptic_events']} synaptic events)")
    print(f"    {hi['spikes'] / max(lo['spikes'], 1):.0f}x fewer spikes -> {t_full / t_sparse:.1f}x less run time; "
          f"whole calls (prepare included): {t_call_full * 1e3:.1f} ms vs {t_call_sparse * 1e3:.1f} ms, "
          f"{t_call_full / t_call_sparse:.1f}x")
    driven = run_arguments(N, STEPS, **drive_subthreshold(SPARSE))
    t_full, hi, t_drv, lo = interleaved(lambda: prepared.run(**full), lambda: prepared.run(**driven), repeats)
    print(f"(d') the same {SPARSE:.1%} above threshold, every other neuron driven below it (interleaved with "
          "full runs)")
    print(f"    run driven: {lo['spikes']:8d} spikes  {t_drv * 1e3:8.2f} ms  ({lo['neuron_updates']} neuron updates, "
          f"{lo['synaptic_events']} synaptic events; {t_drv * 1e9 / lo['neuron_updates']:.2f} ns per update)")
    print(f"    {hi['spikes'] / max(lo['spikes'], 1):.0f}x fewer spikes -> {t_full / t_drv:.1f}x less run time "
          f"(full run {t_full * 1e3:.2f} ms)")


# (g): per stepped model, network keywords, excitatory weight [V], drive range [V], initial v range [V].
STEPPED = {
    "adaptive_lif": ({"v_th": 1.0, "t_ref": 2, "beta": 0.2, "tau_adapt": 50e-3}, 0.05, (1.05, 1.5), (0.0, 1.0)),
    "izhikevich": ({"v_th": 0.03, "v_reset": -0.065}, 3e-3, (5e-3, 15e-3), (-0.07, -0.05)),
    "hodgkin_huxley": ({"v_th": 0.0}, 3e-3, (25e-3, 50e-3), (-0.07, -0.05)),
}


STEPPED_N, STEPPED_STEPS = 1_000, 200


def stepped_arguments(model: str) -> dict[str, Any]:
    """The arguments of ``_core.simulate`` for the (g) network of one stepped model."""
    n = STEPPED_N
    kw, w_exc, i_range, v_range = STEPPED[model]
    rng = np.random.default_rng(3)
    degree = rng.binomial(n, P, size=n)
    row_ptr = np.concatenate(([0], np.cumsum(degree))).astype(np.int64)
    m = int(row_ptr[-1])
    weight = np.where(np.repeat(np.arange(n), degree) < int(0.8 * n), w_exc, -5 * w_exc)
    net = SimNetwork(row_ptr=row_ptr, target=rng.integers(0, n, size=m, dtype=np.int32), weight=weight,
                     delay=np.ones(m, dtype=np.int32), model=model, **kw)  # type: ignore[arg-type]
    return core_arguments(net, STEPPED_STEPS, DT, v0=rng.uniform(*v_range, n), i_ext=rng.uniform(*i_range, n))


def stepped_models(repeats: int, reference: bool) -> None:
    reps = min(repeats, 3)
    print(f"(g) stepped models, {STEPPED_N} neurons, p = {P}, {STEPPED_STEPS} steps of {DT * 1e3:g} ms, "
          f"median of {reps} runs")
    for model in STEPPED:
        args = stepped_arguments(model)
        t_cpp, out = timed(lambda args=args: _core.simulate(**args), reps)
        updates = out["neuron_updates"]
        line = (f"    {model:15s}: {out['spikes']:6d} spikes, C++ {t_cpp * 1e3:8.1f} ms "
                f"{updates / t_cpp:.3e} neuron updates/s (substeps {args['substeps']})")
        if reference:
            run_reference(args)  # compile outside the timing
            t_ref, ref = timed(lambda args=args: run_reference(args), reps)
            same = np.array_equal(ref["spike_id"], out["spike_id"]) and np.array_equal(ref["v"], out["v"])
            line += f"; numba {t_ref * 1e3:8.1f} ms, ratio {t_ref / t_cpp:.1f}x (bit-identical: {same})"
        print(line)


def cases() -> dict[str, Callable[[], Any]]:
    """The C++ figures that (p) compares between builds: label -> zero-argument call ((g): stepped models)."""
    net = make_network()
    args = core_arguments(net, STEPS, DT, **drive(1.0))
    per_population = core_arguments(make_network(per_synapse_weights=False), STEPS, DT, **drive(1.0))
    single = {**args, "precision": "single"}
    fixed = fixed_point_arguments(net)
    prepared = _core.prepare(**network_arguments(net, DT))
    full, sparse = (run_arguments(N, STEPS, **drive(f)) for f in (1.0, SPARSE))
    driven = run_arguments(N, STEPS, **drive_subthreshold(SPARSE))
    found: dict[str, Callable[[], Any]] = {
        "(a)  LIF, whole call": lambda: _core.simulate(**args),
        "(a') one weight per population": lambda: _core.simulate(**per_population),
        "(s)  single precision": lambda: _core.simulate(**single),
        "(f)  fixed point": lambda: _core.simulate_fixed(**fixed),
        "(d)  prepared run, full": lambda: prepared.run(**full),
        "(d)  prepared run, sparse": lambda: prepared.run(**sparse),
        "(d') prepared run, driven below threshold": lambda: prepared.run(**driven),
    }
    for model in STEPPED:
        stepped = stepped_arguments(model)
        found[f"(g)  {model}"] = lambda stepped=stepped: _core.simulate(**stepped)
    return found


def compare_builds(portable_core: str, native_core: str, repeats: int) -> None:
    """(p): every case of cases() with the portable core (- : the installed one) and the native one, alternately."""
    builds = {"portable": Worker(portable_core), "native": Worker(native_core)}
    try:
        for name, w in builds.items():
            info = {k: v for k, v in w.info.items() if k in ("build", "kernels", "native")}
            print(f"    {name:8s}: {info}  {w.info['file']}")
        labels: list[str] = builds["portable"].info["cases"]
        runs = {label: min(repeats, 3) if label.startswith("(g)") else repeats for label in labels}
        times: dict[str, dict[str, list[tuple[float, float]]]] = {b: {label: [] for label in labels} for b in builds}
        digests: dict[str, dict[str, set[str]]] = {b: {label: set() for label in labels} for b in builds}
        for w in builds.values():  # first touch of every case outside the timing
            for label in labels:
                w.ask(label)
        for r in range(repeats):
            order = list(builds) if r % 2 == 0 else list(reversed(builds))
            for label in labels:
                if r >= runs[label]:
                    continue
                for b in order:
                    answer = builds[b].ask(label)
                    times[b][label].append((answer["wall"], answer["cpu"]))
                    digests[b][label].add(answer["digest"])
    finally:
        for w in builds.values():
            w.close()
    print(f"    {'figure':28s} {'portable ms':>12s} {'native ms':>10s} {'portable/native':>16s}  "
          f"{'CPU ms: portable':>16s} {'native':>8s} {'ratio':>6s}  identical results")
    for label in labels:
        med = {b: [statistics.median(t[k] for t in times[b][label]) * 1e3 for k in (0, 1)] for b in builds}
        p, n = med["portable"], med["native"]
        same = len(digests["portable"][label]) == 1 and digests["portable"][label] == digests["native"][label]
        print(f"    {label:28s} {p[0]:12.2f} {n[0]:10.2f} {p[0] / n[0]:15.2f}x  {p[1]:16.2f} {n[1]:8.2f} "
              f"{p[1] / n[1]:5.2f}x  {same}")


def portable_vs_native(portable_core: str, native_core: str | None, repeats: int) -> None:
    print(f"(p) portable vs native build of the core, interleaved case by case, median of {repeats} runs each "
          f"(3 for (g)); BLAS and numba threads: {THREADS['OPENBLAS_NUM_THREADS']}")
    if native_core is not None:
        compare_builds(portable_core, native_core, repeats)
        return
    with tempfile.TemporaryDirectory(prefix="snnas-native-") as tmp:
        compare_builds(portable_core, str(build_native(Path(tmp))), repeats)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--skip-reference", action="store_true")
    parser.add_argument("--native-core", metavar="PATH", help="(p): a native build of snnas/_core*.so to compare "
                        "with (default: build one with pip wheel -Ccmake.define.SNNAS_NATIVE=ON)")
    parser.add_argument("--portable-core", metavar="PATH", default="-",
                        help="(p): the portable build to compare (default: the installed snnas._core)")
    parser.add_argument("--no-native", action="store_true", help="skip (p), the comparison with a native build")
    parser.add_argument("--only-builds", action="store_true", help="run (p) only")
    parser.add_argument("--only-fixed", action="store_true", help="run (f) only")
    ns = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"core: {_core.build_info()}\n")
    if ns.only_builds:
        portable_vs_native(ns.portable_core, ns.native_core, ns.repeats)
        return 0
    net = make_network()
    if ns.only_fixed:
        fixed_point(net, ns.repeats, not ns.skip_reference)
        fixed_rules(net, ns.repeats)
        return 0
    throughput("a", net, ns.repeats, not ns.skip_reference)
    print()
    throughput("a'", make_network(per_synapse_weights=False), ns.repeats, not ns.skip_reference)
    print()
    single_precision(net, ns.repeats, not ns.skip_reference)
    print()
    fixed_point(net, ns.repeats, not ns.skip_reference)
    fixed_rules(net, ns.repeats)
    print()
    scaling(net, ns.repeats)
    print()
    stepped_models(ns.repeats, not ns.skip_reference)
    if not ns.no_native:
        print()
        portable_vs_native(ns.portable_core, ns.native_core, ns.repeats)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
