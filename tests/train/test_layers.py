"""Surrogate-gradient training: learns, matches the C++ engine exactly, checks its configuration."""

from __future__ import annotations

import numpy as np
import pytest

from snnas.data.datasets import Dataset, Split, digits, split
from snnas.evaluate.onchip import run_network
from snnas.train.config import TrainConfig
from snnas.train.layers import TrainError, TrainResult, _backward, _softmax_grad, accuracy, forward, train
from snnas.train.steps import SURROGATES, surrogate_distance


def engine_counts(net, x: np.ndarray, out: str = "l2") -> np.ndarray:  # type: ignore[no-untyped-def]
    """Spike counts per sample of population ``out`` of an exported network, run in the C++ engine (double
    precision)."""
    run = run_network(net, x.astype(np.int8))
    off = net.to_csr().offsets[out]
    size = net.node(out).size
    sim = np.zeros((x.shape[0], size))
    keep = (run.spike_ids >= off) & (run.spike_ids < off + size)
    np.add.at(sim, (run.spike_steps[keep] // x.shape[1], run.spike_ids[keep] - off), 1)
    return sim


def trained_on_digits(cfg: TrainConfig) -> tuple[Dataset, Split, TrainResult, np.ndarray]:
    """The digits, their split (seed 0), ``cfg`` trained on it, and the test samples' rate raster (16 steps
    of 1 ms, seed 0)."""
    d = digits()
    sp = split(d, seed=0)
    res = train(d, sp, cfg)
    return d, sp, res, np.asarray(d.raster(sp.test, 16, 1e-3, "rate", seed=0), dtype=float)


@pytest.fixture(scope="module")
def trained():  # type: ignore[no-untyped-def]
    d = digits()
    sp = split(d, seed=0)
    res = train(d, sp, TrainConfig(epochs=25, patience=25, progress=False, seed=1))
    return d, sp, res


def test_learns_digits(trained) -> None:  # type: ignore[no-untyped-def]
    d, sp, res = trained
    x = np.asarray(d.raster(sp.test, 16, 1e-3, "rate", seed=1), dtype=float)
    assert accuracy(res.weights, x, d.labels[sp.test], res.config) > 0.9
    assert res.history[0]["loss"] > res.history[-1]["loss"]


def test_exported_network_spikes_identically_in_the_engine(trained) -> None:  # type: ignore[no-untyped-def]
    d, sp, res = trained
    x = np.asarray(d.raster(sp.test[:40], 16, 1e-3, "rate", seed=1), dtype=float)
    counts, _ = forward(res.weights, x, res.config)
    net = res.to_network()
    assert np.array_equal(engine_counts(net, x), counts)


def _reference_backward(w, x, cfg, d_counts):  # type: ignore[no-untyped-def]
    """The backward equations written out loop by loop, sample by sample: test first, I_n enters after the
    test (its gradient is the kept dv); input first, u_n = a·v_{n-1} + I_n (its gradient is du_n)."""
    a = np.exp(-cfg.dt / cfg.tau_m)
    sg = SURROGATES[cfg.surrogate]
    _, saved = forward(w, x, cfg, keep=True)
    steps, batch = x.shape[1], x.shape[0]
    grads = [np.zeros_like(wi) for wi in w]
    g = np.stack([d_counts] * steps)
    for layer in range(len(w) - 1, -1, -1):
        u, s = saved[layer]
        inp = np.transpose(x, (1, 0, 2)) if layer == 0 else saved[layer - 1][1]
        g_prev = np.zeros(inp.shape)
        for b in range(batch):
            dv = np.zeros(u.shape[2])
            for t in range(steps - 1, -1, -1):
                keep = dv if cfg.reset == "subtract" else dv * (1 - s[t, b])
                dist = surrogate_distance(u[t, b], cfg.threshold, cfg.spikes == "multi")
                du = keep + g[t, b] * sg(dist, cfg.slope)
                d_in = du if cfg.order == "input_first" else keep
                grads[layer] += np.outer(inp[t, b], d_in)
                g_prev[t, b] = w[layer] @ d_in
                dv = a * du
        g = g_prev
    return grads


@pytest.mark.parametrize("surrogate", sorted(SURROGATES))
@pytest.mark.parametrize("reset", ["zero", "subtract"])
def test_backward_matches_a_loop_by_loop_reference(surrogate: str, reset: str) -> None:
    rng = np.random.default_rng(0)
    cfg = TrainConfig(hidden=(12,), n_steps=8, surrogate=surrogate, reset=reset, progress=False)
    w = [rng.normal(0, 0.8, size=(6, 12)), rng.normal(0, 0.8, size=(12, 3))]
    x = (rng.random((5, 8, 6)) < 0.5).astype(float)
    y = rng.integers(0, 3, size=5)
    counts, saved = forward(w, x, cfg, keep=True)
    _, d = _softmax_grad(counts, y)
    got = _backward(w, x, saved, d, cfg)
    ref = _reference_backward(w, x, cfg, d)
    for gi, ri in zip(got, ref):
        np.testing.assert_allclose(gi, ri, rtol=1e-10, atol=1e-12)
    assert any(np.abs(gi).sum() > 0 for gi in got)


def test_is_deterministic_for_a_seed() -> None:
    d = digits()
    sp = split(d, seed=0)
    cfg = TrainConfig(hidden=(16,), epochs=2, progress=False, seed=4)
    a, b = train(d, sp, cfg), train(d, sp, cfg)
    assert all(np.array_equal(x, y) for x, y in zip(a.weights, b.weights))


@pytest.mark.parametrize("change, match", [
    ({"surrogate": "relu"}, "surrogate must be one of 'fast_sigmoid', 'arctan', 'triangle', got 'relu'"),
    ({"reset": "hard"}, "reset must be"),
    ({"n_steps": 0}, "n_steps must be a positive integer"),
    ({"hidden": (0,)}, "hidden layer sizes"),
    ({"lr": -1.0}, "must be positive"),
])
def test_bad_configuration(change: dict, match: str) -> None:
    d = digits()
    with pytest.raises(TrainError, match=match):
        train(d, split(d), TrainConfig(progress=False, **change))


def test_learns_the_spike_timing_task_well_above_chance() -> None:
    """Random manifolds: every input fires once per sample, so only timing tells the class apart."""
    from snnas.data.datasets import randman

    d = randman(n_classes=4, n_inputs=16, samples_per_class=60, dim=1, seed=2, duration=30e-3)
    sp = split(d, seed=0)
    cfg = TrainConfig(hidden=(48,), n_steps=40, tau_m=20e-3, epochs=40, patience=40, lr=3e-3, progress=False)
    res = train(d, sp, cfg)
    x = np.asarray(d.raster(sp.test, 40, 1e-3), dtype=float)
    assert accuracy(res.weights, x, d.labels[sp.test], cfg) > 0.6  # chance is 0.25


def test_recurrent_network_spikes_identically_in_the_engine() -> None:
    from snnas.data.datasets import randman

    d = randman(n_classes=3, n_inputs=12, samples_per_class=30, seed=5, duration=20e-3)
    sp = split(d, seed=0)
    cfg = TrainConfig(hidden=(24,), recurrent=True, n_steps=25, tau_m=20e-3, epochs=5, progress=False)
    res = train(d, sp, cfg)
    assert res.recurrent[0] is not None and res.recurrent[1] is None
    x = np.asarray(d.raster(sp.test, 25, 1e-3), dtype=float)
    counts, _ = forward(res.weights, x, cfg, recurrent=res.recurrent)
    net = res.to_network()
    assert any(p.source == p.target for p in net.projections)
    assert np.array_equal(engine_counts(net, x), counts)


def test_recurrent_backward_matches_a_loop_reference() -> None:
    from snnas.train.layers import _backward_full

    rng = np.random.default_rng(3)
    cfg = TrainConfig(hidden=(7,), n_steps=9, progress=False)
    w = [rng.normal(0, 0.9, size=(5, 7)), rng.normal(0, 0.9, size=(7, 3))]
    rec = [rng.normal(0, 0.5, size=(7, 7)), None]
    x = (rng.random((4, 9, 5)) < 0.5).astype(float)
    y = rng.integers(0, 3, size=4)
    counts, saved = forward(w, x, cfg, keep=True, recurrent=rec)
    _, d = _softmax_grad(counts, y)
    gw, gr = _backward_full(w, x, saved, d, cfg, rec)
    # loop-by-loop: the same equations, one sample and one neuron at a time
    a = np.exp(-cfg.dt / cfg.tau_m)
    sg = SURROGATES[cfg.surrogate]
    ref_w = [np.zeros_like(wi) for wi in w]
    ref_r = np.zeros((7, 7))
    g_out = np.stack([d] * 9)
    u2, s2 = saved[1]
    u1, s1 = saved[0]
    g_hidden = np.zeros((9, 4, 7))
    for b in range(4):
        dv = np.zeros(3)
        for t in range(8, -1, -1):
            keep = dv * (1 - s2[t, b])
            ref_w[1] += np.outer(s1[t, b], keep)
            g_hidden[t, b] = w[1] @ keep
            dv = a * (keep + g_out[t, b] * sg(u2[t, b] - 1.0, cfg.slope))
        dv = np.zeros(7)
        for t in range(8, -1, -1):
            keep = dv * (1 - s1[t, b])
            ref_w[0] += np.outer(x[b, t], keep)
            ref_r += np.outer(s1[t, b], keep)
            ds = g_hidden[t, b] + rec[0] @ keep
            dv = a * (keep + ds * sg(u1[t, b] - 1.0, cfg.slope))
    np.testing.assert_allclose(gw[0], ref_w[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gw[1], ref_w[1], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gr[0], ref_r, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("cfg, exact", [
    # the engine catches idle CUBA neurons up in closed form (pow), the trainer steps: rounding may differ by an ulp
    (TrainConfig(neuron="cuba_lif", tau_syn=5e-3, epochs=15, patience=15, progress=False), False),
    # adaptive LIF is stepped every step in the engine: exact
    (TrainConfig(neuron="adaptive_lif", tau_adapt=50e-3, adapt_beta=0.3, epochs=12, patience=12, progress=False), True),
], ids=["cuba_lif", "adaptive_lif"])
def test_neuron_model_learns_and_spikes_like_the_engine(cfg: TrainConfig, exact: bool) -> None:
    d, sp, res, x = trained_on_digits(cfg)
    assert accuracy(res.weights, x, d.labels[sp.test], cfg) > 0.85
    counts, _ = forward(res.weights, x[:40], cfg)
    sim = engine_counts(res.to_network(), x[:40])
    assert np.array_equal(sim, counts) if exact else np.mean(sim == counts) > 0.99


@pytest.mark.parametrize("reset", ["zero", "subtract"])
def test_cuba_backward_matches_a_loop_reference(reset: str) -> None:
    from snnas.train.layers import _backward_full

    rng = np.random.default_rng(7)
    cfg = TrainConfig(hidden=(6,), n_steps=7, neuron="cuba_lif", reset=reset, progress=False)
    w = [rng.normal(0, 2.0, size=(4, 6)), rng.normal(0, 2.0, size=(6, 3))]
    x = (rng.random((3, 7, 4)) < 0.6).astype(float)
    y = rng.integers(0, 3, size=3)
    counts, saved = forward(w, x, cfg, keep=True)
    _, d = _softmax_grad(counts, y)
    got, _ = _backward_full(w, x, saved, d, cfg)
    a, b = np.exp(-cfg.dt / cfg.tau_m), np.exp(-cfg.dt / cfg.tau_syn)
    sg = SURROGATES[cfg.surrogate]
    ref = [np.zeros_like(wi) for wi in w]
    g = np.stack([d] * 7)
    for layer in (1, 0):
        u, s = saved[layer]
        inp = np.transpose(x, (1, 0, 2)) if layer == 0 else saved[0][1]
        g_prev = np.zeros(inp.shape)
        for bb in range(3):
            dv = np.zeros(u.shape[2])
            di = np.zeros(u.shape[2])
            for t in range(6, -1, -1):
                keep = dv if reset == "subtract" else dv * (1 - s[t, bb])
                ref[layer] += np.outer(inp[t, bb], di)
                g_prev[t, bb] = w[layer] @ di
                du = keep + g[t, bb] * sg(u[t, bb] - 1.0, cfg.slope)
                dv, di = a * du, b * (di + (1 - a) * du)
        g = g_prev
    for gi, ri in zip(got, ref):
        np.testing.assert_allclose(gi, ri, rtol=1e-10, atol=1e-12)


def test_if_network_learns_spikes_like_the_engine_and_quantises() -> None:
    """Integrate-and-fire (Speck's neuron): no leak in training, the IR, and the fixed-point chip run."""
    from snnas.evaluate.accuracy import chip_accuracy
    from snnas.ir.neurons import IFParameters
    from snnas.quantize.layers import quantize

    cfg = TrainConfig(hidden=(48,), neuron="if", epochs=8, progress=False)
    d, sp, res, x = trained_on_digits(cfg)
    assert accuracy(res.weights, x, d.labels[sp.test], cfg) > 0.8
    net = res.to_network()
    assert all(isinstance(p.neuron, IFParameters) for p in net.populations)
    counts, _ = forward(res.weights, x[:40], cfg)
    assert np.array_equal(engine_counts(net, x[:40]), counts)
    q = quantize(res, "speck", 8)
    assert q.decay == 0 and q.model == "if"
    acc, _ = chip_accuracy(q, x.astype(np.int8), d.labels[sp.test])
    assert acc > 0.8


def test_surrogate_names_are_the_kernels() -> None:
    from snnas.train.config import SURROGATE_NAMES

    assert set(SURROGATE_NAMES) == set(SURROGATES)


@pytest.mark.parametrize(("change", "match"), [
    ({"neuron": "izhikevich"}, r"neuron must be one of 'lif', 'if', 'cuba_lif', 'adaptive_lif', got 'izhikevich'"),
    ({"reset": "hard"}, r"reset must be one of 'value', 'subtract', 'zero', got 'hard'"),
    ({"surrogate": "relu"}, r"surrogate must be one of 'fast_sigmoid', 'arctan', 'triangle', got 'relu'"),
    ({"epochs": 0}, r"epochs must be a positive integer, got 0"),
])
def test_a_bad_config_is_refused_when_built(change: dict, match: str) -> None:
    with pytest.raises(TrainError, match=match):
        TrainConfig(**change)


def test_reset_speaks_the_irs_vocabulary() -> None:
    assert TrainConfig(reset="zero") == TrainConfig(reset="value") == TrainConfig()
    assert TrainConfig().reset == "value"
