"""Mapping benchmark: placement quality (traffic-aware vs sequential) and mapper speed on Loihi.

    python benchmarks/bench_mapping.py [--repeats 3]

(1) A 1,000-neuron two-layer random network (100 inputs -> 500 LIF -> 500 LIF, every connection
    present with probability 0.9, 1-step delays so the synapses need Loihi's delay field): hop-weighted
    packets per unit firing rate for both mappers, and their ratio.
(1b) A 5,000-neuron three-layer network (400 -> 2,000 -> 2,000 -> 1,000, p = 0.5) spanning tens of cores.
(2) A 100,000-neuron, 10M-synapse network (1,000 inputs -> 5 x 20,000 LIF, 100 synapses into each
    neuron, drawn from a window of 2,048 neurons around the same position in the previous layer, so
    that a core's input axons fit Loihi's 4,096): wall time of each mapper (median of the repeats).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine  # noqa: E402

from snnas.chip import load_chip  # noqa: E402
from snnas.ir.network import Dense, Input, Network, Population, Sparse  # noqa: E402
from snnas.ir.neurons import LIFParameters  # noqa: E402
from snnas.mapping import map_network  # noqa: E402


def two_layer(seed: int = 0) -> Network:
    rng = np.random.default_rng(seed)
    n_in, n1, n2, p = 100, 500, 500, 0.9
    w1 = rng.normal(size=(n1, n_in)) * (rng.random((n1, n_in)) < p)
    w2 = rng.normal(size=(n2, n1)) * (rng.random((n2, n1)) < p)
    return Network((Input("in", n_in), Population("l1", n1, LIFParameters()), Population("l2", n2, LIFParameters())),
                   (Dense("in", "l1", w1, delay=1), Dense("l1", "l2", w2, delay=1)), name="two_layer_1k")


def three_layer(seed: int = 0) -> Network:
    """400 inputs -> 2,000 -> 2,000 -> 1,000 LIF, connection probability 0.5: spans tens of cores."""
    rng = np.random.default_rng(seed)
    sizes = [400, 2000, 2000, 1000]
    nodes: list = [Input("in", sizes[0])]
    projs = []
    for i, n in enumerate(sizes[1:], 1):
        nodes.append(Population(f"l{i}", n, LIFParameters()))
        w = rng.uniform(0.1, 1.0, size=(n, sizes[i - 1])) * (rng.random((n, sizes[i - 1])) < 0.5)
        projs.append(Dense("in" if i == 1 else f"l{i - 1}", f"l{i}", w))
    return Network(tuple(nodes), tuple(projs), name="three_layer_5k")


def large(seed: int = 0, layers: int = 5, width: int = 20_000, fan_in: int = 100, window: int = 2048) -> Network:
    rng = np.random.default_rng(seed)
    nodes: list = [Input("in", 1000)]
    projs = []
    prev, prev_size = "in", 1000
    for i in range(layers):
        name = f"l{i}"
        nodes.append(Population(name, width, LIFParameters()))
        post = np.repeat(np.arange(width), fan_in)
        centre = post * prev_size // width
        lo = np.clip(centre - window // 2, 0, max(prev_size - window, 0))
        pre = lo + rng.integers(0, min(window, prev_size), size=post.size)
        projs.append(Sparse(prev, name, pre, post, rng.normal(size=post.size)))
        prev, prev_size = name, width
    return Network(tuple(nodes), tuple(projs), name="large_100k")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    chip = load_chip("loihi")
    print(f"machine: {machine()}")
    print(f"chip: {chip.name}, {chip.topology.cores} cores, mesh {chip.topology.mesh} tiles of "
          f"{chip.topology.cores_per_tile}\n")

    for label, net in (("(1)", two_layer()), ("(1b)", three_layer())):
        print(f"{label} placement quality, {net.name}: {net.num_neurons} neurons, {net.to_csr().num_synapses:,} "
              "synapses")
        results = {}
        for mapper in ("sequential", "traffic"):
            _, rep = map_network(net, chip, mapper)
            results[mapper] = rep
            print(f"  {mapper:10s}: feasible={rep.feasible} cores={rep.cores_used:3d} packets={rep.packets:9.0f} "
                  f"hop-weighted packets={rep.hop_weighted_packets:9.0f} mean hops={rep.mean_hops:.3f} "
                  f"max hops={rep.max_hops} ({rep.mapper_seconds:.2f} s)")
        seq, tra = results["sequential"].hop_weighted_packets, results["traffic"].hop_weighted_packets
        assert seq is not None and tra is not None
        print(f"  traffic / sequential hop-weighted packets = {tra / seq:.3f} ({100 * (1 - tra / seq):.1f}% fewer)\n")

    t0 = time.perf_counter()
    big = large()
    build = time.perf_counter() - t0
    print(f"(2) mapper speed, {big.name}: {big.num_neurons:,} neurons, {big.to_csr().num_synapses:,} synapses "
          f"(network built in {build:.2f} s)")
    for mapper in ("sequential", "traffic"):
        times = []
        rep = None
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            _, rep = map_network(big, chip, mapper)
            times.append(time.perf_counter() - t0)
        assert rep is not None
        print(f"  {mapper:10s}: median {statistics.median(times):6.2f} s over {args.repeats} "
              f"(min {min(times):.2f}, max {max(times):.2f}); cores={rep.cores_used} feasible={rep.feasible}"
              f" hop-weighted packets={rep.hop_weighted_packets:,.0f}")


if __name__ == "__main__":
    main()
