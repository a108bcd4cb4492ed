"""Zero-shot ranking: score a pool of untrained candidates without training, then train the best first.

On the first ask the ranker samples ``pool`` distinct genomes (``self.rng``), builds each candidate's
network with the initial weights its training will start from (the run's seed), runs it from a zero
state on ``repeats`` minibatches (default 1) of ``batch`` *training* samples of the run's dataset (drawn
by ``self.rng``; the same samples for every candidate; never the test split) and computes a
training-free score (:mod:`snnas.train.scores`: "sahd", "hamming", "params" or "rate"; higher is better,
averaged over the minibatches) and a cost proxy from the same forward pass: synaptic events per inference
(Σ over projections of source spikes × fan-out, input spikes included), the event count the chip's
energy grows with. It then proposes the pool in rank order, one genome per ask, at full fidelity, so a
budget of k evaluations trains the top k. Past the pool it proposes fresh random genomes.

Rank order:

* one objective: by score, highest first (ties in pool order);
* several objectives (the search is judged by the hypervolume of chip accuracy and energy): by
  non-dominated sorting of (−score, synops), fronts in order, and within a front by crowding distance,
  largest first (the front's extremes first), ties by score; so the budget is spread along the
  predicted trade-off instead of spent on the largest networks.

A candidate whose network cannot be built or scored (a ZeroShotError or TrainError) ranks last.

Yours to add: ``score="package.module:function"`` is a proxy of your own, called with each candidate's
:class:`snnas.train.scores.Probe` (its binary codes per site, synaptic events, parameters, rate) and
returning a number, higher better (an exception or a non-finite value ranks that candidate last, logged);
``include=[{decision: choice, ...}, ...]`` puts genomes of your own into the pool (checked against the
space), ranked with the rest.

Results told are used (``learn``, on by default): once ``learn_after`` fitting full-fidelity results are
told, and again each time they have grown by a quarter, a tree ensemble (scikit-learn
``ExtraTreesRegressor``) is fitted from (score, log10 synaptic events, genome encoding) to the chip accuracy
told, and the pool not yet proposed is ranked again with the predicted accuracy in place of the score:
the proxy calibrated on this task and chip by what the trainings found.
"""

from __future__ import annotations

import importlib
import logging
import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from snnas.data.datasets import Dataset
from snnas.errors import SnnasError
from snnas.search.base import Result, Strategy, StrategyError
from snnas.search.pareto import nsga2_order
from snnas.space.base import Genome, SearchSpace
from snnas.train.candidate import config_of
from snnas.train.scores import (
    ALPHA,
    REDUCES,
    SCORES,
    input_batch,
    probe,
    score_probe,
    single_threaded,
)
from snnas.train.trained import settings_of

__all__ = ["ZeroShotRanker", "rank_order"]

logger = logging.getLogger(__name__)


def _user_proxy(path: str) -> Callable[[Any], Any]:
    """The function ``package.module:function`` (StrategyError naming what is wrong)."""
    module, _, attr = path.partition(":")
    try:
        fn = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError, ValueError) as exc:
        raise StrategyError(f"zeroshot: score {path!r}: cannot import it ({type(exc).__name__}: {exc})") from None
    if not callable(fn):
        raise StrategyError(f"zeroshot: score {path!r} is not callable")
    return fn  # type: ignore[no-any-return]


def rank_order(scores: NDArray[np.float64], costs: NDArray[np.float64] | None = None) -> list[int]:
    """Indices best first: by ``scores`` descending when ``costs`` is None, else by non-dominated fronts of
    (−score, cost), crowding distance descending within a front, then score. Non-finite scores last."""
    s = np.asarray(scores, dtype=float)
    ok = [i for i in range(s.size) if math.isfinite(s[i]) and (costs is None or math.isfinite(costs[i]))]
    bad = [i for i in range(s.size) if i not in set(ok)]
    if costs is None:
        return sorted(ok, key=lambda i: (-s[i], i)) + bad
    c = np.asarray(costs, dtype=float)
    pts = np.column_stack([-s[ok], c[ok]]) if ok else np.zeros((0, 2))
    return [ok[k] for k in nsga2_order(pts)] + bad


class ZeroShotRanker(Strategy):
    """Training-free ranking of a random pool; see the module docstring.

    Args:
        pool: genomes scored before the first proposal (>= 1).
        score: "sahd", "hamming", "params" or "rate".
        batch: training samples per forward pass (at most the training split; fewer if it is smaller).
        alpha, reduce: SAHD's α and aggregation over sites ("mean" or "sum").
        repeats: minibatches averaged per candidate.
    """

    name = "zeroshot"

    def __init__(self, space: SearchSpace, seed: int = 0, pool: int = 500, score: str = "sahd", batch: int = 256,
                 alpha: float = ALPHA, reduce: str = "mean", repeats: int = 1,
                 include: list[dict[str, Any]] | None = None, learn: bool = True, learn_after: int = 5) -> None:
        super().__init__(space, seed)
        for arg, v in (("pool", pool), ("batch", batch), ("repeats", repeats)):
            if isinstance(v, bool) or not isinstance(v, int) or v < (2 if arg == "batch" else 1):
                raise StrategyError(f"zeroshot: {arg} must be an integer >= {2 if arg == 'batch' else 1}, got {v!r}")
        self.proxy: Callable[[Any], Any] | None = None
        if isinstance(score, str) and ":" in score:
            self.proxy = _user_proxy(score)
        elif score not in SCORES:
            raise StrategyError(f"zeroshot: unknown score {score!r}; choose one of {', '.join(SCORES)} or give "
                                f"'package.module:function'")
        if not isinstance(learn, bool):
            raise StrategyError(f"zeroshot: learn must be true or false, got {learn!r}")
        if isinstance(learn_after, bool) or not isinstance(learn_after, int) or learn_after < 2:
            raise StrategyError(f"zeroshot: learn_after must be an integer >= 2, got {learn_after!r}")
        self.include: list[Genome] = []
        for i, values in enumerate(include or []):
            if not isinstance(values, dict):
                raise StrategyError(f"zeroshot: include[{i}]: expected an object of decisions, got {values!r}")
            try:
                self.include.append(space.genome(values))
            except SnnasError as exc:
                raise StrategyError(f"zeroshot: include[{i}]: {exc}") from None
        self.learn, self.learn_after = learn, learn_after
        self.told_results: list[tuple[Genome, float]] = []  # fitting full-fidelity (genome, chip accuracy)
        self._learned_at = 0
        if reduce not in REDUCES:
            raise StrategyError(f"zeroshot: reduce must be one of {', '.join(REDUCES)}, got {reduce!r}")
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not (math.isfinite(alpha) and alpha > 0):
            raise StrategyError(f"zeroshot: alpha must be a positive number, got {alpha!r}")
        self.pool_size, self.score_name, self.batch = pool, score, batch
        self.alpha, self.reduce, self.repeats = float(alpha), reduce, repeats
        self.queue: list[Genome] | None = None  # the ranked pool, best first (None before the first ask)
        self.scores: dict[str, float] = {}  # genome key → zero-shot score (−inf: could not be scored)
        self.costs: dict[str, float] = {}  # genome key → synaptic events per inference

    def _sample_pool(self) -> list[Genome]:
        """The included genomes, then random ones up to ``pool`` distinct (fewer when the space seems to hold
        fewer)."""
        out: dict[str, Genome] = {g.key: g for g in self.include}
        for _ in range(20 * self.pool_size):
            g = self.space.sample(self.rng)
            out.setdefault(g.key, g)
            if len(out) >= self.pool_size:
                break
        return list(out.values())

    def _measure(self, genomes: list[Genome]) -> None:
        """Score every genome of the pool and record its cost (one forward pass per repeat)."""
        from snnas.search.tasks import load_dataset

        ctx = self.context
        if ctx is None or ctx.dataset is None:
            raise StrategyError("zeroshot: the ranker needs a dataset to run candidates on; bind a SearchContext "
                                "with a dataset before the first ask")
        data, split = load_dataset(ctx.dataset)
        train_idx = np.asarray(split.train, dtype=np.int64)
        n = min(self.batch, train_idx.size)
        if n < 2:
            raise StrategyError(f"zeroshot: the dataset's training split has {train_idx.size} samples; need >= 2")
        batches = [np.sort(self.rng.choice(train_idx, size=n, replace=False)) for _ in range(self.repeats)]
        rasters: dict[Any, list[NDArray[np.float64]]] = {}
        with single_threaded():
            for g in genomes:
                self._measure_one(g, data, batches, rasters)

    def _measure_one(self, g: Genome, data: Dataset, batches: list[NDArray[np.int64]],
                     rasters: dict[Any, list[NDArray[np.float64]]]) -> None:
        """Score one genome (the mean over the minibatches) and record its synaptic events per inference;
        a network that cannot be built or scored gets −inf and +inf (it ranks last)."""
        epochs, seed = (self.context.epochs, self.context.seed) if self.context is not None else (1, 0)
        try:
            config = config_of(self.space.candidate(g, epochs=epochs, seed=seed))
            tc = settings_of(config)
            key = (tc.n_steps, tc.dt, tc.encoder, repr(sorted(tc.encoder_options.items())), tc.seed)
            if key not in rasters:
                rasters[key] = [input_batch(data, idx, config) for idx in batches]
            values, costs = [], []
            for x in rasters[key]:
                p = probe(config, x, tc.seed, data.n_classes)  # the weights its training starts from
                values.append(self._proxy(p, g) if self.proxy is not None
                              else score_probe(p, self.score_name, self.alpha, self.reduce))
                costs.append(p.synops)
            self.scores[g.key], self.costs[g.key] = float(np.mean(values)), float(np.mean(costs))
        except SnnasError:
            self.scores[g.key], self.costs[g.key] = -math.inf, math.inf

    def _rank(self) -> list[Genome]:
        genomes = self._sample_pool()
        self._measure(genomes)
        s = np.array([self.scores[g.key] for g in genomes])
        c = np.array([self.costs[g.key] for g in genomes])
        multi = self.context is not None and self.context.n_objectives > 1
        return [genomes[i] for i in rank_order(s, c if multi else None)]

    def _proxy(self, p: Any, g: Genome) -> float:
        proxy = self.proxy
        if proxy is None:
            raise StrategyError("zeroshot: no user proxy (score is a built-in name)")
        try:
            v = float(proxy(p))
        except Exception as exc:  # noqa: BLE001 - a user proxy's failure ranks that candidate last
            logger.warning("zeroshot: proxy %s failed on %s: %s: %s", self.score_name, g.key, type(exc).__name__, exc)
            return -math.inf
        return v if math.isfinite(v) else -math.inf

    def _relearn(self) -> None:
        """Rank the pool not yet proposed again by the accuracy predicted from the results told (module
        docstring), when enough new ones have come."""
        n = len(self.told_results)
        if not self.learn or self.queue is None or not self.queue or n < self.learn_after \
                or (self._learned_at and n < 1.25 * self._learned_at):
            return
        from sklearn.ensemble import ExtraTreesRegressor

        def features(g: Genome) -> NDArray[np.float64]:
            s, c = self.scores.get(g.key, -math.inf), self.costs.get(g.key, math.inf)
            return np.concatenate(([s if math.isfinite(s) else -1e9, math.log10(c) if 0 < c < math.inf else -1.0],
                                   self.space.encode(g)))

        x = np.array([features(g) for g, _ in self.told_results])
        y = np.array([a for _, a in self.told_results])
        model = ExtraTreesRegressor(n_estimators=32, random_state=int(self.rng.integers(2**31)), n_jobs=1)
        model.fit(x, y)
        pred = model.predict(np.array([features(g) for g in self.queue]))
        bad = np.array([not math.isfinite(self.scores.get(g.key, -math.inf)) for g in self.queue])
        pred[bad] = -math.inf  # what could not be scored stays last
        c = np.array([self.costs.get(g.key, math.inf) for g in self.queue])
        multi = self.context is not None and self.context.n_objectives > 1
        self.queue = [self.queue[i] for i in rank_order(pred, c if multi else None)]
        self._learned_at = n

    def _ask(self) -> Genome:
        if self.queue is None:
            self.queue = self._rank()
        return self.next_unseen(self.queue)

    def _tell(self, genome: Genome, result: Result) -> None:
        acc = (result.score or {}).get("accuracy_chip")
        if result.feasible and result.fidelity == 1.0 and isinstance(acc, (int, float)) and math.isfinite(acc):
            self.told_results.append((genome, float(acc)))
            self._relearn()
