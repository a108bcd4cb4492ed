"""The one-shot supernet (snnas.train.supernet): sub-networks read scaled leading blocks of the shared
weights, path sampling trains them (uniformly or fairly), and inherited-weight chip accuracy ranks
sub-networks as their stand-alone training does (Kendall tau against the replay table)."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from snnas.chip import load_chip
from snnas.data.datasets import digits, split
from snnas.evaluate.score import score
from snnas.search.table import read_table
from snnas.space import GlobalSpace, make_space
from snnas.train.fit import TrainError
from snnas.train.supernet import _fair_paths, inherit, train_supernet

TABLE = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "replay_digits_loihi.jsonl.gz"
DATA = digits()
SPLIT = split(DATA, seed=0)
SMALL = GlobalSpace(max_depth=2, widths=(8, 16), neurons=("lif", "if"), tau_m=(0.01,), resets=("zero",),
                    n_steps=(4,), encoders=("rate",), weight_bits=(8,), recurrent=(False, True))


def test_a_sub_network_reads_the_scaled_leading_blocks() -> None:
    net = train_supernet(SMALL, DATA, SPLIT, epochs=1)
    g = SMALL.genome({**SMALL.sample(np.random.default_rng(0)).values, "depth": 2, "width_1": 8, "width_2": 16,
                      "recurrent": True})
    tr = inherit(net, g)
    assert [w.shape for w in tr.weights] == [(64, 8), (8, 16), (16, 10)]
    np.testing.assert_array_equal(tr.weights[0], net.weights[0][:, :8])
    np.testing.assert_allclose(tr.weights[1], math.sqrt(16 / 8) * net.weights[1][:8, :16])
    np.testing.assert_allclose(tr.weights[2], net.weights[2][:16, :])  # the output reads the widest layer: s = 1
    assert [None if r is None else r.shape for r in tr.recurrent] == [(8, 8), (16, 16), None]
    assert tr.config.hidden == (8, 16) and tr.config.recurrent


def test_path_sampling_lowers_the_loss_and_fair_blocks_are_fair() -> None:
    net = train_supernet(SMALL, DATA, SPLIT, epochs=6, sampling="fair")
    assert net.history[-1]["loss"] < net.history[0]["loss"] and net.paths == 6 * math.ceil(len(SPLIT.train) / 64)
    block = _fair_paths(SMALL, np.random.default_rng(3))
    for d in SMALL.decisions:  # every choice equally often, before repair fills unused decisions
        if d.name in ("neuron", "recurrent", "depth", "width_1"):
            counts = Counter(g[d.name] for g in block)
            assert set(counts) == set(d.choices) and max(counts.values()) - min(counts.values()) <= 1
    with pytest.raises(TrainError, match="sampling must be one of"):
        train_supernet(SMALL, DATA, SPLIT, sampling="greedy")


def test_inherited_weights_rank_sub_networks_as_their_own_training_does() -> None:
    """50 sub-networks of the replay table's space on Loihi: Kendall tau between the chip accuracy with
    inherited weights (supernet: 40 epochs of path sampling) and with stand-alone training (the table's)."""
    from scipy.stats import kendalltau

    table = read_table(TABLE)
    chip = load_chip("loihi")
    space = make_space(table.spec.space, **table.spec.space_options).restrict(chip)
    net = train_supernet(space, DATA, SPLIT, epochs=40)
    rng = np.random.default_rng(1)
    inherited, alone = [], []
    for g in (space.sample(rng) for _ in range(50)):
        tr = inherit(net, g)
        s = score(tr.config, chip, DATA, SPLIT, weight_bits=int(g["weight_bits"]), eval_samples=8, trained=tr)
        inherited.append(s.accuracy_chip)
        outcome = table.outcome("loihi", g.key, 1.0)
        assert outcome is not None
        alone.append(outcome["score"]["accuracy_chip"])
    tau = kendalltau(inherited, alone).statistic
    assert tau >= 0.5, tau
