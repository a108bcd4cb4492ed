"""Batched float runs (Simulator.run_batch, cpp/float_batch.cpp): every sample is the run Simulator.run
makes with the sample's input spikes expanded into external events, whatever the number of threads."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from snnas.errors import SimulationInputError, SnnasError
from snnas.evaluate.onchip import run_network
from snnas.ir.network import Dense, Input, Network, Population
from snnas.ir.neurons import LIFParameters
from snnas.sim.engine import SimNetwork, Simulator


def expanded(raster: np.ndarray, ptr: np.ndarray, target: np.ndarray, weight: np.ndarray,
             delay: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One sample's external events, the specification: a count c of input i at step t adds
    weight[j] * c to target[j] at t + delay[j] (dropped at or after the last step), in the order of the
    spikes (step, then input), each spike's synapses in CSR order; Simulator.run sorts them by step."""
    steps, ids, ws = [], [], []
    for t, i in zip(*np.nonzero(raster), strict=True):
        for j in range(ptr[i], ptr[i + 1]):
            if t + delay[j] < raster.shape[0]:
                steps.append(t + delay[j])
                ids.append(target[j])
                ws.append(weight[j] * float(raster[t, i]))
    return np.array(steps, np.int64), np.array(ids, np.int64), np.array(ws, np.float64)


def case(model: str, seed: int = 0) -> tuple[Simulator, np.ndarray, tuple[np.ndarray, ...], dict[str, Any]]:
    rng = np.random.default_rng(seed)
    n, n_in, m = 60, 12, 900
    degree = rng.multinomial(m, np.ones(n) / n)
    row_ptr = np.concatenate(([0], np.cumsum(degree))).astype(np.int64)
    net = SimNetwork(row_ptr=row_ptr, target=rng.integers(0, n, m).astype(np.int32), weight=rng.normal(0.05, 0.2, m),
                     delay=rng.integers(0, 3, m).astype(np.int32), model=model, tau_m=20e-3, tau_s=5e-3,
                     t_ref=1)  # type: ignore[arg-type]
    k = 150
    counts = rng.multinomial(k, np.ones(n_in) / n_in)
    ptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    inputs = (ptr, rng.integers(0, n, k).astype(np.int32), rng.uniform(0.1, 0.9, k),
              rng.integers(0, 4, k).astype(np.int32))
    raster = (rng.random((7, 40, n_in)) < 0.2).astype(np.uint8) * rng.integers(1, 3, (7, 40, n_in)).astype(np.uint8)
    return Simulator(net), raster, inputs, {"i_ext": rng.uniform(0.0, 0.5, n)}


@pytest.mark.parametrize("model", ["if", "lif", "cuba_lif"])
@pytest.mark.parametrize("threads", [1, 2, 3])
def test_every_sample_is_its_own_run(model: str, threads: int) -> None:
    sim, raster, inputs, kw = case(model)
    out = sim.run_batch(raster, inputs, threads=threads, **kw)
    assert out["spike_ptr"].size == raster.shape[0] + 1 and out["spike_ptr"][-1] > 100
    for s in range(raster.shape[0]):
        ref = sim.run(raster.shape[1], ext_spikes=expanded(raster[s], *inputs), **kw)
        lo, hi = out["spike_ptr"][s], out["spike_ptr"][s + 1]
        np.testing.assert_array_equal(out["spike_step"][lo:hi], ref.spike_steps)
        np.testing.assert_array_equal(out["spike_id"][lo:hi], ref.spike_ids)
        assert (out["synaptic_events"][s], out["external_events"][s], out["neuron_updates"][s]) == (
            ref.synaptic_events, ref.external_events, ref.neuron_updates)


def test_int32_counts_and_an_empty_batch() -> None:
    sim, raster, inputs, kw = case("lif", seed=1)
    a = sim.run_batch(raster, inputs, **kw)
    b = sim.run_batch(raster.astype(np.int64) * 1, inputs, **kw)  # converted to int32
    np.testing.assert_array_equal(a["spike_id"], b["spike_id"])
    empty = sim.run_batch(raster[:0], inputs, **kw)
    assert empty["spike_ptr"].tolist() == [0] and empty["spike_id"].size == 0


def test_the_chip_evaluation_runs_its_samples_as_one_batch() -> None:
    """run_network's batch gives the spikes of its former loop: each sample alone, inputs expanded."""
    rng = np.random.default_rng(3)
    net = Network((Input("x", 8), Population("h", 16, LIFParameters(tau_m=10e-3, v_th=0.5)),
                   Population("o", 4, LIFParameters(tau_m=10e-3, v_th=0.5))),
                  (Dense("x", "h", rng.uniform(0, 0.6, (16, 8)), delay=1),
                   Dense("h", "o", rng.uniform(-0.2, 0.8, (4, 16)))),
                  dt=1e-3)
    raster = (rng.random((5, 30, 8)) < 0.3).astype(np.int64)
    run = run_network(net, raster)
    for s in range(5):
        one = run_network(net, raster[s])
        mine = (run.spike_steps >= 30 * s) & (run.spike_steps < 30 * (s + 1))
        np.testing.assert_array_equal(run.spike_steps[mine] - 30 * s, one.spike_steps)
        np.testing.assert_array_equal(run.spike_ids[mine], one.spike_ids)
    assert run.spike_ids.size > 50 and run.samples == 5


@pytest.mark.parametrize(("change", "match"), [
    ({"raster": np.zeros((2, 40))}, r"raster: expected shape \(samples, steps, 12\), got \(2, 40\)"),
    ({"raster": np.full((2, 40, 12), 0.5)}, "raster: expected whole, finite spike counts"),
    ({"raster": -np.ones((2, 40, 12), np.int32)}, r"spike counts in \[0, 2\^31\), got values in \[-1, -1\]"),
    ({"raster": np.zeros((2, 40, 11), np.uint8)}, r"raster: expected shape \(samples, steps, 12\), got \(2, 40, 11\)"),
    ({"target": 60}, r"in_target\[0\] = 60: expected a neuron index in \[0, 60\)"),
    ({"weight": np.nan}, r"in_weight\[0\] = nan: expected a finite weight"),
    ({"delay": -1}, r"in_delay\[0\] = -1: expected a delay >= 0"),
    ({"ptr": "short"}, r"raster: expected shape \(samples, steps, 11\), got \(7, 40, 12\)"),
    ({"threads": 0}, "threads: expected a positive integer"),
])
def test_bad_batches_are_refused_by_name(change: dict[str, Any], match: str) -> None:
    sim, raster, (ptr, target, weight, delay), kw = case("lif")
    raster = change.get("raster", raster)
    target, weight, delay = target.copy(), weight.copy(), delay.copy()
    if "target" in change:
        target[0] = change["target"]
    if "weight" in change:
        weight[0] = change["weight"]
    if "delay" in change:
        delay[0] = change["delay"]
    if change.get("ptr") == "short":
        ptr = ptr[:-1]
    with pytest.raises(SnnasError, match=match):  # SimulationInputError; ThreadsError for threads
        sim.run_batch(raster, (ptr, target, weight, delay), threads=change.get("threads", 1), **kw)


def test_an_overflowing_event_weight_names_its_sample() -> None:
    sim, raster, (ptr, target, weight, delay), kw = case("lif")
    weight = weight.copy()
    weight[:] = 1e308
    big = raster.astype(np.int32)
    big[3] *= 100
    with pytest.raises(SimulationInputError, match="sample"):
        sim.run_batch(big, (ptr, target, weight, delay), **kw)
