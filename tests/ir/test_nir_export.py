"""NIR export for a framework's own importer (snnas.ir.nir_targets): the per-step rules, the recorded digits
network as snnTorch, Norse and sinabs ran it (tests/data/frameworks/record_export.py), and named errors.

numpy + nir only: the framework figures come from cases/export_digits.json."""

from __future__ import annotations

import json
from pathlib import Path

import nir
import numpy as np
import pytest

from snnas.errors import NIRError, SnnasError
from snnas.evaluate.onchip import run_network
from snnas.ir.network import Dense, Input, Network, Population
from snnas.ir.neurons import CubaLIFParameters, IFParameters, LIFParameters
from snnas.ir.nir import read_nir, to_nir, write_nir
from snnas.ir.nir_targets import DROPPED_FIELDS, TARGETS, NIRTargetError
from tests.data.frameworks._common import node_params

CASES = Path(__file__).resolve().parents[1] / "data" / "frameworks" / "cases"
OUT = CASES / "export_digits"
RECORD = json.loads((CASES / "export_digits.json").read_text())
DT = RECORD["snnas"]["config"]["dt"]


def digits_input() -> tuple[np.ndarray, np.ndarray]:
    with np.load(OUT / "input.npz") as z:
        shape = tuple(int(v) for v in z["shape"])
        return np.unpackbits(z["bits"])[: int(np.prod(shape))].reshape(shape), z["labels"]


def test_recorded_data_stay_small() -> None:
    files = [CASES / "export_digits.json", *(p for p in OUT.iterdir() if p.is_file())]
    assert sum(p.stat().st_size for p in files) < 300_000


def test_the_recorded_input_is_snnas_own_encoding_of_the_digits_test_split() -> None:
    from snnas.data.datasets import digits, split

    c = RECORD["snnas"]["config"]
    d = digits()
    sp = split(d, seed=c["split_seed"])
    x, labels = digits_input()
    assert np.array_equal(x, d.raster(sp.test, c["n_steps"], c["dt"], c["encoder"], seed=c["raster_seed"]))
    assert np.array_equal(labels, d.labels[sp.test])


def test_snnas_accuracy_is_what_its_engine_gives_on_the_recorded_network() -> None:
    net = read_nir(OUT / "snnas.nir", dt=DT)
    x, labels = digits_input()
    run = run_network(net, x.astype(np.int8))
    off, size = net.to_csr().offsets["l2"], net.node("l2").size
    keep = (run.spike_ids >= off) & (run.spike_ids < off + size)
    counts = np.zeros((x.shape[0], size))
    np.add.at(counts, (run.spike_steps[keep] // x.shape[1], run.spike_ids[keep] - off), 1)
    assert np.argmax(counts, axis=1).tolist() == RECORD["snnas"]["predictions"]
    assert RECORD["snnas"]["accuracy"] == pytest.approx(float((np.argmax(counts, axis=1) == labels).mean()))


def _accuracy(name: str) -> float:
    _, labels = digits_input()
    pred = np.asarray(RECORD[name]["predictions"])
    assert pred.shape == labels.shape
    acc = float((pred == labels).mean())
    assert acc == pytest.approx(RECORD[name]["accuracy"])
    return acc


@pytest.mark.parametrize("framework", [
    "snntorch", "norse",
    # sinabs' importer makes every LIF a LIFSqueeze with MultiSpike and MembraneSubtract (sinabs/nir.py:94-107),
    # which no NIR field changes; the network was trained with single spikes and reset to 0: 94.8 % against
    # snnas' 95.9 % (tests/data/frameworks/README.md, "snnas -> frameworks").
    pytest.param("sinabs", marks=pytest.mark.xfail(strict=True, reason="sinabs' importer forces MultiSpike")),
])
def test_each_framework_scores_within_one_point_of_snnas(framework: str) -> None:
    assert abs(_accuracy(framework) - _accuracy("snnas")) <= 0.01


@pytest.mark.parametrize("target", TARGETS)
def test_snnas_writes_today_what_each_framework_ran(target: str, tmp_path: Path) -> None:
    net = read_nir(OUT / "snnas.nir", dt=DT)
    with np.load(OUT / "targets.npz") as z:
        kept = {k.split("/", 1)[1]: z[k] for k in z.files if k.startswith(f"{target}/")}
    assert kept
    graph = nir.read(write_nir(net, tmp_path / "x.nir", target=target))
    now = {k: v for k, v in node_params(graph).items() if k.split("/")[-1] not in DROPPED_FIELDS.get(target, ())}
    assert now.keys() == kept.keys()
    for k in kept:
        assert np.array_equal(now[k], kept[k]), k
    in_memory = node_params(to_nir(net, target))
    assert all(np.array_equal(in_memory[k], kept[k]) for k in kept)


def small_network() -> Network:
    """LIF and IF layers with biases, v_leak, v_reset and r off the trained scale: every term of the rules."""
    rng = np.random.default_rng(3)
    return Network(
        (Input("in", (5,)),
         Population("h", (4,), LIFParameters(tau_m=rng.uniform(5e-3, 20e-3, 4), v_th=1.2, v_leak=0.1, v_reset=-0.2,
                                             r=rng.uniform(2.0, 30.0, 4))),
         Population("o", (3,), IFParameters(v_th=0.8, r=1.7))),
        (Dense("in", "h", rng.normal(size=(4, 5)), bias=rng.normal(size=4)),
         Dense("h", "o", rng.normal(size=(3, 4)), bias=rng.normal(size=3))),
        dt=DT)


def _snnas_step(pop: Population, w: np.ndarray, b: np.ndarray, v: np.ndarray, s: np.ndarray) -> np.ndarray:
    """snnas' sub-threshold update of one step, v relative to v_reset (the rules' module docstring)."""
    p = pop.neuron
    if isinstance(p, IFParameters):
        return v + p.r * b + p.r * (w @ s)
    a = np.exp(-DT / p.tau_m)
    return a * v + (1 - a) * (p.v_leak - p.v_reset + p.r * b) + p.r * DT / p.tau_m * (w @ s)


def _importer_step(target: str, neuron: object, weight: object, v: np.ndarray, s: np.ndarray) -> np.ndarray:
    """The importer's sub-threshold update, from its reading of the exported nodes (file:line in nir_targets)."""
    i = np.asarray(weight.weight) @ s + (np.asarray(weight.bias) if isinstance(weight, nir.Affine) else 0.0)
    if isinstance(neuron, nir.IF):
        return v + i  # Norse IAFCell, sinabs IAFSqueeze
    tau = np.asarray(neuron.tau)
    if target == "snntorch":
        assert np.allclose(neuron.r * 1e-4 / tau, 1.0) and np.all(neuron.v_leak == 0)  # w_scale 1, v_leak 0
        return (1 - 1e-4 / tau) * v + i
    if target == "norse":
        return v + 1e-3 * (1 / tau) * ((i + neuron.v_leak) - v)
    assert np.all(neuron.v_leak == 0)
    return np.exp(-1.0 / tau) * v + i


@pytest.mark.parametrize("target", TARGETS)
def test_each_importer_steps_the_exported_network_as_snnas_does(target: str) -> None:
    net = small_network()
    g = to_nir(net, target)
    rng = np.random.default_rng(4)
    for proj in net.projections:
        pop = net.node(proj.target)
        w_node = g.nodes[f"{proj.source}_to_{proj.target}"]
        assert isinstance(w_node, nir.Affine) if target == "sinabs" or proj.bias is not None else True
        v, s = rng.normal(size=pop.size), rng.integers(0, 2, proj.weight.shape[1]).astype(float)
        expected = _snnas_step(pop, proj.weight, proj.bias, v, s)
        assert np.allclose(_importer_step(target, g.nodes[pop.name], w_node, v, s), expected, rtol=1e-9, atol=1e-12)
        node = g.nodes[pop.name]
        assert np.allclose(node.v_threshold, pop.neuron.v_th - pop.neuron.v_reset)
    assert g.metadata["snnas.target"] == target


def test_without_a_target_snnas_writes_the_recorded_network_as_it_was(tmp_path: Path) -> None:
    recorded = nir.read(OUT / "snnas.nir")
    again = nir.read(write_nir(read_nir(OUT / "snnas.nir", dt=DT), tmp_path / "x.nir"))
    a, b = node_params(recorded), node_params(again)
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    assert "snnas.target" not in again.metadata
    net = small_network()  # NIR's continuous-time meaning: r and tau as the network has them
    assert np.array_equal(to_nir(net).nodes["h"].r, net.node("h").neuron.r)
    assert np.array_equal(to_nir(net).nodes["h"].v_reset, np.full(4, -0.2))


@pytest.mark.parametrize("bad", ["lava", "SNNTORCH", 3, ""])
def test_an_unknown_target_is_named_with_the_choices(bad: object, tmp_path: Path) -> None:
    with pytest.raises(NIRTargetError) as err:
        write_nir(small_network(), tmp_path / "x.nir", target=bad)  # type: ignore[arg-type]
    assert isinstance(err.value, SnnasError) and isinstance(err.value, NIRError)
    assert repr(bad) in str(err.value) and all(repr(t) in str(err.value) for t in TARGETS)
    assert not (tmp_path / "x.nir").exists()


def test_what_an_importer_cannot_run_is_refused() -> None:
    net = small_network()
    delayed = Network(net.nodes, (net.projections[0], Dense("h", "o", np.ones((3, 4)), delay=2)), dt=DT)
    with pytest.raises(NIRTargetError, match="Delay"):
        to_nir(delayed, "norse")
    uneven = Network((Input("in", (2,)), Population("h", (2,), LIFParameters(v_th=[1.0, 2.0]))),
                     (Dense("in", "h", np.eye(2)),), dt=DT)
    with pytest.raises(NIRTargetError, match="one threshold per layer"):
        to_nir(uneven, "snntorch")
    assert isinstance(to_nir(uneven, "norse").nodes["h"], nir.LIF)  # Norse takes per-neuron thresholds
    cuba = Network((Input("in", (2,)), Population("h", (2,), CubaLIFParameters())), (Dense("in", "h", np.eye(2)),),
                   dt=DT)
    with pytest.raises(NIRTargetError, match="cuba_lif"):
        to_nir(cuba, "sinabs")


def _framework_counts(target: str, x: np.ndarray) -> np.ndarray:
    """Output spike counts of the recorded target file under its importer's step rule, in float32
    (tests/data/frameworks/README.md): every framework adds the input before the test; snnTorch
    ``Leaky(reset_mechanism="zero", reset_delay=False)``: m <- beta·m + I, s = m > thr, m <- 0 where s;
    Norse LIFBox: v <- v + dt·(1/tau)·((I + v_leak) - v), s = v > v_th, v <- 0 where s; sinabs LIFSqueeze:
    v <- alpha·v + I, s = trunc(v/thr) where v > 0 (MultiSpike), v <- v - s·thr."""
    f32 = np.float32
    with np.load(OUT / "targets.npz") as z:
        p = {k.split("/", 1)[1]: z[k] for k in z.files if k.startswith(f"{target}/")}
    s = x.astype(f32)
    for src, pop in (("in", "l1"), ("l1", "l2")):
        w, thr = p[f"{src}_to_{pop}/weight"], p[f"{pop}/v_threshold"]
        tau = p[f"{pop}/tau"]
        v = np.zeros((x.shape[0], w.shape[0]), f32)
        out = np.zeros((x.shape[0], x.shape[1], w.shape[0]), f32)
        for t in range(x.shape[1]):
            i = s[:, t] @ w.T
            if f"{src}_to_{pop}/bias" in p:
                i = i + p[f"{src}_to_{pop}/bias"]
            if target == "snntorch":
                v = (f32(1) - f32(1e-4) / tau) * v + i
                spk = (v > thr).astype(f32)
                v = v * (f32(1) - spk)
            elif target == "norse":
                v = v + (f32(1e-3) * (f32(1) / tau)) * ((i + p[f"{pop}/v_leak"]) - v)
                spk = (v > thr).astype(f32)
                v = v * (f32(1) - spk)
            else:
                v = np.exp(f32(-1) / tau) * v + i
                spk = (v > 0) * np.trunc(v / thr)
                v = v - spk * thr
            out[:, t] = spk
        s = out
    return s.sum(axis=1)


@pytest.mark.parametrize("target", TARGETS)
def test_the_recorded_predictions_follow_from_each_importers_rule(target: str) -> None:
    x, _ = digits_input()
    counts = _framework_counts(target, x)
    assert int(counts.sum()) == RECORD[target]["output_spikes"]
    assert np.argmax(counts, axis=1).tolist() == RECORD[target]["predictions"]
