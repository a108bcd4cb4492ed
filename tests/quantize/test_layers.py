"""Quantisation to a chip and accuracy as the chip computes it (fixed-point engine)."""

from __future__ import annotations

import numpy as np
import pytest

from snnas.data.datasets import digits, split
from snnas.evaluate.accuracy import chip_accuracy
from snnas.quantize.layers import QuantizationError, QuantizedNetwork, fine_tune, quantize, source_types, typed
from snnas.train.config import TrainConfig
from snnas.train.layers import accuracy, train
from tests.train.test_layers import trained_on_digits


@pytest.fixture(scope="module")
def setup():  # type: ignore[no-untyped-def]
    return trained_on_digits(TrainConfig(progress=False, epochs=40, patience=40))


def on_loihi_grid(q: QuantizedNetwork, weights: list[np.ndarray]) -> bool:
    """Each layer's weights are mantissas of Lava's 8-bit mixed-sign grid (even values in [-256, 254]) shifted
    by the layer's exponent e >= 0 and 6, and thresholds are multiples of 64 with a 17-bit mantissa."""
    ok = True
    for w, unit, th in zip(weights, q.weight_units, q.thresholds):
        e = int(np.log2(unit // 2)) - 6
        ok &= unit == 2 ** (e + 7) and e >= 0 and bool(np.all(w % unit == 0)) and np.abs(w // unit).max() <= 127
        ok &= th % 64 == 0 and 1 <= th // 64 < 2**17
    return bool(ok)


def test_loihi_8_bit_chip_accuracy_within_a_point_of_float(setup) -> None:  # type: ignore[no-untyped-def]
    d, sp, res, x = setup
    y = d.labels[sp.test]
    q = quantize(res, "loihi", weight_bits=8)
    assert on_loihi_grid(q, q.weights) and q.state_bits == 24 and q.numerics == "loihi integer rule"
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


def _odin_fine_tuning(setup, epochs: int):  # type: ignore[no-untyped-def]
    """Chip accuracy on ODIN (3-bit weights) of the trained network quantised, before and after fine-tuning,
    and the fine-tuned network."""
    d, sp, res, x = setup
    y = d.labels[sp.test]
    before, _ = chip_accuracy(quantize(res, "odin"), x.astype(np.int8), y)
    _, q = fine_tune(res, "odin", d, sp, epochs=epochs)
    after, _ = chip_accuracy(q, x.astype(np.int8), y)
    return before, after, q


def test_fine_tuning_recovers_accuracy_on_a_low_precision_chip(setup) -> None:  # type: ignore[no-untyped-def]
    """Fine-tuning on the chip's grid wins back at least half of what quantisation to 3-bit weights lost.

    (The loss itself depends on the trained network, hence on the BLAS and numpy builds: 0.05-0.15 seen.)"""
    d, sp, res, x = setup
    before, after, _ = _odin_fine_tuning(setup, epochs=20)
    floating = accuracy(res.weights, x, d.labels[sp.test], res.config)
    assert before < floating - 0.02, (before, floating)  # the chip costs accuracy, or there is nothing to win
    assert after >= before + 0.5 * (floating - before), (before, after, floating)


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
        quantize(res, "seneca")
    with pytest.raises(QuantizationError, match="raster"):
        chip_accuracy(quantize(res, "loihi", 8), x[:, :, :10].astype(np.int8), np.zeros(x.shape[0], np.int64))


def test_recurrent_network_on_the_chip() -> None:
    from snnas.data.datasets import randman

    d = randman(n_classes=3, n_inputs=12, samples_per_class=40, seed=5, duration=20e-3)
    sp = split(d, seed=0)
    cfg = TrainConfig(hidden=(24,), recurrent=True, n_steps=25, tau_m=20e-3, epochs=20, progress=False)
    res = train(d, sp, cfg)
    q = quantize(res, "loihi", weight_bits=8)
    assert q.recurrent[0] is not None and q.recurrent[1] is None
    assert on_loihi_grid(q, [q.recurrent[0]])
    x = np.asarray(d.raster(sp.test, 25, 1e-3), dtype=float)
    y = d.labels[sp.test]
    chip, _ = chip_accuracy(q, x.astype(np.int8), y)
    assert chip >= accuracy(res.weights, x, y, cfg, res.recurrent) - 0.1
    with pytest.raises(QuantizationError, match="recurrent layers"):
        quantize(res, "truenorth")


def test_cuba_network_on_loihi() -> None:
    cfg = TrainConfig(neuron="cuba_lif", epochs=20, patience=20, progress=False)
    d, sp, res, x = trained_on_digits(cfg)
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


@pytest.fixture(scope="module")
def conv_setup():  # type: ignore[no-untyped-def]
    from snnas.ir.conv import ConvSpec

    return trained_on_digits(TrainConfig(conv=(ConvSpec(8, 3, padding=1, pool=2),), hidden=(32,), epochs=15,
                                         patience=15, progress=False))


def test_conv_network_on_loihi(conv_setup) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from snnas.ir.network import Conv

    d, sp, res, x = conv_setup
    y = d.labels[sp.test]
    q = quantize(res, "loihi", weight_bits=8)
    assert q.weights[0].shape == (8, 1, 3, 3) and q.input_shape == (1, 8, 8)
    chip_w = q.chip_weights()
    assert chip_w[0].shape == (8, 1, 4, 4) and on_loihi_grid(q, chip_w)
    assert np.abs(chip_w[0] // q.weight_units[0]).max() >= 120  # the scale is no larger than it must be
    # the float network with the chip's weights holds the chip's kernel, scaled: weight sharing is kept
    net = replace(res, weights=q.float_weights()).to_network()
    conv = net.projections[0]
    assert isinstance(conv, Conv)
    np.testing.assert_allclose(conv.weight, chip_w[0] * q.scales[0], rtol=1e-12, atol=1e-12)
    float_acc = accuracy(res.weights, x, y, res.config)
    assert accuracy(q.float_weights(), x, y, res.config) >= float_acc - 0.01  # 8-bit kernels lose nothing
    chip, counts = chip_accuracy(q, x.astype(np.int8), y)
    # this briefly trained net has many near-threshold neurons: fixed-point dynamics (threshold and decay
    # rounding) cost it up to ~4 points over seeds (trained to convergence: within a point, see the report)
    assert float_acc > 0.8 and chip >= float_acc - 0.05
    assert counts.dtype == np.int64 and counts.shape == (y.size, 10)


def test_conv_fine_tuning_keeps_the_kernel_representable(conv_setup) -> None:  # type: ignore[no-untyped-def]
    before, after, q = _odin_fine_tuning(conv_setup, epochs=3)
    assert all(np.abs(w).max() <= 3 for w in q.chip_weights())
    assert after >= before - 0.05 and after > 0.5


def test_conv_layers_cannot_share_a_kernel_with_axon_types(conv_setup) -> None:  # type: ignore[no-untyped-def]
    d, sp, res, _ = conv_setup
    with pytest.raises(QuantizationError, match="conv layers cannot share a kernel with 4 weight values per neuron"):
        quantize(res, "truenorth")
    with pytest.raises(QuantizationError, match="conv layers cannot share a kernel"):
        fine_tune(res, "truenorth", d, sp, epochs=1)


def test_membrane_network_is_read_by_its_membrane_on_the_chip() -> None:
    from snnas.evaluate.accuracy import chip_membrane, chip_outputs

    cfg = TrainConfig(loss="membrane", epochs=12, patience=12, progress=False)
    d, sp, res, x = trained_on_digits(cfg)
    y = d.labels[sp.test]
    q = quantize(res, "loihi", weight_bits=8)
    assert q.readout == "membrane"
    chip, mem = chip_accuracy(q, x.astype(np.int8), y)
    assert mem.dtype == np.float64 and mem.shape == (y.size, 10)
    assert chip >= accuracy(res.weights, x, y, cfg) - 0.02
    # the step-by-step run that reads the membrane is the same run: identical output spikes
    _, spikes = chip_membrane(q, x[:20].astype(np.int8))
    np.testing.assert_array_equal(spikes, chip_outputs(q, x[:20].astype(np.int8)))
    by_count, counts = chip_accuracy(q, x.astype(np.int8), y, readout="count")
    assert counts.dtype == np.int64 and by_count < chip  # its spike counts were never trained to rank classes
    with pytest.raises(QuantizationError, match="readout must be 'count' or 'membrane', got 'max'"):
        chip_accuracy(q, x.astype(np.int8), y, readout="max")


def test_fine_tuning_projects_onto_the_weights_an_unsigned_chip_holds() -> None:
    """A chip with unsigned weights: fine-tuning's in-the-loop weights are the ones quantize() keeps
    (no negative weight survives), not a signed projection the chip cannot hold."""
    import dataclasses

    from snnas.chip import load_chip

    loihi = load_chip("loihi")
    unsigned = dataclasses.replace(loihi, precision=dataclasses.replace(loihi.precision, weight_signed=False),
                                   numerics=None)  # the generic rule, which reads precision.weight_signed
    d = digits()
    sp = split(d, seed=0)
    res = train(d, sp, TrainConfig(hidden=(32,), n_steps=8, epochs=2, progress=False))
    tuned, q = fine_tune(res, unsigned, d, sp, epochs=1)
    assert all(float(w.min()) >= 0.0 for w in tuned.weights)
    assert all(int(np.min(w)) >= 0 for w in q.weights)


def test_a_clipped_threshold_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    from snnas.quantize.layers import integer_threshold

    with caplog.at_level("INFO", logger="snnas.quantize.layers"):
        assert integer_threshold(1.0, 0.001, 255) == 255
        assert integer_threshold(1.0, 0.01, 255) == 100
    assert [r.getMessage() for r in caplog.records] == [
        "threshold 1 / scale 0.001 = 1000 is clipped to 255 (the chip's range is [1, 255])"]
