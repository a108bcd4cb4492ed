"""The compiled chip model's event counts against the numpy reference, and its input checks."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from snnas import _core
from snnas.errors import SimulationInputError, SnnasError
from snnas.ir.network import Input, Network, NeuronCSR, Population, Sparse
from snnas.ir.neurons import LIFParameters
from snnas.mapping import Mapping, map_network
from snnas.sim.activity import ChipActivity, activity_from_spikes, count_activity
from tests.mapping.conftest import make_chip

FIELDS = [f.name for f in dataclasses.fields(ChipActivity) if f.name != "dt"]


def random_network(data: st.DataObject, rng: np.random.Generator, max_in: int, max_pop: int, max_synapses: int,
                   max_delay: int, weights: Callable[[int], np.ndarray]) -> Network:
    """Inputs ``"i"`` and a LIF population ``"p"``, random synapses from both onto ``"p"`` (one projection per
    source node, the population's recurrent); ``weights(k)`` gives the weights of a projection of ``k``."""
    n_in, n_pop = data.draw(st.integers(1, max_in)), data.draw(st.integers(1, max_pop))
    m = data.draw(st.integers(0, max_synapses))
    pre = rng.integers(0, n_in + n_pop, size=m)
    post = rng.integers(0, n_pop, size=m)
    delay = rng.integers(0, data.draw(st.integers(1, max_delay)), size=m)
    from_in = pre < n_in
    projs = (Sparse("i", "p", pre[from_in], post[from_in], weights(int(from_in.sum())), delay[from_in]),
             Sparse("p", "p", pre[~from_in] - n_in, post[~from_in], weights(int((~from_in).sum())), delay[~from_in]))
    return Network((Input("i", n_in), Population("p", n_pop, LIFParameters())), projs)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_compiled_counts_equal_the_reference(data: st.DataObject) -> None:
    rng = np.random.default_rng(data.draw(st.integers(0, 2**31)))
    net = random_network(data, rng, 6, 40, 300, 5, lambda k: rng.normal(size=k) + 3.0)
    cores = data.draw(st.sampled_from([1, 4, 16]))
    chip = make_chip({"max_neurons": data.draw(st.integers(1, 8))}, cores=max(cores, 16))
    mapping, _ = map_network(net, chip, data.draw(st.sampled_from(["sequential", "traffic"])))
    csr = net.to_csr()
    n_steps = data.draw(st.integers(1, 30))
    k = data.draw(st.integers(0, 200))
    steps = np.sort(rng.integers(0, n_steps, size=k))
    ids = rng.integers(0, csr.num_neurons, size=k)
    ref = activity_from_spikes(csr, mapping, steps, ids, n_steps, 1e-3)
    got = count_activity(csr, mapping, steps, ids, n_steps, 1e-3)
    for f in FIELDS:
        assert np.array_equal(getattr(ref, f), getattr(got, f)), f


def _args(**over: object) -> dict[str, object]:
    base: dict[str, object] = dict(row_ptr=np.array([0, 1, 1], np.int64), target=np.array([1], np.int32),
                                   delay=np.array([0], np.int32), neuron_core=np.array([-1, 0], np.int32),
                                   core_x=None, core_y=None, num_cores=1, spike_step=np.array([0], np.int64),
                                   spike_id=np.array([0], np.int32), n_steps=2)
    base.update(over)
    return base


def test_valid_call() -> None:
    out = _core.count_chip_events(**_args())
    assert out["synops"].tolist() == [[1], [0]] and out["packets_in"].tolist() == [[1], [0]]


@pytest.mark.parametrize("over, match", [
    ({"target": np.array([5], np.int32)}, r"target\[0\] = 5"),
    ({"delay": np.array([-1], np.int32)}, r"delay\[0\] = -1"),
    ({"neuron_core": np.array([-1, 3], np.int32)}, r"neuron_core\[1\] = 3"),
    ({"neuron_core": np.array([0], np.int32)}, "neuron_core: expected 2 entries"),
    ({"spike_step": np.array([2], np.int64)}, r"spike_step\[0\] = 2"),
    ({"spike_id": np.array([7], np.int32)}, r"spike_id\[0\] = 7"),
    ({"spike_step": np.array([1, 0], np.int64), "spike_id": np.array([0, 0], np.int32)}, "non-decreasing"),
    ({"row_ptr": np.array([0, 2, 1], np.int64)}, "row_ptr"),
    ({"core_x": np.array([0], np.int32)}, "give both or neither"),
    ({"num_cores": -1}, "num_cores"),
    ({"n_steps": True}, "n_steps: expected an integer"),
    ({"target": np.array([1.0])}, "target: expected dtype int32"),
    ({"spike_id": [0]}, "spike_id: expected a numpy array"),
])
def test_bad_arguments_raise_named_errors(over: dict[str, object], match: str) -> None:
    with pytest.raises(SimulationInputError, match=match) as info:
        _core.count_chip_events(**_args(**over))
    assert isinstance(info.value, SnnasError)


@settings(max_examples=400, deadline=None)
@given(name=st.sampled_from(["row_ptr", "target", "delay", "neuron_core", "spike_step", "spike_id"]),
       arr=hnp.arrays(dtype=st.sampled_from([np.int32, np.int64, np.float64]),
                      shape=hnp.array_shapes(max_dims=2, max_side=4), elements=st.integers(-5, 5)))
def test_fuzz_never_crashes(name: str, arr: np.ndarray) -> None:
    with contextlib.suppress(SnnasError):
        _core.count_chip_events(**_args(**{name: arr}))


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_async_timing_equals_the_reference(data: st.DataObject) -> None:
    from snnas.sim.activity import async_timing, async_timing_reference

    rng = np.random.default_rng(data.draw(st.integers(0, 2**31)))
    net = random_network(data, rng, 4, 20, 120, 4, np.ones)
    mapping, _ = map_network(net, make_chip({"max_neurons": data.draw(st.integers(1, 6))}), "sequential")
    csr = net.to_csr()
    n_steps = data.draw(st.integers(1, 15))
    k = data.draw(st.integers(0, 60))
    steps, ids = rng.integers(0, n_steps, size=k), rng.integers(0, csr.num_neurons, size=k)
    timing = dict(dt=1e-3, t_syn=float(rng.uniform(0, 1e-4)), t_spike=2e-6, t_hop_x=1e-6, t_hop_y=3e-6)
    got = async_timing(csr, mapping, steps, ids, n_steps, **timing)
    ref = async_timing_reference(csr, mapping, steps, ids, n_steps, **timing)
    assert np.array_equal(got.release, ref.release) and np.array_equal(got.busy, ref.busy)
    assert np.all(got.release >= (got.spike_steps - 1) * 1e-3)


def test_async_queueing_delays_a_busy_core() -> None:
    """Two inputs hit one core at the same step: the second packet waits for the first."""
    from snnas.sim.activity import async_timing

    net = Network((Input("i", 2), Population("p", 2, LIFParameters())),
                  (Sparse("i", "p", [0, 1], [0, 1], [1.0, 1.0]),))
    mapping, _ = map_network(net, make_chip({}), "sequential")
    t = async_timing(net.to_csr(), mapping, np.array([0, 0, 1, 1]), np.array([0, 1, 2, 3]), 3,
                     dt=1e-3, t_syn=1e-4, t_spike=1e-5, t_hop_x=0.0, t_hop_y=0.0)
    # input 0 served 0..1e-4, input 1 queued 1e-4..2e-4; the neurons, firing at step 1, leave when their
    # input is served (+ 1e-5 to emit), not at the step boundary
    assert t.busy[0] == pytest.approx(2e-4)
    assert t.release.tolist() == pytest.approx([0.0, 0.0, 1.1e-4, 2.1e-4])


def test_async_timing_rejects_bad_times() -> None:
    with pytest.raises(SimulationInputError, match="t_syn"):
        _core.async_event_timing(**_args(), dt=1e-3, t_syn=float("nan"), t_spike=0.0, t_hop_x=0.0, t_hop_y=0.0)
    with pytest.raises(SimulationInputError, match="dt"):
        _core.async_event_timing(**_args(), dt=0.0, t_syn=0.0, t_spike=0.0, t_hop_x=0.0, t_hop_y=0.0)
    with pytest.raises(SimulationInputError, match="t_hop_x: expected a number"):
        _core.async_event_timing(**_args(), dt=1e-3, t_syn=0.0, t_spike=0.0, t_hop_x="1", t_hop_y=0.0)


def _raw_case(rng: np.random.Generator, n: int, k: int, m: int, max_delay: int, off_chip: float,
              mesh: bool) -> tuple[NeuronCSR, Mapping]:
    """A CSR network and placement drawn directly: any neuron may be off chip (core -1), even a target."""
    pre = np.sort(rng.integers(0, n, size=m))
    row_ptr = np.zeros(n + 1, np.int64)
    row_ptr[1:] = np.cumsum(np.bincount(pre, minlength=n))
    core = rng.integers(0, max(k, 1), size=n).astype(np.int32)
    core[(rng.random(n) < off_chip) | (k == 0)] = -1
    csr = NeuronCSR(num_neurons=n, row_ptr=row_ptr, target=rng.integers(0, n, size=m).astype(np.int32),
                    weight=np.ones(m), delay=rng.integers(0, max_delay + 1, size=m).astype(np.int32),
                    projection=np.zeros(m, np.int32), offsets={"p": 0})
    xy = rng.integers(0, 6, size=(k, 2)).astype(np.int32) if mesh else None
    return csr, Mapping(chip="test", mapper="test", neuron_core=core, core_slot=np.arange(k, dtype=np.int32),
                        core_xy=xy)


def _spikes(rng: np.random.Generator, n: int, n_steps: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.integers(0, n_steps, size=count), rng.integers(0, n, size=count)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_prepared_counter_equals_the_reference_over_runs(data: st.DataObject) -> None:
    """One ChipCounter counts several runs; off-chip targets, several delays, with and without a mesh."""
    from snnas.sim.activity import ChipCounter

    rng = np.random.default_rng(data.draw(st.integers(0, 2**31)))
    n, k = data.draw(st.integers(1, 60)), data.draw(st.integers(0, 40))
    csr, mapping = _raw_case(rng, n, k, data.draw(st.integers(0, 600)), data.draw(st.integers(0, 4)),
                             data.draw(st.sampled_from([0.0, 0.2])), data.draw(st.booleans()))
    counter = ChipCounter(csr, mapping)
    for _ in range(2):
        n_steps = data.draw(st.integers(0, 12))
        steps, ids = _spikes(rng, n, max(n_steps, 1), data.draw(st.integers(0, 300)) if n_steps else 0)
        ref = activity_from_spikes(csr, mapping, steps, ids, n_steps, 1e-3)
        got = counter.count(steps, ids, n_steps, 1e-3)
        for f in FIELDS:
            assert np.array_equal(getattr(ref, f), getattr(got, f)), f


def test_large_chip_uses_the_sparse_tables() -> None:
    """70,000 neurons on 1,024 cores: destination lists instead of dense rows, 32-bit target positions."""
    from snnas.sim.activity import ChipCounter

    rng = np.random.default_rng(5)
    n, k = 70_000, 1024
    csr, mapping = _raw_case(rng, n, k, 150_000, 2, 0.01, True)
    steps, ids = _spikes(rng, n, 6, 20_000)
    ref = activity_from_spikes(csr, mapping, steps, ids, 6, 1e-3)
    got = ChipCounter(csr, mapping).count(steps, ids, 6, 1e-3)
    for f in FIELDS:
        assert np.array_equal(getattr(ref, f), getattr(got, f)), f


@pytest.mark.parametrize("n, k, m", [(400, 3, 40_000), (50, 1, 20_000)])
def test_busy_neurons(n: int, k: int, m: int) -> None:
    """Few cores, many synapses per core: dense SOP rows (or, past 255 synapses of a neuron into one core,
    pair lists) and slots turning dense."""
    from snnas.sim.activity import ChipCounter

    rng = np.random.default_rng(6)
    csr, mapping = _raw_case(rng, n, k, m, 1, 0.0, True)
    steps, ids = _spikes(rng, n, 8, 3_000)
    ref = activity_from_spikes(csr, mapping, steps, ids, 8, 1e-3)
    got = ChipCounter(csr, mapping).count(steps, ids, 8, 1e-3)
    for f in FIELDS:
        assert np.array_equal(getattr(ref, f), getattr(got, f)), f


def test_prepared_chip_checks_its_arguments() -> None:
    net = {key: v for key, v in _args().items() if key not in ("spike_step", "spike_id", "n_steps")}
    chip = _core.prepare_chip(**net)
    assert chip.num_neurons == 2 and chip.num_cores == 1
    out = chip.count(spike_step=np.array([0], np.int64), spike_id=np.array([0], np.int32), n_steps=2)
    assert out["synops"].tolist() == [[1], [0]]
    with pytest.raises(SimulationInputError, match=r"spike_id\[0\] = 2"):
        chip.count(spike_step=np.array([0], np.int64), spike_id=np.array([2], np.int32), n_steps=2)
    with pytest.raises(SimulationInputError, match="n_steps"):
        chip.count(spike_step=np.array([0], np.int64), spike_id=np.array([0], np.int32), n_steps=-1)
    with pytest.raises(SimulationInputError, match=r"neuron_core\[1\] = 3"):
        _core.prepare_chip(**{**net, "neuron_core": np.array([-1, 3], np.int32)})


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(["row_ptr", "target", "delay", "neuron_core", "core_x", "spike_step", "spike_id"]),
       arr=hnp.arrays(dtype=st.sampled_from([np.int32, np.int64, np.float64]),
                      shape=hnp.array_shapes(max_dims=2, max_side=4), elements=st.integers(-5, 5)))
def test_fuzz_prepared_chip_never_crashes(name: str, arr: np.ndarray) -> None:
    net = {key: v for key, v in _args().items() if key not in ("spike_step", "spike_id", "n_steps")}
    spikes = {"spike_step": np.array([0], np.int64), "spike_id": np.array([0], np.int32), "n_steps": 2}
    if name == "core_x":
        net.update(core_x=arr, core_y=arr)
    elif name in spikes:
        spikes[name] = arr
    else:
        net[name] = arr
    with contextlib.suppress(SnnasError):
        _core.prepare_chip(**net).count(**spikes)
