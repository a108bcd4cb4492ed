"""Pareto dominance (with Deb's constraint domination), non-dominated sorting, crowding distance and
the hypervolume indicator. Every objective is minimised.

Constraint domination (Deb 2000): a dominates b when (i) a is feasible (violation 0) and b is not, or
(ii) both are infeasible and a violates less, or (iii) both are feasible and a is no worse in every
objective and better in at least one.

Hypervolume of a set P with reference point r: the Lebesgue measure of ∪_{p ∈ P, p ≤ r} [p, r], the
region dominated by P and bounded by r. Computed exactly by slicing along the first objective
(hypervolume-by-slicing-objectives): sort by f_1, and for each slab [f_1(p_i), f_1(p_{i+1})) add the
slab width times the (d−1)-dimensional hypervolume of the points up to p_i.

Greedy hypervolume subset selection (``greedy_hypervolume_order``): repeatedly take the point that adds
the most hypervolume to those taken, HV(S ∪ {p}) − HV(S); the first k of that order hold at least
(1 − 1/e) of the best k-subset's hypervolume (the indicator is submodular).
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

__all__ = ["constrained_dominates", "crowding_distance", "dominates", "domination_matrix", "greedy_hypervolume_order",
           "hypervolume", "hypervolume_gains_2d", "non_dominated_sort", "nsga2_order", "pareto_mask"]


def dominates(a: Sequence[float], b: Sequence[float]) -> bool:
    """a is no worse than b everywhere and better somewhere (minimisation)."""
    x, y = np.asarray(a, float), np.asarray(b, float)
    return bool(np.all(x <= y) and np.any(x < y))


def constrained_dominates(a: Sequence[float], va: float, b: Sequence[float], vb: float) -> bool:
    """Deb's constraint domination; ``va``/``vb`` are violations (0 = feasible)."""
    if va == 0 and vb > 0:
        return True
    if va > 0 and vb > 0:
        return va < vb
    if va > 0:
        return False
    return dominates(a, b)


def domination_matrix(points: NDArray[np.float64], violations: Sequence[float] | None = None) -> NDArray[np.bool_]:
    """``D[i, j]``: point i (constrained-)dominates point j (:func:`constrained_dominates`), for all pairs at
    once: feasible beats infeasible, between infeasible points the smaller violation wins, between feasible
    points Pareto dominance (minimisation; a NaN compares false, as in :func:`dominates`)."""
    f = np.asarray(points, dtype=float)
    n = f.shape[0]
    v = np.zeros(n) if violations is None else np.asarray(violations, dtype=float)
    f = f.reshape(n, -1)
    le = np.all(f[:, None, :] <= f[None, :, :], axis=2)
    lt = np.any(f[:, None, :] < f[None, :, :], axis=2)
    ok = v == 0
    both_ok = ok[:, None] & ok[None, :]
    both_bad = ~ok[:, None] & ~ok[None, :]
    dom: NDArray[np.bool_] = (ok[:, None] & ~ok[None, :]) | (both_bad & (v[:, None] < v[None, :])) | (both_ok & le & lt)
    return dom


def non_dominated_sort(points: NDArray[np.float64], violations: Sequence[float] | None = None) -> list[list[int]]:
    """Fronts of indices: front 0 is dominated by no point, front 1 only by front 0, ... (Deb's sort, the
    domination counts of all pairs computed at once by :func:`domination_matrix`; each front ascending)."""
    n = np.asarray(points).shape[0]
    if n == 0:
        return []
    f = np.asarray(points, dtype=float).reshape(n, -1)
    if f.shape[1] == 2 and n > 32 and np.all(np.isfinite(f)) and (
            violations is None or not np.any(np.asarray(violations, dtype=float))):
        return _fronts_2d(f)
    dom = domination_matrix(points, violations)
    count = dom.sum(axis=0)
    placed = np.zeros(n, dtype=bool)
    fronts: list[list[int]] = []
    current = np.flatnonzero(count == 0)
    while current.size:
        fronts.append([int(i) for i in current])
        placed[current] = True
        count = count - dom[current].sum(axis=0)
        current = np.flatnonzero((count == 0) & ~placed)
    return fronts


def _fronts_2d(f: NDArray[np.float64]) -> list[list[int]]:
    """:func:`non_dominated_sort` of finite two-objective points without violations in O(n log n): in
    lexicographic order every point before p has f_1 <= p's, so p is dominated by a front exactly when the
    front's lowest f_2 so far is <= p's f_2 (unless that point equals p); the fronts' lowest f_2 rise with
    the front index, so p's front is found by bisection."""
    order = np.lexsort((f[:, 1], f[:, 0]))
    low: list[float] = []  # per front, the lowest f2 so far (its latest point's)
    last: list[int] = []  # per front, the point that has it
    fronts: list[list[int]] = []
    for i in order.tolist():
        y = f[i, 1]
        k = bisect_right(low, y)  # the first front whose lowest f2 is above y
        if k > 0 and low[k - 1] == y and f[last[k - 1], 0] == f[i, 0]:
            k -= 1  # p equals that front's latest point: equal points share a front
        if k == len(fronts):
            fronts.append([])
            low.append(y)
            last.append(i)
        low[k], last[k] = y, i
        fronts[k].append(i)
    return [sorted(front) for front in fronts]


def crowding_distance(points: NDArray[np.float64]) -> NDArray[np.float64]:
    """Deb's crowding distance of each point within its front: the sum over objectives of the normalised
    gap between its two neighbours; the extremes get +inf (they are kept first)."""
    f = np.asarray(points, dtype=float)
    n, m = f.shape if f.ndim == 2 else (0, 0)
    d = np.zeros(n)
    if n <= 2:
        return np.full(n, np.inf)
    for k in range(m):
        order = np.argsort(f[:, k], kind="stable")
        lo, hi = f[order[0], k], f[order[-1], k]
        d[order[0]] = d[order[-1]] = np.inf
        if hi > lo and np.isfinite(hi - lo):
            d[order[1:-1]] += (f[order[2:], k] - f[order[:-2], k]) / (hi - lo)
    return d


def pareto_mask(points: NDArray[np.float64]) -> NDArray[np.bool_]:
    """True for the points no other point dominates (all pairs compared at once)."""
    f = np.asarray(points, dtype=float)
    if f.shape[0] == 0:
        return np.zeros(0, dtype=bool)
    f = f.reshape(f.shape[0], -1)
    le = np.all(f[None, :, :] <= f[:, None, :], axis=2)  # le[i, j]: point j is no worse than i anywhere
    lt = np.any(f[None, :, :] < f[:, None, :], axis=2)  # lt[i, j]: point j is better than i somewhere
    keep: NDArray[np.bool_] = ~np.any(le & lt, axis=1)
    return keep


def hypervolume(points: NDArray[np.float64], reference: Sequence[float] | NDArray[np.float64]) -> float:
    """Exact hypervolume dominated by ``points`` (rows, minimised) and bounded by ``reference``.

    Points not strictly better than the reference in every objective contribute nothing.
    """
    r = np.asarray(reference, dtype=float)
    f = np.asarray(points, dtype=float).reshape(-1, r.size)
    f = f[np.all(np.isfinite(f), axis=1) & np.all(f < r, axis=1)]
    if f.shape[0] == 0:
        return 0.0
    f = f[pareto_mask(f)]
    return _hv(f, r)


def _hv(f: NDArray[np.float64], r: NDArray[np.float64]) -> float:
    if f.shape[1] == 1:
        return float(r[0] - f[:, 0].min())
    if f.shape[1] == 2:  # sweep: sorted by f1, f2 falls along the front
        f = f[np.argsort(f[:, 0], kind="stable")]
        xs = np.append(f[:, 0], r[0])  # slab i spans [f1_i, f1_{i+1}) at height r2 - min(f2 up to i)
        return float(np.sum((xs[1:] - xs[:-1]) * (r[1] - np.minimum.accumulate(f[:, 1]))))
    order = np.argsort(f[:, 0], kind="stable")
    f = f[order]
    xs = np.append(f[:, 0], r[0])
    total = 0.0
    for i in range(f.shape[0]):
        width = xs[i + 1] - xs[i]
        if width > 0:
            sub = f[: i + 1, 1:]
            total += width * _hv(sub[pareto_mask(sub)], r[1:])
    return float(total)


def _single_volumes(points: NDArray[np.float64], reference: Sequence[float] | NDArray[np.float64]) -> list[float]:
    """:func:`hypervolume` of each point alone, for all points at once, with the same floating-point
    operations (the box's sides multiplied from the last objective inward, as the sweep and its recursion
    do); 0 for a point not strictly below the reference in every objective, or not finite."""
    r = np.asarray(reference, dtype=float)
    f = np.asarray(points, dtype=float).reshape(-1, r.size)
    side = r - f
    vol = side[:, -1].copy()
    for k in range(r.size - 2, -1, -1):
        vol = side[:, k] * vol
    inside = np.all(np.isfinite(f), axis=1) & np.all(f < r, axis=1)
    return [float(v) if ok else 0.0 for v, ok in zip(vol, inside)]


def greedy_hypervolume_order(points: NDArray[np.float64],
                             reference: Sequence[float] | NDArray[np.float64]) -> list[int]:
    """Indices of the points that add hypervolume, in greedy order (largest gain first, ties to the lower
    index); points that add none (dominated, or not below ``reference``) are left out.

    Lazy greedy: the hypervolume is submodular, so a point's gain never grows as points are chosen; each
    point keeps the gain last computed for it as a bound, and only the point on top of the heap (largest
    bound, then lowest index) is recomputed, until the top is up to date: it is then the eager greedy
    choice, since every other gain is at most its bound. The gains are computed as the eager loop would
    (hypervolume of the chosen points with it, less their hypervolume).
    """
    p = np.asarray(points, dtype=float)
    if p.ndim == 2 and p.shape[1] == 2 and np.size(reference) == 2:
        return _greedy_order_2d(p, np.asarray(reference, dtype=float))
    order: list[int] = []
    total = 0.0
    heap = [(-g, i, 0) for i, g in enumerate(_single_volumes(p, reference))]  # (-gain bound, index, round)
    heapq.heapify(heap)
    while heap:
        neg_gain, i, computed = heapq.heappop(heap)
        if computed != len(order):  # stale: recompute against the points chosen since
            heapq.heappush(heap, (-(hypervolume(p[order + [i]], reference) - total), i, len(order)))
            continue
        if -neg_gain <= 0.0:
            break
        total += -neg_gain
        order.append(i)
    return order


def hypervolume_gains_2d(cands: NDArray[np.float64], chosen: NDArray[np.float64],
                  r: NDArray[np.float64]) -> NDArray[np.float64]:
    """The hypervolume each of ``cands`` (n, 2) adds to ``chosen`` (k, 2), all at once: the area of its box
    [p, r] above the staircase of the chosen points, Σ_j width_j · max(0, min(h_j, r_2) − p_2) over the
    staircase's slabs [x_j, x_{j+1}) ∩ [p_1, r_1], h_j the lowest f_2 of the chosen points with f_1 ≤ x_j
    (r_2 left of them all)."""
    c = chosen[np.argsort(chosen[:, 0], kind="stable")]
    lo = np.concatenate(([-np.inf], c[:, 0]))
    hi = np.concatenate((c[:, 0], [np.inf]))
    h = np.minimum(np.concatenate(([r[1]], np.minimum.accumulate(c[:, 1]))), r[1])
    width = np.clip(np.minimum(hi, r[0])[None, :] - np.maximum(lo[None, :], cands[:, :1]), 0.0, None)
    height = np.clip(h[None, :] - cands[:, 1:], 0.0, None)
    gains: NDArray[np.float64] = np.sum(width * height, axis=1)
    return gains


def _greedy_order_2d(p: NDArray[np.float64], r: NDArray[np.float64]) -> list[int]:
    """:func:`greedy_hypervolume_order` for two objectives: every gain recomputed each round, all at once
    (:func:`hypervolume_gains_2d`), the largest taken (ties to the lower index), until none adds any."""
    left = np.flatnonzero(np.all(np.isfinite(p), axis=1) & np.all(p < r, axis=1))
    order: list[int] = []
    while left.size:
        gains = hypervolume_gains_2d(p[left], p[order].reshape(-1, 2), r)
        k = int(np.argmax(gains))
        if gains[k] <= 0.0:
            break
        order.append(int(left[k]))
        left = np.delete(left, k)
        left = left[gains[np.arange(gains.size) != k] > 0.0]  # a gain only falls: a point adding 0 never will
    return order


def nsga2_order(points: NDArray[np.float64], violations: Sequence[float] | None = None) -> list[int]:
    """All indices, best first in NSGA-II's order: (constrained) non-dominated front, then crowding
    distance within the front (largest first, so a front's extremes lead), then the first objective,
    then the index."""
    p = np.asarray(points, dtype=float)
    order: list[int] = []
    for front in non_dominated_sort(p, violations) if len(p) else []:
        crowd = crowding_distance(p[front])
        order.extend(front[k] for k in sorted(range(len(front)), key=lambda k: (-crowd[k], p[front[k], 0], front[k])))
    return order
