"""Quantisation to a chip and accuracy as the chip computes it (fixed-point engine)."""

from __future__ import annotations

import numpy as np
import pytest

from snnas.datasets import digits, split
from snnas.quantize import QuantizationError, chip_accuracy, fine_tune, quantize, source_types, typed
from snnas.train import TrainConfig, accuracy, train


@pytest.fixture(scope="module")
def setup():  # type: ignore[no-untyped-def]
    d = digits()
    sp = split(d, seed=0)
    res = train(d, sp, TrainConfig(progress=False, epochs=40, patience=40))
    x = np.asarray(d.raster(sp.test, 16, 1e-3, "rate", seed=0), dtype=float)
    return d, sp, res, x


def test_loihi_8_bit_chip_accuracy_within_a_point_of_float(setup) -> None:  # type: ignore[no-untyped-def]
    d, sp, res, x = setup
    y = d.labels[sp.test]
    q = quantize(res, "loihi", weight_bits=8)
    assert all(np.abs(w).max() <= 127 for w in q.weights) and q.state_bits == 24
    assert q.decay == round((1 - np.exp(-0.1)) * 4096)
    chip, _ = chip_accuracy(q, x.astype(np.int8), y)
    assert chip >= accuracy(res.weights, x, y, res.config) - 0.01 - 1e-12  # at most one point lost


def test_truenorth_weights_take_four_values_per_neuron(setup) -> None:  # type: ignore[no-untyped-def]
    _, _, res, _ = setup
    q = quantize(res, "truenorth")
    assert q.weight_bits == 9
    for w in q.weights:
        assert max(np.unique(w[:, j]).size for j in range(w.shape[1])) <= 4
        assert np.abs(w).max() <= 255


def test_fine_tuning_recovers_accuracy_on_a_low_precision_chip(setup) -> None:  # type: ignore[no-untyped-def]
    d, sp, res, x = setup
    y = d.labels[sp.test]
    before, _ = chip_accuracy(quantize(res, "odin"), x.astype(np.int8), y)  # 3-bit weights
    _, q = fine_tune(res, "odin", d, sp, epochs=20)
    after, _ = chip_accuracy(q, x.astype(np.int8), y)
    assert after > before + 0.05


def test_types_group_sources() -> None:
    rng = np.random.default_rng(0)
    w = rng.normal(size=(10, 3))
    t = source_types(w, 4)
    assert t.shape == (10,) and set(t.tolist()) <= {0, 1, 2, 3}
    tw = typed(w, t)
    assert all(np.unique(tw[:, j]).size <= 4 for j in range(3))


def test_bad_requests(setup) -> None:  # type: ignore[no-untyped-def]
    _, _, res, x = setup
    with pytest.raises(QuantizationError, match="outside the chip's 1-9 bits"):
        quantize(res, "loihi", weight_bits=12)
    with pytest.raises(QuantizationError, match="allowed"):
        quantize(res, "akida", weight_bits=3)
    with pytest.raises(QuantizationError, match="no weight precision"):
        quantize(res, "spinnaker")
    with pytest.raises(QuantizationError, match="raster"):
        chip_accuracy(quantize(res, "loihi", 8), x[:, :, :10].astype(np.int8), np.zeros(x.shape[0], np.int64))


def test_recurrent_network_on_the_chip() -> None:
    from snnas.datasets import randman

    d = randman(n_classes=3, n_inputs=12, samples_per_class=40, seed=5, duration=20e-3)
    sp = split(d, seed=0)
    cfg = TrainConfig(hidden=(24,), recurrent=True, n_steps=25, tau_m=20e-3, epochs=20, progress=False)
    res = train(d, sp, cfg)
    q = quantize(res, "loihi", weight_bits=8)
    assert q.recurrent[0] is not None and np.abs(q.recurrent[0]).max() <= 127 and q.recurrent[1] is None
    x = np.asarray(d.raster(sp.test, 25, 1e-3), dtype=float)
    y = d.labels[sp.test]
    chip, _ = chip_accuracy(q, x.astype(np.int8), y)
    assert chip >= accuracy(res.weights, x, y, cfg, res.recurrent) - 0.1
    with pytest.raises(QuantizationError, match="recurrent layers"):
        quantize(res, "truenorth")


def test_cuba_network_on_loihi() -> None:
    d = digits()
    sp = split(d, seed=0)
    cfg = TrainConfig(neuron="cuba_lif", epochs=20, patience=20, progress=False)
    res = train(d, sp, cfg)
    x = np.asarray(d.raster(sp.test, 16, 1e-3, "rate", seed=0), dtype=float)
    y = d.labels[sp.test]
    q = quantize(res, "loihi", weight_bits=8)
    assert q.model == "cuba_lif" and q.decay_s == round((1 - np.exp(-0.2)) * 4096)
    chip, _ = chip_accuracy(q, x.astype(np.int8), y)
    assert chip >= accuracy(res.weights, x, y, cfg) - 0.02


def test_adaptive_networks_have_no_fixed_point_mode() -> None:
    d = digits()
    res = train(d, split(d), TrainConfig(neuron="adaptive_lif", epochs=1, progress=False))
    with pytest.raises(QuantizationError, match="fixed-point engine runs IF, LIF and CUBA-LIF only"):
        quantize(res, "loihi", 8)
