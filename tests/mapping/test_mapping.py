"""Mapping results: every neuron placed, hops counted by XY routing, the traffic mapper placing better."""

from __future__ import annotations

import numpy as np
import pytest

from snnas.chip import load_chip
from snnas.ir.network import Conv, Dense, Input, Network, Population
from snnas.ir.neurons import IFParameters, LIFParameters
from snnas.mapping import MappingError, map_network
from snnas.mapping.cnn import layer_needs
from snnas.mapping.placement import hop_matrix, slot_positions
from tests.mapping.conftest import make_chip
from tests.mapping.test_limits import chain


def test_speck_documented_example() -> None:
    """sinabs docs: Conv2d 16->32, 3x3, 64x64 input: kernel memory 8Ki fits, neuron memory 128Ki does not."""
    net = Network((Input("in", (16, 64, 64)), Population("conv", (32, 64, 64), IFParameters())),
                  (Conv("in", "conv", np.ones((32, 16, 3, 3)), padding=1),))
    needs = layer_needs(net, net.populations[0])
    assert needs.kernel_entries == 8 * 1024 and needs.neuron_entries == 128 * 1024
    _, report = map_network(net, "speck")
    assert not report.feasible
    assert {v.constraint for v in report.violations} == {"core.neuron_memory_entries"}
    v = report.violations[0]
    assert v.required == 128 * 1024 and v.available == 64 * 1024 and v.population == "conv"


def test_a_zero_bias_costs_no_bias_memory() -> None:
    """sinabs writes no bias for an all-zero bias vector, so it takes no bias memory on the chip."""
    def needs(bias: np.ndarray | None) -> int:
        net = Network((Input("in", (2, 8, 8)), Population("c", (4, 8, 8), IFParameters())),
                      (Conv("in", "c", np.ones((4, 2, 3, 3)), padding=1, bias=bias),))
        return layer_needs(net, net.populations[0]).bias_entries

    assert needs(None) == 0 and needs(np.zeros(4)) == 0 and needs(np.array([0.0, 0.1, 0.0, 0.0])) == 4


def test_speck_small_cnn_fits_one_layer_per_core() -> None:
    net = Network((Input("in", (2, 32, 32)), Population("c1", (8, 16, 16), IFParameters()),
                   Population("c2", (16, 8, 8), IFParameters()), Population("fc", (10,), IFParameters())),
                  (Conv("in", "c1", np.ones((8, 2, 3, 3)), stride=2, padding=1),
                   Conv("c1", "c2", np.ones((16, 8, 3, 3)), stride=2, padding=1),
                   Dense("c2", "fc", np.ones((10, 16 * 8 * 8)))))
    mapping, report = map_network(net, "speck")
    assert report.feasible, [str(v) for v in report.violations]
    assert report.cores_used == 3 and len(set(mapping.core_slot.tolist())) == 3


@pytest.mark.parametrize("mapper", ["sequential", "traffic"])
def test_every_neuron_is_placed_on_a_real_core(mapper: str) -> None:
    net = chain([50, 400, 300, 100], p=0.3)
    mapping, report = map_network(net, "loihi", mapper)
    csr = net.to_csr()
    on_chip = mapping.neuron_core[50:]
    assert np.all(on_chip >= 0) and np.all(mapping.neuron_core[:50] == -1)
    assert report.cores_used == mapping.num_cores <= 128
    assert len(set(mapping.core_slot.tolist())) == mapping.num_cores
    assert sum(u.neurons for u in report.core_usage) == csr.num_neurons - 50


def test_hops_follow_xy_routing() -> None:
    xy = slot_positions(load_chip("loihi"))
    assert xy is not None and xy.shape == (128, 2)
    assert xy[:4].tolist() == [[0, 0]] * 4 and xy[4].tolist() == [1, 0] and xy[32].tolist() == [0, 1]
    h = hop_matrix(xy)
    assert h[0, 127] == 7 + 3 and h[0, 3] == 0


def test_report_counts_packets_per_destination_core() -> None:
    """One neuron feeding 4 neurons on 2 cores: 2 packets per spike, not 4."""
    chip = make_chip({"max_neurons": 2})
    net = Network((Input("i", 1), Population("a", 1, LIFParameters()), Population("b", 4, LIFParameters())),
                  (Dense("i", "a", np.ones((1, 1))), Dense("a", "b", np.ones((4, 1)))))
    mapping, report = map_network(net, chip, "sequential")
    assert report.cores_used == 3
    assert report.packets == 1 + 2  # input -> a's core, a -> two cores of b
    assert report.inter_core_spikes == 2
    # sequential placement: a on slot 0 at (0,0); b on slots 1 and 2 at (1,0) and (2,0)
    assert report.hop_weighted_packets == 0 + 1 + 2 and report.max_hops == 2


def test_traffic_mapper_beats_sequential_on_hops() -> None:
    net = chain([400, 500, 500], p=1.0)
    rates = np.ones(net.to_csr().num_neurons)
    _, seq = map_network(net, "loihi", "sequential", rates=rates)
    _, tra = map_network(net, "loihi", "traffic", rates=rates)
    assert seq.feasible and tra.feasible
    assert seq.hop_weighted_packets is not None and tra.hop_weighted_packets is not None
    assert tra.hop_weighted_packets < seq.hop_weighted_packets


def test_mapping_is_deterministic_for_a_seed() -> None:
    net = chain([100, 300, 300], p=0.5)
    a, _ = map_network(net, "loihi", "traffic", seed=3)
    b, _ = map_network(net, "loihi", "traffic", seed=3)
    assert np.array_equal(a.neuron_core, b.neuron_core) and np.array_equal(a.core_slot, b.core_slot)


def test_bad_arguments() -> None:
    net = chain([2, 2])
    with pytest.raises(MappingError, match="unknown mapper 'best'"):
        map_network(net, "loihi", "best")
    with pytest.raises(MappingError, match="rates: expected 4"):
        map_network(net, "loihi", rates=np.ones(3))
    with pytest.raises(MappingError, match="rates"):
        map_network(net, "loihi", rates=np.array([1.0, np.nan, 1.0, 1.0]))


def test_report_serialises() -> None:
    import json

    _, report = map_network(chain([4, 8]), make_chip({"max_neurons": 4}), "sequential")
    data = json.loads(json.dumps(report.to_dict()))
    assert data["cores_used"] == 2 and data["feasible"] is True and len(data["core_usage"]) == 2
