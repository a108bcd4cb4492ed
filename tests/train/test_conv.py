"""Conv LIF layers and the membrane loss in the trainer: gradients, learning, the engine, configuration."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from snnas.data.datasets import digits, split
from snnas.errors import NetworkError
from snnas.ir.connectivity import conv_synapses
from snnas.ir.conv import ConvSpec, compose, compose_transpose
from snnas.ir.network import Conv
from snnas.train.config import TrainConfig, conv_layers
from snnas.train.layers import TrainError, _backward_full, _run, _softmax_grad, accuracy, forward, readout, train
from tests.train.test_layers import engine_counts, trained_on_digits


def dense_equivalent(weights, cfg: TrainConfig, n_inputs: int):  # type: ignore[no-untyped-def]
    """Every conv layer as the dense (inputs × neurons) matrix of its neuron-level synapses, expanded
    independently of the trainer by snnas.ir.connectivity; also, per layer, the kernel tap of each synapse."""
    dense, taps = [], []
    for layer, w in zip(conv_layers(cfg, n_inputs), weights):
        k_eff = compose(w, layer)
        pre, post, wv = conv_synapses(k_eff, layer.in_shape, layer.stride, layer.padding, (1, 1), 1)
        _, _, tap = conv_synapses(np.arange(k_eff.size, dtype=float).reshape(k_eff.shape), layer.in_shape,
                                  layer.stride, layer.padding, (1, 1), 1)
        m = np.zeros((math.prod(layer.in_shape), math.prod(layer.out_shape)))
        np.add.at(m, (pre, post), wv)
        dense.append(m)
        taps.append((pre, post, tap.astype(np.int64), k_eff.shape))
    return dense + list(weights[len(dense):]), taps


CONV_CASES = {
    "stride-padding": ((ConvSpec(3, 3, stride=2, padding=1), ConvSpec(4, (2, 3), padding=(1, 0))), (2, 7, 6)),
    "pool-avg": ((ConvSpec(3, 2, padding=1, pool=2), ConvSpec(2, 2, pool=2, pool_kind="sum")), (1, 9, 9)),
    "full-size-kernel": ((ConvSpec(5, (4, 5)),), (2, 4, 5)),
}


@pytest.mark.parametrize("case", sorted(CONV_CASES))
@pytest.mark.parametrize("loss", ["count", "membrane"])
def test_conv_gradients_equal_those_of_the_dense_expansion(case: str, loss: str) -> None:
    """A conv layer is a dense layer with shared weights: the trainer's conv forward and backward must give
    the dense path's spikes, and kernel gradients equal to the dense gradients summed over each tap's
    synapses (through the pooling composition's transpose, which is checked to be the adjoint)."""
    conv, shape = CONV_CASES[case]
    rng = np.random.default_rng(1)
    cfg = TrainConfig(conv=conv, input_shape=shape, hidden=(6,), n_steps=7, loss=loss, progress=False)
    n_in = math.prod(shape)
    shapes = [c.weight_shape for c in conv_layers(cfg, n_in)]
    flat = math.prod(conv_layers(cfg, n_in)[-1].out_shape)
    weights = [rng.normal(0, 1.2, size=s) for s in shapes] + [rng.normal(0, 1.0, size=(flat, 6)),
                                                                rng.normal(0, 1.0, size=(6, 3))]
    x = (rng.random((4, 7, n_in)) < 0.5).astype(float)
    y = rng.integers(0, 3, size=4)
    dense_w, taps = dense_equivalent(weights, cfg, n_in)
    dense_cfg = replace(cfg, conv=(), input_shape=None,
                        hidden=tuple(w.shape[1] for w in dense_w[:-1]))

    counts, saved, v_mean = _run(weights, x, cfg, keep=True)
    d_counts, d_saved, _ = _run(dense_w, x, dense_cfg, keep=True)
    np.testing.assert_array_equal(counts, d_counts)
    for (u, s), (du, ds) in zip(saved, d_saved):
        np.testing.assert_array_equal(s, ds)
        np.testing.assert_allclose(u, du, rtol=1e-12, atol=1e-12)
    assert any(s.sum() > 0 for _, s in saved[:len(conv)]), "conv layers must spike for the test to mean anything"

    z = v_mean if loss == "membrane" else counts
    _, dz = _softmax_grad(z, y)
    zeros = np.zeros_like(counts)
    args = (zeros, cfg, None, dz) if loss == "membrane" else (dz, cfg)
    grads, _ = _backward_full(weights, x, saved, *args)  # type: ignore[arg-type]
    d_args = (zeros, dense_cfg, None, dz) if loss == "membrane" else (dz, dense_cfg)
    d_grads, _ = _backward_full(dense_w, x, d_saved, *d_args)  # type: ignore[arg-type]
    for layer, (pre, post, tap, k_shape) in enumerate(taps):
        d_eff = np.zeros(math.prod(k_shape))
        np.add.at(d_eff, tap, d_grads[layer][pre, post])
        want = compose_transpose(d_eff.reshape(k_shape), conv_layers(cfg, n_in)[layer])
        np.testing.assert_allclose(grads[layer], want, rtol=1e-9, atol=1e-12)
        assert np.abs(want).sum() > 0
    for g, dg in zip(grads[len(conv):], d_grads[len(conv):]):
        np.testing.assert_allclose(g, dg, rtol=1e-9, atol=1e-12)


def test_pool_composition_transpose_is_its_adjoint() -> None:
    rng = np.random.default_rng(0)
    for spec in (ConvSpec(2, 3, stride=2, pool=3), ConvSpec(2, (2, 3), stride=(1, 2), pool=2, pool_kind="sum")):
        (layer,) = conv_layers(TrainConfig(conv=(spec,), input_shape=(3, 20, 20)), 1200)
        a = rng.normal(size=layer.weight_shape)
        b = rng.normal(size=(2, 3, *layer.kernel))
        assert np.isclose(np.sum(compose(a, layer) * b), np.sum(a * compose_transpose(b, layer)), rtol=1e-12)


def test_pooling_is_the_pooled_currents_of_the_plain_conv() -> None:
    """Folding P×P average pooling into the kernel gives the average of the plain conv's currents."""
    rng = np.random.default_rng(2)
    from snnas.train.conv import conv_currents

    plain, pooled = ConvSpec(2, 3, padding=1), ConvSpec(2, 3, padding=1, pool=2)
    (lp,) = conv_layers(TrainConfig(conv=(plain,), input_shape=(1, 6, 6)), 36)
    (lq,) = conv_layers(TrainConfig(conv=(pooled,), input_shape=(1, 6, 6)), 36)
    k = rng.normal(size=lp.weight_shape)
    x = (rng.random((3, 2, 36)) < 0.5).astype(float)
    full = conv_currents(x, k, lp).reshape(3, 2, 2, 3, 2, 3, 2)
    assert lq.out_shape == (2, 3, 3)
    np.testing.assert_allclose(conv_currents(x, compose(k, lq), lq), full.mean(axis=(4, 6)).reshape(3, 2, -1),
                               rtol=1e-12, atol=1e-12)


def test_membrane_gradient_equals_finite_differences() -> None:
    """Without output spikes the membrane loss is a smooth function of the output weights (the hidden
    spikes do not depend on them), so its gradient must equal central finite differences."""
    rng = np.random.default_rng(4)
    cfg = TrainConfig(conv=(ConvSpec(2, 3, padding=1),), input_shape=(1, 5, 5), hidden=(), n_steps=9,
                      loss="membrane", progress=False)
    w = [rng.normal(0, 1.5, size=(2, 1, 3, 3)), rng.normal(0, 0.02, size=(50, 4))]
    x = (rng.random((3, 9, 25)) < 0.6).astype(float)
    y = np.array([0, 3, 1])

    def loss(ws):  # type: ignore[no-untyped-def]
        _, saved, v = _run(ws, x, cfg, keep=True)
        assert saved[-1][1].sum() == 0 and saved[0][1].sum() > 0
        return _softmax_grad(v, y)[0] * 1.0

    counts, saved, v = _run(w, x, cfg, keep=True)
    _, dz = _softmax_grad(v, y)
    grads, _ = _backward_full(w, x, saved, np.zeros_like(counts), cfg, None, dz)
    fd = np.zeros_like(w[1])
    h = 1e-6
    for idx in np.ndindex(*w[1].shape):
        hi, lo = w[1].copy(), w[1].copy()
        hi[idx] += h
        lo[idx] -= h
        fd[idx] = (loss([w[0], hi]) - loss([w[0], lo])) / (2 * h)
    np.testing.assert_allclose(grads[1], fd, rtol=1e-5, atol=1e-9)
    assert np.abs(fd).max() > 1e-4


@pytest.fixture(scope="module")
def conv_trained():  # type: ignore[no-untyped-def]
    d = digits()
    sp = split(d, seed=0)
    cfg = TrainConfig(conv=(ConvSpec(8, 3, padding=1),), hidden=(), epochs=6, patience=6, progress=False, seed=1)
    return d, sp, train(d, sp, cfg)


def test_conv_net_learns_digits_and_spikes_identically_in_the_engine(conv_trained) -> None:  # type: ignore[no-untyped-def]
    d, sp, res = conv_trained
    assert res.config.input_shape == (1, 8, 8) and res.weights[0].shape == (8, 1, 3, 3)
    x = np.asarray(d.raster(sp.test, 16, 1e-3, "rate", seed=1), dtype=float)
    assert accuracy(res.weights, x, d.labels[sp.test], res.config) > 0.8  # chance is 0.1
    net = res.to_network()
    assert isinstance(net.projections[0], Conv) and net.node("l1").shape == (8, 8, 8)
    counts, saved = forward(res.weights, x[:40], res.config, keep=True)
    np.testing.assert_array_equal(engine_counts(net, x[:40], "l2"), counts)
    np.testing.assert_array_equal(engine_counts(net, x[:40], "l1"), saved[0][1].sum(axis=0))


def test_pooled_two_layer_conv_net_spikes_identically_in_the_engine() -> None:
    d = digits()
    sp = split(d, seed=0)
    cfg = TrainConfig(conv=(ConvSpec(4, 3, padding=1, pool=2), ConvSpec(6, 2, pool_kind="sum")), hidden=(16,),
                      epochs=2, progress=False)
    res = train(d, sp, cfg)
    x = np.asarray(d.raster(sp.test[:30], 16, 1e-3, "rate", seed=0), dtype=float)
    _, saved = forward(res.weights, x, res.config, keep=True)
    net = res.to_network()
    assert [net.node(f"l{i}").shape for i in (1, 2, 3, 4)] == [(4, 4, 4), (6, 3, 3), (16,), (10,)]
    assert net.projections[0].kernel == (4, 4) and net.projections[0].stride == (2, 2)
    for i, (_, s) in enumerate(saved):
        assert s.sum() > 0
        np.testing.assert_array_equal(engine_counts(net, x, f"l{i + 1}"), s.sum(axis=0))


def test_membrane_loss_learns_digits() -> None:
    cfg = TrainConfig(loss="membrane", epochs=10, patience=10, progress=False)
    d, sp, res, x = trained_on_digits(cfg)
    y = d.labels[sp.test]
    assert accuracy(res.weights, x, y, cfg) > 0.9
    z = readout(res.weights, x, cfg)
    _, _, v = _run(res.weights, x, cfg)
    np.testing.assert_array_equal(z, v)  # the prediction reads the trained quantity, not the spike counts


@pytest.mark.parametrize("change, match", [
    ({"conv": (ConvSpec(4, 9),)}, r"conv\[0\]: kernel \(9, 9\).*larger than its input \(1, 8, 8\)"),
    ({"conv": (ConvSpec(4, 3, pool=7),)}, r"conv\[0\]: kernel \(3, 3\) \(pool 7, padding \(0, 0\)\) is larger"),
    ({"conv": (ConvSpec(4, 3),), "input_shape": (1, 7, 7)}, r"input_shape \(1, 7, 7\) holds 49 values.*64 inputs"),
    ({"conv": (ConvSpec(4, 3),), "input_shape": (8, 8)}, r"input_shape must be \(channels, height, width\)"),
    ({"conv": ("3x3",)}, r"conv\[0\] must be a ConvSpec"),
    ({"loss": "mse"}, r"loss must be one of 'count', 'membrane', got 'mse'"),
])
def test_bad_conv_configuration(change: dict, match: str) -> None:
    d = digits()
    with pytest.raises(TrainError, match=match):
        train(d, split(d), TrainConfig(progress=False, **change))


@pytest.mark.parametrize("kwargs, match", [
    ({"channels": 0}, r"ConvSpec.channels must be a positive integer, got 0"),
    ({"channels": 2, "kernel": 0}, r"ConvSpec.kernel must be an integer >= 1.*got 0"),
    ({"channels": 2, "padding": -1}, r"ConvSpec.padding must be an integer >= 0"),
    ({"channels": 2, "stride": (1, 2, 3)}, r"ConvSpec.stride"),
    ({"channels": 2, "pool": 0}, r"ConvSpec.pool must be an integer >= 1"),
    ({"channels": 2, "pool_kind": "max"}, r"ConvSpec.pool_kind must be 'avg' or 'sum', got 'max'"),
])
def test_bad_conv_spec(kwargs: dict, match: str) -> None:
    with pytest.raises(NetworkError, match=match):  # a conv layer's geometry is the IR's
        ConvSpec(**kwargs)


def test_non_square_inputs_need_an_input_shape() -> None:
    from snnas.data.datasets import randman

    d = randman(n_classes=2, n_inputs=12, samples_per_class=5, seed=0)
    with pytest.raises(TrainError, match="input_shape: needed for conv layers, as the 12 inputs are not a square"):
        train(d, split(d), TrainConfig(conv=(ConvSpec(2, 2),), epochs=1, progress=False))
    res = train(d, split(d), TrainConfig(conv=(ConvSpec(2, 2),), input_shape=(1, 3, 4), n_steps=5, epochs=1,
                                         progress=False))
    assert res.to_network().node("l1").shape == (2, 2, 3)
