"""Batched fixed-point runs: one call, many samples, equal to one run per sample (engine and numba reference)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from snnas.errors import SimulationInputError
from snnas.sim.backends import backend
from snnas.sim.fixed import (
    FixedSimNetwork,
    InputSynapses,
    batch_raster,
    fixed_arguments,
    simulate_fixed,
    simulate_fixed_batch,
)
from snnas.sim.reference.batch import batch_by_samples
from tests.sim.cases import make_fixed_case


def batch_case(seed: int, model: str) -> tuple[FixedSimNetwork, np.ndarray, InputSynapses, tuple[int, int], Any]:
    """A random network (any rule), random input synapses and a raster of spike counts 0..3."""
    case = make_fixed_case(seed, model, max_steps=30)
    net = case.network
    rng = np.random.default_rng(seed + 1000)
    n = np.asarray(net.v_th).size
    n_in = int(rng.integers(1, 12))
    conn = rng.random((n_in, n)) < 0.3
    ptr = np.concatenate([[0], np.cumsum(conn.sum(axis=1))]).astype(np.int64)
    scale = min(max(int(np.max(np.abs(np.asarray(net.v_th)))) // 100, 1), 2**20)  # 3 x 200 x scale fits int32
    w = rng.integers(-50, 200, size=int(ptr[-1])) * scale
    inputs = InputSynapses(ptr, np.nonzero(conn)[1].astype(np.int32), w.astype(np.int32))
    steps = max(case.n_steps, 1)
    raster = (rng.random((int(rng.integers(1, 7)), steps, n_in)) < 0.2) * rng.integers(1, 4, (1, steps, n_in))
    first = int(rng.integers(0, n))
    i_ext = case.inputs.get("i_ext")
    if i_ext is not None and np.ndim(i_ext) == 2:
        i_ext = np.asarray(i_ext)[:steps] if np.shape(i_ext)[0] >= steps else None
    return net, raster, inputs, (first, int(rng.integers(0, n - first + 1))), i_ext


def by_samples(net: FixedSimNetwork, raster: np.ndarray, inputs: InputSynapses, outputs: tuple[int, int],
               i_ext: Any, membrane: bool) -> dict[str, np.ndarray]:
    """The batch's result from simulate_fixed, one sample at a time, built here from the definition."""
    first, count = outputs
    out = np.zeros((raster.shape[0], raster.shape[1], count), dtype=np.int64)
    v_sum = np.zeros((raster.shape[0], count), dtype=np.int64)
    spikes = np.zeros(np.asarray(net.row_ptr).size - 1, dtype=np.int64)
    syn = np.zeros(raster.shape[0], dtype=np.int64)
    for s, sample in enumerate(raster):
        steps, ids, ws = [], [], []
        for t, i in zip(*np.nonzero(sample)):
            for j in range(inputs.ptr[i], inputs.ptr[i + 1]):
                steps.append(t)
                ids.append(inputs.target[j])
                ws.append(int(sample[t, i]) * int(inputs.weight[j]))
        res = simulate_fixed(net, raster.shape[1], ext_spikes=(steps, ids, ws), i_ext=i_ext,
                             probe=np.arange(first, first + count))
        np.add.at(spikes, res.spike_ids, 1)
        keep = (res.spike_ids >= first) & (res.spike_ids < first + count)
        np.add.at(out[s], (res.spike_steps[keep], res.spike_ids[keep] - first), 1)
        v_sum[s] = res.probes["v"].sum(axis=0)
        syn[s] = res.synaptic_events
    return {"out": out, "v_sum": v_sum, "neuron_spikes": spikes, "synaptic_events": syn}


@pytest.mark.parametrize("model", ["if", "lif", "cuba_lif"])
@pytest.mark.parametrize("seed", range(12))
def test_batch_equals_one_run_per_sample(model: str, seed: int) -> None:
    net, raster, inputs, outputs, i_ext = batch_case(seed, model)
    if seed % 3 == 2 and model != "cuba_lif":  # ODIN's per-event integration
        net = replace(net, integration="per_event", decay_rounding="loss_floor")
    if seed % 4 == 1 and np.min(net.v_th) > 0:  # sinabs' multi-spike
        net = replace(net, max_spikes=3)
    want = by_samples(net, raster, inputs, outputs, i_ext, membrane=True)
    for threads in (1, 3):
        got = simulate_fixed_batch(net, raster, inputs, outputs, i_ext=i_ext, membrane=True, threads=threads)
        np.testing.assert_array_equal(got.out_spikes, want["out"])
        assert got.v_sum is not None
        np.testing.assert_array_equal(got.v_sum, want["v_sum"])
        np.testing.assert_array_equal(got.neuron_spikes, want["neuron_spikes"])
        np.testing.assert_array_equal(got.synaptic_events, want["synaptic_events"])
    ref = simulate_fixed_batch(net, raster, inputs, outputs, i_ext=i_ext, membrane=True, backend="numba")
    np.testing.assert_array_equal(ref.out_spikes, want["out"])
    np.testing.assert_array_equal(ref.neuron_spikes, want["neuron_spikes"])


def test_the_specification_runs_the_engine_alike() -> None:
    """batch_by_samples (the numba backend's batch) with the engine's single run equals the engine's batch."""
    net, raster, inputs, outputs, i_ext = batch_case(5, "lif")
    got = simulate_fixed_batch(net, raster, inputs, outputs, i_ext=i_ext, membrane=False, threads=2)
    assert got.v_sum is None
    args = fixed_arguments(net, raster.shape[1], i_ext=i_ext)
    spec = batch_by_samples({**args, "raster": batch_raster(raster, inputs.n_inputs), "in_ptr": inputs.ptr,
                             "in_target": inputs.target, "in_weight": inputs.weight, "out_begin": outputs[0],
                             "n_out": outputs[1], "membrane": False, "threads": 1}, backend("engine").run_fixed)
    np.testing.assert_array_equal(spec["out_spikes"], got.out_spikes)
    for key in ("synaptic_events", "external_events", "neuron_updates", "spikes", "neuron_spikes"):
        np.testing.assert_array_equal(spec[key], getattr(got, key))


def small() -> tuple[FixedSimNetwork, np.ndarray, InputSynapses]:
    net = FixedSimNetwork(row_ptr=[0, 1, 1], target=np.array([1], np.int32), weight=np.array([600], np.int32),
                          delay=np.zeros(1, np.int32), model="if", v_th=500)
    inputs = InputSynapses(np.array([0, 1, 2]), np.array([0, 1], np.int32), np.array([300, 10], np.int32))
    raster = np.zeros((3, 6, 2), dtype=np.int8)
    raster[0, 0, 0] = 2  # 600 on neuron 0: fires, 600 to neuron 1, fires
    raster[1, 2, 1] = 1
    return net, raster, inputs


def test_counts_of_a_small_batch_by_hand() -> None:
    net, raster, inputs = small()
    res = simulate_fixed_batch(net, raster, inputs, (0, 2))
    assert res.out_spikes.shape == (3, 6, 2)
    assert res.out_spikes[0].sum(axis=0).tolist() == [1, 1] and res.out_spikes[1:].sum() == 0
    assert res.spikes.tolist() == [2, 0, 0] and res.external_events.tolist() == [1, 1, 0]
    assert res.neuron_spikes.tolist() == [1, 1]


def test_counts_above_255_take_the_wide_raster() -> None:
    net, raster, inputs = small()
    wide = raster.astype(np.int64) * 150  # 300 on input 0: an int32 raster in the core
    assert batch_raster(wide, 2).dtype == np.int32 and batch_raster(raster, 2).dtype == np.uint8
    want = by_samples(net, wide, inputs, (0, 2), None, membrane=True)
    got = simulate_fixed_batch(net, wide, inputs, (0, 2), membrane=True)
    np.testing.assert_array_equal(got.out_spikes, want["out"])
    np.testing.assert_array_equal(got.neuron_spikes, want["neuron_spikes"])


@pytest.mark.parametrize(("change", "message"), [
    ({"raster": np.zeros((3, 6, 5))}, "raster: expected shape (samples, steps, 2)"),
    ({"raster": np.full((1, 6, 2), np.nan)}, "raster: expected whole, finite"),
    ({"raster": -np.ones((1, 6, 2), np.int8)}, "raster: expected spike counts in"),
    ({"inputs": InputSynapses(np.array([0, 1, 2]), np.array([0, 7], np.int32), np.array([1, 1], np.int32))},
     "in_target[1] = 7: expected a neuron index in [0, 2)"),
    ({"inputs": InputSynapses(np.array([0, 2, 1]), np.array([0, 1], np.int32), np.array([1, 1], np.int32))},
     "in_ptr[2] = 1: expected non-decreasing"),
    ({"inputs": InputSynapses(np.array([0, 1, 2]), np.array([0, 1], np.int32), np.array([2**30, 1], np.int32)),
      "raster": np.full((1, 6, 2), 3)}, "raster: the largest spike count (3) x the largest input weight"),
    ({"outputs": (1, 2)}, "out_begin, n_out: expected output neurons within [0, 2)"),
    ({"threads": 0}, "threads: expected a positive integer"),
])
def test_bad_batch_input_is_named(change: dict[str, Any], message: str) -> None:
    net, raster, inputs = small()
    kw: dict[str, Any] = {"raster": raster, "inputs": inputs, "outputs": (0, 2), **change}
    with pytest.raises(SimulationInputError if "threads" not in change else ValueError, match=message.replace(
            "[", r"\[").replace("(", r"\(").replace(")", r"\)")):
        simulate_fixed_batch(net, kw["raster"], kw["inputs"], kw["outputs"], threads=kw.get("threads"))


def test_runaway_activity_names_its_sample() -> None:
    """A per_event network whose every event fires again stops with the sample named, not a hang or crash."""
    n = 4
    net = FixedSimNetwork(row_ptr=np.arange(0, n * n + 1, n), target=np.tile(np.arange(n), n).astype(np.int32),
                          weight=np.full(n * n, 10, np.int32), delay=np.zeros(n * n, np.int32), model="if", v_th=1,
                          integration="per_event", v_reset=0)
    inputs = InputSynapses(np.array([0, 1]), np.array([0], np.int32), np.array([5], np.int32))
    raster = np.zeros((3, 200, 1), dtype=np.int8)
    raster[2, 0, 0] = 1
    with pytest.raises(SimulationInputError, match="sample 2: integration per_event"):
        simulate_fixed_batch(net, raster, inputs, (0, n), threads=2)
