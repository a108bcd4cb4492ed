"""Projection chains: linear stages composed exactly, validated, carried through NIR both ways."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from snnas.errors import NetworkError, NIRError
from snnas.ir.connectivity import compose_synapses, conv_synapses, dense_synapses, pool_synapses
from snnas.ir.network import Chain, Conv, Dense, Input, Network, Pool, Population
from snnas.ir.neurons import IFParameters
from snnas.ir.nir import read_nir, write_nir

CASES = Path(__file__).resolve().parents[1] / "data" / "frameworks" / "cases"


def _matrix(syn: tuple[np.ndarray, np.ndarray, np.ndarray], n_in: int, n_out: int) -> np.ndarray:
    m = np.zeros((n_in, n_out))
    np.add.at(m, (syn[0], syn[1]), syn[2])
    return m


def _net(shape: tuple[int, ...], out: tuple[int, ...], *stages) -> Network:  # type: ignore[no-untyped-def]
    return Network((Input("x", shape), Population("y", out, IFParameters())), (Chain("x", "y", tuple(stages)),))


def test_composition_is_the_matrix_product() -> None:
    rng = np.random.default_rng(1)
    w = rng.normal(size=(3, 2, 3, 3))
    cases = [  # (input shape, output shape, stages, the stage matrices by hand)
        ((2, 8, 8), (3, 2, 2), (Pool("x", "p", "sum", 2), Conv("p", "y", w)),
         [_matrix(pool_synapses("sum", 2, (8, 8), (2, 2), (2, 2), (0, 0)), 128, 32),
          _matrix(conv_synapses(w, (2, 4, 4), (1, 1), (0, 0), (1, 1), 1), 32, 12)]),
        ((2, 9, 9), (3, 3, 3), (Conv("x", "c", w, padding=1), Pool("c", "y", "avg", 3, stride=3)),
         [_matrix(conv_synapses(w, (2, 9, 9), (1, 1), (1, 1), (1, 1), 1), 162, 243),
          _matrix(pool_synapses("avg", 3, (9, 9), (3, 3), (3, 3), (0, 0)), 243, 27)]),
        ((2, 6, 6), (5,), (Pool("x", "p", "avg", 3, stride=1), Dense("p", "y", w2 := rng.normal(size=(5, 32)))),
         [_matrix(pool_synapses("avg", 2, (6, 6), (3, 3), (1, 1), (0, 0)), 72, 32),
          _matrix(dense_synapses(w2), 32, 5)]),
    ]
    for shape, out, stages, mats in cases:
        net = _net(shape, out, *stages)
        n_in, n_out = int(np.prod(shape)), int(np.prod(out))
        got = _matrix(net.synapses_of(net.projections[0]), n_in, n_out)
        assert np.allclose(got, mats[0] @ mats[1], rtol=1e-12, atol=1e-12)
        csr = net.to_csr()
        assert csr.num_synapses == np.count_nonzero(mats[0] @ mats[1])


def test_compose_synapses_sums_every_path() -> None:
    rng = np.random.default_rng(2)
    a = rng.normal(size=(4, 6)) * (rng.random((4, 6)) < 0.5)
    b = rng.normal(size=(6, 3)) * (rng.random((6, 3)) < 0.5)
    def syn(m):  # type: ignore[no-untyped-def]
        i, j = np.nonzero(m)
        return i.astype(np.int64), j.astype(np.int64), m[i, j]
    pre, post, wt = compose_synapses(syn(a), syn(b), 6)
    assert np.allclose(_matrix((pre, post, wt), 4, 3), a @ b)
    assert np.all(np.diff(pre * 3 + post) > 0)  # one synapse per pair, sorted by pre then post


def test_a_stage_bias_passes_through_the_later_stages() -> None:
    rng = np.random.default_rng(3)
    w, b = rng.normal(size=(3, 2, 3, 3)), rng.normal(size=3)
    net = _net((2, 6, 6), (3, 3, 3), Conv("x", "c", w, padding=1, bias=b), Pool("c", "y", "avg", 2))
    # Average pooling of a constant map is the constant (no padding here).
    assert np.allclose(net.bias()[72:], np.repeat(b, 9))
    d = rng.normal(size=(4, 27))
    net2 = Network((Input("x", (2, 6, 6)), Population("y", (4,), IFParameters())),
                   (Chain("x", "y", (Conv("x", "c", w, padding=1, bias=b), Pool("c", "p", "sum", 2),
                                     Dense("p", "y", d, bias=np.ones(4)))),))
    assert np.allclose(net2.bias()[72:], d @ (4 * np.repeat(b, 9)) + 1)


def test_bad_chains_are_named() -> None:
    w = np.ones((3, 2, 3, 3))
    with pytest.raises(NetworkError, match="at least two stages"):
        Chain("x", "y", (Conv("x", "y", w),))
    with pytest.raises(NetworkError, match="stage 1 reads 'q'"):
        Chain("x", "y", (Pool("x", "p", "sum", 2), Conv("q", "y", w)))
    with pytest.raises(NetworkError, match="chain's delay"):
        Chain("x", "y", (Pool("x", "p", "sum", 2), Conv("p", "y", w, delay=1)))
    with pytest.raises(NetworkError, match="last stage writes"):
        Chain("x", "y", (Pool("x", "p", "sum", 2), Conv("p", "z", w)))
    with pytest.raises(NetworkError, match=r"stage 1 \(conv\).*target shape \(3, 3, 3\), but the conv produces "
                                           r"\(3, 2, 2\)"):
        _net((2, 8, 8), (3, 3, 3), Pool("x", "p", "sum", 2), Conv("p", "y", w))
    with pytest.raises(NetworkError, match="intermediate map 'y' has a node's name"):
        _net((2, 8, 8), (3, 2, 2), Pool("x", "y", "sum", 2), Conv("y", "y", w))
    with pytest.raises(NetworkError, match=r"stage 1 \(dense\): weight shape \(5, 31\)"):
        _net((2, 8, 8), (5,), Pool("x", "p", "sum", 2), Dense("p", "y", np.ones((5, 31))))


@pytest.mark.parametrize("case", ["snntorch_cnn", "sinabs_cnn", "sinabs_cnn_bounded"])
def test_recorded_framework_cnns_import_and_drive_as_in_the_framework(case: str) -> None:
    """Every pooled CNN the frameworks export imports; from the recorded spikes of each layer, the composed
    synapses and biases give the next layer the input the framework's own layers compute (NIR ops in numpy)."""
    import nir

    sys.path.insert(0, str(CASES.parent))
    try:
        from check_transcription import apply_op, chain
    finally:
        sys.path.pop(0)
    rec = dict(np.load(CASES / f"{case}.npz"))
    net = read_nir(CASES / f"{case}.nir", dt=1e-3)
    graph = nir.read(CASES / f"{case}.nir", type_check=False)
    nodes = chain(graph)
    layers = [str(n) for n in rec["layer_nodes"]]
    csr, bias, off = net.to_csr(), net.bias(), net.offsets()
    for t in range(0, int(rec["n_steps"]), 7):
        sources = [("input", rec["x"][t])] + [(layers[k], rec[f"spk{k}"][t]) for k in range(len(layers) - 1)]
        for k, (src, spikes) in enumerate(sources):
            ops = nodes[[n for n, _ in nodes].index(src) + 1 if src != "input" else 0:
                        [n for n, _ in nodes].index(layers[k])]
            h = spikes.astype(np.float32)
            for _, node in ops:
                h = apply_op(node, h)
            # snnas: the synapses out of src, summed per target, plus the target's bias
            dst = layers[k]
            x = np.zeros(csr.num_neurons)
            x[off[src]:off[src] + spikes.size] = spikes.ravel()
            rows = np.repeat(np.arange(csr.num_neurons), np.diff(csr.row_ptr))
            drive = np.bincount(csr.target, weights=csr.weight * x[rows], minlength=csr.num_neurons) + bias
            n = net.node(dst).size
            assert np.allclose(drive[off[dst]:off[dst] + n], h.ravel(), rtol=1e-5, atol=1e-5), (case, t, dst)


def test_chains_survive_a_nir_round_trip(tmp_path: Path) -> None:
    for case in ("snntorch_cnn", "sinabs_cnn", "speck_c_three_pools", "speck_d_constrained"):
        net = read_nir(CASES / f"{case}.nir", dt=1e-3)
        assert any(isinstance(p, Chain) for p in net.projections)
        back = read_nir(write_nir(net, tmp_path / f"{case}.nir"), dt=1e-3)
        a, b = net.to_csr(), back.to_csr()
        assert [type(p).__name__ for p in back.projections] == [type(p).__name__ for p in net.projections]
        assert np.array_equal(a.row_ptr, b.row_ptr) and np.array_equal(a.target, b.target)
        assert np.array_equal(a.weight, b.weight) and np.array_equal(net.bias(), back.bias())


def test_a_chain_with_a_per_neuron_delay_is_refused() -> None:
    import nir

    w = np.ones((2, 2, 3, 3))
    g = nir.NIRGraph(nodes={"in": nir.Input(input_type={"input": np.array([2, 8, 8])}),
                            "l1": nir.IF(r=np.ones((2, 8, 8)), v_threshold=np.ones((2, 8, 8))),
                            "p": nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]),
                                               padding=np.array([0, 0])),
                            "c": nir.Conv2d(input_shape=(4, 4), weight=w, stride=1, padding=0, dilation=1, groups=1,
                                            bias=np.zeros(2)),
                            "d": nir.Delay(delay=np.arange(8.0).reshape(2, 2, 2) * 1e-3),
                            "l2": nir.IF(r=np.ones((2, 2, 2)), v_threshold=np.ones((2, 2, 2))),
                            "out": nir.Output(output_type={"output": np.array([2, 2, 2])})},
                     edges=[("in", "l1"), ("l1", "p"), ("p", "c"), ("c", "d"), ("d", "l2"), ("l2", "out")],
                     type_check=False)
    from snnas.ir.nir import from_nir
    with pytest.raises(NIRError, match="per-neuron delays"):
        from_nir(g, dt=1e-3)
