"""Fingerprint of snnas's results: one digest per pipeline stage, to show that a refactoring changed none.

    python benchmarks/fingerprint.py [--quick]

Prints one line per result: the spikes and final state of the simulator benchmark's reference network
(float, single and fixed point, engine and numba reference), the trained weights of a dense, a conv, a
recurrent and a graph network, their quantised networks and chip accuracies, one candidate's score, and
the asks and scores of short searches (every strategy the README's main command can run). Run it on two
commits on the same machine: equal digests mean equal results (bit for bit; float training depends on
the BLAS kernels of the CPU, so digests are comparable only on one machine).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import machine  # noqa: E402


def digest(*parts: Any) -> str:
    h = hashlib.sha256()
    for p in parts:
        if isinstance(p, np.ndarray):
            h.update(str(p.dtype).encode() + str(p.shape).encode())
            h.update(np.ascontiguousarray(p).tobytes())
        elif isinstance(p, (list, tuple)):
            h.update(digest(*p).encode())
        else:
            h.update(json.dumps(p, sort_keys=True, default=repr).encode())
    return h.hexdigest()[:16]


def sim_fingerprints() -> None:
    from bench_sim import STEPS, drive, make_network

    from snnas.sim.engine import core_arguments, result_from, simulate
    from snnas.sim.reference import run_reference

    net = make_network(per_synapse_weights=True)
    d = drive(0.1)
    for precision in ("double", "single"):
        r = simulate(net, STEPS // 4, v0=d["v0"], i_ext=d["i_ext"], precision=precision)
        print(f"sim {precision:6s} engine    {digest(r.spike_steps, r.spike_ids, r.v)}  ({r.spike_ids.size} spikes)")
        args = core_arguments(net, STEPS // 4, 1e-3, v0=d["v0"], i_ext=d["i_ext"], precision=precision)
        ref = result_from(run_reference(args), 1e-3)
        print(f"sim {precision:6s} reference {digest(ref.spike_steps, ref.spike_ids, ref.v)}")


def train_fingerprints(quick: bool) -> None:
    from snnas.data.datasets import digits, split
    from snnas.evaluate.accuracy import chip_accuracy, graph_chip_outputs
    from snnas.ir.conv import ConvSpec
    from snnas.quantize.graph import quantize_graph
    from snnas.quantize.layers import quantize
    from snnas.train.config import TrainConfig
    from snnas.train.graph import GraphConfig, GraphEdge, train_graph
    from snnas.train.layers import train

    data = digits()
    parts = split(data, seed=0)
    epochs = 2 if quick else 4
    raster = data.raster(parts.test, 16, encoder="rate")
    labels = data.labels[parts.test]
    configs = {
        "dense": TrainConfig(hidden=(64,), n_steps=16, epochs=epochs, progress=False),
        "recurrent": TrainConfig(hidden=(32,), recurrent=True, neuron="cuba_lif", n_steps=16, epochs=epochs,
                                 progress=False),
        "conv": TrainConfig(hidden=(32,), conv=(ConvSpec(channels=4, kernel=3, pool=2),), n_steps=16,
                            epochs=epochs, progress=False),
        "membrane": TrainConfig(hidden=(32,), loss="membrane", reset="subtract", n_steps=16, epochs=epochs,
                                progress=False),
    }
    for name, cfg in configs.items():
        res = train(data, parts, cfg)
        print(f"train {name:9s} {digest(*res.weights)}  (history {digest(res.history)})")
        for chip in ("loihi", "speck"):
            try:
                q = quantize(res, chip, weight_bits=8 if chip == "loihi" else None)
            except Exception as exc:  # noqa: BLE001 - a chip that cannot take this network is a result too
                print(f"  quantize {chip:6s} {type(exc).__name__}: {exc}"[:160])
                continue
            acc, outs = chip_accuracy(q, raster, labels)
            print(f"  quantize {chip:6s} {digest(*[np.asarray(w) for w in q.weights])} chip acc {acc:.4f}")
    gc = GraphConfig(nodes=(("a", 32), ("b", 32)),
                     edges=(GraphEdge("in", "a"), GraphEdge("a", "b"), GraphEdge("b", "out"),
                            GraphEdge("a", "out")),
                     train=TrainConfig(n_steps=16, epochs=epochs, progress=False))
    gres = train_graph(data, parts, gc)
    print(f"train graph     {digest(*gres.weights)}  (history {digest(gres.history)})")
    qg = quantize_graph(gres, "loihi", weight_bits=8)
    print(f"  quantize loihi  {digest(graph_chip_outputs(qg, raster))}")


def search_fingerprints(quick: bool) -> None:
    from dataclasses import replace

    from snnas.search.executors import InlineExecutor
    from snnas.search.loop import SearchConfig, run_search
    from snnas.search.pareto import hypervolume
    from snnas.search.store import Store

    budget = 6 if quick else 10
    base = SearchConfig(targets=("loihi", "speck"), budget=budget, epochs=2, patience=2, eval_samples=16)
    runs = [("global", s) for s in ("random", "evolution", "nsga2", "hyperband", "asha", "zeroshot", "reinforce",
                                    "tpe")]
    runs += [("cell", "evolution"), ("block", "random")]
    with tempfile.TemporaryDirectory() as tmp:
        for space, strat in runs:
            path = Path(tmp) / f"{space}_{strat}.db"
            with Store(path) as st:
                rows = run_search(replace(base, space=space, strategy=strat, seed=1), st, InlineExecutor())
            for chip, rs in sorted(rows.items()):
                asks = [r.genome_key for r in rs]
                scores = [{k: v for k, v in (r.score or {}).items() if k != "train_seconds"} for r in rs]
                pts = np.array([(-r.score["accuracy_chip"], r.score["energy_j"]) for r in rs
                                if r.status == "ok" and r.full and r.score
                                and r.score.get("accuracy_chip") is not None and r.score.get("energy_j")],
                               dtype=float).reshape(-1, 2)
                hv = hypervolume(pts, (0.0, 1.0)) if pts.size else 0.0
                print(f"search {space:6s} {strat:9s} {chip:6s} asks {digest(asks)} scores {digest(scores)} "
                      f"hv {hv:.6e}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer epochs and evaluations")
    ap.add_argument("--only", choices=["sim", "train", "search"])
    args = ap.parse_args()
    print(f"machine: {machine()}")
    if args.only in (None, "sim"):
        sim_fingerprints()
    if args.only in (None, "train"):
        train_fingerprints(args.quick)
    if args.only in (None, "search"):
        search_fingerprints(args.quick)


if __name__ == "__main__":
    main()
