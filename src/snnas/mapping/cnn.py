"""Convolutional-core chips (DYNAP-CNN / Speck): one layer per core, memory as sinabs accounts it.

sinabs ``DynapcnnLayer.memory_summary`` (shared research notes, hw_specs §2.6), for a layer with c input
channels, f output channels, a kx×ky kernel and an fy×fx output map:

    kernel memory = c · 2^(⌈log2(kx·ky)⌉ + ⌈log2 f⌉)        neuron memory = f · 2^(⌈log2 fy⌉ + ⌈log2 fx⌉)

A dense projection into a layer is a convolution whose kernel covers the whole input map (output 1×1);
pooling costs no kernel memory. Pooling that a projection chain applies before its convolution (sinabs'
conv -> IAF -> pool -> conv) belongs to the layer that feeds it, as in sinabs' ``DynapcnnLayer``, so it
costs no core of its own; its input map is the pooled one.

Example from the sinabs documentation: Conv2d 16→32, 3×3, on a 64×64 input with padding 1 needs 8Ki kernel
entries and 128Ki neuron entries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import cast

import numpy as np

from snnas.chip import Chip, CoreLimits
from snnas.ir.network import Chain, Conv, Dense, Network, Pool, Population, Sparse
from snnas.mapping.model import Violation

__all__ = ["LayerNeeds", "assign_layers", "layer_needs", "uses_layer_cores"]


def _clog2(x: int) -> int:
    return max(0, math.ceil(math.log2(x))) if x > 0 else 0


@dataclass(frozen=True)
class LayerNeeds:
    """What one population needs of a convolutional core."""

    population: str
    kernel_entries: int
    neuron_entries: int
    bias_entries: int
    channels: int
    input_side: int
    output_side: int
    kernel_side: int
    strides: tuple[int, ...]
    padding: int
    pool_sizes: tuple[int, ...]


def uses_layer_cores(chip: Chip) -> bool:
    """True for chips whose cores each hold one convolutional layer (per-core kernel/neuron memory)."""
    return any(chip.core_limits(i).kernel_memory_entries is not None for i in range(chip.topology.cores))


def _spatial(shape: tuple[int, ...]) -> tuple[int, int, int]:
    """(channels, height, width) of a population shape; flat shapes are (n, 1, 1)."""
    if len(shape) == 3:
        return shape[0], shape[1], shape[2]
    if len(shape) == 2:
        return shape[0], 1, shape[1]
    return shape[0], 1, 1


def _has_bias(bias: object) -> bool:
    """A bias that takes bias memory: given and not all zero (sinabs writes no bias for a zero vector)."""
    return bias is not None and bool(np.any(np.asarray(bias) != 0))


def _pools_out(net: Network, pop: Population) -> list[int]:
    """Pool sizes of the chains leaving ``pop`` that pool before their first weight stage: on a
    convolutional core the pooling belongs to the layer that feeds it (sinabs' conv -> IAF -> pool layer)."""
    out: list[int] = []
    for p in net.projections:
        if isinstance(p, Chain) and p.source == pop.name:
            for st in p.stages:
                if not isinstance(st, Pool):
                    break
                out.extend(cast(tuple[int, ...], st.kernel))
    return out


def _as_conv(net: Network, p: Chain) -> tuple[tuple[int, int, int], tuple[int, int], list[int], int, bool]:
    """The single convolution a chain amounts to, past its leading pools (those belong to the source layer):
    (input map (c, h, w), kernel sides, strides, padding, dense). Stacked stages compose as convolutions
    do: k = k_1 + (k_2 - 1)·s_1, s = s_1·s_2, π = π_1 + π_2·s_1; a pool is a channel-wise conv of kernel
    and stride P; a Dense stage covers its whole input map."""
    shapes = net.stage_shapes(p)
    first = next((i for i, st in enumerate(p.stages) if not isinstance(st, Pool)), len(p.stages) - 1)
    c, h, w = _spatial(shapes[first])
    k, s, pad, dense = [1, 1], [1, 1], [0, 0], False
    for st, shape in zip(p.stages[first:], shapes[first:]):
        if isinstance(st, Dense):
            _, hh, ww = _spatial(shape)
            k = [k[0] + (hh - 1) * s[0], k[1] + (ww - 1) * s[1]]
            dense = True
            continue
        kk = cast(tuple[int, ...], st.kernel) + (1,) * (2 - len(cast(tuple[int, ...], st.kernel)))
        ss = cast(tuple[int, ...], st.stride) + (1,) * (2 - len(cast(tuple[int, ...], st.stride)))
        pp = cast(tuple[int, ...], st.padding) + (0,) * (2 - len(cast(tuple[int, ...], st.padding)))
        for a in range(2):
            pad[a] += pp[a] * s[a]
            k[a] += (kk[a] - 1) * s[a]
            s[a] *= ss[a]
    return (c, h, w), (k[0], k[1]), s, max(pad), dense


def layer_needs(net: Network, pop: Population) -> LayerNeeds:
    """Memory and layer-shape needs of population ``pop`` (summed over its incoming projections)."""
    f, fy, fx = _spatial(pop.shape)
    kernel = bias = 0
    channels, in_side, k_side, pad = f, max(fy, fx), 1, 0
    strides: list[int] = []
    pools: list[int] = _pools_out(net, pop)
    for p in net.projections:
        if p.target != pop.name:
            continue
        c, h, w = _spatial(net.node(p.source).shape)
        if isinstance(p, Chain):
            (c, h, w), ck, st, pd, dense = _as_conv(net, p)
            channels, in_side = max(channels, c), max(in_side, h, w)
            if dense:
                kernel += c * 2 ** (_clog2(h * w) + _clog2(pop.size))
            else:
                kernel += c * 2 ** (_clog2(ck[0] * ck[1]) + _clog2(f))
                strides.extend(st)
            k_side = max(k_side, *ck)
            pad = max(pad, pd)
            b = net.chain_bias(p)
            bias += (pop.size if dense else f) if _has_bias(b) else 0
            continue
        channels, in_side = max(channels, c), max(in_side, h, w)
        if isinstance(p, Conv):
            k = p.kernel + (1,) * (2 - len(p.kernel))
            kernel += c * 2 ** (_clog2(k[0] * k[1]) + _clog2(f))
            k_side = max(k_side, *k)
            strides.extend(cast(tuple[int, ...], p.stride))
            pad = max(pad, *cast(tuple[int, ...], p.padding))
            bias += f if _has_bias(p.bias) else 0
        elif isinstance(p, (Dense, Sparse)):
            kernel += c * 2 ** (_clog2(h * w) + _clog2(pop.size))
            k_side = max(k_side, h, w)
            bias += pop.size if isinstance(p, Dense) and _has_bias(p.bias) else 0
        elif isinstance(p, Pool):
            pools.extend(cast(tuple[int, ...], p.kernel))
    neuron = f * 2 ** (_clog2(fy) + _clog2(fx))
    return LayerNeeds(pop.name, kernel, neuron, bias, channels, in_side, max(fy, fx), k_side, tuple(strides), pad,
                      tuple(pools))


_CHECKS: tuple[tuple[str, str, str], ...] = (
    ("kernel_memory_entries", "kernel_entries", "fewer input channels, smaller kernels or fewer output channels"),
    ("neuron_memory_entries", "neuron_entries", "a smaller output map (stride or pooling before this layer) or "
                                                 "fewer channels"),
    ("bias_memory_entries", "bias_entries", "fewer biased output channels"),
    ("max_channels", "channels", "fewer channels"),
    ("max_input_side", "input_side", "a smaller input map"),
    ("max_output_side", "output_side", "a smaller output map"),
    ("max_kernel_side", "kernel_side", "smaller kernels"),
    ("max_padding", "padding", "less zero padding"),
)


def _misfits(needs: LayerNeeds, limits: CoreLimits) -> list[tuple[str, float, float, str]]:
    """(limit, required, available, hint) for every limit of ``limits`` that ``needs`` breaks."""
    out = []
    for limit, attr, hint in _CHECKS:
        avail = getattr(limits, limit)
        req = getattr(needs, attr)
        if avail is not None and req > avail:
            out.append((limit, float(req), float(avail), hint))
    for limit, values in (("allowed_strides", needs.strides), ("allowed_pool_sizes", needs.pool_sizes)):
        allowed = getattr(limits, limit)
        bad = [v for v in values if allowed is not None and v not in allowed]
        if bad:
            out.append((limit, float(bad[0]), float(max(allowed)), f"use one of {list(allowed)}"))
    return out


def assign_layers(net: Network, chip: Chip) -> tuple[dict[str, int], list[Violation]]:
    """One core per population, by maximum bipartite matching of layers to cores they fit (as sinabs does).

    Returns the population -> physical core assignment (possibly partial) and the violations: a layer
    that fits no core is reported against the largest core with every limit it breaks there; layers
    that each fit somewhere but not all at once are reported as a matching failure.
    """
    pops = net.populations
    cores = range(chip.topology.cores)
    needs = {p.name: layer_needs(net, p) for p in pops}
    import networkx as nx  # here: only layer-per-core (CNN) chips need it, and its import is slow

    g = nx.Graph()
    g.add_nodes_from((("layer", p.name) for p in pops), bipartite=0)
    g.add_nodes_from((("core", c) for c in cores), bipartite=1)
    for p in pops:
        for c in cores:
            if not _misfits(needs[p.name], chip.core_limits(c)):
                g.add_edge(("layer", p.name), ("core", c))
    match = nx.bipartite.maximum_matching(g, top_nodes=[("layer", p.name) for p in pops])
    assignment = {name: int(core) for (kind, name), (_, core) in match.items() if kind == "layer"}
    violations: list[Violation] = []
    for p in pops:
        if p.name in assignment:
            continue
        if g.degree(("layer", p.name)) == 0:
            # Report against the core that comes closest: fewest broken limits, then the most room in them.
            def closeness(c: int, name: str = p.name) -> tuple[int, float]:
                miss = _misfits(needs[name], chip.core_limits(c))
                return len(miss), -sum(avail / req for _, req, avail, _ in miss)

            best = min(cores, key=closeness)
            for limit, req, avail, hint in _misfits(needs[p.name], chip.core_limits(best)):
                violations.append(Violation(f"core.{limit}", req, avail, f"no core can hold this layer; {hint}",
                                            population=p.name, core=best))
        else:
            violations.append(Violation("cores", float(len(pops)), float(len(assignment)),
                                        "every layer fits some core, but not all at once: fewer or smaller layers",
                                        population=p.name))
    return assignment, violations
