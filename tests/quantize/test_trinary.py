"""TrueNorth's weights: trinary t · s_j with one scale per neuron, and the chip accuracy they keep on digits."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from snnas.chip import load_chip
from snnas.evaluate.accuracy import chip_accuracy
from snnas.mapping import map_network
from snnas.quantize.layers import QuantizationError, QuantizedNetwork, fine_tune, quantize
from snnas.quantize.network import held
from snnas.quantize.trinary import trinary, trinary_integer, weight_per_axon_type
from snnas.train.config import TrainConfig
from snnas.train.layers import accuracy
from tests.train.test_layers import trained_on_digits


def test_the_trinary_approximation_is_the_l2_best() -> None:
    """Against every trinary pattern of a small column: no t and α do better than trinary()'s."""
    rng = np.random.default_rng(3)
    w = rng.normal(size=(6, 5))
    w[:, 4] = 0.0
    t, alpha = trinary(w)
    assert set(np.unique(t).tolist()) <= {-1.0, 0.0, 1.0} and np.all(alpha >= 0)
    assert np.all(t[:, 4] == 0) and alpha[4] == 0
    for j in range(4):
        err = float(((w[:, j] - alpha[j] * t[:, j]) ** 2).sum())
        for pattern in itertools.product((-1.0, 0.0, 1.0), repeat=6):
            p = np.array(pattern)
            best_scale = max(float(p @ w[:, j]) / max(float(p @ p), 1.0), 0.0)
            assert err <= float(((w[:, j] - best_scale * p) ** 2).sum()) + 1e-12


def test_integer_weights_take_one_scale_per_neuron() -> None:
    rng = np.random.default_rng(0)
    w = rng.normal(size=(20, 7))
    w_int, unit = trinary_integer(w, 255)
    scales = np.abs(w_int).max(axis=0)
    assert scales.max() == 255 and scales.min() >= 1
    for j in range(7):  # each column is {-s_j, 0, s_j}
        assert set(np.unique(np.abs(w_int[:, j])).tolist()) <= {0, int(scales[j])}
    t, alpha = trinary(w)
    np.testing.assert_allclose(w_int * unit, t * alpha, atol=unit / 2 + 1e-12)  # s_j rounded to the grid


def test_the_mapping_is_chosen_from_the_chip_file() -> None:
    assert weight_per_axon_type(load_chip("truenorth"))  # 4 axon types, 4 weights per neuron
    assert not weight_per_axon_type(load_chip("dynapse2"))  # 16 values from 4 base currents: not one per type
    assert not weight_per_axon_type(load_chip("loihi"))
    assert not weight_per_axon_type(load_chip("xylo_audio2"))  # synaptic states, no weight limit


@pytest.fixture(scope="module")
def lif():  # type: ignore[no-untyped-def]
    return trained_on_digits(TrainConfig(progress=False, epochs=40, patience=40))


def is_trinary(q: QuantizedNetwork) -> bool:
    """Every neuron's weights are {-s_j, 0, s_j} with 1 <= s_j <= 255 (9-bit signed)."""
    ok = True
    for w in q.weights:
        for j in range(w.shape[1]):
            values = set(np.unique(np.abs(w[:, j])).tolist()) - {0}
            ok &= len(values) <= 1 and all(1 <= v <= 255 for v in values)
    return bool(ok)


def test_truenorth_quantisation_is_trinary_and_far_above_chance(lif) -> None:  # type: ignore[no-untyped-def]
    d, sp, res, x = lif
    y = d.labels[sp.test]
    q = quantize(res, "truenorth")
    assert is_trinary(q) and q.weight_bits == 9 and q.state_bits == 20
    chip, _ = chip_accuracy(q, x.astype(np.int8), y)
    assert chip > 0.75  # the former grouping of sources into 4 types: 0.14 on this network
    with pytest.raises(QuantizationError, match="trinary weights"):
        quantize(res, "truenorth", types=[np.zeros(w.shape[0], np.int64) for w in res.weights])


def test_truenorth_chip_accuracy_on_digits_after_fine_tuning(lif) -> None:  # type: ignore[no-untyped-def]
    """Issue 14's acceptance: at least 90% on the chip, next to the float network's accuracy."""
    d, sp, res, x = lif
    y = d.labels[sp.test]
    float_acc = accuracy(res.weights, x, y, res.config)
    tuned, q = fine_tune(res, "truenorth", d, sp, epochs=10)
    assert is_trinary(q)
    chip, _ = chip_accuracy(q, x.astype(np.int8), y)
    assert float_acc > 0.9 and chip >= 0.90 and chip >= float_acc - 0.03
    # what the mapper sees is the chip's network: trinary weights fit the axon types, two cores
    _, report = map_network(held(tuned, q), "truenorth")
    assert report.feasible and report.cores_used == 2, [str(v) for v in report.violations]
    assert report.axon_cost is not None and report.axon_cost.axon_types == 2


def test_a_leak_free_network_on_truenorth() -> None:
    """Integrate-and-fire (TrueNorth's neuron with leak 0) reaches 90% as well."""
    d, sp, res, x = trained_on_digits(TrainConfig(neuron="if", progress=False, epochs=40, patience=40))
    y = d.labels[sp.test]
    _, q = fine_tune(res, "truenorth", d, sp, epochs=10)
    assert q.decay == 0 and is_trinary(q)
    chip, _ = chip_accuracy(q, x.astype(np.int8), y)
    assert chip >= 0.90
