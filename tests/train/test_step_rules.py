"""The trainer's step rules for a framework's importer: ``TrainConfig(spikes="multi")`` (sinabs' MultiSpike)
and ``order="input_first"`` (the input enters before the test, as in snnTorch, Norse and sinabs).

A trained network keeps its rule in ``metadata["semantics"]``; the layered simulator runs it with that rule
and must give the trainer's own spike counts; the backward pass is checked loop by loop."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from snnas.ir.nir import to_nir
from snnas.ir.semantics import SemanticsWarning
from snnas.sim.layered import simulate_semantics
from snnas.train.config import TrainConfig
from snnas.train.fit import TrainError
from snnas.train.layers import TrainResult, _backward, _softmax_grad, forward
from snnas.train.steps import surrogate_distance
from tests.train.test_layers import _reference_backward

RULES = [
    {"spikes": "multi", "reset": "subtract"},
    {"spikes": "multi"},
    {"order": "input_first"},
    {"order": "input_first", "reset": "subtract"},
    {"order": "input_first", "spikes": "multi", "reset": "subtract"},
]


def _case(seed: int, **rule: str) -> tuple[TrainConfig, list[np.ndarray], np.ndarray]:
    rng = np.random.default_rng(seed)
    cfg = TrainConfig(hidden=(12,), n_steps=10, progress=False, **rule)  # type: ignore[arg-type]
    w = [rng.normal(0.3, 1.2, size=(6, 12)), rng.normal(0.2, 1.0, size=(12, 4))]  # strong: multi-spikes happen
    x = (rng.random((5, 10, 6)) < 0.6).astype(float)
    return cfg, w, x


@pytest.mark.parametrize("rule", RULES, ids=lambda r: "-".join(r.values()))
def test_the_layered_simulator_gives_the_trainers_spikes_with_the_networks_rule(rule: dict[str, str]) -> None:
    cfg, w, x = _case(1, **rule)
    counts, saved = forward(w, x, cfg, keep=True)
    if cfg.spikes == "multi":
        assert saved[0][1].max() >= 2  # the case exercises multi-spikes
    net = TrainResult(w, cfg, [], 0.0, 0.0).to_network("rule")
    sem = net.metadata["semantics"]
    assert (sem.order, sem.spikes) == (cfg.order, cfg.spikes)
    for b in range(x.shape[0]):
        run = simulate_semantics(net, x[b], backend="numba")
        np.testing.assert_array_equal(run.spikes["l1"], saved[0][1][:, b])
        np.testing.assert_array_equal(run.spikes["l2"].sum(axis=0), counts[b])


def test_the_engine_rule_keeps_no_semantics() -> None:
    cfg, w, _ = _case(1)
    assert "semantics" not in TrainResult(w, cfg, [], 0.0, 0.0).to_network().metadata


@pytest.mark.parametrize("rule", RULES, ids=lambda r: "-".join(r.values()))
def test_backward_matches_a_loop_by_loop_reference(rule: dict[str, str]) -> None:
    cfg, w, x = _case(2, **rule)
    y = np.arange(5) % 4
    counts, saved = forward(w, x, cfg, keep=True)
    _, d = _softmax_grad(counts, y)
    got = _backward(w, x, saved, d, cfg)
    for gi, ri in zip(got, _reference_backward(w, x, cfg, d)):
        np.testing.assert_allclose(gi, ri, rtol=1e-10, atol=1e-12)
    assert all(np.abs(gi).sum() > 0 for gi in got)


def test_the_multi_spike_surrogate_is_periodic_in_the_threshold() -> None:
    u = np.array([0.2, 0.9, 1.0, 1.4, 1.6, 2.0, 3.3])
    np.testing.assert_allclose(surrogate_distance(u, 1.0, True), [-0.8, -0.1, 0.0, 0.4, -0.4, 0.0, 0.3], atol=1e-12)
    np.testing.assert_allclose(surrogate_distance(u, 1.0, False), u - 1.0)


@pytest.mark.parametrize(("change", "match"), [
    ({"spikes": "many"}, "spikes must be one of"),
    ({"spikes": "multi", "neuron": "cuba_lif"}, "spikes='multi' needs neuron"),
    ({"order": "sideways"}, "order must be one of"),
    ({"order": "input_first", "recurrent": True}, "order='input_first' needs feed-forward"),
    ({"order": "input_first", "neuron": "adaptive_lif"}, "order='input_first' needs feed-forward"),
])
def test_a_rule_the_trainer_cannot_run_is_refused(change: dict[str, object], match: str) -> None:
    with pytest.raises(TrainError, match=match):
        TrainConfig(**change)  # type: ignore[arg-type]


@pytest.mark.parametrize(("target", "rule", "warns"), [
    ("snntorch", {}, True),
    ("snntorch", {"order": "input_first"}, False),
    ("norse", {"order": "input_first"}, False),
    ("norse", {"order": "input_first", "spikes": "multi", "reset": "subtract"}, True),
    ("sinabs", {"order": "input_first"}, True),
    ("sinabs", {"order": "input_first", "spikes": "multi", "reset": "subtract"}, False),
])
def test_export_warns_when_the_importer_runs_another_rule(target: str, rule: dict[str, str], warns: bool) -> None:
    cfg, w, _ = _case(3, **rule)
    net = TrainResult(w, cfg, [], 0.0, 0.0).to_network("net")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        graph = to_nir(net, target)
    got = [c for c in caught if issubclass(c.category, SemanticsWarning)]
    assert bool(got) == warns
    if warns:
        assert "TrainConfig(" in str(got[0].message) and target in str(got[0].message)
    assert "snnas.semantics" not in graph.metadata  # the file follows the importer's reading now
