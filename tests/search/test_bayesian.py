"""The Optuna adapter (snnas.search.bayesian): determinism, conditional parameters, constraints and
failures as Optuna sees them, de-duplication, logging, the GP's PyTorch requirement, and TPE against
random sampling on the synthetic trade-off of test_strategies."""

from __future__ import annotations

import importlib.util
import logging
import math

import optuna
import pytest
from optuna.distributions import CategoricalDistribution, IntDistribution
from optuna.trial import TrialState

from snnas.search import Result, Strategy, StrategyError, make_strategy
from snnas.search.bayesian import OptunaStrategy, OptunaTPE
from snnas.space import Genome, GlobalSpace

from .test_strategies import context, drive_proposals, keys, toy

HAS_TORCH = importlib.util.find_spec("torch") is not None


class Uniform(OptunaStrategy):
    """The adapter over Optuna's random sampler, every decision suggested (the GP's parameter plan,
    without PyTorch)."""

    name = "uniform"
    conditional = False

    def _sampler(self, seed: int) -> optuna.samplers.BaseSampler:
        return optuna.samplers.RandomSampler(seed=seed)


def run(s: Strategy, space: GlobalSpace, n: int) -> list[tuple[Genome, Result]]:
    """``n`` asks of ``s`` answered at once by ``toy``."""
    out = []
    for _ in range(n):
        g = s.ask()
        out.append((g, toy(space, g)))
        s.tell(g, out[-1][1])
    return out


def by_genome(s: Strategy) -> dict[str, optuna.trial.FrozenTrial]:
    assert isinstance(s, OptunaStrategy) and s.study is not None
    return {t.user_attrs["genome"]: t for t in s.study.trials if "genome" in t.user_attrs}


def test_same_seed_and_tells_give_the_same_asks_with_lag() -> None:
    a = keys(drive_proposals("tpe", 5, 30, lag=3))
    assert a == keys(drive_proposals("tpe", 5, 30, lag=3))
    assert a != keys(drive_proposals("tpe", 6, 30, lag=3))


def test_suggest_types_follow_the_order_of_the_choices() -> None:
    space = GlobalSpace()
    s = OptunaTPE(space, 0)
    s.bind(context())
    run(s, space, 3)
    dist: dict[str, object] = {}
    for t in s.study.trials:  # type: ignore[union-attr]
        dist.update(t.distributions)
    assert dist["depth"] == IntDistribution(0, 2)
    assert dist["width_1"] == IntDistribution(0, 4)  # 16 .. 256: the choice index
    assert dist["tau_m"] == IntDistribution(0, 2)
    assert dist["neuron"] == CategoricalDistribution(["lif", "if", "cuba_lif", "adaptive_lif"])
    assert dist["recurrent"] == CategoricalDistribution([False, True])


def test_tpe_suggests_only_the_decisions_a_genome_uses() -> None:
    space = GlobalSpace()
    s = make_strategy("tpe", space, 1, context())
    assert isinstance(s, OptunaTPE)
    genomes = [g for g, _ in run(s, space, 30)]
    trials = by_genome(s)
    assert {g["depth"] for g in genomes} == {1, 2, 3} and any(g["neuron"] == "if" for g in genomes)
    for g in genomes:
        t = trials[g.key]
        assert set(t.params) == set(space.active(g)), space.describe(g)
        assert all(t.params[d] == g[d] for d in ("neuron", "reset", "encoder", "recurrent"))
        assert space.hidden(g) == tuple(space.decisions[1].choices[t.params[f"width_{i}"]]
                                        for i in range(1, g["depth"] + 1))


def test_unconditional_plan_suggests_every_decision() -> None:
    space = GlobalSpace()
    s = Uniform(space, 0)
    s.bind(context())
    for g, _ in run(s, space, 8):
        assert set(by_genome(s)[g.key].params) == {d.name for d in space.decisions}


def test_chip_violations_reach_optuna_as_constraints() -> None:
    space = GlobalSpace(max_depth=2, widths=(128, 256))  # a quarter of the networks have two 256 layers
    s = OptunaTPE(space, 0, startup=5)
    s.bind(context())
    told = run(s, space, 25)
    trials = by_genome(s)
    infeasible = [g for g, r in told if r.status == "infeasible"]
    assert infeasible and len(infeasible) < len(told)
    for g, r in told:
        t = trials[g.key]
        assert t.state == TrialState.COMPLETE
        assert t.constraints == {"chip": r.violation}
        assert all(math.isfinite(v) for v in t.values)  # inf fitness replaced by a placeholder
    worst_energy = max(r.fitness[1] for _, r in told if r.status == "ok")
    late = trials[infeasible[-1].key].values
    assert late[1] <= worst_energy and late[0] <= 0.0


def test_failed_results_are_failed_trials_and_other_values_stay() -> None:
    space = GlobalSpace()
    s = OptunaTPE(space, 0)
    s.bind(context(scalar=True))
    a, b, c = s.ask(), s.ask(), s.ask()
    s.tell(a, Result((math.inf,), math.inf, "failed"))
    s.tell(b, Result((-0.25,), 0.0, "ok"))
    s.tell(c, Result((math.inf,), 1.0, "infeasible"))
    trials = by_genome(s)
    assert trials[a.key].state == TrialState.FAIL and trials[a.key].constraints == {}
    assert trials[b.key].values == [-0.25] and trials[b.key].constraints == {"chip": 0.0}
    assert trials[c.key].values == [-0.25] and trials[c.key].constraints == {"chip": 1.0}  # the worst told


def test_misuse_is_named() -> None:
    space = GlobalSpace()
    with pytest.raises(StrategyError, match="no SearchContext bound"):
        OptunaTPE(space, 0).ask()
    s = make_strategy("tpe", space, 0, context())
    a, b = s.ask(), s.ask()
    with pytest.raises(StrategyError, match="in ask order"):
        s.tell(b, Result((0.0, 0.0), 0.0, "ok"))
    s = make_strategy("tpe", space, 0, context())
    a = s.ask()
    with pytest.raises(StrategyError, match="expected 2"):
        s.tell(a, Result((0.0,), 0.0, "ok"))
    with pytest.raises(StrategyError, match="startup"):
        make_strategy("tpe", space, startup=0)
    with pytest.raises(StrategyError, match="retries"):
        make_strategy("tpe", space, retries=0)


def test_duplicates_are_failed_and_a_fresh_genome_is_enqueued(caplog: pytest.LogCaptureFixture) -> None:
    space = GlobalSpace(max_depth=1, widths=(8, 16), neurons=("lif",), tau_m=(0.01,), resets=("zero",),
                        n_steps=(8,), encoders=("rate",), weight_bits=(8,), recurrent=(False, True))
    s = OptunaTPE(space, 0, retries=1)  # four genomes: repeats are likely, each ask tries Optuna once
    s.bind(context())
    with caplog.at_level(logging.INFO, logger="snnas.search"):
        genomes = [g for g, _ in run(s, space, 4)]
    assert len({g.key for g in genomes}) == 4
    assert "enqueuing an unseen neighbour of the last one instead" in caplog.text  # the fallback is logged
    assert s.study is not None
    dups = [t for t in s.study.trials if "duplicate_of" in t.user_attrs]
    assert dups and all(t.state == TrialState.FAIL for t in dups)
    assert all(t.state == TrialState.COMPLETE for t in by_genome(s).values())
    assert len(by_genome(s)) == 4  # every genome asked, enqueued or not, was told to Optuna


def test_optuna_logging_is_quiet_and_left_as_it_was(capfd: pytest.CaptureFixture[str]) -> None:
    before = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.INFO)
    try:
        space = GlobalSpace()
        s = make_strategy("tpe", space, 0, context())
        run(s, space, 3)
        assert optuna.logging.get_verbosity() == optuna.logging.INFO
    finally:
        optuna.logging.set_verbosity(before)
    assert "finished with" not in capfd.readouterr().err


@pytest.mark.skipif(HAS_TORCH, reason="PyTorch is installed")
def test_gp_without_torch_says_how_to_enable_it() -> None:
    with pytest.raises(StrategyError, match=r"PyTorch.*snnas\[gp\]"):
        make_strategy("gp", GlobalSpace(), 0, context())


@pytest.mark.skipif(not HAS_TORCH, reason="the GP sampler needs PyTorch (pip install 'snnas[gp]')")
def test_gp_runs_past_its_start_up_with_constraints() -> None:
    space = GlobalSpace(max_depth=2, widths=(128, 256))
    s = make_strategy("gp", space, 0, context(), startup=4)
    told = run(s, space, 7)
    assert len({g.key for g, _ in told}) == 7
    assert {t.constraints["chip"] for t in by_genome(s).values()} >= {0.0}
