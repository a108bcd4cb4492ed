"""Energy and latency against hand-computed values, and the event counts of a small mapped run."""

from __future__ import annotations

import numpy as np
import pytest

from snnas.chip import load_chip
from snnas.errors import SnnasError
from snnas.evaluate.cost import E_AC, CostError, barrier_latency, energy, latency
from snnas.ir.network import Dense, Input, Network, Population
from snnas.ir.neurons import LIFParameters
from snnas.mapping import map_network
from snnas.sim.activity import ChipActivity, activity_from_spikes
from tests.mapping.conftest import make_chip


def act(**counts: np.ndarray) -> ChipActivity:
    shape = next(iter(counts.values())).shape
    zero = np.zeros(shape, np.int64)
    fields = ("synops", "updates_active", "updates_idle", "spikes_out", "packets_out", "packets_in", "hops_x",
              "hops_y", "max_hops_x", "max_hops_y")
    return ChipActivity(dt=1e-3, **{f: counts.get(f, zero) for f in fields})


def test_loihi_placement_energy_term_by_term() -> None:
    a = act(synops=np.array([[100, 50]]), updates_active=np.array([[10, 5]]), updates_idle=np.array([[1014, 1019]]),
            spikes_out=np.array([[4, 2]]), hops_x=np.array([[3, 0]]), hops_y=np.array([[0, 2]]))
    e = energy(load_chip("loihi"), a)
    t = e.terms
    assert t["syn_op"] == pytest.approx(150 * 23.6e-12)
    assert t["neuron_active"] == pytest.approx(15 * 81e-12) and t["neuron_idle"] == pytest.approx(2033 * 52e-12)
    assert t["spike_out"] == pytest.approx(6 * 1.7e-12)
    assert t["hop_x"] == pytest.approx(3 * 3.0e-12) and t["hop_y"] == pytest.approx(2 * 4.0e-12)
    assert t["static"] == pytest.approx(1e-3 * 0.104)
    assert e.total_j == pytest.approx(sum(t.values())) and e.complete and e.tier == "placement"
    assert any("simulated" in b for b in e.basis)


def test_unknown_figures_are_named_not_zeroed() -> None:
    a = act(synops=np.array([[10]]), updates_active=np.array([[2]]))
    e = energy(load_chip("truenorth"), a)
    assert e.terms["neuron_active"] is None and "energy.e_neuron_update_active" in e.missing and not e.complete
    assert e.total_j == pytest.approx(10 * 2.3e-12 + 1e-3 * 0.042)


def test_device_tier_prefers_the_whole_chip_average() -> None:
    a = act(synops=np.array([[1000]]))
    assert energy(load_chip("truenorth"), a, "device").total_j == pytest.approx(1000 * 26e-12)
    assert energy(load_chip("loihi"), a, "device").total_j == pytest.approx(1000 * 23.6e-12)


def test_neurobench_tier() -> None:
    a = act(synops=np.array([[7, 3]]))
    e = energy(load_chip("loihi"), a, "neurobench", macs=5)
    assert e.total_j == pytest.approx(10 * E_AC + 5 * 4.6e-12)
    with pytest.raises(CostError, match="tier: expected one of neurobench, device, placement, got 'magic'") as err:
        energy(load_chip("loihi"), a, "magic")
    assert isinstance(err.value, SnnasError) and isinstance(err.value, ValueError)


def test_barrier_latency_interpolates_between_table_points() -> None:
    chip = load_chip("loihi")
    assert barrier_latency(chip, 1) == pytest.approx(113e-9)
    assert barrier_latency(chip, 32) == pytest.approx(465e-9)
    assert barrier_latency(chip, 16) == pytest.approx(113e-9 + 15 / 31 * (465e-9 - 113e-9))
    assert barrier_latency(chip, 64) == pytest.approx(465e-9)


def test_barrier_chip_step_is_slowest_core_plus_network_plus_barrier() -> None:
    a = act(synops=np.array([[100, 10]]), updates_active=np.array([[1, 1]]), max_hops_x=np.array([[0, 2]]))
    lat = latency(load_chip("loihi"), a, tiles=1)
    core0 = 100 * 3.5e-9 + 8.4e-9
    core1 = 10 * 3.5e-9 + 8.4e-9 + 2 * 4.1e-9
    assert lat.step_s[0] == pytest.approx(max(core0, core1) + 113e-9) and lat.complete


def test_tick_chip_has_fixed_steps_and_flags_overruns() -> None:
    a = act(synops=np.array([[1], [10**9]]))
    chip = make_chip({}, execution={"model": "global_tick", "timestep_s": 1e-3},
                     latency={"t_syn_op": 1e-9})
    lat = latency(chip, a)
    assert lat.total_s == pytest.approx(2e-3) and lat.overrun_steps == 1


def test_activity_counts_packets_per_destination_core() -> None:
    """One neuron on core 0 feeding 2 neurons on core 1 and 2 on core 2: a spike is 4 SOPs, 2 packets."""
    chip = make_chip({"max_neurons": 2})
    net = Network((Input("i", 1), Population("a", 1, LIFParameters()), Population("b", 4, LIFParameters())),
                  (Dense("i", "a", np.ones((1, 1))), Dense("a", "b", np.ones((4, 1)), delay=1)))
    mapping, _ = map_network(net, chip, "sequential")
    csr = net.to_csr()
    # input spike at step 0, neuron a (global 1) spikes at step 2
    a = activity_from_spikes(csr, mapping, np.array([0, 2]), np.array([0, 1]), n_steps=5, dt=1e-3)
    assert a.synops[0].tolist() == [1, 0, 0] and a.synops[3].tolist() == [0, 2, 2]  # delay 1
    assert a.packets_out[2].tolist() == [2, 0, 0] and a.packets_in[2].tolist() == [0, 1, 1]
    assert a.packets_in[0].tolist() == [1, 0, 0]  # from the input port, 0 hops at (0, 0)
    assert a.hops_x[2].tolist() == [0, 1, 2] and a.max_hops_x[2].tolist() == [0, 1, 2]
    assert a.spikes_out[2].tolist() == [1, 0, 0]
    assert a.updates_active[3].tolist() == [0, 2, 2] and a.updates_idle[3].tolist() == [1, 0, 0]


def test_total_is_unknown_when_no_figure_is_known() -> None:
    a = act(synops=np.array([[10]]), updates_active=np.array([[1]]))
    e = energy(load_chip("dynapse2"), a)
    assert e.total_j is None and not e.complete
    assert energy(load_chip("dynapse2"), a, "device").total_j is None


def test_a_partial_total_holds_the_known_terms_and_names_the_rest() -> None:
    """Speck: the static term is known (0.42 mW), the per-event ones are not; no idle term on an async chip."""
    a = act(synops=np.array([[10]]), updates_active=np.array([[1]]), updates_idle=np.array([[5]]))
    e = energy(load_chip("speck"), a, run_s=1e-3)
    assert e.total_j == pytest.approx(0.42e-3 * 1e-3) and not e.complete
    assert set(e.missing) == {"energy.e_syn_op", "energy.e_neuron_update_active"}


def test_static_energy_uses_the_run_time_given() -> None:
    a = act(synops=np.array([[0]]))
    assert energy(load_chip("loihi"), a, run_s=2e-6).terms["static"] == pytest.approx(0.104 * 2e-6)
