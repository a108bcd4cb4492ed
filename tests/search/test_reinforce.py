"""The REINFORCE controller: its policy gradient, rewards, baseline, options, determinism, and that it
beats random search on the synthetic trade-off of the contract suite."""

from __future__ import annotations

import math

import numpy as np
import pytest

from snnas.search import Result, StrategyError, make_strategy
from snnas.search.reinforce import (
    Reinforce,
    entropy,
    entropy_grad,
    hypervolume_reward,
    log_prob,
    log_prob_grad,
    normalize,
    penalty,
    sample_indices,
    softmax,
)
from snnas.space import GlobalSpace
from tests.search.test_strategies import context, drive_proposals, keys

SIZES = [3, 5, 2, 4]


def _fd(f: object, theta: np.ndarray, h: float = 1e-6) -> np.ndarray:
    out = np.zeros_like(theta)
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = h
        out[i] = (f(theta + e) - f(theta - e)) / (2 * h)  # type: ignore[operator]
    return out


def test_log_prob_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(0)
    theta = rng.normal(size=sum(SIZES))
    choice = [2, 0, 1, 3]
    analytic = log_prob_grad(theta, SIZES, choice)
    numeric = _fd(lambda t: log_prob(t, SIZES, choice), theta)
    assert np.allclose(analytic, numeric, atol=1e-7)


def test_entropy_gradient_matches_finite_differences() -> None:
    theta = np.random.default_rng(1).normal(size=sum(SIZES))
    assert np.allclose(entropy_grad(theta, SIZES), _fd(lambda t: entropy(t, SIZES), theta), atol=1e-7)
    assert entropy(np.zeros(sum(SIZES)), SIZES) == pytest.approx(sum(math.log(n) for n in SIZES))


def test_sampling_follows_the_policy() -> None:
    theta = np.log(np.array([0.2, 0.5, 0.3]))
    rng = np.random.default_rng(0)
    draws = np.array([sample_indices(theta, [3], rng.random(1))[0] for _ in range(20000)])
    assert np.allclose(np.bincount(draws, minlength=3) / draws.size, softmax(theta), atol=0.01)


def test_policy_concentrates_on_a_rewarded_choice() -> None:
    space = GlobalSpace()
    s = Reinforce(space, seed=0)
    for _ in range(60):
        g = s.ask()
        s.tell(g, Result((-1.0 if g["encoder"] == "ttfs" else 0.0,), 0.0, "ok"))
    p = s.probabilities()
    assert p["encoder"][space.decisions[-2].choices.index("ttfs")] > 0.9


def test_baseline_is_an_exponential_moving_average_and_scales_the_advantage() -> None:
    s = Reinforce(GlobalSpace(), seed=0, baseline_decay=0.9)
    rewards = [1.0, 3.0, -2.0, 0.5]
    b: float | None = None
    s2 = 0.0
    for r in rewards:
        a = s._advantage(r)
        b = r if b is None else b
        d = r - b
        s2 = 0.9 * s2 + 0.1 * d * d
        assert a == pytest.approx(d / math.sqrt(s2) if s2 > 0 else 0.0)
        b = 0.9 * b + 0.1 * r
        assert s.baseline == pytest.approx(b)
        assert abs(a) <= 1 / math.sqrt(1 - 0.9) + 1e-12


def test_first_tell_leaves_a_uniform_policy_and_a_better_reward_reinforces_its_choices() -> None:
    space = GlobalSpace()
    s = Reinforce(space, seed=0)
    g0 = s.ask()
    s.tell(g0, Result((0.0,), 0.0, "ok"))  # advantage 0; the entropy gradient is 0 at the uniform policy
    assert np.allclose(s.theta, 0.0)
    g1 = s.ask()
    choice = s.pending[0][1]
    s.tell(g1, Result((-1.0,), 0.0, "ok"))  # reward 1 above the baseline
    for seg, (d, k) in zip(np.split(s.theta, np.cumsum(s.sizes)[:-1]), zip(space.decisions, choice)):
        if len(d.choices) > 1:
            assert seg[k] == seg.max() > 0


def test_infeasible_and_failed_results_rank_below_every_fitting_one() -> None:
    assert penalty([], 1.0) == -0.25
    assert penalty([0.2, -0.6], 1.0) == pytest.approx(-0.8)
    assert penalty([0.2, -0.6], 3.0) < penalty([0.2, -0.6], 1.0)
    assert penalty([0.2, -0.6], math.inf) == pytest.approx(-1.4)
    s = Reinforce(GlobalSpace(), seed=0)
    r_ok = s.reward(Result((-0.5, 1e-5), 0.0, "ok"))
    r_ok2 = s.reward(Result((-0.7, 1e-4), 0.0, "ok"))
    r_bad = s.reward(Result((math.inf, math.inf), 2.0, "infeasible"))
    r_fail = s.reward(Result((math.inf, math.inf), math.inf, "failed"))
    assert r_fail < r_bad < min(r_ok, r_ok2)


def test_hypervolume_reward() -> None:
    front = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert hypervolume_reward(np.array([0.5, 0.5]), np.zeros((0, 2))) == 0.0
    assert hypervolume_reward(np.array([0.5, 0.5]), front) == pytest.approx(0.25)  # the new square
    assert hypervolume_reward(np.array([1.0, 1.0]), front) == 0.0  # weakly dominated: adds nothing
    assert hypervolume_reward(np.array([1.2, 1.3]), front) == pytest.approx(-0.3)  # ε to reach the front
    z = normalize(np.array([[-0.5, 1e-6], [-0.9, 1e-4], [-0.7, 1e-5]]), [False, True])
    assert np.allclose(z, [[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])


@pytest.mark.parametrize(("options", "named"), [
    ({"lr": 0.0}, "lr"), ({"lr": math.nan}, "lr"), ({"baseline_decay": 1.0}, "baseline_decay"),
    ({"baseline_decay": -0.1}, "baseline_decay"), ({"entropy": -1e-3}, "entropy"), ({"batch": 0}, "batch"),
    ({"batch": 2.0}, "batch"), ({"optimizer": "rmsprop"}, "optimizer"), ({"scalarize": "sum"}, "scalarize"),
])
def test_bad_options_are_named(options: dict[str, object], named: str) -> None:
    with pytest.raises(StrategyError, match=named):
        make_strategy("reinforce", GlobalSpace(), 0, **options)


def test_a_genome_that_was_not_asked_is_refused() -> None:
    space = GlobalSpace()
    s = Reinforce(space, seed=0)
    g = s.ask()
    other = space.mutate(g, np.random.default_rng(0))
    with pytest.raises(StrategyError, match="not among"):
        s.tell(other, Result((0.0,), 0.0, "ok"))


@pytest.mark.parametrize("options", [{}, {"optimizer": "adam", "lr": 0.1, "batch": 4},
                                     {"scalarize": "tchebycheff"}])
def test_asks_repeat_for_a_seed_and_sequence_of_tells(options: dict[str, object]) -> None:
    from tests.search import test_strategies as ts

    saved = ts.OPTIONS.get("reinforce")
    ts.OPTIONS["reinforce"] = options
    try:
        a = keys(drive_proposals("reinforce", 5, 30, lag=3))
        assert a == keys(drive_proposals("reinforce", 5, 30, lag=3))
        assert len(set(a)) == 30
        assert a != keys(drive_proposals("reinforce", 6, 30, lag=3))
    finally:
        if saved is None:
            ts.OPTIONS.pop("reinforce", None)
        else:
            ts.OPTIONS["reinforce"] = saved


def test_works_without_a_context() -> None:
    space = GlobalSpace()
    s = Reinforce(space, seed=0)
    from tests.search.test_strategies import toy

    for _ in range(12):
        g = s.ask()
        s.tell(g, toy(space, g))
    assert s.told == 12 and len(s.points[0]) == 2
    assert s._log_columns(np.array(s.points)) == [False, True]  # −accuracy linear, energy on a log scale
    bound = Reinforce(space, seed=0)
    bound.bind(context())
    assert bound._log_columns(np.array(s.points)) == [False, True]
