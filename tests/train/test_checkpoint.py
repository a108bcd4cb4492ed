"""Pausing and resuming a training (snnas.train.fit.FitState, snnas.train.checkpoint): E1 epochs then a
resume to E2 give bit for bit the training of E2 epochs at once; a checkpoint of another training, a broken
file or one further along than asked is not resumed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from snnas.data.datasets import digits, split
from snnas.train.checkpoint import checkpoint_key, load_state, save_state
from snnas.train.config import TrainConfig
from snnas.train.fit import TrainError
from snnas.train.layers import train
from snnas.train.trained import fit

DATA = digits()
SPLIT = split(DATA, seed=0)


@pytest.mark.parametrize("extra", [{}, {"recurrent": True}, {"neuron": "cuba_lif"}, {"hidden": (16,), "patience": 1}],
                         ids=["lif", "recurrent", "cuba", "early-stop"])
def test_resuming_gives_the_uninterrupted_training(extra: dict[str, object], tmp_path: Path) -> None:
    cfg = {"progress": False, "hidden": (24,), **extra}
    whole = fit(TrainConfig(epochs=5, **cfg), DATA, SPLIT)  # type: ignore[arg-type]
    first = fit(TrainConfig(epochs=2, **cfg), DATA, SPLIT, tmp_path)  # type: ignore[arg-type]
    assert len(list(tmp_path.glob("*.npz"))) == 1 and not list(tmp_path.glob(".*tmp"))
    rest = fit(TrainConfig(epochs=5, **cfg), DATA, SPLIT, tmp_path, keep=False)  # type: ignore[arg-type]
    assert rest.history == whole.history and not list(tmp_path.glob("*.npz"))  # a final training keeps none
    for a, b in zip(whole.weights, rest.weights):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(whole.recurrent, rest.recurrent):
        assert (a is None and b is None) or np.array_equal(a, b)
    if extra.get("patience") != 1:
        assert rest.seconds < whole.seconds  # it trained 3 epochs, not 5
    assert first.history == whole.history[:2]


def test_a_checkpoint_of_another_training_or_a_broken_one_is_not_resumed(tmp_path: Path) -> None:
    cfg = TrainConfig(epochs=2, hidden=(8,), progress=False)
    key = checkpoint_key(cfg, DATA, SPLIT)
    assert key == checkpoint_key(TrainConfig(epochs=7, hidden=(8,), progress=True), DATA, SPLIT)  # epochs aside
    assert key != checkpoint_key(TrainConfig(epochs=2, hidden=(8,), seed=1, progress=False), DATA, SPLIT)
    assert key != checkpoint_key(cfg, DATA, split(DATA, seed=1))
    state = train(DATA, SPLIT, cfg).state
    assert state is not None
    path = tmp_path / f"{key}.npz"
    save_state(path, key, state)
    loaded = load_state(path, key)
    assert loaded is not None and loaded.epoch == 2 and loaded.rng == state.rng
    assert load_state(path, "0" * 24) is None  # another training's
    path.write_bytes(b"not a zip")
    assert load_state(path, key) is None
    assert load_state(tmp_path / "absent.npz", key) is None
    with pytest.raises(TrainError, match="2 epochs in, more than the 1 asked"):
        train(DATA, SPLIT, TrainConfig(epochs=1, hidden=(8,), progress=False), resume=state)
    with pytest.raises(TrainError, match="do not have this training's shapes"):
        train(DATA, SPLIT, TrainConfig(epochs=3, hidden=(9,), progress=False), resume=state)


def test_a_checkpoint_further_along_than_asked_trains_from_scratch(tmp_path: Path) -> None:
    cfg = {"hidden": (8,), "progress": False}
    fit(TrainConfig(epochs=3, **cfg), DATA, SPLIT, tmp_path)  # type: ignore[arg-type]
    short = fit(TrainConfig(epochs=1, **cfg), DATA, SPLIT, tmp_path)  # type: ignore[arg-type]
    assert short.history == fit(TrainConfig(epochs=1, **cfg), DATA, SPLIT).history  # type: ignore[arg-type]
