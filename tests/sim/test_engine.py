"""The simulator's semantics on cases small enough to work out by hand, and its Python wrapper."""

from __future__ import annotations

import math
import threading
from typing import Any

import numpy as np
import pytest

from snnas.errors import SimulationInputError, SnnasError
from snnas.sim.engine import SimNetwork, SimulationResult, Simulator, simulate


def chain(delays: list[int], weight: float = 2.0, **kw: Any) -> SimNetwork:
    """Neuron k projects onto neuron k+1 with delays[k]."""
    n = len(delays) + 1
    return SimNetwork(row_ptr=np.r_[np.arange(n), n - 1], target=np.arange(1, n), weight=[weight] * (n - 1),
                   delay=delays, **kw)


def spikes(result: SimulationResult) -> list[tuple[int, int]]:
    return list(zip(result.spike_steps.tolist(), result.spike_ids.tolist()))


def test_lif_integrates_exactly_over_each_step() -> None:
    """v <- I + (v - I) exp(-dt/tau): the spike step follows from the closed form v_n = I (1 - a^n)."""
    tau, dt, drive = 20e-3, 1e-3, 1.25
    net = SimNetwork(row_ptr=[0, 0], target=[], weight=[], delay=[], tau_m=tau, v_th=1.0)
    out = simulate(net, 200, dt, i_ext=[drive])
    a = math.exp(-dt / tau)
    first = next(n for n in range(200) if drive * (1 - a ** (n + 1)) >= 1.0 + 1e-12)
    assert out.spike_steps[0] == first
    period = np.diff(out.spike_steps)
    assert np.all(period == period[0]) and period[0] == first + 1  # reset to 0, then the same climb
    assert out.neuron_updates == 200  # driven: evaluated every step


def test_if_neuron_counts_its_input() -> None:
    net = SimNetwork(row_ptr=[0, 0], target=[], weight=[], delay=[], model="if", v_th=1.0)
    out = simulate(net, 10, ext_spikes=([0, 1, 2, 5], [0, 0, 0, 0], [0.4, 0.4, 0.4, 0.4]))
    assert spikes(out) == [(3, 0)]  # 1.2 >= 1 after step 2's delivery; it fires in step 3's threshold
    assert out.v[0] == pytest.approx(0.4)  # reset to 0 in step 3, +0.4 in step 5


def test_delays_deliver_in_the_step_they_name() -> None:
    """D = 0 delivers a spike in its own step, so the next neuron fires one step later; D = 2 three steps."""
    net = chain([0, 2], model="if")
    out = simulate(net, 12, ext_spikes=([0], [0], [1.0]))
    assert spikes(out) == [(1, 0), (2, 1), (5, 2)]
    assert out.synaptic_events == 2 and out.external_events == 1 and out.spikes == 3


def test_reset_by_subtraction_keeps_the_excess() -> None:
    net = SimNetwork(row_ptr=[0, 0], target=[], weight=[], delay=[], model="if", v_th=1.0, reset="subtract")
    out = simulate(net, 6, ext_spikes=([0], [0], [2.5]))
    assert spikes(out) == [(1, 0), (2, 0)]  # 2.5 -> 1.5 -> 0.5
    assert out.v[0] == pytest.approx(0.5)


def test_refractory_period_holds_v_and_discards_input() -> None:
    net = SimNetwork(row_ptr=[0, 0], target=[], weight=[], delay=[], model="if", v_th=1.0, v_reset=0.0, t_ref=2)
    out = simulate(net, 8, ext_spikes=([0, 1, 2, 3], [0, 0, 0, 0], [1.0, 5.0, 5.0, 0.25]))
    assert spikes(out) == [(1, 0)]  # input of steps 2 and 3 is ignored (refractory in steps 2, 3)
    assert out.v[0] == 0.0


def test_delivery_comes_before_reset() -> None:
    """A neuron that spikes in step n and receives input in step n: reset to value discards it."""
    net = SimNetwork(row_ptr=[0, 0], target=[], weight=[], delay=[], model="if", v_th=1.0, v_reset=-1.0)
    out = simulate(net, 3, v0=[1.0], ext_spikes=([0], [0], [0.5]))
    assert spikes(out) == [(0, 0)] and out.v[0] == -1.0
    sub = SimNetwork(row_ptr=[0, 0], target=[], weight=[], delay=[], model="if", v_th=1.0, reset="subtract")
    assert simulate(sub, 3, v0=[1.0], ext_spikes=([0], [0], [0.5])).v[0] == pytest.approx(0.5)


def test_cuba_input_goes_to_the_synaptic_current() -> None:
    tau_m, tau_s, dt = 10e-3, 5e-3, 1e-3
    net = SimNetwork(row_ptr=[0, 0], target=[], weight=[], delay=[], model="cuba_lif", tau_m=tau_m, tau_s=tau_s,
                  v_th=10.0)
    out = simulate(net, 3, dt, ext_spikes=([0], [0], [1.0]))
    a, b = math.exp(-dt / tau_m), math.exp(-dt / tau_s)
    i, v = 1.0, 0.0
    for _ in range(2):  # steps 1 and 2
        i = i * b
        v = i + (v - i) * a
    assert out.i_syn[0] == pytest.approx(i, rel=1e-12) and out.v[0] == pytest.approx(v, rel=1e-12)


def test_input_summing_to_zero_is_no_input() -> None:
    net = SimNetwork(row_ptr=[0, 0], target=[], weight=[], delay=[], v_th=1.0)
    quiet = simulate(net, 50, v0=[0.5])
    cancelled = simulate(net, 50, v0=[0.5], ext_spikes=([10, 10], [0, 0], [0.25, -0.25]))
    assert cancelled.v.tobytes() == quiet.v.tobytes()
    assert cancelled.neuron_updates == quiet.neuron_updates == 0


def test_settled_neurons_cost_nothing() -> None:
    """A network at rest with one input event updates only the neurons the event reaches above threshold."""
    n = 1000
    net = SimNetwork(row_ptr=np.arange(n + 1), target=(np.arange(n) + 1) % n, weight=np.full(n, 0.5),
                  delay=np.ones(n, dtype=np.int32))
    out = simulate(net, 500, ext_spikes=([0], [0], [2.0]))
    assert spikes(out) == [(1, 0)]
    assert out.neuron_updates == 1  # neuron 0 once; neuron 1 got 0.5 < v_th and was never evaluated
    assert out.v[1] == pytest.approx(0.5 * math.exp(-(499 - 2) * 1e-3 / 20e-3))


def test_simulator_runs_a_prepared_network_many_times() -> None:
    net = chain([1, 1, 1], model="lif", weight=3.0)
    sim = Simulator(net)
    assert (sim.num_neurons, sim.num_synapses) == (4, 3)
    kw: dict[str, Any] = {"ext_spikes": ([3, 0], [0, 0], [2.0, 2.0])}  # unsorted: sorted stably by step
    first = sim.run(20, **kw)
    again = sim.run(20, **kw)
    once = simulate(net, 20, **kw)
    assert spikes(first) == spikes(again) == spikes(once) == [(1, 0), (3, 1), (4, 0), (5, 2), (6, 1), (7, 3), (8, 2),
                                                               (10, 3)]
    assert first.spike_times == pytest.approx(first.spike_steps * 1e-3)


def test_runs_from_several_threads_agree() -> None:
    rng = np.random.default_rng(3)
    n = 400
    degree = rng.binomial(n, 0.05, size=n)
    net = SimNetwork(row_ptr=np.r_[0, np.cumsum(degree)], target=rng.integers(0, n, degree.sum()),
                  weight=rng.uniform(-0.2, 0.4, degree.sum()), delay=rng.integers(0, 4, degree.sum()))
    sim = Simulator(net)
    results: list[SimulationResult] = []
    threads = [threading.Thread(target=lambda: results.append(sim.run(300, i_ext=np.full(n, 1.1))))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 and all(spikes(r) == spikes(results[0]) for r in results)


@pytest.mark.parametrize("change, field", [
    ({"model": "adex"}, "model"),
    ({"model": "izhikevich", "t_ref": 1, "v_th": 0.03}, "t_ref"),
    ({"model": "hodgkin_huxley", "reset": "subtract"}, "reset"),
    ({"model": "adaptive_lif", "beta": -0.1}, "beta"),
    ({"beta": [0.1, 0.2, 0.3]}, "beta"),
    ({"model": "adaptive_lif", "tau_adapt": 0.0}, "tau_adapt"),
    ({"model": "izhikevich", "izh_a": 2000.0}, "izh_a"),
    ({"model": "izhikevich", "izh_a": float("nan")}, "izh_a"),
    ({"model": "izhikevich", "izh_b": float("inf")}, "izh_b"),
    ({"model": "izhikevich", "izh_d": [1.0, 2.0, 3.0]}, "izh_d"),
    ({"model": "hodgkin_huxley", "substeps": 0}, "substeps"),
    ({"model": "izhikevich", "substeps": 2.5}, "substeps"),
    ({"model": "hodgkin_huxley", "substeps": 10**7}, "substeps"),
    ({"reset": "zero"}, "reset"),
    ({"tau_m": 0.0}, "tau_m"),
    ({"tau_s": -1.0}, "tau_s"),
    ({"v_th": [1.0, 2.0, 3.0]}, "v_th"),
    ({"t_ref": 1.5}, "t_ref"),
    ({"delay": [-1]}, "delay"),
    ({"target": [7]}, "target"),
    ({"weight": [float("nan")]}, "weight"),
    ({"v_rest": 2.0}, "v_rest"),
])
def test_bad_networks_name_the_field(change: dict[str, Any], field: str) -> None:
    base: dict[str, Any] = {"row_ptr": [0, 1, 1], "target": [1], "weight": [0.5], "delay": [1]}
    with pytest.raises(SimulationInputError, match=field):
        simulate(SimNetwork(**{**base, **change}), 10)


@pytest.mark.parametrize("kw, field", [
    ({"n_steps": -1}, "n_steps"),
    ({"n_steps": 2.5}, "n_steps"),
    ({"dt": 0.0}, "dt"),
    ({"v0": [0.0, 0.0, 0.0]}, "v0"),
    ({"ext_spikes": ([10], [0], [1.0])}, "ext_step"),
    ({"ext_spikes": ([0], [2], [1.0])}, "ext_id"),
    ({"ext_spikes": ([0, 1], [0], [1.0])}, "ext_spikes"),
    ({"i_ext": np.ones((3, 2))}, "i_ext"),
    ({"i_ext": [np.inf, 0.0]}, "i_ext"),
])
def test_bad_inputs_name_the_argument(kw: dict[str, Any], field: str) -> None:
    net = SimNetwork(row_ptr=[0, 1, 1], target=[1], weight=[0.5], delay=[1])
    args: dict[str, Any] = {"n_steps": 10, **kw}
    with pytest.raises(SnnasError, match=field):
        simulate(net, **args)


def test_adaptive_lif_follows_its_rule_step_by_step() -> None:
    """A driven neuron: a plain transcription of the rule gives the same spikes; the threshold adapts."""
    tau_m, tau_a, beta, drive, dt, t_ref = 20e-3, 80e-3, 0.3, 1.6, 1e-3, 1
    net = SimNetwork(row_ptr=[0, 0], target=[], weight=[], delay=[], model="adaptive_lif", v_th=1.0, tau_m=tau_m,
                     tau_adapt=tau_a, beta=beta, t_ref=t_ref)
    out = simulate(net, 400, dt, i_ext=[drive])
    a, rho = math.exp(-dt / tau_m), math.exp(-dt / tau_a)
    v, theta, ref_end, expected = 0.0, 0.0, -1, []
    for n in range(400):
        theta = theta * rho
        if n <= ref_end:
            continue
        v = drive + (v - drive) * a
        if v >= 1.0 + theta:
            expected.append(n)
            v, theta, ref_end = 0.0, theta + beta, n + t_ref
    assert out.spike_steps.tolist() == expected
    isi = np.diff(expected)
    assert isi[-1] > isi[0]  # spike-frequency adaptation
    assert out.hidden["theta"][0] == theta
    assert out.neuron_updates == 400


def test_izhikevich_regular_spiking_matches_the_millivolt_formulation() -> None:
    """Izhikevich 2003 in mV and ms (two half-steps for v, then u) gives the same spike train in volts."""
    a, b, c, d, drive = 0.02, 0.2, -65.0, 8.0, 10.0
    net = SimNetwork(row_ptr=[0, 0], target=[], weight=[], delay=[], model="izhikevich", v_th=0.030,
                     v_reset=c * 1e-3, izh_a=a * 1e3, izh_b=b, izh_d=d * 1e-3)
    out = simulate(net, 1000, 1e-3, v0=c * 1e-3, i_ext=[drive * 1e-3])
    v, u, expected = c, b * c, []
    for n in range(1000):
        for _ in range(2):
            v = min(v + 0.5 * (0.04 * v * v + 5 * v + 140 - u + drive), 30.0)
        u = u + a * (b * v - u)
        if v >= 30.0:
            expected.append(n)
            v, u = c, u + d
    assert out.spike_steps.tolist() == expected
    assert 5 <= len(expected) <= 40  # tonic spiking at some 10 to 20 Hz
    assert out.hidden["u"][0] == pytest.approx(u * 1e-3, rel=1e-9)


def test_hodgkin_huxley_rests_and_fires_at_its_classic_rate() -> None:
    net = SimNetwork(row_ptr=[0, 0], target=[], weight=[], delay=[], model="hodgkin_huxley", v_th=0.0)
    rest = simulate(net, 200, v0=-0.065)
    assert rest.spikes == 0 and rest.v[0] == pytest.approx(-0.065, abs=1e-4)
    assert rest.hidden["m"][0] == pytest.approx(0.0529, abs=1e-3)  # steady-state gates at rest
    assert rest.hidden["h"][0] == pytest.approx(0.5961, abs=1e-3)
    assert rest.hidden["n"][0] == pytest.approx(0.3177, abs=1e-3)
    driven = simulate(net, 1000, v0=-0.065, i_ext=[10.0 / 0.3 * 1e-3])  # 10 uA/cm^2 = g_L * 33.3 mV
    assert 60 <= driven.spikes <= 75  # about 68 Hz
    assert driven.neuron_updates == 1000
    kick = simulate(net, 100, v0=-0.065, ext_spikes=([10], [0], [0.02]))  # one 20 mV input: one spike
    assert kick.spike_steps.tolist() == [11]
    assert simulate(net, 100, v0=-0.065, ext_spikes=([10], [0], [0.003])).spikes == 0


@pytest.mark.parametrize("model, kw", [
    ("adaptive_lif", {"v_th": 1.0, "t_ref": 1}),
    ("izhikevich", {"v_th": 0.03, "v_reset": -0.065}),
    ("hodgkin_huxley", {"v_th": 0.0, "substeps": 40}),
])
def test_simulator_runs_the_stepped_models(model: str, kw: dict[str, Any]) -> None:
    net = chain([0, 2], model=model, weight=0.03 if model != "adaptive_lif" else 2.0, **kw)
    drive = [0.04, 0.0, 0.0] if model == "hodgkin_huxley" else [0.01, 0.0, 0.0] if model == "izhikevich" else [
        1.5, 0.0, 0.0]
    v0 = 0.0 if model == "adaptive_lif" else -0.065
    sim = Simulator(net)
    first = sim.run(300, v0=v0, i_ext=drive)
    once = simulate(net, 300, v0=v0, i_ext=drive)
    assert spikes(first) == spikes(once) and first.spikes > 3
    assert set(first.spike_ids.tolist()) == {0, 1, 2}  # the chain carries the spikes
    assert all(first.hidden[k].tobytes() == once.hidden[k].tobytes() for k in first.hidden)
