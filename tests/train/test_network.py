"""Training a Network (the IR) directly: a network from another framework is fine-tuned, quantised to a chip
and scored there; the view the layer trainer takes of a network is exact and refuses what it cannot train."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from snnas.chip import load_chip
from snnas.data.datasets import randman, split
from snnas.evaluate.accuracy import chip_accuracy
from snnas.ir.network import Conv, Dense, Input, Network, Pool, Population
from snnas.ir.neurons import CubaLIFParameters, IFParameters, LIFParameters
from snnas.ir.nir import read_nir
from snnas.quantize import QuantizationError, quantize
from snnas.train import TrainConfig, layer_view, train
from snnas.train.fit import TrainError
from snnas.train.layers import _backward_all, _run, accuracy, encode
from tests.conftest import DATA

SNNTORCH = DATA / "nir" / "snntorch_mlp.nir"  # 16 -> Linear -> Leaky(24) -> Linear -> Leaky(4), with biases


@pytest.fixture(scope="module")
def task():  # type: ignore[no-untyped-def]
    """A 16-input, 4-class spike-timing task in 5 ms, the snnTorch network's input and output sizes, binned at
    the network's own step (snnTorch's NIR export: dt = 1e-4 s)."""
    data = randman(n_classes=4, n_inputs=16, samples_per_class=100, duration=5e-3, seed=1)
    return data, split(data, seed=0)


@pytest.fixture(scope="module")
def fine_tuned(task):  # type: ignore[no-untyped-def]
    data, parts = task
    net = read_nir(SNNTORCH, dt=1e-4)
    return net, train(net, data, parts, epochs=30, n_steps=50, lr=5e-3)


def test_a_nir_network_from_snntorch_is_fine_tuned_quantised_and_scored_on_chip(task, fine_tuned) -> None:  # type: ignore[no-untyped-def]
    data, parts = task
    net, trained = fine_tuned
    assert isinstance(trained, Network)
    # Same nodes and neuron parameters (snnTorch's per-layer beta and threshold), new weights and biases.
    assert [n.name for n in trained.nodes] == [n.name for n in net.nodes]
    assert all(a.neuron == b.neuron for a, b in zip(trained.populations, net.populations))
    assert not np.array_equal(trained.projections[0].weight, net.projections[0].weight)
    assert trained.metadata["snnas.train"]["epochs"] >= 1
    raster = data.raster(parts.test, 50, dt=net.dt)
    labels = data.labels[parts.test]
    before, _ = chip_accuracy(quantize(net, "loihi"), raster, labels)
    after, _ = chip_accuracy(quantize(trained, "loihi"), raster, labels)
    assert after > before + 0.05 and after > 0.35  # chance: 0.25
    # At 16-bit weights the generic fixed-point rule computes what the float network does: the same test
    # accuracy (Loihi's own rule does not: it resets to 0, tests v > v_th, and takes 8-bit weights).
    view = layer_view(trained, TrainConfig(n_steps=50, progress=False))
    r = view.result
    float_acc = accuracy(r.weights, encode(data, parts.test, r.config), labels, r.config, None, r.drives_or_none())
    generic = replace(load_chip("loihi2"), numerics=None)
    q_wide = quantize(trained, generic, weight_bits=16)
    wide, _ = chip_accuracy(q_wide, raster, labels)
    assert q_wide.numerics == "generic fixed point" and abs(wide - float_acc) <= 2 / labels.size
    assert float_acc > 0.5


def test_the_view_of_an_exported_network_is_the_trained_result() -> None:
    """TrainResult -> Network -> layer view gives back the trained weights and the config's architecture."""
    from snnas.data.datasets import digits

    d = digits()
    sp = split(d, seed=0)
    cfg = TrainConfig(hidden=(12,), recurrent=True, epochs=1, progress=False, reset="subtract")
    res = train(d, sp, cfg)
    view = layer_view(res.to_network())
    assert [w.shape for w in view.result.weights] == [w.shape for w in res.weights]
    for a, b in zip(view.result.weights, res.weights):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)
    np.testing.assert_allclose(view.result.recurrent[0], res.recurrent[0], rtol=1e-12, atol=0)
    c = view.result.config
    assert (c.hidden, c.recurrent, c.reset, c.neuron) == ((12,), True, "subtract", "lif")
    assert [n.decay for n in c.layers] == pytest.approx([np.exp(-0.1)] * 2, rel=1e-12)


def test_written_back_weights_are_in_the_networks_own_units(fine_tuned) -> None:  # type: ignore[no-untyped-def]
    net, trained = fine_tuned
    v0, v1 = layer_view(net), layer_view(trained)
    assert v0.gains == v1.gains  # the neuron parameters, hence the gains, are kept
    w_ir = trained.projections[v1.feed[0]].weight
    np.testing.assert_allclose(w_ir.T * v1.gains[0], v1.result.weights[0], rtol=1e-12)


def test_drive_gradient_matches_finite_differences() -> None:
    """With a threshold no neuron reaches, the membrane loss is smooth in the drive: dL/dI is exact."""
    rng = np.random.default_rng(0)
    cfg = TrainConfig(hidden=(3,), threshold=1e6, loss="membrane", n_steps=6, progress=False)
    w = [rng.normal(size=(4, 3)), rng.normal(size=(3, 2))]
    drives = [rng.normal(size=3), rng.normal(size=2)]
    x = (rng.random((5, 6, 4)) < 0.5).astype(float)
    target = rng.normal(size=(5, 2))

    def loss(ds: list[np.ndarray]) -> float:
        return float(((_run(w, x, cfg, drives=ds)[2] - target) ** 2).sum() / 2)

    _, saved, v_mean = _run(w, x, cfg, keep=True, drives=drives)
    _, _, grads = _backward_all(w, x, saved, np.zeros((5, 2)), cfg, None, v_mean - target, drives)
    for layer in (0, 1):
        num = np.zeros_like(drives[layer])
        for j in range(drives[layer].size):
            up = [d.copy() for d in drives]
            down = [d.copy() for d in drives]
            up[layer][j] += 1e-6
            down[layer][j] -= 1e-6
            num[j] = (loss(up) - loss(down)) / 2e-6
        np.testing.assert_allclose(grads[layer], num, rtol=1e-5, atol=1e-8)


def _chain(**kw: object) -> Network:
    n1 = kw.get("n1", LIFParameters(tau_m=10e-3, r=10.0))
    return Network((Input("in", (4,)), Population("a", (3,), n1), Population("b", (2,), LIFParameters())),
                   (Dense("in", "a", np.ones((3, 4))), Dense("a", "b", np.ones((2, 3)))))


@pytest.mark.parametrize(("net", "match"), [
    (Network((Input("in", (4,)), Population("a", (3,), LIFParameters()), Population("b", (2,), LIFParameters()),
              Population("c", (2,), LIFParameters())),
             (Dense("in", "a", np.ones((3, 4))), Dense("a", "b", np.ones((2, 3))), Dense("a", "c", np.ones((2, 3))))),
     r"node 'a' projects to \['b', 'c'\]: the layer trainer needs a chain"),
    (_chain(n1=LIFParameters(t_ref=2e-3)), r"population 'a': the trainer has no refractory period"),
    (_chain(n1=LIFParameters(v_leak=0.1)), r"population 'a': v_rest \(v_leak\) must be 0"),
    (_chain(n1=LIFParameters(tau_m=np.array([0.01, 0.02, 0.01]))), r"population 'a': .* differs between its neurons"),
    (_chain(n1=IFParameters()), r"one neuron model .* for every population, got \['if', 'lif'\]"),
    (Network((Input("in", (1, 4, 4)), Population("c", (1, 2, 2), IFParameters()),
              Population("p", (1, 1, 1), IFParameters())),
             (Conv("in", "c", np.ones((1, 1, 3, 3))), Pool("c", "p", "sum", 2))),
     r"Pool projections have no trained weights"),
    (Network((Input("in", (4,)), Population("a", (3,), CubaLIFParameters())),
             (Dense("in", "a", np.ones((3, 4)), bias=np.ones(3)),)),
     r"biases are trained on dense LIF and IF layers only"),
])
def test_networks_the_trainer_cannot_run_are_refused_by_name(net: Network, match: str) -> None:
    with pytest.raises(TrainError, match=match):
        layer_view(net)
    with pytest.raises(QuantizationError, match=match):
        quantize(net, "loihi")


def test_the_data_must_fit_the_network(task) -> None:  # type: ignore[no-untyped-def]
    data, parts = task
    with pytest.raises(TrainError, match=r"has 4 inputs and 2 outputs; randman.* has 16 inputs and 4 classes"):
        train(_chain(), data, parts, epochs=1)
    with pytest.raises(TrainError, match=r"dt: the network .* runs with dt = 0.0001 s"):
        train(read_nir(SNNTORCH, dt=1e-4), data, parts, epochs=1, dt=1e-3)


def test_train_keeps_its_config_form() -> None:
    """train(data, parts, config) is the layer trainer, unchanged."""
    from snnas.data.datasets import digits
    from snnas.train.layers import TrainResult
    from snnas.train.layers import train as train_layers

    d = digits()
    sp = split(d, seed=0)
    cfg = TrainConfig(hidden=(8,), epochs=1, progress=False)
    a, b = train(d, sp, cfg), train_layers(d, sp, cfg)
    assert isinstance(a, TrainResult)
    assert all(np.array_equal(x, y) for x, y in zip(a.weights, b.weights))
    assert replace(cfg) == a.config


def test_what_is_not_data_is_refused_by_name() -> None:
    net = read_nir(SNNTORCH, dt=1e-4)
    with pytest.raises(TrainError, match="data: expected a snnas.data.Dataset, got str"):
        train(net, "digits")  # type: ignore[call-overload]
    with pytest.raises(TrainError, match="data: expected a snnas.data.Dataset, got str"):
        train("digits", None)  # type: ignore[call-overload]
    with pytest.raises(QuantizationError, match="expected a Network, TrainResult or GraphResult, got int"):
        quantize(42, "loihi")  # type: ignore[call-overload]


def test_drives_survive_the_export(fine_tuned) -> None:  # type: ignore[no-untyped-def]
    """TrainResult.to_network writes trained drives as biases; reading the network back gives them again."""
    _, trained = fine_tuned
    result = layer_view(trained).result
    assert result.drives_or_none() is not None
    again = layer_view(result.to_network()).result
    for a, b in zip(again.drives, result.drives):
        np.testing.assert_allclose(a, b, rtol=1e-12)
