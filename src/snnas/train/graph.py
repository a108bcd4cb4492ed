"""Surrogate-gradient training of LIF networks that are graphs, not chains: skip connections, several
inputs per population, and temporal (delay-1) feedback edges, as the cell-based search space builds.

Populations ``p`` (LIF, or IF when tau_m is infinite) are joined by edges e = (src → dst, kind, delay
d ∈ {0, 1}). One step n is the simulators' step (update, threshold, deliver, reset), for every
population at once:

    u_p(n) = a · v_p(n−1)                                    (1) update, a = exp(−dt/τ_m) (1 for IF)
    s_p(n) = H(u_p(n) − θ)                                   (2) threshold
    I_p(n) = Σ_{e: q→p} s_q(n − d_e) · (M_e ⊙ W_e)           (3) deliver (s_q(−1) = 0; the input
                                                                 raster is population "in")
    v_p(n) = u_p(n) + I_p(n), then reset: 0 where s_p(n), or v − θ s_p(n)        (4) reset

Because the threshold comes before delivery, even a cycle of delay-0 edges is well defined; a delay-1
edge is the cell space's "backward" connection (node j's spikes of step n−1 drive node i at step n).
Edge kinds: ``dense`` (M = 1, trainable), ``band`` (M_ij = 1 for |i − j| ≤ 1: a 3-tap local
connection, trainable), ``skip`` (M = I, trainable one-to-one), ``pool`` (the band, fixed weights
θ/(2a): two neighbouring spikes relay one).

Backward (BPTT), backwards in time, per population, with dv_p the gradient reaching v_p(n) from step
n+1 and σ' the surrogate derivative:

    dI_p(n) = dv_p ⊙ (1 − s_p(n))  (reset to zero)  or  dv_p  (subtract)
    dL/ds_q(n) = g_q(n) + Σ_{e: q→p} dI_p(n + d_e) (M_e ⊙ W_e)^T
    du_q(n) = dI_q(n) + dL/ds_q(n) ⊙ σ'(u_q(n) − θ);   dv_q ← a · du_q(n)
    dW_e = M_e ⊙ Σ_n s_q(n − d_e)^T dI_p(n)

with g_out(n) = ∂L/∂count (cross-entropy of softmax of the output spike counts). As in
:mod:`snnas.train.layers`, the reset is not differentiated through, matrix products go to BLAS, Adam updates
the weights, and the best weights on the validation split are kept (:func:`snnas.train.fit.fit`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import numpy as np
from numpy.typing import NDArray

from snnas.data.datasets import Dataset, Split
from snnas.ir.network import Dense, Input, Network, Population
from snnas.train.config import TrainConfig, decay, encode, neuron_parameters
from snnas.train.fit import TrainError, fit
from snnas.train.layers import _softmax_grad, hit_rate
from snnas.train.steps import SURROGATES

__all__ = ["EDGE_KINDS", "GraphConfig", "GraphEdge", "GraphResult", "check_graph", "edge_synapses", "graph_accuracy",
           "graph_forward", "init_weights", "train_graph"]

EdgeKind = Literal["dense", "band", "skip", "pool"]
EDGE_KINDS: tuple[str, ...] = get_args(EdgeKind)


@dataclass(frozen=True)
class GraphEdge:
    """One projection: ``src`` → ``dst`` (population names; "in" is the input), its kind and delay."""

    src: str
    dst: str
    kind: EdgeKind = "dense"
    delay: int = 0

    def __post_init__(self) -> None:
        if self.kind not in EDGE_KINDS or isinstance(self.delay, bool) or self.delay not in (0, 1):
            raise TrainError(f"graph edge {self.src}->{self.dst}: kind must be one of {EDGE_KINDS} and delay 0 or 1, "
                             f"got {self.kind!r}, {self.delay!r}")


@dataclass(frozen=True)
class GraphConfig:
    """A graph network and how to train it.

    Attributes:
        nodes: hidden populations (name, size) in order; the output population "out" (one neuron per
            class) is added, and must be reached by at least one edge.
        edges: the projections (see :class:`GraphEdge`).
        train: neuron ("lif" or "if"), tau_m, threshold, reset, steps, encoder and the training budget;
            its ``hidden`` and ``recurrent`` are not used.
    """

    nodes: tuple[tuple[str, int], ...]
    edges: tuple[GraphEdge, ...]
    train: TrainConfig = field(default_factory=TrainConfig)


def _mask(kind: str, n_in: int, n_out: int) -> NDArray[np.float64] | None:
    if kind == "dense":
        return None
    i, j = np.meshgrid(np.arange(n_in), np.arange(n_out), indexing="ij")
    near = (i == j) if kind == "skip" else (np.abs(i - j) <= 1)
    mask: NDArray[np.float64] = near.astype(np.float64)
    return mask


def edge_synapses(kind: str, n_in: int, n_out: int) -> int:
    """Synapses of an edge (the non-zero entries of its mask): dense n_in·n_out, skip n, band and pool the
    3-tap band |i − j| <= 1 of an n × n matrix, 3n − 2."""
    if kind == "dense":
        return n_in * n_out
    return n_in if kind == "skip" else 3 * n_in - 2


def check_graph(gc: GraphConfig, n_inputs: int, n_classes: int) -> dict[str, int]:
    """The size of every population ("in" and "out" included); TrainError naming what is wrong."""
    c = gc.train
    if c.neuron not in ("lif", "if"):
        raise TrainError(f"graph training: neuron must be 'lif' or 'if', got {c.neuron!r}")
    if c.surrogate not in SURROGATES:
        raise TrainError(f"unknown surrogate {c.surrogate!r}; choose one of {', '.join(SURROGATES)}")
    if (c.spikes, c.order) != ("single", "test_first"):
        raise TrainError(f"graph training: spikes='single' and order='test_first' only, got spikes={c.spikes!r}, "
                         f"order={c.order!r}")
    if c.layers:
        raise TrainError("graph training: every population shares tau_m and threshold; TrainConfig.layers must be "
                         "empty")
    sizes = {"in": n_inputs}
    for name, n in gc.nodes:
        if name in sizes or name == "out" or not (isinstance(n, int) and n > 0):
            raise TrainError(f"graph node {name!r}: names must be unique (not 'in' or 'out'), sizes positive; "
                             f"got {n!r}")
        sizes[name] = n
    sizes["out"] = n_classes
    for e in gc.edges:
        if e.src not in sizes or e.dst not in sizes or e.dst == "in":
            raise TrainError(f"graph edge {e.src}->{e.dst}: unknown population or an edge into the input")
        if e.kind != "dense" and sizes[e.src] != sizes[e.dst]:
            raise TrainError(f"graph edge {e.src}->{e.dst}: a {e.kind} edge joins equal sizes, got "
                             f"{sizes[e.src]} and {sizes[e.dst]}")
        if e.src == "in" and e.delay:
            raise TrainError(f"graph edge in->{e.dst}: input edges have delay 0")
    if not any(e.dst == "out" for e in gc.edges):
        raise TrainError("graph: no edge reaches the output population 'out'")
    return sizes


def init_weights(gc: GraphConfig, sizes: dict[str, int], rng: np.random.Generator) -> list[NDArray[np.float64]]:
    """Initial edge weights: N(0, 2θ/sqrt(fan-in · edges into the target)) for dense and band edges,
    1.25 θ/a one-to-one for skip edges, θ/(2a) on the band for the fixed pool edges."""
    c = gc.train
    fan = {p: sum(1 for e in gc.edges if e.dst == p) for p in sizes}
    a = decay(c)
    out = []
    for e in gc.edges:
        n_in, n_out = sizes[e.src], sizes[e.dst]
        if e.kind == "pool":
            w = np.full((n_in, n_out), c.threshold / (2 * a))
        elif e.kind == "skip":
            w = np.full((n_in, n_out), 1.25 * c.threshold / a)
        else:
            w = rng.normal(0.0, 1.0 / math.sqrt(n_in if e.kind == "dense" else 3), size=(n_in, n_out))
            w *= 2.0 * c.threshold / math.sqrt(fan[e.dst])
        m = _mask(e.kind, n_in, n_out)
        out.append(w if m is None else w * m)
    return out


def graph_forward(gc: GraphConfig, weights: Sequence[NDArray[np.float64]], x: NDArray[np.float64],
                  keep: bool = False) -> tuple[NDArray[np.float64], dict[str, tuple[NDArray[np.float64], ...]]]:
    """Run a batch ``x`` (batch, steps, inputs); returns the output spike counts (batch, classes) and,
    per population, (u, s) of shape (steps, batch, size) (all populations; "in" holds the input)."""
    c = gc.train
    a = decay(c)
    subtract = c.reset == "subtract"
    batch, steps, _ = x.shape
    pops = [name for name, _ in gc.nodes] + ["out"]
    sizes = dict(gc.nodes)
    sizes["out"] = next(w.shape[1] for w, e in zip(weights, gc.edges) if e.dst == "out")
    s_all = {p: np.zeros((steps, batch, sizes[p])) for p in pops}
    s_all["in"] = np.ascontiguousarray(np.transpose(x, (1, 0, 2)), dtype=np.float64)
    u_all = {p: np.zeros((steps, batch, sizes[p])) for p in pops}
    v = {p: np.zeros((batch, sizes[p])) for p in pops}
    into = {p: [(e, weights[i]) for i, e in enumerate(gc.edges) if e.dst == p] for p in pops}
    for n in range(steps):
        for p in pops:
            u = a * v[p]
            u_all[p][n] = u
            s_all[p][n] = u >= c.threshold
        for p in pops:
            total = u_all[p][n].copy()
            for e, w in into[p]:
                if n - e.delay >= 0:
                    total += s_all[e.src][n - e.delay] @ w
            s = s_all[p][n]
            v[p] = total - c.threshold * s if subtract else total * (1.0 - s)
    saved: dict[str, tuple[NDArray[np.float64], ...]] = {}
    if keep:
        saved = {p: (u_all[p], s_all[p]) for p in pops}
        saved["in"] = (s_all["in"], s_all["in"])
    counts: NDArray[np.float64] = s_all["out"].sum(axis=0)
    return counts, saved


def _backward(gc: GraphConfig, weights: Sequence[NDArray[np.float64]], saved: dict[str, Any],
              d_counts: NDArray[np.float64]) -> list[NDArray[np.float64]]:
    c = gc.train
    a = decay(c)
    subtract = c.reset == "subtract"
    surrogate = SURROGATES[c.surrogate]
    pops = [name for name, _ in gc.nodes] + ["out"]
    steps = saved["out"][0].shape[0]
    sg = {p: surrogate(saved[p][0] - c.threshold, c.slope) for p in pops}
    d_i = {p: np.zeros_like(saved[p][0]) for p in pops}
    dv = {p: np.zeros(saved[p][0].shape[1:]) for p in pops}
    out_of = {p: [(e, weights[i]) for i, e in enumerate(gc.edges) if e.src == p] for p in pops}
    for n in range(steps - 1, -1, -1):
        for p in pops:
            s = saved[p][1][n]
            d_i[p][n] = dv[p] if subtract else dv[p] * (1.0 - s)
        for p in pops:
            ds = d_counts.copy() if p == "out" else np.zeros_like(dv[p])
            for e, w in out_of[p]:
                if n + e.delay < steps:
                    ds += d_i[e.dst][n + e.delay] @ w.T
            du = d_i[p][n] + ds * sg[p][n]
            dv[p] = a * du
    grads = []
    for e, w in zip(gc.edges, weights):
        if e.kind == "pool":
            grads.append(np.zeros_like(w))
            continue
        src = saved[e.src][1]
        dst = d_i[e.dst]
        if e.delay:
            src, dst = src[:-1], dst[1:]
        g = src.reshape(-1, src.shape[-1]).T @ dst.reshape(-1, dst.shape[-1])
        m = _mask(e.kind, *w.shape)
        grads.append(g if m is None else g * m)
    return grads


@dataclass
class GraphResult:
    """Trained edge weights (in the order of ``config.edges``; source × target, jump per spike)."""

    weights: list[NDArray[np.float64]]
    config: GraphConfig
    history: list[dict[str, float]]
    seconds: float
    samples_per_second: float

    def to_network(self, name: str = "trained") -> Network:
        """The network in the snnas IR: LIF (or IF) populations, one Dense projection per edge with its delay."""
        c = self.config.train
        n_in = next(w.shape[0] for w, e in zip(self.weights, self.config.edges) if e.src == "in")
        n_out = next(w.shape[1] for w, e in zip(self.weights, self.config.edges) if e.dst == "out")
        params = neuron_parameters(c)  # LIF or IF (check_graph)
        nodes: list[Any] = [Input("in", n_in)]
        nodes += [Population(p, (n,), params) for p, n in self.config.nodes]
        nodes.append(Population("out", (n_out,), params))
        projs = [Dense(e.src, e.dst, w.T.copy(), delay=e.delay) for e, w in zip(self.config.edges, self.weights)]
        return Network(tuple(nodes), tuple(projs), dt=c.dt, name=name)


def graph_accuracy(gc: GraphConfig, weights: Sequence[NDArray[np.float64]], x: NDArray[np.float64],
                   labels: NDArray[np.int64]) -> float:
    """Share of samples whose most-spiking output neuron is the label (ties go to the lowest index)."""
    return hit_rate(graph_forward(gc, weights, x)[0], labels)


def train_graph(data: Dataset, split: Split, gc: GraphConfig) -> GraphResult:
    """Train on ``split.train``, early-stop on ``split.val``; returns the best weights (see the module docstring)."""
    if not isinstance(data, Dataset) or not isinstance(split, Split):
        raise TrainError(f"train_graph: expected a Dataset and a Split, got {type(data).__name__} and "
                         f"{type(split).__name__}")
    c = gc.train
    sizes = check_graph(gc, data.n_inputs, data.n_classes)
    rng = np.random.default_rng(c.seed)
    x_train, y_train = encode(data, split.train, c), data.labels[split.train]
    x_val, y_val = encode(data, split.val, c), data.labels[split.val]
    weights = init_weights(gc, sizes, rng)

    def batch(idx: NDArray[np.int64]) -> tuple[float, list[NDArray[np.float64]]]:
        counts, saved = graph_forward(gc, weights, x_train[idx], keep=True)
        loss, d_counts = _softmax_grad(counts, y_train[idx])
        return loss, _backward(gc, weights, saved, d_counts)

    out = fit(list(weights), batch, lambda: graph_accuracy(gc, weights, x_val, y_val), y_train.size, rng, c)
    best = [w for w in out.best if w is not None]
    return GraphResult(best, gc, out.history, out.seconds, out.samples * c.n_steps / max(out.seconds, 1e-12))
