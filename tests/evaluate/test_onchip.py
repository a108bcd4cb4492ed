"""One network on several chips: simulation through the IR, input replay, results per chip."""

from __future__ import annotations

import math

import numpy as np
import pytest

from snnas.evaluate.onchip import EvaluationError, _sim_network, default_inputs, evaluate_on_chips, run_network
from snnas.ir.network import Dense, Input, Network, Population
from snnas.ir.neurons import CubaLIFParameters, IFParameters, LIFParameters, LIParameters
from snnas.ir.nir import read_nir
from snnas.sim.engine import network_arguments
from tests.conftest import DATA


def relay(delay: int = 0, weight: float = 1.5) -> Network:
    """Input -> IF neuron (r = 1, threshold 1): one input spike of weight 1.5 fires it."""
    return Network((Input("i", 1), Population("a", 1, IFParameters(v_th=1.0))),
                   (Dense("i", "a", np.array([[weight]]), delay=delay),), dt=1e-3)


@pytest.mark.parametrize("delay", [0, 2])
def test_input_spike_arrives_after_its_delay(delay: int) -> None:
    raster = np.zeros((6, 1), np.int8)
    raster[1, 0] = 1
    run = run_network(relay(delay), raster)
    assert run.spike_ids.tolist() == [0, 1]  # the input spike, then neuron a (global index 1)
    # delivered in phase 3 of step 1 + delay, the neuron crosses threshold in phase 2 of the next step
    assert run.spike_steps.tolist() == [1, 1 + delay + 1]


def test_weight_below_threshold_needs_two_spikes() -> None:
    raster = np.zeros((6, 1), np.int8)
    raster[[0, 2], 0] = 1
    run = run_network(relay(weight=0.6), raster)
    assert run.spike_ids.tolist() == [0, 0, 1] and run.spike_steps.tolist() == [0, 2, 3]


def test_lif_input_decays_one_step_before_threshold() -> None:
    """snnTorch's export (r = tau/dt) makes a weight w move v by w; in the Brian2 order the jump then
    decays once (update) before the threshold test of the next step: w·exp(-dt/tau) must reach v_th."""
    dt, beta = 1e-4, 0.9
    tau = dt / (1 - beta)
    a = float(np.exp(-dt / tau))

    def fires(w: float) -> bool:
        net = Network((Input("i", 1), Population("a", 1, LIFParameters(tau_m=tau, r=tau / dt, v_th=1.0))),
                      (Dense("i", "a", np.array([[w]])),), dt=dt)
        raster = np.zeros((3, 1), np.int8)
        raster[0, 0] = 1
        return run_network(net, raster).spike_ids.tolist() == [0, 1]

    assert fires(1.001 / a) and not fires(0.999 / a)


def test_bad_inputs_are_named() -> None:
    with pytest.raises(EvaluationError, match=r"inputs: expected shape \(steps, 1\)"):
        run_network(relay(), np.zeros((5, 3)))
    with pytest.raises(EvaluationError, match="whole numbers"):
        run_network(relay(), np.full((5, 1), 0.5))
    with pytest.raises(EvaluationError, match="finite"):
        run_network(relay(), np.full((5, 1), np.nan))
    mixed = Network((Input("i", 1), Population("a", 1, IFParameters()), Population("o", 1, LIParameters())),
                    (Dense("i", "a", np.ones((1, 1))), Dense("a", "o", np.ones((1, 1)))))
    with pytest.raises(EvaluationError, match="one neuron model per network"):
        run_network(mixed, np.zeros((3, 1)))


def test_samples_run_from_rest_and_average() -> None:
    raster = np.zeros((2, 4, 1), np.int8)
    raster[:, 0, 0] = 1
    run = run_network(relay(), raster)
    assert run.samples == 2 and run.spike_steps.tolist() == [0, 1, 4, 5]


def test_framework_nir_file_on_several_chips() -> None:
    net = read_nir(DATA / "nir" / "snntorch_mlp.nir", dt=1e-4)
    chips = ["loihi", "truenorth", "speck", "spinnaker", "odin"]
    results = evaluate_on_chips(net, chips, n_steps=40, seed=1)
    assert [r.chip for r in results] == chips
    by = {r.chip: r for r in results}
    assert by["loihi"].feasible and by["loihi"].energy["placement"].complete
    assert not by["truenorth"].feasible and not by["speck"].feasible
    loihi = by["loihi"]
    assert loihi.energy["placement"].total_j is not None and loihi.energy["placement"].total_j > 0
    assert loihi.latency.total_s is not None and loihi.latency.total_s > 0
    assert loihi.workload.effective_acs > 0 and 0 < loihi.workload.activation_sparsity < 1
    # NeuroBench tier is chip-independent
    assert len({r.energy["neurobench"].total_j for r in results}) == 1
    # Speck publishes its static power but no per-event energy or time: both totals are partial, the missing
    # figures named, and the static term is there as on every chip.
    speck = by["speck"]
    e = speck.energy["placement"]
    assert e.total_j is not None and e.terms["static"] is not None and e.terms["static"] > 0 and not e.complete
    assert "energy.e_syn_op" in e.missing and "energy.e_neuron_update_idle" not in e.missing  # event-driven
    assert speck.latency.total_s is not None and "latency.t_syn_op" in speck.latency.missing


def test_package_level_evaluate() -> None:
    import snnas

    (result,) = snnas.evaluate(relay(), chips=["loihi"], inputs=np.ones((5, 1), np.int8))
    assert result.chip == "loihi" and result.feasible and result.workload.spikes >= 1


def test_default_inputs_are_seeded() -> None:
    net = relay()
    assert np.array_equal(default_inputs(net, 50, 0.2, seed=3), default_inputs(net, 50, 0.2, seed=3))
    assert not np.array_equal(default_inputs(net, 50, 0.2, seed=3), default_inputs(net, 50, 0.2, seed=4))


def test_async_chip_latency_is_the_last_output_event(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A user's asynchronous chip with a per-event time: latency comes from the event-level model."""
    from tests.mapping.conftest import make_chip

    chip = make_chip({}, execution={"model": "async_event"}, latency={"t_syn_op": 1e-6, "t_spike_out": 1e-7})
    raster = np.zeros((6, 1), np.int8)
    raster[1, 0] = 1
    (res,) = evaluate_on_chips(relay(), [chip], inputs=raster)
    assert res.latency.model == "async_event"
    # the input spike of step 1 (1 ms) is served in 1 us; the neuron it fires leaves 0.1 us later
    assert res.latency.total_s == pytest.approx(1e-3 + 1e-6 + 1e-7)
    assert res.latency.missing == ()  # one core: no hop, so the unknown hop times are not needed


def test_wrong_argument_types_are_named() -> None:
    import snnas
    from snnas.mapping import MappingError, map_network

    with pytest.raises(EvaluationError, match="expected a snnas.ir.network.Network, got NoneType"):
        snnas.evaluate(None, chips=["loihi"])
    with pytest.raises(MappingError, match="got str"):
        map_network("net.nir", "loihi")  # type: ignore[arg-type]
    (one,) = snnas.evaluate(relay(), chips="loihi", inputs=np.ones((3, 1), np.int8))  # one chip, not a list
    assert one.chip == "loihi"


# Time constants [s] whose decay per step exp(-dt/tau) at dt = 1 ms does not survive the conversion to a
# time constant and back that the evaluation used to make (-dt/log(a), then exp(-dt/tau) in the engine).
ODD_TAUS = (0.00257492, 0.00257792, 0.00265844, 0.00392348)


def test_the_ir_decays_reach_the_engine_bit_for_bit() -> None:
    dt = 1e-3
    tau_m, tau_syn = np.array(ODD_TAUS), np.array(ODD_TAUS[::-1])
    cuba = CubaLIFParameters(tau_m=tau_m, tau_syn=tau_syn, v_th=1.0)
    net = Network((Input("i", 1), Population("a", 4, cuba)), (Dense("i", "a", np.ones((4, 1))),), dt=dt)
    want = cuba.discretize(dt, 4)
    round_trip = [math.exp(-dt / (-dt / math.log(a))) for a in want.alpha_m.tolist()]
    assert round_trip != want.alpha_m.tolist()  # the old route would have changed them
    sim, _, _ = _sim_network(net, net.to_csr())
    args = network_arguments(sim, dt)
    assert args["alpha_m"].tobytes() == want.alpha_m.tobytes()
    assert args["alpha_s"].tobytes() == want.alpha_s.tobytes()
