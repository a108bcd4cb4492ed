"""The network IR: validation on construction, graph and CSR conversion, static metrics."""

from __future__ import annotations

import numpy as np
import pytest

from snnas.errors import NetworkError
from snnas.ir.metrics import connection_sparsity, parameter_bytes, parameter_count
from snnas.ir.network import Conv, Dense, Input, Network, Pool, Population, Sparse
from snnas.ir.neurons import IFParameters, LIFParameters


def small_cnn(seed: int = 0) -> Network:
    rng = np.random.default_rng(seed)
    return Network(
        (Input("in", (2, 8, 8)), Population("c1", (4, 4, 4), LIFParameters()),
         Population("p1", (4, 2, 2), IFParameters()), Population("fc", (10,), LIFParameters())),
        (Conv("in", "c1", rng.normal(size=(4, 2, 3, 3)), stride=2, padding=1, bias=np.arange(4.0)),
         Pool("c1", "p1", "sum", 2),
         Dense("p1", "fc", rng.normal(size=(10, 16)), bias=np.ones(10)),
         Dense("fc", "fc", rng.normal(size=(10, 10)), delay=1)),
    )


def test_csr_rows_hold_every_synapse_once() -> None:
    net = small_cnn()
    csr = net.to_csr()
    offsets = csr.offsets
    assert csr.num_neurons == 128 + 64 + 16 + 10
    assert np.all(np.diff(csr.row_ptr) >= 0) and csr.row_ptr[-1] == csr.num_synapses
    # Dense synapses, recurrent included (random normal weights: none is exactly zero).
    assert np.count_nonzero(csr.projection == 2) == 160 and np.count_nonzero(csr.projection == 3) == 100
    assert set(csr.delay[csr.projection == 3].tolist()) == {1}
    rows = np.repeat(np.arange(csr.num_neurons), np.diff(csr.row_ptr))
    fc = offsets["fc"]
    rec = csr.projection == 3
    assert np.all((rows[rec] >= fc) & (csr.target[rec] >= fc))


def test_csr_matches_the_layer_it_expands() -> None:
    net = small_cnn()
    csr = net.to_csr()
    x = np.random.default_rng(3).normal(size=csr.num_neurons)
    rows = np.repeat(np.arange(csr.num_neurons), np.diff(csr.row_ptr))
    sel = csr.projection == 2
    y = np.zeros(csr.num_neurons)
    np.add.at(y, csr.target[sel], csr.weight[sel] * x[rows[sel]])
    o_p, o_fc = csr.offsets["p1"], csr.offsets["fc"]
    dense = net.projections[2]
    np.testing.assert_allclose(y[o_fc:o_fc + 10], dense.weight @ x[o_p:o_p + 16])


def test_zero_weights_are_dropped_unless_kept() -> None:
    w = np.array([[0.0, 1.0], [2.0, 0.0]])
    net = Network((Input("i", 2), Population("o", 2, LIFParameters())), (Dense("i", "o", w),))
    assert net.to_csr().num_synapses == 2 and net.to_csr(keep_zeros=True).num_synapses == 4


def test_bias_lands_on_targets() -> None:
    net = small_cnn()
    b = net.bias()
    o = net.offsets()
    assert b[o["c1"]:o["c1"] + 64].tolist() == np.repeat(np.arange(4.0), 16).tolist()
    assert b[o["fc"]:o["fc"] + 10].tolist() == [1.0] * 10 and b[: o["c1"]].sum() == 0


def test_graph_has_populations_and_projections() -> None:
    g = small_cnn().to_graph()
    assert set(g.nodes) == {"in", "c1", "p1", "fc"}
    assert g.nodes["c1"]["model"] == "lif" and g.nodes["in"]["kind"] == "input"
    kinds = sorted(d["kind"] for _, _, d in g.edges(data=True))
    assert kinds == ["conv", "dense", "dense", "pool"]
    assert any(d["recurrent"] for _, _, d in g.edges(data=True))


def test_static_metrics_follow_neurobench_definitions() -> None:
    w = np.array([[0.0, 1.0, 0.0], [2.0, 0.0, 3.0]])
    net = Network(
        (Input("i", 3), Population("h", 2, LIFParameters()), Population("o", 4, LIFParameters())),
        (Dense("i", "h", w, bias=np.zeros(2)), Sparse("h", "o", [0, 1], [3, 2], [0.5, 0.0])),
    )
    assert parameter_count(net) == 6 + 2 + 2
    assert parameter_bytes(net) == 40 and parameter_bytes(net, bits_per_parameter=8) == 10
    # zeros: 3 of 6 in the dense matrix, 8 - 1 of the 8 entries the sparse projection stands for
    assert connection_sparsity(net) == round((3 + 7) / (6 + 8), 4)


@pytest.mark.parametrize("build, match", [
    (lambda: Network((Input("i", 3), Population("o", 2, LIFParameters())), (Dense("i", "o", np.ones((3, 2))),)),
     r"weight shape \(3, 2\), expected \(target size, source size\) = \(2, 3\)"),
    (lambda: Network((Input("i", 3), Population("o", 2, LIFParameters())), (Dense("i", "x", np.ones((2, 3))),)),
     "no node named 'x'"),
    (lambda: Network((Input("i", 3), Population("o", 2, LIFParameters())), (Dense("o", "i", np.ones((3, 2))),)),
     "target 'i' is an Input"),
    (lambda: Network((Input("i", 3), Population("i", 2, LIFParameters())), ()), "names must be unique"),
    (lambda: Network((Input("i", 3),), ()), "at least one Population"),
    (lambda: Dense("i", "o", [[np.nan, 1.0]]), r"NaN or infinity at index \(0, 0\)"),
    (lambda: Dense("i", "o", np.ones((2, 2)), delay=-1), "delay: expected 1 integer"),
    (lambda: Network((Input("i", 3), Population("o", 2, LIFParameters())), (Sparse("i", "o", [0, 3], [0, 1], [1, 1]),)),
     r"pre index 3 out of range \[0, 3\)"),
    (lambda: Sparse("i", "o", [0, 1], [0], [1.0, 1.0]), "equal lengths"),
    (lambda: Network((Input("i", (1, 8, 8)), Population("o", (2, 8, 8), LIFParameters())),
                     (Conv("i", "o", np.ones((2, 1, 3, 3))),)),
     r"target shape \(2, 8, 8\), but the conv produces \(2, 6, 6\)"),
    (lambda: Network((Input("i", (3, 8, 8)), Population("o", (2, 6, 6), LIFParameters())),
                     (Conv("i", "o", np.ones((2, 1, 3, 3))),)),
     "source has 3 channels, the kernel expects 1"),
    (lambda: Conv("i", "o", np.ones((2, 1, 3, 3, 3))), "1 or 2 spatial"),
    (lambda: Pool("i", "o", "max", 2), "'sum' or 'avg'"),
    (lambda: Population("p", (0,), LIFParameters()), "shape of positive integers"),
    (lambda: Population("p", 3, LIFParameters(v_th=np.ones(4))), "has 4 entries; the population has 3"),
    (lambda: Network((Population("o", 2, LIFParameters()),), (), dt=0.0), "dt must be a positive"),
    (lambda: Network((Population("o", 2, LIFParameters()),), (), outputs=("x",)), "output 'x' is not a population"),
])
def test_invalid_networks_raise_named_errors(build, match: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NetworkError, match=match):
        build()


def test_weights_are_read_only() -> None:
    d = Dense("i", "o", np.ones((2, 2)))
    with pytest.raises(ValueError):
        d.weight[0, 0] = 3.0


def test_van_rossum_distance_follows_its_definition() -> None:
    from snnas.ir.metrics import van_rossum

    a = np.zeros((2, 400, 1))
    b = np.zeros((2, 400, 1))
    a[0, 10, 0] = 1  # one spike against none
    a[1, 10, 0] = b[1, 10, 0] = 1  # identical trains
    d = van_rossum(a, b, dt=1e-4, tau=5e-3)
    assert d[0] == pytest.approx(np.sqrt(0.5), rel=0.02) and d[1] == 0.0


def test_time_to_decision() -> None:
    from snnas.ir.metrics import time_to_decision

    o = np.zeros((3, 6, 2), dtype=np.int8)
    o[0, 1, 0] = 1  # class 0 from step 1 on
    o[1, 1, 0] = 1
    o[1, 3, 1] = o[1, 4, 1] = 1  # class 1 takes over at step 4
    assert time_to_decision(o).tolist() == [1, 4, 6]


def test_metrics_reject_bad_input_with_snnas_errors() -> None:
    from snnas.errors import MetricInputError, SnnasError
    from snnas.ir.metrics import time_to_decision, van_rossum

    with pytest.raises(MetricInputError, match=r"got \(2, 5, 1\) and \(2, 4, 1\)"):
        van_rossum(np.zeros((2, 5, 1)), np.zeros((2, 4, 1)), dt=1e-3, tau=5e-3)
    with pytest.raises(MetricInputError, match="tau=0.0"):
        van_rossum(np.zeros((1, 5, 1)), np.zeros((1, 5, 1)), dt=1e-3, tau=0.0)
    with pytest.raises(SnnasError, match=r"got \(5, 2\)"):
        time_to_decision(np.zeros((5, 2)))
