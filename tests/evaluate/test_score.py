"""One candidate on one chip: infeasible ones are not trained; feasible ones get every measure."""

from __future__ import annotations

import pytest

from snnas.data.datasets import digits, split
from snnas.evaluate.score import score
from snnas.train.config import TrainConfig


@pytest.fixture(scope="module")
def data():  # type: ignore[no-untyped-def]
    d = digits()
    return d, split(d, seed=0)


def test_feasible_candidate_gets_every_measure(data) -> None:  # type: ignore[no-untyped-def]
    d, sp = data
    s = score(TrainConfig(progress=False, epochs=15), "loihi", d, sp, weight_bits=8, eval_samples=32)
    assert s.feasible and s.violations == ()
    assert s.accuracy_float is not None and s.accuracy_float > 0.85
    assert s.accuracy_chip is not None and abs(s.accuracy_chip - s.accuracy_float) < 0.05
    assert s.energy_j is not None and s.energy_j > 0 and s.energy_tier == "placement" and s.energy_complete
    assert s.energy_missing == () and s.latency_complete and s.latency_missing == ()
    assert s.energy_neurobench_j is not None and 0 < s.energy_neurobench_j < s.energy_j  # no static term there
    assert s.latency_s is not None and s.latency_s > 0
    assert s.spikes_per_inference and s.synaptic_ops and len(s.firing_rate_per_layer) == 2
    assert s.spike_timing_distance is not None and s.spike_timing_distance >= 0
    assert s.time_to_decision_s is not None and 0 < s.time_to_decision_s <= 16e-3


def test_truenorth_limits_are_met_by_quantisation(data) -> None:  # type: ignore[no-untyped-def]
    d, sp = data
    s = score(TrainConfig(progress=False, epochs=3), "truenorth", d, sp, eval_samples=8)
    assert s.feasible, [str(v) for v in s.violations]
    assert s.accuracy_chip is not None


def test_infeasible_candidate_is_not_trained(data) -> None:  # type: ignore[no-untyped-def]
    d, sp = data
    s = score(TrainConfig(progress=False), "speck", d, sp)
    assert not s.feasible and s.violations and s.accuracy_float is None and s.train_seconds is None
    assert "not trained" in s.notes[0]
    assert s.to_dict()["violations"][0]["constraint"]


def test_a_model_without_fixed_point_mode_is_scored_in_float(data) -> None:  # type: ignore[no-untyped-def]
    d, sp = data
    adaptive = TrainConfig(neuron="adaptive_lif", epochs=3, progress=False)
    loihi = score(adaptive, "loihi", d, sp)  # Loihi runs no adaptive neurons: refused before training
    assert not loihi.feasible and loihi.violations[0].constraint == "neuron_models" and loihi.accuracy_float is None
    s = score(adaptive, "spinnaker", d, sp, eval_samples=8)  # programmable, but no weight precision in the file
    assert s.feasible and s.accuracy_float is not None and s.accuracy_chip is None
    assert any("no chip accuracy" in n for n in s.notes)


def test_speck_energy_and_latency_are_partial_lower_bounds_naming_the_missing_figures(data) -> None:  # type: ignore[no-untyped-def]
    """Speck: static power (0.42 mW) over the inference's event-level latency; per-event figures unknown."""
    d, sp = data
    s = score(TrainConfig(progress=False, epochs=2, neuron="if", hidden=(32,)), "speck", d, sp, eval_samples=8)
    assert s.feasible, [str(v) for v in s.violations]
    assert s.latency_s is not None and s.latency_s > 0 and not s.latency_complete
    assert "latency.t_syn_op" in s.latency_missing
    assert s.energy_j is not None and not s.energy_complete and "energy.e_syn_op" in s.energy_missing
    assert s.energy_j >= 0.42e-3 * s.latency_s * 0.999  # at least the static term over the latency
    assert any("energy partial" in n for n in s.notes) and any("latency partial" in n for n in s.notes)
