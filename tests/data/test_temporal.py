"""The delayed-XOR task (snnas.data.temporal): balanced, reproducible, no input count tells the class, and
a network with memory that sees both cues beats one that cannot."""

from __future__ import annotations

import numpy as np
import pytest

from snnas.data.datasets import DatasetError, split
from snnas.data.temporal import delayed_xor
from snnas.search.tasks import DATASETS
from snnas.train.config import TrainConfig, encode
from snnas.train.layers import accuracy, train


def test_the_task_is_balanced_reproducible_and_timed_as_documented() -> None:
    d = delayed_xor(n_inputs=12, cue=3, delay=5, samples_per_class=50, seed=4)
    assert len(d) == 100 and np.bincount(d.labels).tolist() == [50, 50] and d.n_classes == 2
    assert d.duration == pytest.approx(11e-3) and d.times.max() < d.duration  # type: ignore[union-attr]
    raster = d.raster(np.arange(len(d)), 11)
    assert raster.shape == (100, 11, 12) and raster.max() == 1
    again = delayed_xor(n_inputs=12, cue=3, delay=5, samples_per_class=50, seed=4)
    assert np.array_equal(again.raster(np.arange(100), 11), raster) and np.array_equal(again.labels, d.labels)
    quiet = delayed_xor(n_inputs=12, cue=3, delay=5, samples_per_class=50, seed=4, noise=0.0)
    r = quiet.raster(np.arange(100), 11)
    assert r[:, 3:8].sum() == 0  # the delay is silent without noise
    assert DATASETS["delayed_xor"] is delayed_xor


def test_no_count_of_input_spikes_tells_the_class() -> None:
    d = delayed_xor(samples_per_class=400, seed=1)
    counts = d.raster(np.arange(len(d)), 18).sum(axis=1).astype(float)  # (samples, inputs), time summed out
    x = np.c_[counts, np.ones(len(d))]
    train_idx, test_idx = np.arange(600), np.arange(600, 800)
    w, *_ = np.linalg.lstsq(x[train_idx], 2.0 * d.labels[train_idx] - 1.0, rcond=None)
    acc = float(((x[test_idx] @ w > 0) == d.labels[test_idx]).mean())
    assert acc < 0.62  # a linear read of the counts is at chance


def test_memory_and_enough_steps_decide_the_accuracy() -> None:
    d = delayed_xor(seed=0)
    sp = split(d, seed=0)

    def acc(**cfg: object) -> float:
        c = TrainConfig(hidden=(48,), epochs=20, patience=8, progress=False, **cfg)  # type: ignore[arg-type]
        r = train(d, sp, c)
        return accuracy(r.weights, encode(d, sp.test, c), d.labels[sp.test], c, r.recurrent_or_none())

    assert acc(n_steps=24, recurrent=True) > acc(n_steps=8) + 0.15  # cue B comes after step 14


@pytest.mark.parametrize(("kw", "match"), [
    ({"n_inputs": 10}, "multiple of 4"), ({"cue": 0}, "cue must be an integer >= 1"),
    ({"rate": 1.5}, r"rate must be a probability in \[0, 1\]"), ({"dt": 0}, "dt must be a positive number"),
])
def test_bad_parameters_are_named(kw: dict[str, object], match: str) -> None:
    with pytest.raises(DatasetError, match=match):
        delayed_xor(**kw)  # type: ignore[arg-type]
