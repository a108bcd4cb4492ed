"""The relaxed cell (snnas.train.relaxed): at a vertex of the relaxation it is exactly the discrete cell,
its architecture gradient is the softmax's chain rule, the energy term counts the chip's events and pulls
α toward cheaper cells, and a short bilevel search learns and derives a genome of the space."""

from __future__ import annotations

import numpy as np
import pytest

from snnas.chip import load_chip
from snnas.data.datasets import digits, split
from snnas.space import CellSpace
from snnas.train.candidate import config_of
from snnas.train.config import encode
from snnas.train.fit import TrainError
from snnas.train.graph import GraphConfig, graph_forward
from snnas.train.relaxed import (
    _softmax,
    _softmax_back,
    alternatives,
    chip_energies,
    derive,
    effective_weights,
    expected_energy,
    relax,
    search_cell,
    settings_of,
)

SPACE = CellSpace(widths=(8, 12), neurons=("lif", "if"), n_steps=(8,), encoders=("rate",), weight_bits=(8,))


@pytest.fixture(scope="module")
def data():  # type: ignore[no-untyped-def]
    d = digits()
    sp = split(d, seed=0)
    return d, type(sp)(sp.train[:400], sp.val[:120], sp.test[:120])


def _option(cell, k: int, g, direction: str | None = None) -> int:  # type: ignore[no-untyped-def]
    """The index of genome ``g``'s option of pair k (in ``direction``, by default its own)."""
    i, j = SPACE.pairs[k]
    d = direction or g[f"dir_{i}{j}"]
    return next(m for m, o in enumerate(cell.options[k]) if o.op == g[f"op_{i}{j}"] and (o.op == 0 or o.direction == d))


@pytest.mark.parametrize(("seed", "relax_width"), [(0, False), (1, False), (2, False), (3, False), (0, True),
                                                   (1, True)])
def test_at_a_vertex_the_relaxed_cell_is_the_discrete_cell(data, seed: int, relax_width: bool  # type: ignore[no-untyped-def]
                                                           ) -> None:
    """One-hot coefficients (and, with a relaxed width, the exact mask of width 8) run exactly the discrete
    cell whose edges carry the relaxed cell's option weights (their leading 8 x 8 blocks)."""
    d, sp = data
    w = 8 if relax_width else 12
    g = SPACE.genome({**SPACE.sample(np.random.default_rng(seed + 10 * relax_width)).values, "width": w})
    settings = {"neuron": g["neuron"]} if relax_width else {"width": 12, "neuron": g["neuron"]}
    cell = relax(SPACE, d, settings, seed=seed, relax_width=relax_width)
    assert cell.width == 12 and cell.widths == ((8, 12) if relax_width else ())
    onehot = [np.eye(len(cell.options[k]))[_option(cell, k, g)] for k in range(len(SPACE.pairs))]
    cell.alpha = [5.0 * h for h in onehot]
    mask = None
    if cell.gamma is not None:
        cell.gamma[:] = (5.0, 0.0)
        assert np.allclose(cell.mask(), cell.width_probabilities() @ cell._below())  # type: ignore[operator]
        mask = (np.arange(12) < 8).astype(float)
    assert derive(cell) == g
    gc = config_of(SPACE.candidate(g))
    assert isinstance(gc, GraphConfig)
    weights = []
    for e in gc.edges:
        if e.src == "in":
            weights.append(cell.stem[:, :w])
        elif e.dst == "out":
            weights.append(cell.readout[:w])
        else:
            a, b = int(e.src[1]), int(e.dst[1])
            (i, j), direction = ((a, b), "fwd") if e.delay == 0 else ((b, a), "bwd")
            k = SPACE.pairs.index((i, j))
            weights.append(cell.weights[k][_option(cell, k, g, direction)][:w, :w])  # type: ignore[index]
    x = encode(d, sp.test[:40], gc.train)
    discrete, _ = graph_forward(gc, weights, x)
    relaxed, _ = graph_forward(cell.graph, effective_weights(cell, onehot, mask), x)
    assert discrete.sum() > 0 and np.array_equal(discrete, relaxed)


def test_a_relaxed_width_grows_for_accuracy_and_shrinks_for_energy(data) -> None:  # type: ignore[no-untyped-def]
    d, sp = data
    space = CellSpace(widths=(4, 8, 16), neurons=("lif",), n_steps=(8,), encoders=("rate",), weight_bits=(8,))
    chip = load_chip("loihi")
    widths = {}
    for penalty in (0.0, 2.0):
        cell = search_cell(space, d, sp, epochs=10, warmup=2, penalty=penalty, chip=chip, seed=0, relax_width=True,
                           lr=5e-3)
        widths[penalty] = derive(cell)["width"]
        assert cell.history[-1]["width"] == widths[penalty] and len(cell.history[-1]["width_probabilities"]) == 3
        assert any(r["width"] != widths[penalty] for r in alternatives(cell))  # the runner-up width
    assert widths[0.0] == 16 and widths[2.0] == 4, widths


def test_the_architecture_gradient_is_the_softmax_chain_rule() -> None:
    rng = np.random.default_rng(0)
    a, v, tau, h = rng.normal(size=9), rng.normal(size=9), 0.7, 1e-6
    grad = _softmax_back(_softmax(a / tau), v, tau)
    fd = [(_softmax((a + h * e) / tau) @ v - _softmax((a - h * e) / tau) @ v) / (2 * h) for e in np.eye(9)]
    assert np.allclose(grad, fd, atol=1e-8)


def test_expected_energy_counts_synaptic_operations_and_packets(data) -> None:  # type: ignore[no-untyped-def]
    d, _ = data
    chip = load_chip("loihi")
    e_syn, e_pkt = chip_energies(chip)
    assert e_syn == chip.energy.e_syn_op and e_pkt == chip.energy.e_spike_out + chip.energy.e_hop_x
    cell = relax(SPACE, d, {"width": 8})
    k = SPACE.pairs.index((0, 1))
    coefficients = [np.zeros(len(o)) for o in cell.options]
    dense = next(m for m, o in enumerate(cell.options[k]) if o.name == "dense-fwd")
    skip = next(m for m, o in enumerate(cell.options[k]) if o.name == "skip-bwd")
    coefficients[k][dense], coefficients[k][skip] = 0.25, 0.75
    spikes = {"n0": 3.0, "n1": 2.0, "n2": 0.0, "n3": 0.0}
    total, grads, by_width = expected_energy(cell, coefficients, spikes, (e_syn, e_pkt))
    assert by_width is None  # the width is fixed
    # dense forward: n0's 3 spikes reach 8 synapses each; skip backward: n1's 2 spikes reach one each
    assert total == pytest.approx(0.25 * 3 * (8 * e_syn + e_pkt) + 0.75 * 2 * (e_syn + e_pkt))
    assert grads[k][0] == 0.0  # zero costs nothing
    assert chip_energies(None) == (0.9e-12, 0.0)


def test_the_energy_penalty_derives_a_cheaper_cell(data) -> None:  # type: ignore[no-untyped-def]
    d, sp = data
    chip = load_chip("loihi")
    fan = {0: 0.0, 1: 1.0, 2: 12.0, 3: 34 / 12, 4: 34 / 12}  # synaptic operations per spike of each op, C = 12

    def derived(penalty: float) -> tuple[float, float]:
        cell = search_cell(SPACE, d, sp, {"width": 12}, epochs=12, warmup=1, penalty=penalty, chip=chip, seed=0,
                           lr=5e-3)
        g = derive(cell)
        return sum(fan[g[f"op_{i}{j}"]] for i, j in SPACE.pairs), cell.history[-1]["val_accuracy"]

    free, acc = derived(0.0)
    cheap, _ = derived(5.0)
    assert acc > 0.4  # chance is 0.1: the relaxed cell learns
    assert cheap < 0.5 * free


def test_a_short_search_derives_a_genome_of_the_space_and_its_runners_up(data) -> None:  # type: ignore[no-untyped-def]
    d, sp = data
    cell = search_cell(SPACE, d, sp, {"width": 8, "neuron": "if"}, epochs=3, warmup=1, seed=1, relaxation="gumbel")
    g = derive(cell)
    assert SPACE.check(g) == g and g["width"] == 8 and g["neuron"] == "if"
    runners = alternatives(cell)
    assert runners and all(SPACE.check(r) == r and r != g for r in runners)
    assert len({r.key for r in runners}) == len(runners)
    assert [r["epoch"] for r in cell.history] == [0, 1, 2] and cell.history[0]["val_loss"] is None
    assert cell.history[-1]["val_loss"] is not None and cell.seconds > 0


def test_bad_settings_are_named(data) -> None:  # type: ignore[no-untyped-def]
    d, sp = data
    assert settings_of(SPACE) == {"width": 12, "neuron": "lif", "n_steps": 8, "encoder": "rate", "weight_bits": 8}
    with pytest.raises(TrainError, match=r"width=64 is not one of the space's choices \[8, 12\]"):
        settings_of(SPACE, {"width": 64})
    with pytest.raises(TrainError, match="unknown settings"):
        settings_of(SPACE, {"depth": 2})
    with pytest.raises(TrainError, match="warmup"):
        search_cell(SPACE, d, sp, epochs=2, warmup=2)
    with pytest.raises(TrainError, match="relaxation must be"):
        relax(SPACE, d, relaxation="hard")
    with pytest.raises(TrainError, match="penalty must be"):
        relax(SPACE, d, penalty=float("nan"))
    with pytest.raises(TrainError, match="temperature"):
        search_cell(SPACE, d, sp, epochs=2, warmup=1, temperature=(1.0, 0.0))
