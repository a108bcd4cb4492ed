"""The layered kernel itself: C++ == numba bit for bit on random mixed networks, the step order within a
step (topological, recurrent from the previous step, test_first), multi-spike counts, and bad input."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snnas import codes
from snnas.errors import SimulationInputError
from snnas.ir.network import Dense, Input, Network, Population
from snnas.ir.neurons import (
    AdaptiveLIFParameters,
    CubaLIFParameters,
    IFParameters,
    LIFParameters,
    LIParameters,
    NeuronParameters,
)
from snnas.ir.semantics import SEMANTICS, Semantics
from snnas.sim.layered import layered_arguments, population_order, simulate_semantics
from snnas.sim.reference.layered import run_layered_reference

pytestmark = pytest.mark.filterwarnings("ignore::snnas.ir.semantics.SemanticsWarning")


def random_neuron(rng: np.random.Generator, size: int) -> NeuronParameters:
    def u(lo: float, hi: float) -> Any:
        return rng.uniform(lo, hi, size)

    kind = rng.integers(4)
    reset = "subtract" if rng.random() < 0.5 else "value"
    if kind == 0:
        return IFParameters(v_th=u(0.3, 2), v_reset=u(-0.2, 0.2), r=u(0.5, 2), reset=reset)
    if kind == 1:
        return LIFParameters(tau_m=u(2e-3, 5e-2), v_th=u(0.3, 2), v_leak=u(-0.3, 0.3), v_reset=u(-0.2, 0.2),
                             r=u(0.5, 20), reset=reset)
    if kind == 2:
        return CubaLIFParameters(tau_m=u(2e-3, 5e-2), tau_syn=u(1e-3, 2e-2), v_th=u(0.3, 2), v_leak=u(-0.3, 0.3),
                                 v_reset=u(-0.2, 0.2), r=u(0.5, 20), w_in=u(0.5, 2), reset=reset)
    return LIParameters(tau_m=u(2e-3, 5e-2), v_leak=u(-0.3, 0.3), r=u(0.5, 2))


def random_semantics(rng: np.random.Generator) -> Semantics:
    sem = SEMANTICS[sorted(SEMANTICS)[rng.integers(len(SEMANTICS))]]
    changes: dict[str, Any] = {"threshold": ">" if rng.random() < 0.5 else ">="}
    if rng.random() < 0.5:
        changes.update(spikes="multi", max_spikes=int(rng.integers(1, 5)))
    else:
        changes.update(spikes="single", max_spikes=1)
    changes["v_min"] = [None, "-v_th", float(rng.uniform(-1, 0))][rng.integers(3)]
    return dataclasses.replace(sem, **changes)


def random_network(seed: int) -> tuple[Network, np.ndarray, dict[str, Semantics]]:
    rng = np.random.default_rng(seed)
    n_in = int(rng.integers(1, 6))
    nodes: list[Input | Population] = [Input("in", (n_in,))]
    sizes = [int(rng.integers(1, 7)) for _ in range(int(rng.integers(1, 4)))]
    projections: list[Dense] = []
    prev, prev_size = "in", n_in
    for k, size in enumerate(sizes):
        name = f"p{k}"
        nodes.append(Population(name, (size,), random_neuron(rng, size)))
        projections.append(Dense(prev, name, rng.normal(0.4, 0.6, (size, prev_size)),
                                 bias=rng.normal(0, 0.1, size) if rng.random() < 0.5 else None,
                                 delay=int(rng.integers(0, 3)) if k else 0))
        if rng.random() < 0.4:
            projections.append(Dense(name, name, rng.normal(0, 0.3, (size, size)), delay=int(rng.integers(0, 2))))
        prev, prev_size = name, size
    if len(sizes) > 2:
        projections.append(Dense("in", "p2", rng.normal(0, 0.5, (sizes[2], n_in))))
    net = Network(tuple(nodes[::-1] if rng.random() < 0.3 else nodes), tuple(projections), dt=1e-3)
    steps = int(rng.integers(1, 30))
    x = (rng.random((steps, n_in)) < 0.4).astype(np.float64) if rng.random() < 0.5 else rng.uniform(-1, 3, (steps,
                                                                                                       n_in))
    return net, x, {f"p{k}": random_semantics(rng) for k in range(len(sizes))}


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_engine_and_numba_are_bit_identical_on_random_mixed_networks(seed: int) -> None:
    net, x, sems = random_network(seed)
    a = simulate_semantics(net, x, "snnas", per_population=sems, backend="engine")
    b = simulate_semantics(net, x, "snnas", per_population=sems, backend="numba")
    for key in ("spikes", "v", "i"):
        da, db = getattr(a, key), getattr(b, key)
        assert da.keys() == db.keys()
        for pop in da:
            assert np.array_equal(da[pop].view(np.int32), db[pop].view(np.int32)), (seed, key, pop)


def if_net(order_reversed: bool = False, self_weight: float | None = None) -> Network:
    a = Population("a", (1,), IFParameters(v_th=1.0))
    b = Population("b", (1,), IFParameters(v_th=1.0))
    proj = [Dense("in", "a", np.array([[1.5]])), Dense("a", "b", np.array([[1.0]]))]
    if self_weight is not None:
        proj.append(Dense("a", "a", np.array([[self_weight]])))
    nodes = (Input("in", (1,)), b, a) if order_reversed else (Input("in", (1,)), a, b)
    return Network(nodes, tuple(proj))


def test_a_layer_sees_the_layer_before_in_the_same_step_whatever_the_node_order() -> None:
    net = if_net(order_reversed=True)
    assert population_order(net) == ("a", "b")
    res = simulate_semantics(net, np.array([[1.0], [0.0]]), "sinabs")
    assert res.spikes["a"][:, 0].tolist() == [1, 0]
    assert res.spikes["b"][:, 0].tolist() == [1, 0]  # a's spike of step 0 reached b at step 0


def test_recurrent_synapses_read_the_previous_step_and_counts_multiply_weights() -> None:
    res = simulate_semantics(if_net(self_weight=1.5), np.array([[1.0], [0.0], [0.0]]), "sinabs")
    # step 0: v = 1.5 -> 1 spike, v = 0.5; step 1: v = 0.5 + 1 * 1.5 -> 2 spikes, v = 0; step 2: v = 2 * 1.5 -> 3
    assert res.spikes["a"][:, 0].tolist() == [1, 2, 3]
    assert res.v["a"][:, 0].tolist() == [0.5, 0.0, 0.0]
    assert res.spikes["b"][:, 0].tolist() == [1, 2, 3]  # b: counts x 1.0, thresholds 1


def test_test_first_order_delays_the_input_by_one_test() -> None:
    x = np.array([[1.0], [0.0], [0.0]])
    first = simulate_semantics(if_net(), x, Semantics.get("sinabs", spikes="single", max_spikes=1, reset="value"))
    later = simulate_semantics(if_net(), x, "snnas")  # Brian2's schedule: update, test, input, reset
    assert first.spikes["a"][:, 0].tolist() == [1, 0, 0]
    assert later.spikes["a"][:, 0].tolist() == [0, 1, 0]
    assert later.spikes["b"][:, 0].tolist() == [0, 0, 1]


def test_a_zero_delay_cycle_between_populations_is_refused() -> None:
    net = Network((Input("in", (1,)), Population("a", (1,), IFParameters()), Population("b", (1,), IFParameters())),
                  (Dense("in", "a", np.ones((1, 1))), Dense("a", "b", np.ones((1, 1))),
                   Dense("b", "a", np.ones((1, 1)))))
    with pytest.raises(SimulationInputError, match=r"populations \['a', 'b'\] form a cycle of zero-delay"):
        simulate_semantics(net, np.zeros((2, 1)), "sinabs")
    delayed = dataclasses.replace(net, projections=(*net.projections[:2], Dense("b", "a", np.ones((1, 1)), delay=1)))
    assert population_order(delayed) == ("a", "b")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"inputs": np.zeros((3, 2))}, r"inputs\['in'\]: expected shape \(steps, 1\) or \(steps, \*\(1,\)\)"),
    ({"inputs": np.array([[0.0], [np.nan]])}, r"inputs\['in'\]: NaN or infinity at step 1"),
    ({"inputs": {"x": np.zeros((2, 1))}}, r"unknown \['x'\], missing \['in'\]"),
    ({"inputs": None}, "has inputs"),
    ({"per_population": {"c": "sinabs"}}, "per_population: 'c' is not a population"),
    ({"record": ["c"]}, r"record: \['c'\] are not populations"),
    ({"probes": "zz"}, r"probes: \['zz'\] are not populations"),
    ({"backend": "brian2"}, "backend: expected one of 'engine', 'numba'"),
])
def test_bad_arguments_raise_naming_them(kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"inputs": np.zeros((2, 1)), **kwargs}
    with pytest.raises(SimulationInputError, match=message):
        simulate_semantics(if_net(), args.pop("inputs"), "sinabs", **args)


def test_models_without_a_rule_and_refractory_neurons_are_refused() -> None:
    net = if_net()
    alif = dataclasses.replace(net, nodes=(net.nodes[0], Population("a", (1,), AdaptiveLIFParameters()), net.nodes[2]))
    with pytest.raises(SimulationInputError, match="neuron model 'adaptive_lif' has no source-semantics rule"):
        simulate_semantics(alif, np.zeros((2, 1)), "sinabs")
    ref = dataclasses.replace(net, nodes=(net.nodes[0], Population("a", (1,), LIFParameters(t_ref=2e-3)),
                                          net.nodes[2]))
    with pytest.raises(SimulationInputError, match="population 'a': t_ref > 0"):
        simulate_semantics(ref, np.zeros((2, 1)), "sinabs")


def core_args() -> dict[str, Any]:
    args, _, _ = layered_arguments(if_net(self_weight=0.5), np.ones((3, 1)), "sinabs")
    return args


def corrupt(args: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    return {**args, key: value}


def _bad_rules() -> np.ndarray:
    r = core_args()["rules"].copy()
    r[1, codes.core().LAYERED["column"]["model"]] = 7
    return r


@pytest.mark.parametrize(("key", "value", "message"), [
    ("f_m", np.ones(2), "f_m: expected dtype float32, got float64"),
    ("v_th", np.array([np.nan, 1], np.float32), r"v_th\[0\]: NaN or infinity"),
    ("v_th", np.array([0, 1], np.float32), r"v_th\[0\]: multi-spike neurons need v_th > 0"),
    ("gain", np.ones(3, np.float32), "gain: expected 2 entries"),
    ("source", np.array([9, 1, 0], np.int32), r"source\[0\]: 9 not in \[0, 3\)"),
    ("delay", np.zeros(3, np.int32), "zero-delay synapse into population 0 from neuron 0"),
    ("rules", np.zeros((2, 3), np.int32), "rules: expected 8 columns"),
    ("rules", _bad_rules(), r"rules\[1\]: model code 7"),
    ("record", np.array([0, 5], np.int32), r"record\[1\]: expected 0, 1 or 2"),
    ("pop_ptr", np.array([0, 1, 1], np.int64), r"pop_ptr\[2\]: populations need >= 1 neuron"),
    ("in_ptr", np.array([0, 1], np.int64), "in_ptr: expected n \\+ 1 entries"),
    ("inputs", np.ones((3, 2), np.float32), "inputs: expected shape \\(n_steps, n_inputs\\) with n_inputs = 1"),
    ("inputs", np.ones(3, np.float32), "inputs: expected 2 dimension"),
    ("weight", np.ones(3, np.float32), "weight: expected dtype float64"),
    ("n_inputs", 1.5, "n_inputs: expected an integer"),
])
def test_the_binding_checks_every_argument(key: str, value: Any, message: str) -> None:
    args = core_args()
    assert args["source"].tolist() == [0, 1, 1]  # a <- in, a <- a (recurrent, delay 1), b <- a
    with pytest.raises(SimulationInputError, match=message):
        codes.core().simulate_layered(**corrupt(args, key, value))
    with pytest.raises(SimulationInputError, match=message):
        run_layered_reference(corrupt(args, key, value))


@pytest.mark.parametrize("model", ["lif", "cuba_lif"])
def test_the_snnas_preset_gives_the_engines_spikes(model: str) -> None:
    """The "snnas" semantics is the event-driven engine's schedule and exact decay: on bias-free LIF and CubaLIF
    networks, float32 here and float64 there give the same spikes (a mutant with order input_first does not)."""
    from snnas.evaluate.onchip import run_network

    rng = np.random.default_rng(7)
    total, mutant_differs = 0, False
    for _ in range(10):
        def neurons(n: int) -> NeuronParameters:
            if model == "lif":
                return LIFParameters(tau_m=rng.uniform(5e-3, 3e-2, n), r=rng.uniform(5, 30))
            return CubaLIFParameters(tau_m=rng.uniform(5e-3, 3e-2, n), tau_syn=rng.uniform(2e-3, 8e-3, n),
                                     r=rng.uniform(1, 3))

        net = Network((Input("in", (8,)), Population("a", (6,), neurons(6)), Population("b", (3,), neurons(3))),
                      (Dense("in", "a", rng.normal(0.3, 0.3, (6, 8))), Dense("a", "b", rng.normal(0.4, 0.3, (3, 6)))))
        x = (rng.random((60, 8)) < 0.3).astype(np.float64)
        run = run_network(net, x)
        engine = np.zeros((60, 17), np.int64)
        np.add.at(engine, (run.spike_steps, run.spike_ids), 1)
        res = simulate_semantics(net, x, "snnas")
        assert np.array_equal(np.concatenate([res.spikes["a"], res.spikes["b"]], axis=1), engine[:, 8:])
        mutant = simulate_semantics(net, x, Semantics.get("snnas", order="input_first"))
        mutant_differs |= not np.array_equal(np.concatenate([mutant.spikes["a"], mutant.spikes["b"]], axis=1),
                                             engine[:, 8:])
        total += int(engine[:, 8:].sum())
    assert total > 50 and mutant_differs
