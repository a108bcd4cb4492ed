"""Fixed-point mode: the Loihi-style integer rules by hand, and bit-identity with the numba reference."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snnas.errors import SimulationInputError
from snnas.sim.fixed import FIXED_MODELS, FixedSimNetwork, simulate_fixed, simulate_fixed_reference
from tests.sim.cases import make_fixed_case
from tests.sim.test_reference import assert_identical


def lone(**kw: Any) -> FixedSimNetwork:
    return FixedSimNetwork(row_ptr=[0, 0], target=np.zeros(0, np.int32), weight=np.zeros(0, np.int32),
                           delay=np.zeros(0, np.int32), **kw)


def test_lif_decay_is_multiply_and_shift() -> None:
    out = simulate_fixed(lone(decay_m=205, v_th=10**6), 3, v0=[100_000])
    v = 100_000
    for _ in range(3):
        v = v - ((v * 205) >> 12)
    assert out.v[0] == v and out.spikes == 0


def test_negative_states_decay_by_arithmetic_shift() -> None:
    """(x * d) >> 12 rounds down: -1 loses -1 and reaches 0, +1 with a small d stays (Loihi's stall)."""
    out = simulate_fixed(lone(decay_m=100), 5, v0=[-1])
    assert out.v[0] == 0
    stalled = simulate_fixed(lone(decay_m=100), 50, v0=[1])
    assert stalled.v[0] == 1 and stalled.neuron_updates == 0  # a fixed point: never evaluated


def test_state_saturates_to_m_bits() -> None:
    net = lone(model="if", state_bits=8, v_th=127)
    out = simulate_fixed(net, 3, ext_spikes=([0, 0], [0, 0], [100, 100]))
    assert out.spikes == 1 and out.spike_steps[0] == 1  # 200 saturates to 127 >= v_th
    low = simulate_fixed(net, 2, ext_spikes=([0], [0], [-1000]))
    assert low.v[0] == -128


def test_cuba_current_decays_then_drives_v() -> None:
    net = lone(model="cuba_lif", decay_m=1024, decay_s=2048, v_th=10**6)
    out = simulate_fixed(net, 3, ext_spikes=([0], [0], [4096]))
    i, v = 4096, 0
    for _ in range(2):
        i = i - ((i * 2048) >> 12)
        v = v - ((v * 1024) >> 12) + i
    assert (out.i_syn[0], out.v[0]) == (i, v)


def test_settled_neurons_are_skipped_exactly() -> None:
    n = 500
    net = FixedSimNetwork(row_ptr=np.arange(n + 1), target=((np.arange(n) + 1) % n).astype(np.int32),
                          weight=np.full(n, 600, np.int32), delay=np.ones(n, np.int32), v_th=1000, decay_m=205)
    out = simulate_fixed(net, 300, ext_spikes=([0], [0], [2000]))
    ref = simulate_fixed_reference(net, 300, ext_spikes=([0], [0], [2000]))
    assert_identical(out, ref)
    assert out.spikes == 1 and out.neuron_updates < 300  # neuron 1 decays until it stalls, then costs nothing


def test_multi_spike_emits_floor_v_over_threshold_and_subtracts_them() -> None:
    """sinabs' MultiSpike: v = 25 with v_th = 10 emits 2 spikes, keeps 5, and each spike is one event."""
    net = FixedSimNetwork(row_ptr=[0, 1, 1], target=[1], weight=[7], delay=[0], model="if", v_th=[10, 1000],
                          reset="subtract", order="decay_input_threshold_reset", max_spikes=65535)
    out = simulate_fixed(net, 3, ext_spikes=([0], [0], [25]), probe=[0, 1])
    assert list(out.spike_ids) == [0, 0] and list(out.spike_steps) == [1, 1]
    assert out.probes["v"][1].tolist() == [5, 0] and out.probes["v"][2].tolist() == [5, 14]
    assert out.synaptic_events == 2 and out.spikes == 2
    capped = simulate_fixed(replace(net, max_spikes=1), 3, ext_spikes=([0], [0], [25]), probe=[0])
    assert capped.spikes == 2 and list(capped.spike_steps) == [1, 2]  # one per step: 15 left, then 5
    above = simulate_fixed(replace(net, threshold_test=">"), 3, ext_spikes=([0], [0], [30]))
    assert above.spikes == 2 and above.v[0] == 10  # v > v_th: 30 holds two thresholds above it, not three


def test_lower_bound_holds_v_after_the_reset() -> None:
    net = lone(model="if", v_th=100, v_min=-20, order="decay_input_threshold_reset")
    out = simulate_fixed(net, 4, ext_spikes=([0, 1], [0, 0], [-50, 30]), probe=[0])
    assert out.probes["v"][:, 0].tolist() == [0, -20, 10, 10]
    free = simulate_fixed(replace(net, v_min=None), 4, ext_spikes=([0, 1], [0, 0], [-50, 30]), probe=[0])
    assert free.probes["v"][:, 0].tolist() == [0, -50, -20, -20]
    start = simulate_fixed(net, 1, v0=[-90])  # a state below the bound is raised in the first step
    assert start.v[0] == -20


@pytest.mark.parametrize("backend", ["engine", "numba"])
def test_per_event_integration_tests_after_every_event(backend: str) -> None:
    """ODIN's event-driven rule: each event is added and tested on its own, and bounded below (v >= 0)."""
    net = lone(model="if", v_th=10, v_min=0, integration="per_event")
    out = simulate_fixed(net, 1, ext_spikes=([0, 0, 0], [0, 0, 0], [8, 8, 8]), backend=backend)
    assert out.spikes == 1 and out.v[0] == 8  # 8, 16 fires and resets to 0, 8
    summed = simulate_fixed(replace(net, integration="summed"), 2, ext_spikes=([0, 0, 0], [0, 0, 0], [8, 8, 8]))
    assert summed.spikes == 1 and summed.v[0] == 0  # 24 (tested in the next step) fires once and resets to 0
    low = simulate_fixed(net, 1, v0=[3], ext_spikes=([0, 0], [0, 0], [-5, 7]), backend=backend)
    assert low.v[0] == 7  # 3 - 5 is held at 0, then + 7 (summed: 3 + 2 = 5)


@pytest.mark.parametrize("backend", ["engine", "numba"])
def test_per_event_spikes_reach_their_targets_a_step_later(backend: str) -> None:
    net = FixedSimNetwork(row_ptr=[0, 2, 2], target=[1, 1], weight=[6, 6], delay=[0, 2], model="if", v_th=[5, 100],
                          integration="per_event")
    out = simulate_fixed(net, 5, ext_spikes=([0], [0], [9]), probe=[1], backend=backend)
    assert list(out.spike_steps) == [0] and out.probes["v"][:, 0].tolist() == [0, 6, 6, 12, 12]


def test_per_event_activity_without_bound_is_refused() -> None:
    """A neuron exciting itself twice over doubles its events every step: stopped with a clear error."""
    net = FixedSimNetwork(row_ptr=[0, 2], target=[0, 0], weight=[10, 10], delay=[0, 0], model="if", v_th=5,
                          integration="per_event")
    with pytest.raises(SimulationInputError, match="grows without bound"):
        simulate_fixed(net, 40, ext_spikes=([0], [0], [10]))


def test_the_events_in_flight_are_counted_alike() -> None:
    """A per_event run whose activity comes close to the in-flight cap: the engine counted the step's delivered
    events as still in flight and refused it at step 35, where the reference (and now the engine) finish."""
    case = make_fixed_case(138995, "lif")
    a = simulate_fixed(case.network, case.n_steps, **case.inputs)  # type: ignore[arg-type]
    b = simulate_fixed_reference(case.network, case.n_steps, **case.inputs)  # type: ignore[arg-type]
    assert a.spike_ids.size > 4_000_000
    assert np.array_equal(a.spike_ids, b.spike_ids) and np.array_equal(a.v, b.v)


@pytest.mark.parametrize("model", sorted(FIXED_MODELS))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**63 - 1))
def test_fixed_engine_matches_reference_bit_for_bit(model: str, seed: int) -> None:
    case = make_fixed_case(seed, model)
    try:
        a = simulate_fixed(case.network, case.n_steps, **case.inputs)  # type: ignore[arg-type]
    except SimulationInputError as exc:  # per_event activity without bound: both refuse it
        assert "grows without bound" in str(exc)
        with pytest.raises(SimulationInputError, match="grows without bound"):
            simulate_fixed_reference(case.network, case.n_steps, **case.inputs)  # type: ignore[arg-type]
        return
    b = simulate_fixed_reference(case.network, case.n_steps, **case.inputs)  # type: ignore[arg-type]
    assert_identical(a, b)


@pytest.mark.parametrize("change, field", [
    ({"state_bits": 49}, "state_bits"),
    ({"state_bits": 1}, "state_bits"),
    ({"decay_m": 4097}, "decay_m"),
    ({"decay_s": -1}, "decay_s"),
    ({"v_th": 2**40}, "v_th"),
    ({"v_reset": -(2**30)}, "v_reset"),
    ({"weight": [0.5]}, "weight"),
    ({"model": "hh"}, "model"),
    ({"max_spikes": 0}, "max_spikes"),
    ({"max_spikes": 2, "v_th": 0}, "v_th"),
    ({"v_min": 2**40}, "v_min"),
    ({"v_min": [0, 0, 0]}, "v_min"),
    ({"integration": "serial"}, "integration"),
    ({"integration": "per_event", "model": "cuba_lif"}, "integration"),
])
def test_bad_fixed_networks_name_the_field(change: dict[str, Any], field: str) -> None:
    base: dict[str, Any] = {"row_ptr": [0, 1, 1], "target": [1], "weight": [5], "delay": [1], "state_bits": 24}
    with pytest.raises(SimulationInputError, match=field):
        simulate_fixed(FixedSimNetwork(**{**base, **change}), 10)
