"""The C++ engine and the numba reference agree bit for bit: same spikes, same final state, same counters."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snnas.sim.engine import (
    MODELS,
    STEPPED_MODELS,
    Precision,
    SimNetwork,
    SimulationResult,
    simulate,
    simulate_reference,
)
from tests.sim.cases import make_case


def assert_identical(a: SimulationResult, b: SimulationResult) -> None:
    assert np.array_equal(a.spike_steps, b.spike_steps)
    assert np.array_equal(a.spike_ids, b.spike_ids)
    assert a.v.tobytes() == b.v.tobytes()  # bit-identical, signed zeros included
    assert a.i_syn.tobytes() == b.i_syn.tobytes()
    assert (a.synaptic_events, a.external_events, a.neuron_updates, a.spikes) == (
        b.synaptic_events, b.external_events, b.neuron_updates, b.spikes)
    assert a.spikes == a.spike_ids.size
    assert sorted(a.hidden) == sorted(b.hidden)
    for name in a.hidden:
        assert a.hidden[name].tobytes() == b.hidden[name].tobytes(), name
    assert sorted(a.probes) == sorted(b.probes)
    for name in a.probes:
        assert a.probes[name].shape == b.probes[name].shape and np.array_equal(a.probes[name], b.probes[name]), name


def recurrent_network(rng: np.random.Generator, n: int, p: float, model: str, w_exc: float,
                      **kw: Any) -> SimNetwork:
    """``n`` neurons, each pair joined with probability ``p`` (delays 0 to 2 steps); the first 80% excitatory
    (weight ``w_exc`` [V]), the others inhibitory (``-4 * w_exc``); ``kw``: further network fields."""
    degree = rng.binomial(n, p, size=n)
    row_ptr = np.concatenate(([0], np.cumsum(degree))).astype(np.int64)
    m = int(row_ptr[-1])
    excitatory = np.repeat(np.arange(n), degree) < 0.8 * n
    return SimNetwork(row_ptr=row_ptr, target=rng.integers(0, n, size=m).astype(np.int32),
                      weight=np.where(excitatory, w_exc, -4 * w_exc), delay=rng.integers(0, 3, size=m).astype(np.int32),
                      model=model, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("model", sorted(MODELS))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**63 - 1))
def test_engine_matches_reference_on_random_networks(model: str, seed: int) -> None:
    case = make_case(seed, model)
    a = simulate(case.network, case.n_steps, case.dt, **case.inputs)
    b = simulate_reference(case.network, case.n_steps, case.dt, **case.inputs)
    assert_identical(a, b)


@pytest.mark.parametrize("model", sorted(MODELS))
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**63 - 1))
def test_engine_matches_reference_on_larger_networks(model: str, seed: int) -> None:
    """Hundreds of neurons: several blocks of the dense pass, slots turning dense, both phase-1 regimes."""
    case = make_case(seed, model, max_neurons=700, max_steps=60)
    assert_identical(simulate(case.network, case.n_steps, case.dt, **case.inputs),
                     simulate_reference(case.network, case.n_steps, case.dt, **case.inputs))


@pytest.mark.parametrize("model", sorted(set(MODELS) - set(STEPPED_MODELS)))
def test_engine_matches_reference_on_a_driven_recurrent_network(model: str) -> None:
    """The regime of the benchmark: every neuron driven, thousands of events per step."""
    rng = np.random.default_rng(7)
    n = 1500
    net = recurrent_network(rng, n, 0.02, model, 0.03, tau_m=20e-3, tau_s=5e-3, t_ref=2)
    kw = {"v0": rng.uniform(0, 1, n), "i_ext": rng.uniform(1.05, 1.5, n) * (rng.random(n) < 0.9)}
    a = simulate(net, 200, **kw)
    b = simulate_reference(net, 200, **kw)
    assert a.spikes > 1000
    assert_identical(a, b)


@pytest.mark.parametrize("n", [1001, 1002, 1003])
def test_engine_matches_reference_with_every_neuron_driven(n: int) -> None:
    """Every neuron driven: the dense pass takes its branch-free blocks, whose spike flags are read four
    at a time and the remainder (n not a multiple of 4) one by one."""
    rng = np.random.default_rng(11)
    net = recurrent_network(rng, n, 0.02, "lif", 0.03, tau_m=20e-3, t_ref=2)
    kw = {"v0": rng.uniform(0, 1, n), "i_ext": rng.uniform(1.05, 1.5, n)}
    a = simulate(net, 100, **kw)
    b = simulate_reference(net, 100, **kw)
    assert a.neuron_updates == n * 100
    assert_identical(a, b)


@pytest.mark.parametrize("precision", ["double", "single"])
@pytest.mark.parametrize("model", ["if", "lif", "cuba_lif"])
def test_engine_matches_reference_with_runs_of_driven_neurons_in_a_quiet_network(model: str,
                                                                                 precision: Precision) -> None:
    """Few neurons driven, in runs of consecutive indices (input populations), the rest quiet: the list
    regime evaluates the runs as blocks, one of them cut at a block boundary of the dense pass."""
    rng = np.random.default_rng(12)
    n = 3000
    net = recurrent_network(rng, n, 0.01, model, 0.05, tau_m=20e-3, tau_s=5e-3, t_ref=2)
    i_ext = np.zeros(n)
    for lo, hi in ((0, 64), (240, 300), (1000, 1020), (2990, 3000)):
        i_ext[lo:hi] = rng.uniform(1.05, 1.5, hi - lo)
    i_ext[[500, 777]] = 1.2
    kw = {"v0": rng.uniform(0, 1, n), "i_ext": i_ext}
    a = simulate(net, 150, **kw, precision=precision)
    b = simulate_reference(net, 150, **kw, precision=precision)
    assert a.spikes > 500
    assert a.neuron_updates < n * 150 // 4  # the list regime
    assert_identical(a, b)


@pytest.mark.parametrize("precision", ["double", "single"])
@pytest.mark.parametrize("model", ["if", "lif", "cuba_lif"])
@pytest.mark.parametrize("layout", ["one delay, a weight per synapse", "one delay, a weight per row",
                                    "one delay, mixed rows", "delays 0 to 2"])
def test_engine_matches_reference_in_the_dense_regime_for_every_layout(model: str, precision: Precision,
                                                                       layout: str) -> None:
    """Every neuron driven, so every step runs the dense pass: the delivery of rows of one common delay
    from their row pointers (a weight per synapse, one per row, or both kinds of row), and the dense
    kernel with a block's parameters as scalars (blocks 0 and 1: one set each) or per neuron (block 2:
    a threshold and a decay per neuron; block 3 differs from block 2 in one neuron only)."""
    rng = np.random.default_rng(21)
    n = 1100
    net = recurrent_network(rng, n, 0.03, model, 0.02, t_ref=2)
    m = np.asarray(net.target).size
    rows = np.repeat(np.arange(n), np.diff(np.asarray(net.row_ptr)))
    weight = np.asarray(net.weight, dtype=np.float64)
    if layout != "one delay, a weight per row":
        per_synapse = rng.uniform(0.5, 1.5, m) * weight
        weight = per_synapse if layout != "one delay, mixed rows" else np.where(rows % 3 == 0, weight, per_synapse)
    delay = np.asarray(net.delay) if layout == "delays 0 to 2" else np.ones(m, np.int32)
    v_th = np.ones(n)
    v_th[512:768] = rng.uniform(0.9, 1.1, 256)
    v_th[800] = 1.05
    tau_m = np.full(n, 20e-3)
    tau_m[512:768] = rng.uniform(10e-3, 30e-3, 256)
    tau_s = np.full(n, 5e-3)
    tau_s[600:700] = 8e-3
    net = SimNetwork(row_ptr=net.row_ptr, target=net.target, weight=weight, delay=delay, model=model,
                     v_th=v_th, tau_m=tau_m, tau_s=tau_s, t_ref=2)  # type: ignore[arg-type]
    drive = {"if": (0.02, 0.06), "lif": (1.05, 1.5), "cuba_lif": (1.05, 1.5)}[model]
    kw = {"v0": rng.uniform(0, 1, n), "i_ext": rng.uniform(*drive, n)}
    a = simulate(net, 120, **kw, precision=precision)
    b = simulate_reference(net, 120, **kw, precision=precision)
    assert a.neuron_updates == n * 120  # the dense regime throughout
    assert a.spikes > 2000
    assert_identical(a, b)


@pytest.mark.parametrize("precision", ["double", "single"])
@pytest.mark.parametrize("model", ["if", "lif"])
@pytest.mark.parametrize("driven", ["every neuron", "a population of 600"])
@pytest.mark.parametrize("delays", ["one delay", "delays 0 to 2"])
def test_engine_matches_reference_when_driven_neurons_see_few_events(model: str, precision: Precision,
                                                                     driven: str, delays: str) -> None:
    """Driven neurons below threshold with a few above it, so that steps carry few events: the driven
    blocks (or runs) then take their input from the slot's list of targets and skip reading the
    accumulator, and blocks without a refractory neuron skip the refractory test; block 2's thresholds
    differ per neuron (its parameters are not shared)."""
    rng = np.random.default_rng(5)
    n = 1100
    net = recurrent_network(rng, n, 0.02, model, 0.05, t_ref=3)
    m = np.asarray(net.target).size
    v_th = np.ones(n)
    v_th[512:768] = rng.uniform(0.95, 1.05, 256)
    delay = np.ones(m, np.int32) if delays == "one delay" else np.asarray(net.delay)
    net = SimNetwork(row_ptr=net.row_ptr, target=net.target, weight=rng.uniform(0.5, 1.5, m) * np.asarray(net.weight),
                     delay=delay, model=model, v_th=v_th, tau_m=20e-3, t_ref=3)  # type: ignore[arg-type]
    below = {"if": (0.0005, 0.002), "lif": (0.3, 0.9)}[model]
    above = {"if": (0.05, 0.1), "lif": (1.05, 1.5)}[model]
    i_ext = rng.uniform(*below, n)
    fast = np.r_[3, 17, 40, 530, 700, 1090]  # above threshold: blocks 0, 2 and 4 have refractory neurons
    i_ext[fast] = rng.uniform(*above, fast.size)
    if driven != "every neuron":
        i_ext[600:] = 0.0
        i_ext[fast[fast >= 600]] = 0.0
    kw = {"v0": rng.uniform(0, 0.5, n), "i_ext": i_ext}
    a = simulate(net, 200, **kw, precision=precision)
    b = simulate_reference(net, 200, **kw, precision=precision)
    assert 20 < a.spikes < 4000 and a.synaptic_events < 200 * n / 4
    if driven == "every neuron":
        assert a.neuron_updates == n * 200
    assert_identical(a, b)


# Per stepped model: network keywords, weight of an excitatory synapse [V], drive range [V], v0 range [V].
STEPPED_REGIMES: dict[str, tuple[dict[str, Any], float, tuple[float, float], tuple[float, float]]] = {
    "adaptive_lif": ({"t_ref": 2, "beta": 0.2, "tau_adapt": 50e-3}, 0.03, (1.05, 1.5), (0.0, 1.0)),
    "izhikevich": ({"v_th": 0.03, "v_reset": -0.065}, 3e-3, (5e-3, 15e-3), (-0.07, -0.05)),
    "hodgkin_huxley": ({"v_th": 0.0}, 3e-3, (25e-3, 50e-3), (-0.07, -0.05)),
}


@pytest.mark.parametrize("model", sorted(STEPPED_MODELS))
def test_stepped_models_match_the_reference_on_a_driven_recurrent_network(model: str) -> None:
    """Most neurons driven above their rheobase, recurrent excitation and inhibition, hundreds of spikes."""
    kw, w_exc, drive, v0 = STEPPED_REGIMES[model]
    rng = np.random.default_rng(11)
    n = 300
    net = recurrent_network(rng, n, 0.05, model, w_exc, **kw)
    run: dict[str, Any] = {"v0": rng.uniform(*v0, n), "i_ext": rng.uniform(*drive, n) * (rng.random(n) < 0.9)}
    a = simulate(net, 150, **run)
    b = simulate_reference(net, 150, **run)
    assert a.spikes > 300
    assert a.neuron_updates == n * 150
    assert_identical(a, b)


EVENT_MODELS = sorted(set(MODELS) - set(STEPPED_MODELS))


@pytest.mark.parametrize("model", EVENT_MODELS)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**63 - 1))
def test_single_precision_matches_the_float32_reference(model: str, seed: int) -> None:
    """Single precision: the engine and the float32 reference agree bit for bit, state and spikes."""
    case = make_case(seed, model, max_neurons=300 if seed % 4 == 0 else 40)
    a = simulate(case.network, case.n_steps, case.dt, **case.inputs, precision="single")
    b = simulate_reference(case.network, case.n_steps, case.dt, **case.inputs, precision="single")
    assert_identical(a, b)
    assert np.array_equal(a.v.astype(np.float32).astype(np.float64), a.v)  # float32 values


@pytest.mark.parametrize("model", EVENT_MODELS)
def test_single_precision_is_float32_arithmetic(model: str) -> None:
    """The driven recurrent network in single precision: the same spikes as the float32 reference, a state
    that differs from double precision (so the float32 path really ran) and most spikes in common with it."""
    rng = np.random.default_rng(8)
    n = 1500
    net = recurrent_network(rng, n, 0.02, model, 0.03, v_th=1.0, tau_m=20e-3, tau_s=5e-3, t_ref=2)
    drive = {"v0": rng.uniform(0, 1, n), "i_ext": rng.uniform(1.05, 1.5, n) * (0.2 if model == "if" else 1.0)}
    single = simulate(net, 200, **drive, precision="single")
    assert_identical(single, simulate_reference(net, 200, **drive, precision="single"))
    double = simulate(net, 200, **drive)
    assert single.spikes > 1000 and not np.array_equal(single.v, double.v)
    first = min(single.spikes, double.spikes) // 10  # the early spikes, before rounding differences spread
    assert np.array_equal(single.spike_ids[:first], double.spike_ids[:first])


@pytest.mark.parametrize("precision", ["half", "Single", 1, None])
def test_bad_precision_is_rejected(precision: object) -> None:
    from snnas.errors import SimulationInputError
    from snnas.sim.engine import Simulator

    net = SimNetwork(row_ptr=np.array([0, 0]), target=np.zeros(0, np.int32), weight=np.zeros(0),
                     delay=np.zeros(0, np.int32))
    with pytest.raises(SimulationInputError, match="precision"):
        simulate(net, 1, precision=precision)  # type: ignore[arg-type]
    with pytest.raises(SimulationInputError, match="precision"):
        Simulator(net, precision=precision)  # type: ignore[arg-type]


@pytest.mark.parametrize("model", sorted(STEPPED_MODELS))
def test_single_precision_is_refused_for_stepped_models(model: str) -> None:
    from snnas import _core
    from snnas.errors import SimulationInputError
    from snnas.sim.engine import core_arguments, network_arguments

    net = SimNetwork(row_ptr=np.array([0, 0]), target=np.zeros(0, np.int32), weight=np.zeros(0),
                     delay=np.zeros(0, np.int32), model=model)  # type: ignore[arg-type]
    with pytest.raises(SimulationInputError, match="precision: 'single'"):
        simulate(net, 1, precision="single")
    with pytest.raises(SimulationInputError, match="precision: 'single'"):  # the binding checks it too
        _core.prepare(**network_arguments(net, 1e-3), precision="single")
    args = core_arguments(net, 1, 1e-3)
    with pytest.raises(SimulationInputError, match="precision"):
        _core.simulate(**{**args, "precision": "single"})
    with pytest.raises(SimulationInputError, match="precision: expected"):
        _core.validate(**{**args, "precision": b"double"})
