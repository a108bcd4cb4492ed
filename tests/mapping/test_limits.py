"""For each kind of limit, a network that breaks exactly that limit gets exactly that violation."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pytest

from snnas.ir.network import Dense, Input, Network, Population, Sparse
from snnas.ir.neurons import IFParameters, LIFParameters
from snnas.mapping import map_network
from tests.mapping.conftest import make_chip


def chain(sizes: list[int], p: float = 1.0, seed: int = 0, **kw: Any) -> Network:
    """Input of sizes[0], then LIF layers; dense projections with connection probability p."""
    rng = np.random.default_rng(seed)
    nodes: list[Any] = [Input("in", sizes[0])]
    projs = []
    for i, n in enumerate(sizes[1:], 1):
        nodes.append(Population(f"l{i}", n, LIFParameters()))
        w = rng.uniform(0.1, 1.0, size=(n, sizes[i - 1])) * (rng.random((n, sizes[i - 1])) < p)
        projs.append(Dense("in" if i == 1 else f"l{i - 1}", f"l{i}", w, **kw))
    return Network(tuple(nodes), tuple(projs))


def constraints(net: Network, chip: Any, mapper: str = "sequential") -> list[str]:
    _, report = map_network(net, chip, mapper)
    return sorted({v.constraint for v in report.violations})


@pytest.mark.parametrize("mapper", ["sequential", "traffic"])
def test_fitting_network_has_no_violation(mapper: str) -> None:
    _, report = map_network(chain([8, 16, 4]), make_chip({"max_neurons": 8, "max_axons_in": 64}), mapper)
    assert report.feasible and report.violations == ()
    assert report.cores_used == 3 if mapper == "sequential" else report.cores_used >= 3


CASES: list[tuple[str, dict[str, Any], dict[str, Any], Any]] = [
    # (expected constraint, core limits, other chip sections, network)
    ("topology.cores", {"max_neurons": 4}, {}, chain([4, 40, 40])),
    ("core.max_fanin_per_neuron", {"max_fanin_per_neuron": 5}, {}, chain([6, 3])),
    ("core.max_fanout_per_neuron", {"max_fanout_per_neuron": 2}, {}, chain([1, 2, 3])),
    ("core.max_axons_in", {"max_axons_in": 3}, {}, chain([4, 1])),
    ("core.max_external_inputs", {"max_external_inputs": 3}, {"topology": {"cores": 1, "noc": "none"}},
     chain([4, 2])),
    ("core.synapse_memory_bits", {"synapse_memory_bits": 8 * 10}, {}, chain([11, 1])),
    ("core.max_synapses", {"max_synapses": 10}, {}, chain([11, 1])),
    ("core.max_dest_cores", {"max_neurons": 2, "max_dest_cores": 1}, {}, chain([1, 2, 4])),
    ("core.max_dest_cores_per_neuron", {"max_neurons": 2, "max_dest_cores_per_neuron": 1}, {}, chain([1, 1, 4])),
    ("core.weight_values_per_neuron", {"weight_values_per_neuron": 2}, {}, chain([5, 1])),
    ("precision.max_delay_steps", {}, {}, chain([2, 2], delay=16)),
    ("neuron_models", {}, {"neuron_models": ["if"]}, chain([2, 2])),
]


@pytest.mark.parametrize("expected, core, sections, net", CASES, ids=[c[0] for c in CASES])
def test_breaking_one_limit_gives_exactly_that_violation(expected: str, core: dict[str, Any],
                                                         sections: dict[str, Any], net: Network) -> None:
    if "topology" in sections:
        topo = {"cores": 1, "noc": "none"}
        chip = make_chip(core, cores=1, topology={**topo})
    else:
        chip = make_chip(core, **sections)
    assert constraints(net, chip) == [expected]


def test_recurrent_projection_on_a_feed_forward_chip() -> None:
    net = Network((Input("i", 2), Population("h", 2, LIFParameters())),
                  (Dense("i", "h", np.ones((2, 2))), Dense("h", "h", np.ones((2, 2)))))
    chip = make_chip({}, connectivity={"recurrent": False})
    assert constraints(net, chip) == ["connectivity.recurrent"]


def test_axon_types_limit_truenorth_style() -> None:
    """Four distinct weights per neuron are fine only if the axons can share types consistently."""
    w = np.array([[1.0, 2.0, 3.0], [2.0, 1.0, 3.0]])  # axon 0 must be type 'weight 1' for n0 and 'weight 2' for n1
    ok = Network((Input("i", 3), Population("h", 2, IFParameters())),
                 (Dense("i", "h", np.array([[1.0, 2, 3], [4, 5, 6]])),))
    bad = Network((Input("i", 3), Population("h", 2, IFParameters())), (Dense("i", "h", w),))
    chip = make_chip({"synapse_types": 2, "weight_values_per_neuron": 4})
    assert constraints(ok, chip) == ["core.synapse_types"]  # three axons with distinct columns need 3 types
    chip3 = make_chip({"synapse_types": 3, "weight_values_per_neuron": 4})
    assert constraints(ok, chip3) == [] and constraints(bad, chip3) == []
    shared = np.array([[1.0, 1.0, 3.0], [2.0, 2.0, 3.0]])  # axons 0 and 1 can share a type
    net = Network((Input("i", 3), Population("h", 2, IFParameters())), (Dense("i", "h", shared),))
    assert constraints(net, chip) == []


def test_violation_names_population_core_and_neuron() -> None:
    _, report = map_network(chain([6, 3]), make_chip({"max_fanin_per_neuron": 5}), "sequential")
    (v,) = report.violations
    assert v.population == "l1" and v.neuron in (0, 1, 2) and v.required == 6 and v.available == 5
    assert "3 neuron(s) of l1 exceed it" in v.hint
    _, report = map_network(chain([11, 1]), make_chip({"max_synapses": 10}), "sequential")
    (v,) = report.violations
    assert v.core == 0 and v.required == 11 and v.available == 10


def test_single_target_fanout_is_named() -> None:
    """A neuron may target one core; a layer wider than a core breaks that (on a chip without axon types,
    where no neuron copies are counted; TrueNorth's copies: tests/mapping/test_axons.py)."""
    rng = np.random.default_rng(1)
    net = Network((Input("i", 16), Population("a", 16, IFParameters()), Population("b", 300, IFParameters())),
                  (Sparse("i", "a", np.arange(16), np.arange(16), np.ones(16)),
                   Dense("a", "b", rng.choice([-1.0, 1.0], size=(300, 16)))))
    _, report = map_network(net, make_chip({"max_neurons": 256, "max_dest_cores_per_neuron": 1}), "sequential")
    (v,) = report.violations
    assert v.constraint == "core.max_dest_cores_per_neuron" and report.axon_cost is None
    assert v.population == "a" and v.required == 2 and v.available == 1 and "splitter" in v.hint


def test_every_violation_is_reported_not_just_the_first() -> None:
    chip = make_chip({"max_fanin_per_neuron": 2, "max_synapses": 3}, neuron_models=["if"])
    names = constraints(chain([4, 2]), chip)
    assert names == ["core.max_fanin_per_neuron", "core.max_synapses", "neuron_models"]


def test_cores_are_split_to_respect_output_axons(caplog: pytest.LogCaptureFixture) -> None:
    """4 neurons each feeding 3 single-neuron cores need 12 output axons; a limit of 6 splits their core."""
    chip = make_chip({"max_neurons": 4, "max_axons_out": 6})
    net = chain([1, 4, 12])  # l2 spreads over 3 cores of 4
    with caplog.at_level(logging.INFO, logger="snnas.mapping"):
        mapping, report = map_network(net, chip, "sequential")
    assert report.feasible, [str(v) for v in report.violations]
    assert "to respect max_axons_out = 6" in caplog.text  # the repair is logged
    assert all(u.axons_out <= 6 for u in report.core_usage)
    one = Network((Input("i", 1), Population("a", 1, LIFParameters()), Population("b", 12, LIFParameters())),
                  (Dense("i", "a", np.ones((1, 1))), Dense("a", "b", np.ones((12, 1)))))
    chip2 = make_chip({"max_neurons": 4, "max_axons_out": 2})  # a single neuron needs 3: cannot be split
    assert constraints(one, chip2) == ["core.max_axons_out"]


def test_synapse_types_without_per_neuron_weights_do_not_restrict_weights() -> None:
    """Xylo's 'synaptic states' are not TrueNorth's axon types: no weight-sharing check without weight_values."""
    w = np.array([[1.0, 2.0, 3.0], [2.0, 1.0, 3.0]])
    net = Network((Input("i", 3), Population("h", 2, IFParameters())), (Dense("i", "h", w),))
    assert constraints(net, make_chip({"synapse_types": 2})) == []
