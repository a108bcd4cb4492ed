"""NIR exchange: exact round trips, a file written by snnTorch, and named errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nir
import numpy as np
import pytest

from snnas.errors import NIRError, SnnasError
from snnas.ir.network import Chain, Conv, Dense, Input, Network, Pool, Population, Sparse
from snnas.ir.neurons import CubaLIFParameters, CubaLIParameters, IFParameters, LIFParameters, LIParameters
from snnas.ir.nir import from_nir, read_nir, to_nir, write_nir
from tests.conftest import DATA

SNNTORCH_FILE = DATA / "nir" / "snntorch_mlp.nir"


def rich_network() -> Network:
    """Every projection kind and neuron model, per-neuron parameters, delays, a recurrent layer."""
    rng = np.random.default_rng(5)
    return Network(
        (
            Input("in", (2, 10, 10)),
            Population("c1", (4, 5, 5), LIFParameters(tau_m=10e-3, v_th=rng.uniform(0.5, 1.5, 100), reset="subtract",
                                                      t_ref=2e-3)),
            Population("p1", (4, 2, 2), IFParameters(v_th=0.7)),
            Population("h", (12,), CubaLIFParameters(tau_syn=np.linspace(2e-3, 8e-3, 12))),
            Population("c1d", (3, 6), LIFParameters()),
            Population("out", (5,), LIParameters(tau_m=30e-3)),
        ),
        (
            Conv("in", "c1", rng.normal(size=(4, 2, 3, 3)), stride=2, padding=1, bias=rng.normal(size=4)),
            Pool("c1", "p1", "avg", 2),
            Dense("p1", "h", rng.normal(size=(12, 16)), bias=rng.normal(size=12), delay=2),
            Dense("h", "h", rng.normal(size=(12, 12)), delay=1),
            Sparse("h", "c1d", [0, 3, 5, 11], [1, 7, 7, 17], rng.normal(size=4), delay=3),
            Dense("c1d", "out", rng.normal(size=(5, 18))),
        ),
        outputs=("out",),
        dt=1e-3,
        name="rich",
    )


def assert_same_network(a: Network, b: Network) -> None:
    assert [n.name for n in a.nodes] == [n.name for n in b.nodes]
    for x, y in zip(a.nodes, b.nodes):
        assert type(x) is type(y) and x.shape == y.shape
        if isinstance(x, Population):
            assert x.neuron == y.neuron, x.name  # type: ignore[union-attr]
    key = lambda p: (p.source, p.target)  # noqa: E731
    pa, pb = sorted(a.projections, key=key), sorted(b.projections, key=key)
    assert [key(p) for p in pa] == [key(p) for p in pb]
    for p, q in zip(pa, pb):
        assert type(p) is type(q)
        for f in ("weight", "bias", "pre", "post", "stride", "padding", "dilation", "groups", "kind", "kernel"):
            if hasattr(p, f):
                u, v = getattr(p, f), getattr(q, f)
                if isinstance(u, np.ndarray) or isinstance(v, np.ndarray):
                    assert np.array_equal(u, v), f  # bit-exact
                else:
                    assert u == v, f
        assert np.array_equal(np.asarray(p.delay), np.asarray(q.delay))
    assert a.outputs == b.outputs and a.dt == b.dt


def test_round_trip_in_memory_is_exact() -> None:
    net = rich_network()
    assert_same_network(net, from_nir(to_nir(net), dt=net.dt))


def test_round_trip_through_a_file_is_exact(tmp_path: Path) -> None:
    net = rich_network()
    path = write_nir(net, tmp_path / "rich.nir")
    back = read_nir(path, dt=1e-3)
    assert_same_network(net, back)
    assert np.array_equal(net.to_csr().weight, back.to_csr().weight)


def test_other_tools_see_plain_nir(tmp_path: Path) -> None:
    graph = nir.read(write_nir(rich_network(), tmp_path / "rich.nir"), type_check=False)
    kinds = {type(n).__name__ for n in graph.nodes.values()}
    assert {"Conv2d", "AvgPool2d", "Affine", "Linear", "Delay", "Flatten", "LIF", "IF", "CubaLIF", "LI",
            "Input", "Output"} <= kinds
    delay = next(n for k, n in graph.nodes.items() if type(n).__name__ == "Delay" and k.startswith("p1_to_h"))
    assert np.allclose(delay.delay, 2e-3)  # 2 steps of 1 ms, in seconds


def test_dt_is_explicit_and_converts_delays() -> None:
    graph = to_nir(rich_network())
    back = from_nir(graph, dt=0.5e-3)
    assert back.dt == 0.5e-3
    assert {(p.source, p.target): p.delay for p in back.projections if isinstance(p, Dense)}[("p1", "h")] == 4
    with pytest.raises(NIRError, match="not a whole number of steps"):
        from_nir(graph, dt=0.3e-3)


def test_reads_the_file_snntorch_wrote() -> None:
    net = read_nir(SNNTORCH_FILE, dt=1e-4)
    assert [n.name for n in net.nodes] == ["input", "lif1", "lif2"]
    assert net.outputs == ("lif2",)
    lif1 = net.node("lif1")
    assert isinstance(lif1, Population) and lif1.size == 24
    p = lif1.neuron
    assert isinstance(p, LIFParameters)
    # snnTorch exports beta = 0.9 as tau = dt / (1 - beta) and r = tau / dt with its own dt = 1e-4 s.
    assert p.tau_m == pytest.approx(1e-4 / 0.1) and p.r == pytest.approx(10.0, rel=1e-5)
    fc1 = next(q for q in net.projections if q.target == "lif1")
    assert isinstance(fc1, Dense) and fc1.weight.shape == (24, 16) and fc1.bias is not None
    graph = nir.read(SNNTORCH_FILE)
    assert np.array_equal(fc1.weight, np.asarray(graph.nodes["fc1"].weight, dtype=np.float64))
    csr = net.to_csr()
    assert csr.num_neurons == 16 + 24 + 4 and csr.num_synapses == 16 * 24 + 24 * 4


def test_unsupported_primitive_names_node_and_type() -> None:
    class Mystery:  # a node type a newer NIR (or another tool) might write
        metadata: dict[str, Any] = {}  # noqa: RUF012

    g = nir.NIRGraph(nodes={"in": nir.Input(input_type={"input": np.array([3])}), "m": Mystery(),
                            "out": nir.Output(output_type={"output": np.array([3])})},
                     edges=[("in", "m"), ("m", "out")], type_check=False)
    with pytest.raises(NIRError, match=r"node 'm' of type Mystery has no snnas equivalent") as info:
        from_nir(g, dt=1e-3)
    assert isinstance(info.value, SnnasError)


def test_i_and_threshold_make_an_if_neuron() -> None:
    g = nir.NIRGraph(
        nodes={"in": nir.Input(input_type={"input": np.array([2])}), "w": nir.Linear(weight=np.eye(2)),
               "i": nir.I(r=np.ones(2)), "th": nir.Threshold(threshold=np.full(2, 0.5)),
               "out": nir.Output(output_type={"output": np.array([2])})},
        edges=[("in", "w"), ("w", "i"), ("i", "th"), ("th", "out")], type_check=False)
    net = from_nir(g, dt=1e-3)
    pop = net.node("i")
    assert isinstance(pop, Population) and isinstance(pop.neuron, IFParameters) and pop.neuron.v_th == 0.5
    assert net.outputs == ("i",)


def test_lonely_threshold_is_refused() -> None:
    g = nir.NIRGraph(nodes={"in": nir.Input(input_type={"input": np.array([2])}),
                            "th": nir.Threshold(threshold=np.ones(2)),
                            "out": nir.Output(output_type={"output": np.array([2])})},
                     edges=[("in", "th"), ("th", "out")], type_check=False)
    with pytest.raises(NIRError, match="node 'th' of type Threshold maps only after an I node"):
        from_nir(g, dt=1e-3)


def test_chained_weight_nodes_compose() -> None:
    w1, w2 = np.arange(12.0).reshape(4, 3), np.arange(8.0).reshape(2, 4) - 3
    g = nir.NIRGraph.from_list(
        nir.Input(input_type={"input": np.array([3])}), nir.Linear(weight=w1), nir.Scale(scale=np.full(4, 2.0)),
        nir.Affine(weight=w2, bias=np.array([1.0, -1.0])), nir.IF(r=np.ones(2), v_threshold=np.ones(2)),
        nir.Output(output_type={"output": np.array([2])}))
    net = from_nir(g, dt=1e-3)
    (p,) = net.projections
    assert isinstance(p, Chain) and [type(s).__name__ for s in p.stages] == ["Dense", "Dense"]
    pre, post, w = net.synapses_of(p)
    m = np.zeros((3, 2))
    m[pre, post] = w
    assert np.array_equal(m, (w2 @ (2 * w1)).T)
    assert np.array_equal(net.bias()[3:], [1.0, -1.0])


def test_scale_folds_into_weights() -> None:
    g = nir.NIRGraph.from_list(
        nir.Input(input_type={"input": np.array([3])}), nir.Linear(weight=np.ones((2, 3))),
        nir.Scale(scale=np.array([2.0, 3.0])), nir.IF(r=np.ones(2), v_threshold=np.ones(2)),
        nir.Output(output_type={"output": np.array([2])}))
    net = from_nir(g, dt=1e-3)
    (proj,) = net.projections
    assert isinstance(proj, Dense) and proj.weight.tolist() == [[2.0] * 3, [3.0] * 3]


@pytest.mark.parametrize("content", [b"", b"not an hdf5 file at all", b"\x89HDF\r\n\x1a\n" + b"\x00" * 64])
def test_malformed_file_is_a_clean_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.nir"
    path.write_bytes(content)
    with pytest.raises(NIRError, match="bad.nir: not a readable NIR file"):
        read_nir(path, dt=1e-3)


def test_missing_file_and_bad_dt() -> None:
    with pytest.raises(NIRError, match="no NIR file"):
        read_nir("/nonexistent.nir", dt=1e-3)
    with pytest.raises(NIRError, match="dt must be a positive"):
        read_nir(SNNTORCH_FILE, dt=-1.0)


def test_one_d_pooling_cannot_be_exported() -> None:
    net = Network((Input("i", (2, 8)), Population("p", (2, 4), IFParameters())), (Pool("i", "p", "sum", (2,)),))
    with pytest.raises(NIRError, match="no 1-D pooling"):
        to_nir(net)


def _scalar_graph(readout: Any) -> Any:
    return nir.NIRGraph(nodes={"in": nir.Input(input_type={"input": np.array([3])}),
                               "a": nir.Affine(weight=np.full((4, 3), 0.6), bias=np.zeros(4)),
                               "l": nir.LIF(tau=np.array(0.01), r=np.array(10.0), v_leak=np.array(0.0),
                                            v_threshold=np.array(1.0), v_reset=np.array(0.0)),
                               "b": nir.Linear(weight=np.ones((2, 4))), "ro": readout,
                               "out": nir.Output(output_type={"output": np.array([2])})},
                        edges=[("in", "a"), ("a", "l"), ("l", "b"), ("b", "ro"), ("ro", "out")], type_check=False)


def test_0d_parameters_take_their_size_from_the_weights() -> None:
    net = from_nir(_scalar_graph(nir.LI(tau=np.array(0.01), r=np.array(1.0), v_leak=np.array(0.0))), dt=1e-3)
    assert [(n.name, n.shape) for n in net.nodes] == [("in", (3,)), ("l", (4,)), ("ro", (2,))]
    lonely = nir.NIRGraph(nodes={"in": nir.Input(input_type={"input": np.array([3])}),
                                 "l": nir.IF(r=np.array(1.0), v_threshold=np.array(1.0)),
                                 "out": nir.Output(output_type={"output": np.array([3])})},
                          edges=[("in", "l"), ("l", "out")], type_check=False)
    with pytest.raises(NIRError, match="node 'l' of type IF: every parameter is 0-d"):
        from_nir(lonely, dt=1e-3)


def test_cuba_li_reads_and_writes(tmp_path: Path) -> None:
    ro = nir.CubaLI(tau_syn=np.full(2, 5e-3), tau_mem=np.full(2, 2e-2), r=np.full(2, 2.0), v_leak=np.zeros(2),
                    w_in=np.full(2, 3.0))
    net = from_nir(_scalar_graph(ro), dt=1e-3)
    p = net.node("ro").neuron
    assert isinstance(p, CubaLIParameters) and (p.tau_syn, p.tau_m, p.r, p.w_in) == (5e-3, 2e-2, 2.0, 3.0)
    d = p.discretize(1e-3, 2)
    assert np.all(np.isinf(d.v_th)) and np.allclose(d.input_gain, 2.0 * 3.0 * 1e-3 / 5e-3)
    back = read_nir(write_nir(net, tmp_path / "cuba_li.nir"), dt=1e-3)
    assert back.node("ro").neuron == p


def test_lif_layers_with_an_li_readout_run_in_the_engine() -> None:
    """The readout never spikes and feeds nothing back: the LIF layer spikes as it does without it."""
    from snnas.evaluate.onchip import run_network

    net = from_nir(_scalar_graph(nir.LI(tau=np.array(0.01), r=np.array(1.0), v_leak=np.array(0.0))), dt=1e-3)
    alone = Network(net.nodes[:2], net.projections[:1] if net.projections[0].target == "l" else net.projections[1:],
                    dt=1e-3)
    x = (np.random.default_rng(0).random((40, 3)) < 0.5).astype(np.int64)
    mixed, single = run_network(net, x), run_network(alone, x)
    assert mixed.spike_ids.size > 40
    assert np.array_equal(mixed.spike_ids, single.spike_ids) and np.array_equal(mixed.spike_steps, single.spike_steps)
