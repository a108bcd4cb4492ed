"""Predictor-guided search: a surrogate of every objective, fitted on the results told so far, chooses
the next genome from a pool of candidates (BANANAS, White et al., AAAI 2021; with a tree ensemble in
place of its neural-network ensemble, as in SMAC's random forest).

After ``startup`` uniform draws, each ask:

1. fits (again once the fitting results have grown by ``refit``, default 15 %: fitting is most of its
   bookkeeping) an extremely randomised tree ensemble (scikit-learn ``ExtraTreesRegressor``, ``trees`` trees,
   multi-output) on the fitting full-fidelity results: input the genome's encoding
   (``SearchSpace.encode``: each decision's choice index scaled to [0, 1]), outputs the fitness with every
   cost objective as log10 (energy and latency span decades; −accuracy stays as it is). Genomes that did
   not fit the chip train a feasibility classifier (``ExtraTreesClassifier``) when both kinds were told;
2. draws a pool of ``pool`` genomes not asked before: a share ``local`` of mutations of the current
   front (BANANAS' local candidates), the rest uniform;
3. scores each by an optimistic prediction, per objective the ensemble mean minus ``kappa`` × the spread
   across its trees (the lower confidence bound, objectives minimised): with several objectives by the
   hypervolume that point would add to the front told so far (reference ``Strategy.reference``, in the
   same log scale), times the predicted probability of fitting; with one objective by the bound itself;
4. proposes the best (ties to the lower pool index; when no point would add hypervolume, the one with
   the best bound of the first objective).

Everything is seeded from ``self.rng``; the same tells give the same asks.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from snnas.search.base import Result, Strategy, StrategyError
from snnas.search.pareto import hypervolume, hypervolume_gains_2d, pareto_mask
from snnas.space.base import Genome, SearchSpace

__all__ = ["PredictorSearch"]


class PredictorSearch(Strategy):
    """Surrogate-guided proposals from a candidate pool; see the module docstring.

    Args:
        startup: uniform draws before the surrogate is used (>= 2).
        pool: candidates scored per ask (>= 1).
        local: share of the pool made by mutating the front, in [0, 1].
        trees: trees in the ensemble (>= 2).
        kappa: weight of the ensemble's spread in the optimistic bound (>= 0; 0 is pure exploitation).
    """

    name = "predictor"

    def __init__(self, space: SearchSpace, seed: int = 0, startup: int = 10, pool: int = 64, local: float = 0.5,
                 trees: int = 16, kappa: float = 1.0, refit: float = 1.15) -> None:
        super().__init__(space, seed)
        for arg, v, low in (("startup", startup, 2), ("pool", pool, 1), ("trees", trees, 2)):
            if isinstance(v, bool) or not isinstance(v, int) or v < low:
                raise StrategyError(f"predictor: {arg} must be an integer >= {low}, got {v!r}")
        for arg, x, hi in (("local", local, 1.0), ("kappa", kappa, math.inf)):
            if isinstance(x, bool) or not isinstance(x, (int, float)) or not 0.0 <= x <= hi or math.isnan(x):
                raise StrategyError(f"predictor: {arg} must be a number in [0, {hi}], got {x!r}")
        if isinstance(refit, bool) or not isinstance(refit, (int, float)) or not 1.0 <= refit < math.inf:
            raise StrategyError(f"predictor: refit must be a number >= 1, got {refit!r}")
        self.startup, self.pool, self.local, self.trees, self.kappa = startup, pool, float(local), trees, float(kappa)
        self.refit = float(refit)
        self._models: tuple[int, Any, Any] | None = None  # (results fitted on, regressor, classifier or None)
        self.x: list[NDArray[np.float64]] = []  # encodings of the fitting full-fidelity results
        self.y: list[tuple[float, ...]] = []  # their fitness
        self.genomes: list[Genome] = []
        self.fit_x: list[NDArray[np.float64]] = []  # every full-fidelity result's encoding, fitting or not
        self.fit_ok: list[bool] = []

    # -- surrogate ---------------------------------------------------------------------------------
    def _scale(self, f: NDArray[np.float64]) -> NDArray[np.float64]:
        """Fitness as the surrogate models it: cost objectives as log10 (module docstring)."""
        out = np.array(f, dtype=float)
        names = self.context.objectives.names if self.context is not None and not self.context.objectives.scalar \
            else ("accuracy",) * out.shape[-1]
        for k, name in enumerate(names[: out.shape[-1]]):
            if name != "accuracy":
                out[..., k] = np.log10(np.maximum(out[..., k], 1e-300))
        return out

    def _fitted(self) -> tuple[Any, Any]:
        """The ensemble (and feasibility classifier), refitted once the fitting results have grown by the
        factor ``refit`` since the last fit (every result while there are fewer than 2 × startup)."""
        from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor

        n = len(self.y)
        m = self._models
        if m is not None and ((n == m[0]) if n < 2 * self.startup else (n < m[0] * self.refit)):
            return m[1], m[2]
        seed = int(self.rng.integers(2**31))
        model = ExtraTreesRegressor(n_estimators=self.trees, random_state=seed, n_jobs=1)
        y = self._scale(np.array(self.y))
        model.fit(np.array(self.x), y if y.shape[1] > 1 else y.ravel())
        clf = None
        if len(set(self.fit_ok)) == 2:
            clf = ExtraTreesClassifier(n_estimators=self.trees, random_state=seed, n_jobs=1)
            clf.fit(np.array(self.fit_x), np.array(self.fit_ok))
        self._models = (n, model, clf)
        return model, clf

    def _candidates(self) -> list[Genome]:
        front = [self.genomes[i] for i in np.flatnonzero(pareto_mask(np.array(self.y)))] if self.y else []
        out: dict[str, Genome] = {}
        for _ in range(4 * self.pool):
            if len(out) >= self.pool:
                break
            if front and self.rng.random() < self.local:
                g = self.space.mutate(front[int(self.rng.integers(len(front)))], self.rng)
            else:
                g = self.space.sample(self.rng)
            if g.key not in self.seen:
                out.setdefault(g.key, g)
        return list(out.values())

    def _score(self, cands: list[Genome]) -> NDArray[np.float64]:
        """The acquisition of each candidate (n,), higher is better (module docstring, step 3)."""
        model, clf = self._fitted()
        y = self._scale(np.array(self.y))
        xc = np.array([self.space.encode(g) for g in cands])
        x32 = np.ascontiguousarray(xc, dtype=np.float32)  # what the trees compare in (sklearn's DTYPE)
        per_tree = np.stack([t.tree_.predict(x32) for t in model.estimators_]).reshape(self.trees, len(cands), -1)
        bound = per_tree.mean(axis=0) - self.kappa * per_tree.std(axis=0)
        p_fit = np.ones(len(cands))
        if clf is not None:
            p_fit = clf.predict_proba(xc)[:, list(clf.classes_).index(True)]
        if bound.shape[1] == 1:  # higher is better; a likely misfit is pushed below every likely fit
            single: NDArray[np.float64] = -bound[:, 0] - (1.0 - p_fit) * (np.ptp(bound[:, 0]) + 1.0)
            return single
        ref = self.reference()
        r = self._scale(np.array(ref if ref is not None else y.max(axis=0) + 1.0))
        front = y[pareto_mask(y)]
        if bound.shape[1] == 2:
            gain = (hypervolume_gains_2d(bound, front, r) if front.size
                    else np.prod(np.clip(r - bound, 0.0, None), axis=1))
        else:
            base = hypervolume(front, r)
            gain = np.array([hypervolume(np.vstack([front, b[None]]), r) - base for b in bound])
        gain = np.where(np.all(bound < r, axis=1), gain, 0.0) * p_fit
        if not np.any(gain > 0):  # nothing adds volume: the best bound of the first objective, all below zero
            fallback: NDArray[np.float64] = -1.0 - 1e-12 * bound[:, 0]
            return fallback
        out: NDArray[np.float64] = gain
        return out

    # -- ask / tell --------------------------------------------------------------------------------
    def _ask(self) -> Genome:
        if len(self.y) < self.startup:
            return self.fresh(lambda: self.space.sample(self.rng))
        cands = self._candidates()
        if not cands:
            return self.fresh(lambda: self.space.sample(self.rng))
        acq = self._score(cands)
        return cands[int(np.argmax(acq))]

    def _tell(self, genome: Genome, result: Result) -> None:
        if result.fidelity != 1.0:
            return
        x = self.space.encode(genome)
        fitting = bool(result.feasible and all(math.isfinite(f) for f in result.fitness))
        self.fit_x.append(x)
        self.fit_ok.append(fitting)
        if fitting:
            self.x.append(x)
            self.y.append(tuple(float(f) for f in result.fitness))
            self.genomes.append(genome)
