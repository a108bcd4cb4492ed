"""Typed axons and neuron copies on a chip whose neurons hold one weight per axon type (TrueNorth), against
counts made by hand."""

from __future__ import annotations

import numpy as np

from snnas.ir.network import Dense, Input, Network, Population, Sparse
from snnas.ir.neurons import IFParameters
from snnas.mapping import AxonCost, map_network
from tests.mapping.conftest import make_chip


def relay_then_wide(n_a: int, n_b: int, sign: np.ndarray) -> Network:
    """n_a inputs, each relayed to one neuron of ``a`` (weight +1), then a dense projection ``a`` -> ``b``
    with weights 0.5 · sign (n_b × n_a)."""
    return Network((Input("i", n_a), Population("a", n_a, IFParameters()), Population("b", n_b, IFParameters())),
                   (Sparse("i", "a", np.arange(n_a), np.arange(n_a), np.ones(n_a)), Dense("a", "b", 0.5 * sign)))


def test_axons_and_copies_of_a_layer_wider_than_a_core() -> None:
    """16 inputs -> a (16) -> b (300, one and a bit cores), TrueNorth, layer by layer.

    Signs into b alternate (b_j from a_i: + when i + j is even), except that a_0 excites every b_j.
    Cores: a on core 0; b_0..b_255 on core 1, b_256..b_299 on core 2.
    Axons: core 0: 16 (one input each, all +); cores 1 and 2: a_0 one (+), a_1..a_15 two (+ and -): 31 each.
    a_0 drives 2 axons (one per b core): 2 copies, both for fan-out; a_1..a_15 drive 4 (2 signs x 2 cores):
    4 copies, 2 for polarity and 1 more for fan-out. Core 0: 2 + 15 x 4 = 62 neurons, each with 1 crossbar
    bit, each driving 1 axon. Copies: polarity 15 x 2 = 30, fan-out 16 x 1 = 16.
    """
    sign = np.where((np.arange(300)[:, None] + np.arange(16)[None, :]) % 2 == 0, 1.0, -1.0)
    sign[:, 0] = 1.0
    _, report = map_network(relay_then_wide(16, 300, sign), "truenorth", "sequential")
    assert report.feasible, [str(v) for v in report.violations]
    assert report.cores_used == 3
    assert [u.neurons for u in report.core_usage] == [62, 256, 44]
    assert [u.axons_in for u in report.core_usage] == [16, 31, 31]
    assert [u.axons_out for u in report.core_usage] == [62, 0, 0]
    assert [u.synapses for u in report.core_usage] == [62, 256 * 16, 44 * 16]
    assert report.axon_cost == AxonCost(axon_types=2, axons=78, neurons=316, copies_polarity=30, copies_fanout=16)
    assert report.axon_cost.neuron_slots == 362
    assert report.packets == 78  # one per axon per spike, at one spike per neuron
    assert report.to_dict()["axon_cost"]["neuron_slots"] == 362
    _, traffic = map_network(relay_then_wide(16, 300, sign), "truenorth", "traffic")
    assert traffic.feasible and traffic.cores_used == 2  # a shares a core with b: the same axons and copies
    assert traffic.axon_cost == report.axon_cost


def test_neurons_reading_more_than_128_sources_of_both_signs_spread_over_cores() -> None:
    """200 inputs relayed to a (200), then a -> b (10) with alternating signs (b_j from a_i: + when i + j is
    even): b_j reads 200 axons of its own signs, and b_j, b_j+1 together 400 > 256, so each b_j takes a core.
    Each a_i then drives one axon on each of the 10 b cores: 10 copies (9 for fan-out), so a packs 25 to a
    core (250 slots): 8 cores. Axons: 8 x 25 + 10 x 200 = 2200."""
    sign = np.where((np.arange(10)[:, None] + np.arange(200)[None, :]) % 2 == 0, 1.0, -1.0)
    _, report = map_network(relay_then_wide(200, 10, sign), "truenorth", "sequential")
    assert report.feasible and report.cores_used == 18
    assert [u.neurons for u in report.core_usage] == [250] * 8 + [1] * 10
    assert report.axon_cost == AxonCost(axon_types=2, axons=2200, neurons=210, copies_polarity=0,
                                        copies_fanout=1800)


def test_float_weights_are_counted_as_their_trinary_mapping_will_take_them() -> None:
    rng = np.random.default_rng(0)
    net = relay_then_wide(8, 3, rng.normal(size=(3, 8)))  # 8 values per neuron of b
    _, report = map_network(net, "truenorth", "sequential")
    assert [v.constraint for v in report.violations] == ["core.weight_values_per_neuron"]  # not yet quantised
    assert "by sign" in report.notes[-1]
    w = net.projections[1].weight  # (3, 8)
    expected = int((w > 0).any(axis=0).sum() + (w < 0).any(axis=0).sum())
    assert report.axon_cost is not None and report.axon_cost.axons == 8 + expected


def test_more_levels_than_axon_types_is_named() -> None:
    """Four values per neuron fit four types when they are two per sign: {1, 2, -1, -2}. Three positive
    values in one neuron and three negative in another need 3 + 3 types: core.synapse_types."""
    chip = make_chip({"max_neurons": 8, "synapse_types": 4, "weight_values_per_neuron": 4,
                      "max_dest_cores_per_neuron": 1})
    two_each = np.array([[1.0, 2.0, -1.0, -2.0], [2.0, 1.0, -2.0, -1.0]])
    _, report = map_network(relay_then_wide(4, 2, two_each), chip, "sequential")
    assert report.feasible and report.axon_cost is not None and report.axon_cost.axon_types == 4
    # a_i reaches b with one level per neuron: a_0 sends +1 to b_0 and +2 to b_1, two axons (types 0 and 1)
    assert report.axon_cost.axons == 4 + 8 and report.axon_cost.copies_polarity == 4
    skewed = np.array([[1.0, 2.0, 3.0, -1.0], [1.0, -1.0, -2.0, -3.0]])
    _, report = map_network(relay_then_wide(4, 2, skewed), chip, "sequential")
    (v,) = report.violations
    assert v.constraint == "core.synapse_types" and v.required == 6 and v.available == 4
    assert "trinary" in v.hint


def test_fan_out_is_limited_per_driven_axon() -> None:
    """A neuron of a typed chip reaches its targets through one axon per sign: the fan-out limit holds per
    axon (its crossbar row), so 4 targets of one sign break a limit of 3, and 2 + 2 of two signs do not."""
    chip = make_chip({"max_neurons": 16, "synapse_types": 4, "weight_values_per_neuron": 4,
                      "max_dest_cores_per_neuron": 1, "max_fanout_per_neuron": 3})
    _, report = map_network(relay_then_wide(1, 4, np.ones((4, 1))), chip, "sequential")
    assert [(v.constraint, v.required, v.population) for v in report.violations] == [
        ("core.max_fanout_per_neuron", 4.0, "a")]
    _, report = map_network(relay_then_wide(1, 4, np.array([[1.0], [1.0], [-1.0], [-1.0]])), chip, "sequential")
    assert report.feasible and report.axon_cost is not None and report.axon_cost.copies_polarity == 1


def test_chips_without_one_weight_per_axon_type_count_one_axon_per_source() -> None:
    sign = np.where((np.arange(8)[:, None] + np.arange(4)[None, :]) % 2 == 0, 1.0, -1.0)
    net = relay_then_wide(4, 8, sign)
    _, plain = map_network(net, make_chip({"max_neurons": 16}), "sequential")
    assert plain.axon_cost is None and [u.axons_in for u in plain.core_usage] == [4, 4]
    assert [u.neurons for u in plain.core_usage] == [4, 8]
    typed = make_chip({"max_neurons": 16, "synapse_types": 4, "weight_values_per_neuron": 4,
                       "max_dest_cores_per_neuron": 1})
    _, report = map_network(net, typed, "sequential")
    assert [u.axons_in for u in report.core_usage] == [4, 8] and [u.neurons for u in report.core_usage] == [8, 8]
