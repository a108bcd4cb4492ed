"""Fixed-point mode: the Loihi-style integer rules by hand, and bit-identity with the numba reference."""

from __future__ import annotations

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


@pytest.mark.parametrize("model", sorted(FIXED_MODELS))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**63 - 1))
def test_fixed_engine_matches_reference_bit_for_bit(model: str, seed: int) -> None:
    case = make_fixed_case(seed, model)
    a = simulate_fixed(case.network, case.n_steps, **case.inputs)  # type: ignore[arg-type]
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
])
def test_bad_fixed_networks_name_the_field(change: dict[str, Any], field: str) -> None:
    base: dict[str, Any] = {"row_ptr": [0, 1, 1], "target": [1], "weight": [5], "delay": [1], "state_bits": 24}
    with pytest.raises(SimulationInputError, match=field):
        simulate_fixed(FixedSimNetwork(**{**base, **change}), 10)
