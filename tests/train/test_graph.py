"""Graph networks: the trainer equals the layer trainer on chains, spikes like the engine with skip,
band, pool and delay-1 edges, learns, and quantises to the fixed-point engine."""

from __future__ import annotations

import numpy as np
import pytest

from snnas.data.datasets import digits, split
from snnas.evaluate.accuracy import graph_chip_outputs
from snnas.quantize.graph import quantize_graph
from snnas.quantize.layers import QuantizationError
from snnas.train.config import TrainConfig
from snnas.train.graph import (
    GraphConfig,
    GraphEdge,
    _backward,
    graph_accuracy,
    graph_forward,
    train_graph,
)
from snnas.train.layers import TrainError, _backward_full, _softmax_grad, forward
from tests.train.test_layers import engine_counts

CELL = (("a", 16), ("b", 16), ("c", 16))
EDGES = (GraphEdge("in", "a"), GraphEdge("a", "b", "band"), GraphEdge("a", "c", "skip"), GraphEdge("b", "c"),
         GraphEdge("c", "a", "dense", 1), GraphEdge("b", "b", "pool"), GraphEdge("c", "out"))


@pytest.fixture(scope="module")
def data():  # type: ignore[no-untyped-def]
    d = digits()
    return d, split(d, seed=0)


@pytest.mark.parametrize("reset", ["zero", "subtract"])
def test_chain_gradients_equal_the_layer_trainer(data, reset: str) -> None:  # type: ignore[no-untyped-def]
    d, sp = data
    cfg = TrainConfig(hidden=(32,), recurrent=True, reset=reset, progress=False)
    rng = np.random.default_rng(0)
    w = [rng.normal(0, 0.5, (64, 32)), rng.normal(0, 0.3, (32, 32)), rng.normal(0, 0.5, (32, 10))]
    x = np.asarray(d.raster(sp.train[:20], 16, 1e-3, "rate"), float)
    c1, s1 = forward([w[0], w[2]], x, cfg, keep=True, recurrent=[w[1], None])
    _, dc = _softmax_grad(c1, d.labels[sp.train[:20]])
    g1, r1 = _backward_full([w[0], w[2]], x, s1, dc, cfg, [w[1], None])
    gc = GraphConfig((("h", 32),), (GraphEdge("in", "h"), GraphEdge("h", "h"), GraphEdge("h", "out")), cfg)
    c2, s2 = graph_forward(gc, w, x, keep=True)
    g2 = _backward(gc, w, s2, dc)
    assert np.array_equal(c1, c2)
    assert np.allclose(g1[0], g2[0], atol=1e-12) and np.allclose(r1[0], g2[1], atol=1e-12)
    assert np.allclose(g1[1], g2[2], atol=1e-12)


@pytest.mark.parametrize("neuron", ["lif", "if"])
def test_cell_learns_and_spikes_like_the_engine(data, neuron: str) -> None:  # type: ignore[no-untyped-def]
    d, sp = data
    gc = GraphConfig(CELL, EDGES, TrainConfig(neuron=neuron, epochs=8, progress=False))
    res = train_graph(d, sp, gc)
    x = np.asarray(d.raster(sp.test, 16, 1e-3, "rate"), float)
    assert graph_accuracy(gc, res.weights, x, d.labels[sp.test]) > 0.5  # chance is 0.1
    assert res.history[-1]["loss"] < res.history[0]["loss"]
    pool = next(w for w, e in zip(res.weights, EDGES) if e.kind == "pool")
    assert np.all(pool[np.abs(np.subtract.outer(np.arange(16), np.arange(16))) > 1] == 0)  # fixed band
    counts, _ = graph_forward(gc, res.weights, x[:40])
    assert np.array_equal(engine_counts(res.to_network(), x[:40], "out"), counts) and counts.sum() > 0
    q = quantize_graph(res, "loihi", 8)
    chip = graph_chip_outputs(q, x.astype(np.int8))
    acc_chip = float((chip.sum(axis=1).argmax(axis=1) == d.labels[sp.test]).mean())
    assert acc_chip > 0.5
    assert all(np.abs(w).max() <= 127 for w in q.weights)
    assert q.decay == (0 if neuron == "if" else 390)  # round((1 - e^-0.1) 4096)


def test_bad_graphs_are_named(data) -> None:  # type: ignore[no-untyped-def]
    d, sp = data
    cfg = TrainConfig(epochs=1, progress=False)
    cases = [
        (GraphConfig((("a", 8),), (GraphEdge("in", "a"),), cfg), "no edge reaches the output"),
        (GraphConfig((("a", 8),), (GraphEdge("in", "a"), GraphEdge("a", "zz"), GraphEdge("a", "out")), cfg), "unknown"),
        (GraphConfig((("a", 8),), (GraphEdge("in", "a", "band"), GraphEdge("a", "out")), cfg), "joins equal sizes"),
        (GraphConfig((("a", 8), ("a", 4)), (GraphEdge("in", "a"), GraphEdge("a", "out")), cfg), "unique"),
        (GraphConfig((("a", 8),), (GraphEdge("in", "a"), GraphEdge("a", "out")),
                     TrainConfig(neuron="cuba_lif", progress=False)), "'lif' or 'if'"),
    ]
    for gc, msg in cases:
        with pytest.raises(TrainError, match=msg):
            train_graph(d, sp, gc)
    ok = train_graph(d, sp, GraphConfig((("a", 8),), (GraphEdge("in", "a"), GraphEdge("a", "out")), cfg))
    with pytest.raises(QuantizationError, match="weight values per neuron"):
        quantize_graph(ok, "truenorth")
    with pytest.raises(QuantizationError, match="raster"):
        graph_chip_outputs(quantize_graph(ok, "loihi"), np.zeros((2, 4, 3)))


@pytest.mark.parametrize(("kind", "delay"), [("conv", 0), ("dense", 2), ("dense", True)])
def test_a_bad_edge_is_refused_when_built(kind: str, delay: int) -> None:
    with pytest.raises(TrainError, match=r"graph edge a->b: kind must be one of .* and delay 0 or 1"):
        GraphEdge("a", "b", kind, delay)  # type: ignore[arg-type]
