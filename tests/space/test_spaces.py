"""Contract tests run over every search space: sample, mutate, crossover, encoding, hash, restriction."""

from __future__ import annotations

import numpy as np
import pytest

from snnas.chip import list_chips, load_chip
from snnas.space import (
    SPACES,
    BlockSpace,
    CellSpace,
    Genome,
    GlobalSpace,
    SearchSpace,
    SpaceError,
    make_space,
)
from snnas.train.candidate import config_of
from snnas.train.config import TrainConfig
from snnas.train.graph import GraphConfig

ALL = sorted(SPACES)


@pytest.fixture(params=ALL)
def space(request: pytest.FixtureRequest) -> SearchSpace:
    return make_space(request.param)


def test_sample_is_valid_and_canonical(space: SearchSpace) -> None:
    rng = np.random.default_rng(0)
    for _ in range(50):
        g = space.sample(rng)
        assert space.check(g) == g  # belongs to the space and is already repaired
        cand = space.candidate(g, epochs=1)
        config = config_of(cand)
        train = config.train if isinstance(config, GraphConfig) else config
        assert isinstance(train, TrainConfig) and train.epochs == 1 and cand.description


def test_sampling_is_uniform_over_valid_genomes() -> None:
    """Every valid genome equally likely: on a space small enough to enumerate (the cell space's ops and
    directions with one choice for everything else), the counts of 8,000 draws fit the uniform law; the
    old sample-then-repair gave one cell of this space 4.5% of all draws."""
    import itertools
    from collections import Counter

    space = CellSpace(widths=(32,), neurons=("lif",), n_steps=(8,), encoders=("rate",), weight_bits=(8,),
                      backward=(False,))
    names = [d.name for d in space.decisions]
    valid = {Genome(space.name, space.repair(dict(zip(names, combo)))).key
             for combo in itertools.product(*(d.choices for d in space.decisions))}
    rng = np.random.default_rng(0)
    draws = Counter(space.sample(rng).key for _ in range(8000))
    counts = np.array([draws[k] for k in valid])
    assert set(draws) <= valid and counts.sum() == 8000
    expected = 8000 / len(valid)
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    dof = len(valid) - 1
    assert chi2 < dof + 5 * np.sqrt(2 * dof), (chi2, dof)  # far inside the uniform law's spread
    assert counts.max() / 8000 < 0.01


def test_mutation_changes_one_decision_and_stays_valid(space: SearchSpace) -> None:
    rng = np.random.default_rng(1)
    for _ in range(50):
        g = space.sample(rng)
        m = space.mutate(g, rng)
        assert m != g and space.check(m) == m
        changed = [k for k in g.values if g[k] != m[k]]
        # one decision, plus the canonicalised or newly activated slots it switched
        assert len(changed) >= 1
        if space.name != "cell":  # a cell's repair may cut the edges a changed op strands
            assert len([k for k in changed if k in space.active(g) and k in space.active(m)]) <= 1


def test_crossover_takes_each_decision_from_a_parent(space: SearchSpace) -> None:
    rng = np.random.default_rng(2)
    for _ in range(30):
        a, b = space.sample(rng), space.sample(rng)
        c = space.crossover(a, b, rng)
        assert space.check(c) == c
        for k in ("neuron", "n_steps", "weight_bits"):
            assert c[k] in (a[k], b[k])


def test_encoding_round_trips(space: SearchSpace) -> None:
    rng = np.random.default_rng(3)
    for _ in range(30):
        g = space.sample(rng)
        x = space.encode(g)
        assert x.shape == (space.dims,) and np.all((x >= 0) & (x <= 1))
        assert space.decode(x) == g
    with pytest.raises(SpaceError, match="encoding"):
        space.decode(np.full(space.dims + 1, 0.5))
    with pytest.raises(SpaceError, match="encoding"):
        space.decode(np.full(space.dims, np.nan))


def test_key_is_stable_and_value_based(space: SearchSpace) -> None:
    g = space.sample(np.random.default_rng(4))
    again = Genome.from_json(g.to_json())
    assert again == g and again.key == g.key and len({g, again}) == 1
    other = space.mutate(g, np.random.default_rng(5))
    assert other.key != g.key


def test_known_key_never_changes() -> None:
    """A stored run's genomes must hash the same in every later version of snnas."""
    g = GlobalSpace().genome({"depth": 1, "width_1": 64, "width_2": 16, "width_3": 16, "neuron": "lif",
                              "tau_m": 0.01, "reset": "zero", "recurrent": False, "n_steps": 16, "encoder": "rate",
                              "weight_bits": 8})
    assert g.key == "57b9cdc86ef3de6d"


def test_unused_decisions_are_canonical() -> None:
    s = GlobalSpace()
    base = {"depth": 1, "width_1": 64, "width_2": 16, "width_3": 16, "neuron": "lif", "tau_m": 0.01,
            "reset": "zero", "recurrent": False, "n_steps": 16, "encoder": "rate", "weight_bits": 8}
    assert s.genome(base) == s.genome({**base, "width_2": 256, "width_3": 128})  # same network, same key
    assert s.hidden(s.genome(base)) == (64,)


def test_bad_genomes_are_named() -> None:
    s = GlobalSpace()
    g = s.sample(np.random.default_rng(0))
    with pytest.raises(SpaceError, match="width_1=7 is not one of"):
        s.genome({**g.values, "width_1": 7})
    with pytest.raises(SpaceError, match="lacks decision 'depth'"):
        s.genome({k: v for k, v in g.values.items() if k != "depth"})
    with pytest.raises(SpaceError, match="unknown decisions"):
        s.genome({**g.values, "colour": 1})
    with pytest.raises(SpaceError, match="space 'block' given to space 'global'"):
        s.check(BlockSpace().sample(np.random.default_rng(0)))
    with pytest.raises(SpaceError, match="not a genome"):
        Genome.from_json("{broken")
    with pytest.raises(SpaceError, match="unknown space"):
        make_space("nope")
    with pytest.raises(SpaceError, match="bad options"):
        make_space("global", colour=3)


@pytest.mark.parametrize("chip_id", list_chips())
def test_restriction_keeps_only_what_the_chip_runs(chip_id: str) -> None:
    chip = load_chip(chip_id)
    for name in ALL:
        try:
            r = make_space(name).restrict(chip)
        except SpaceError as exc:
            assert chip_id in str(exc) and "neuron" in str(exc)
            assert chip.neuron_models is not None
            continue
        c = {d.name: d.choices for d in r.decisions}
        if chip.neuron_models is not None and "programmable" not in chip.neuron_models:
            assert set(c["neuron"]) <= set(chip.neuron_models)
        if chip.connectivity.recurrent is False or chip.core_limits(0).weight_values_per_neuron is not None:
            assert c.get("recurrent", (False,)) == (False,) and c.get("dir_01", ("fwd",)) == ("fwd",)
        wb = chip.precision.weight_bits
        if wb is not None:
            assert all(wb.min <= b <= wb.max and (wb.allowed is None or b in wb.allowed) for b in c["weight_bits"])
        g = r.sample(np.random.default_rng(0))
        assert r.candidate(g).weight_bits in c["weight_bits"]


def test_loihi_restriction() -> None:
    r = GlobalSpace().restrict(load_chip("loihi"))
    c = {d.name: d.choices for d in r.decisions}
    assert c["neuron"] == ("lif", "if", "cuba_lif") and c["recurrent"] == (False, True)
    assert c["weight_bits"] == (2, 4, 8)
    tn = {d.name: d.choices for d in GlobalSpace().restrict(load_chip("truenorth")).decisions}
    assert tn["recurrent"] == (False,)


def test_block_space_expands_blocks_and_adds_random_blocks() -> None:
    s = BlockSpace(max_blocks=3)
    g = s.genome({"n_blocks": 2, "op_1": "bottleneck", "width_1": 64, "op_2": "expand", "width_2": 32,
                  "op_3": "single", "width_3": 16, "neuron": "lif", "recurrent": False, "n_steps": 8,
                  "encoder": "rate", "weight_bits": 8})
    assert s.hidden(g) == (16, 64, 64, 32)
    rng = np.random.default_rng(0)
    grown = [m for m in (s.mutate(g, rng) for _ in range(400)) if m["n_blocks"] == 3]
    assert grown and len({(m["op_3"], m["width_3"]) for m in grown}) > 1  # ADD draws the new block at random


def test_space_options_are_checked() -> None:
    with pytest.raises(SpaceError, match="max_depth"):
        GlobalSpace(max_depth=0)
    with pytest.raises(SpaceError, match="widths"):
        GlobalSpace(widths=(0, 8))
    with pytest.raises(SpaceError, match="unknown ops"):
        BlockSpace(ops=("single", "teleport"))
    assert GlobalSpace(max_depth=2, widths=(8, 16)).size() == 2 * 2 * 2 * 4 * 3 * 2 * 2 * 3 * 4 * 3


def test_cell_matrix_encoding_and_repair() -> None:
    s = CellSpace()
    g = s.from_matrix("0302 0030 3003 0000", width=32)  # SNASNet's CIFAR-100 cell
    assert s.matrix_text(s.matrix(g)) == "0302 0030 3003 0000"
    assert g["dir_02"] == "bwd" and g["op_02"] == 3
    cut = s.from_matrix("0200 0000 0000 0000")  # node 1 leads nowhere, and 0 -> 3 must exist
    assert s.matrix_text(s.matrix(cut)) == "0001 0000 0000 0000"
    dead = s.from_matrix("0001 0020 0003 0000")  # nodes 1, 2 unreachable from 0: cut with their edges
    assert s.matrix_text(s.matrix(dead)) == "0001 0000 0000 0000"
    for bad in ("0302 0030 3003", "0902 0030 3003 0000", "1302 0030 3003 0000", "0302 3030 3003 0000"):
        with pytest.raises(SpaceError, match="cell matrix"):
            s.from_matrix(bad)
    gc = config_of(s.candidate(g, epochs=1))
    assert [(e.src, e.dst, e.kind, e.delay) for e in gc.edges] == [
        ("in", "n0", "dense", 0), ("n0", "n1", "band", 0), ("n2", "n0", "band", 1), ("n0", "n3", "dense", 0),
        ("n1", "n2", "band", 0), ("n2", "n3", "band", 0), ("n3", "out", "dense", 0)]


def test_cell_restriction_drops_backward_edges_where_there_is_no_recurrence() -> None:
    tn = CellSpace().restrict(load_chip("truenorth"))
    rng = np.random.default_rng(0)
    assert all(not np.any(np.tril(tn.matrix(tn.sample(rng)), -1)) for _ in range(50))


@pytest.mark.parametrize("name", ["global", "block", "cell"])
def test_a_genome_decodes_to_a_network_for_the_data(name: str) -> None:
    from snnas.data.datasets import digits
    from snnas.ir.network import Network
    from snnas.train.candidate import network_of

    space = make_space(name)
    g = space.sample(np.random.default_rng(3))
    net = network_of(space.candidate(g), digits())
    assert isinstance(net, Network)
    assert net.inputs[0].size == 64 and net.populations[-1].size == 10
    assert {p.neuron.model for p in net.populations} == {g["neuron"]}
