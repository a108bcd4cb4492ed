"""Dominance, sorting, crowding and hypervolume against brute force and closed forms."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from snnas.search.pareto import (
    constrained_dominates,
    crowding_distance,
    dominates,
    hypervolume,
    non_dominated_sort,
    pareto_mask,
)


def test_dominance_and_constraints() -> None:
    assert dominates([0, 1], [1, 1]) and not dominates([1, 1], [1, 1]) and not dominates([0, 2], [1, 1])
    assert constrained_dominates([9, 9], 0, [0, 0], 1)  # fitting beats not fitting
    assert constrained_dominates([9, 9], 1, [0, 0], 2)  # fewer violations win
    assert not constrained_dominates([0, 0], 1, [9, 9], 0)
    assert constrained_dominates([0, 0], 0, [1, 1], 0)


def test_hypervolume_closed_forms() -> None:
    assert hypervolume(np.array([[0.0, 0.0]]), [1, 1]) == 1.0
    assert hypervolume(np.array([[0.0, 0.5], [0.5, 0.0]]), [1, 1]) == 0.75
    assert hypervolume(np.array([[2.0, 0.0]]), [1, 1]) == 0.0  # outside the reference box
    pts = np.array([[0.0, 0.5, 0.5], [0.5, 0.0, 0.5], [0.5, 0.5, 0.0]])
    # union of three boxes of volume 0.25 each, pairwise overlaps 0.125, triple overlap 0.125
    assert abs(hypervolume(pts, [1, 1, 1]) - (3 * 0.25 - 3 * 0.125 + 0.125)) < 1e-12


def _monte_carlo_free_hv(points: np.ndarray, ref: np.ndarray) -> float:
    """Exact hypervolume by inclusion-exclusion over all subsets (small sets only)."""
    total = 0.0
    pts = [p for p in points if np.all(p < ref)]
    for k in range(1, len(pts) + 1):
        for sub in itertools.combinations(pts, k):
            corner = np.max(np.array(sub), axis=0)
            total += (-1) ** (k + 1) * float(np.prod(ref - corner))
    return total


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 7), st.integers(2, 3)),
              elements=st.floats(0, 1, allow_nan=False).map(lambda x: round(x, 2))))
def test_hypervolume_matches_inclusion_exclusion(points: np.ndarray) -> None:
    ref = np.full(points.shape[1], 1.01)
    assert abs(hypervolume(points, ref) - _monte_carlo_free_hv(points, ref)) < 1e-9


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 12), st.just(2)), elements=st.integers(0, 5).map(float)),
       st.lists(st.integers(0, 2), min_size=12, max_size=12))
def test_sorting_matches_brute_force(points: np.ndarray, vio: list[int]) -> None:
    v = [float(x) for x in vio[: points.shape[0]]]
    fronts = non_dominated_sort(points, v)
    assert sorted(i for f in fronts for i in f) == list(range(points.shape[0]))
    rank = {i: k for k, f in enumerate(fronts) for i in f}
    for i in range(len(v)):
        for j in range(len(v)):
            if constrained_dominates(points[i], v[i], points[j], v[j]):
                assert rank[i] < rank[j]
    feasible0 = [i for i in range(len(v)) if v[i] == 0]
    if not any(x > 0 for x in v):
        assert set(fronts[0]) == set(np.flatnonzero(pareto_mask(points)))
    elif feasible0:
        assert set(fronts[0]) <= set(feasible0)


def test_crowding_prefers_the_extremes_and_the_lonely() -> None:
    pts = np.array([[0.0, 1.0], [0.1, 0.9], [0.5, 0.5], [1.0, 0.0]])
    d = crowding_distance(pts)
    assert np.isinf(d[0]) and np.isinf(d[3]) and d[2] > d[1]


def test_greedy_hypervolume_order_takes_the_largest_gain_first() -> None:
    from snnas.search.pareto import greedy_hypervolume_order

    pts = np.array([[-0.9, 5.0], [-0.5, 1.0], [-0.7, 3.0], [-0.6, 4.0], [-0.4, 6.0]])
    ref = [0.0, 10.0]
    order = greedy_hypervolume_order(pts, ref)
    # single-point volumes: 4.5, 4.5, 4.9, 3.6, 1.6 -> (−0.7, 3) first; dominated points are left out
    assert order[0] == 2 and set(order) == {0, 1, 2} and 3 not in order and 4 not in order
    gains = [hypervolume(pts[order[: k + 1]], ref) - hypervolume(pts[order[:k]], ref) if k else
             hypervolume(pts[order[:1]], ref) for k in range(len(order))]
    assert all(a >= b for a, b in itertools.pairwise(gains))
    assert greedy_hypervolume_order(np.array([[1.0, 20.0]]), ref) == []


def _pairwise_fronts(points: np.ndarray, v: np.ndarray) -> list[list[int]]:
    """Deb's fast sort pair by pair with constrained_dominates: the definition the vectorised sort must equal."""
    n = len(points)
    beaten = [[j for j in range(n) if j != i and constrained_dominates(points[i], v[i], points[j], v[j])]
              for i in range(n)]
    count = [sum(i in beaten[k] for k in range(n)) for i in range(n)]
    fronts, current = [], [i for i in range(n) if count[i] == 0]
    while current:
        fronts.append(current)
        nxt = []
        for i in current:
            for j in beaten[i]:
                count[j] -= 1
                if count[j] == 0:
                    nxt.append(j)
        current = sorted(nxt)
    return fronts


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 40), st.integers(1, 3), st.integers(0, 2**32 - 1))
def test_vectorised_sort_equals_the_pairwise_definition(n: int, m: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    pts = rng.integers(0, 4, size=(n, m)).astype(float)  # few values: ties and duplicates are common
    if n:
        pts[rng.random((n, m)) < 0.05] = np.inf
        pts[rng.random((n, m)) < 0.03] = np.nan
    v = np.where(rng.random(n) < 0.3, rng.integers(1, 3, size=n), 0).astype(float)
    assert non_dominated_sort(pts, v) == _pairwise_fronts(pts, v)
    assert non_dominated_sort(pts) == _pairwise_fronts(pts, np.zeros(n))


def _eager_greedy(points: np.ndarray, reference: list[float]) -> list[int]:
    """The greedy hypervolume order recomputing every gain every round (what the lazy one must equal)."""
    order: list[int] = []
    left = list(range(len(points)))
    total = 0.0
    while left:
        gains = [hypervolume(points[order + [i]], reference) - total for i in left]
        k = int(np.argmax(gains))
        if gains[k] <= 0.0:
            break
        total += gains[k]
        order.append(left.pop(k))
    return order


@settings(max_examples=120, deadline=None)
@given(st.integers(0, 30), st.integers(1, 3), st.integers(0, 2**32 - 1))
def test_lazy_greedy_order_equals_the_eager_one(n: int, m: int, seed: int) -> None:
    from snnas.search.pareto import greedy_hypervolume_order

    rng = np.random.default_rng(seed)
    pts = rng.integers(0, 6, size=(n, m)).astype(float)  # small integers: exact ties and duplicates
    ref = [6.0] * m
    assert greedy_hypervolume_order(pts, ref) == _eager_greedy(pts, ref)
    real = rng.random((n, m))
    assert greedy_hypervolume_order(real, [1.1] * m) == _eager_greedy(real, [1.1] * m)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 25), st.integers(1, 3), st.integers(0, 2**32 - 1))
def test_single_volumes_and_the_mask_equal_their_definitions(n: int, m: int, seed: int) -> None:
    from snnas.search.pareto import _single_volumes

    rng = np.random.default_rng(seed)
    pts = rng.random((n, m)) * 1.3
    if n:
        pts[rng.random((n, m)) < 0.05] = np.inf
        pts[rng.random((n, m)) < 0.05] = np.nan
    ref = [1.1] * m
    assert _single_volumes(pts, ref) == [hypervolume(pts[[i]], ref) for i in range(n)]  # bit for bit
    mask = pareto_mask(pts)
    assert mask.tolist() == [not any(dominates(pts[j], pts[i]) for j in range(n)) for i in range(n)]


@settings(max_examples=60, deadline=None)
@given(st.integers(33, 80), st.integers(2, 9), st.booleans(), st.integers(0, 2**32 - 1))
def test_two_objective_sort_by_bisection_equals_the_pairwise_definition(n: int, levels: int, real: bool,
                                                                        seed: int) -> None:
    """Finite two-objective points without violations take the O(n log n) path (more than 32 points)."""
    rng = np.random.default_rng(seed)
    pts = rng.random((n, 2)) if real else rng.integers(0, levels, size=(n, 2)).astype(float)
    assert non_dominated_sort(pts) == _pairwise_fronts(pts, np.zeros(n))
    assert non_dominated_sort(pts, np.zeros(n)) == _pairwise_fronts(pts, np.zeros(n))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 50), st.integers(0, 2**32 - 1))
def test_two_objective_greedy_order_equals_the_eager_one_on_larger_sets(n: int, seed: int) -> None:
    from snnas.search.pareto import greedy_hypervolume_order

    rng = np.random.default_rng(seed)
    pts = rng.integers(0, 8, size=(n, 2)).astype(float)
    if n:
        pts[rng.random((n, 2)) < 0.05] = np.inf
    assert greedy_hypervolume_order(pts, [8.0, 8.0]) == _eager_greedy(pts, [8.0, 8.0])
    real = np.c_[-rng.random(n), np.exp(rng.normal(size=n))]  # (-accuracy, energy) as the searches give them
    assert greedy_hypervolume_order(real, [0.0, 50.0]) == _eager_greedy(real, [0.0, 50.0])
