"""One-shot search: train a weight-sharing supernet once, search it with inherited weights, then train
only the best (AutoSNN, Na et al., ICML 2022; single-path one-shot, Guo et al., ECCV 2020).

On the first ask the strategy trains the supernet of its (chip-restricted) space on the run's dataset
(``snnas.train.supernet``: ``supernet_epochs`` passes, one sampled path per mini-batch, ``sampling``
uniform or fair). It then runs NSGA-II (``snnas.search.nsga2``, population ``population``) for ``inner``
evaluations whose results are the sub-networks' scores with inherited weights on the run's chip
(``snnas.evaluate.score.score(..., trained=...)``: quantised, mapped, chip accuracy on a stratified
``inner_test`` samples of the test split, energy and latency simulated on ``inner_samples``, no training),
or, without a chip, their float accuracy with synaptic events per inference for every cost objective. (An
inherited score of a digits sub-network costs about 27 ms: its two mappings, for chip accuracy and for
energy, 28%; encoding the test samples 19%; the float and chip runs 20%; so the inner search reads a share
of the test split; ``inner_score="proxy"`` maps once and takes energy and latency from the float run's
event counts, about half the time, the same chip accuracy.) The sub-networks so
scored are then proposed for real, full-fidelity evaluation (trained stand-alone and scored as any other
candidate), in NSGA-II order of their inherited-weight fitness: front by front, crowding distance within
a front. Past them it proposes fresh random genomes.

The supernet and the inner search run inside the first ``propose`` (``_measure``, like the zero-shot
ranker's proxies): their time is the one-shot search's evaluation cost, reported apart from bookkeeping.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from snnas.errors import SnnasError
from snnas.search.base import Result, Strategy, StrategyError
from snnas.search.pareto import nsga2_order
from snnas.space.base import Genome, SearchSpace

__all__ = ["OneShot"]


class OneShot(Strategy):
    """One-shot search; see the module docstring.

    Args:
        supernet_epochs: passes of path sampling over the training split (>= 1).
        sampling: "uniform" or "fair".
        inner: sub-networks scored with inherited weights (>= 1).
        population: NSGA-II's population in the inner search (>= 2).
        inner_samples: test samples simulated for each sub-network's energy and latency (>= 1).
        inner_test: test samples (a stratified share) each sub-network's chip accuracy is measured on (>= 10).
        inner_score: "chip" (the full score: mapped twice, energy and latency from the chip model's event
            simulation) or "proxy" (mapped once for feasibility, chip accuracy from the quantised run, energy
            and latency from the float run's event counts: see :meth:`_proxy`), about half the time.
    """

    name = "oneshot"

    def __init__(self, space: SearchSpace, seed: int = 0, supernet_epochs: int = 40, sampling: str = "uniform",
                 inner: int = 100, population: int = 20, inner_samples: int = 8, inner_test: int = 64,
                 inner_score: str = "chip") -> None:
        super().__init__(space, seed)
        for arg, v, low in (("supernet_epochs", supernet_epochs, 1), ("inner", inner, 1),
                            ("population", population, 2), ("inner_samples", inner_samples, 1),
                            ("inner_test", inner_test, 10)):
            if isinstance(v, bool) or not isinstance(v, int) or v < low:
                raise StrategyError(f"oneshot: {arg} must be an integer >= {low}, got {v!r}")
        if inner_score not in ("chip", "proxy"):
            raise StrategyError(f"oneshot: inner_score must be 'chip' or 'proxy', got {inner_score!r}")
        self.inner_score = inner_score
        if sampling not in ("uniform", "fair"):
            raise StrategyError(f"oneshot: sampling must be 'uniform' or 'fair', got {sampling!r}")
        from snnas.space.global_ import GlobalSpace

        if not isinstance(space, GlobalSpace):
            raise StrategyError(f"oneshot: the supernet covers the layer-wise (global) space, got {space.name!r}")
        self.supernet_epochs, self.sampling, self.inner = supernet_epochs, sampling, inner
        self.population, self.inner_samples, self.inner_test = population, inner_samples, inner_test
        self.queue: list[Genome] | None = None
        self.inherited: dict[str, Result] = {}  # genome key -> its inherited-weight result
        self.genomes: dict[str, Genome] = {}  # genome key -> genome, in the order the inner search asked
        self.supernet: Any = None

    def _measure(self) -> None:
        """Train the supernet and run the inner search (module docstring)."""
        from snnas.search import make_strategy
        from snnas.search.base import SearchContext
        from snnas.search.tasks import load_dataset
        from snnas.train.scores import single_threaded
        from snnas.train.supernet import train_supernet

        ctx = self.context
        if ctx is None or ctx.dataset is None:
            raise StrategyError("oneshot: needs a dataset to train its supernet on; bind a SearchContext with one")
        from snnas.data.datasets import Split
        from snnas.search.fidelity import train_subset

        data, split = load_dataset(ctx.dataset)
        seed = int(self.rng.integers(2**31))
        share = min(1.0, self.inner_test / max(1, len(split.test)))
        scoring = Split(split.train, split.val, train_subset(split.test, data.labels, share))
        with single_threaded():
            self.supernet = train_supernet(self.space, data, split,  # type: ignore[arg-type]  # checked at init
                                           self.supernet_epochs, seed=ctx.seed, sampling=self.sampling)
            inner_ctx = SearchContext(ctx.objectives, ctx.chip, ctx.dataset, self.inner, ctx.epochs, ctx.seed)
            inner = make_strategy("nsga2", self.space, seed, inner_ctx, population=self.population)
            for _ in range(self.inner):
                g = inner.ask()
                known = self.inherited.get(g.key)
                r = known if known is not None else self._score(g, data, scoring)
                self.inherited[g.key], self.genomes[g.key] = r, g
                inner.tell(g, r)

    def _score(self, g: Genome, data: Any, split: Any) -> Result:
        from snnas.evaluate.score import score
        from snnas.train.supernet import inherit

        ctx = self.context
        if ctx is None:
            raise StrategyError("oneshot: scoring needs the bound SearchContext (bind() first)")
        try:
            tr = inherit(self.supernet, g, epochs=ctx.epochs)
            if ctx.chip is not None and self.inner_score == "proxy":
                return self._proxy(tr, g, data, split)
            if ctx.chip is not None:
                s = score(tr.config, ctx.chip, data, split, weight_bits=int(g["weight_bits"]),
                          eval_samples=self.inner_samples, trained=tr).to_dict()
                status = "ok" if s.get("feasible") else "infeasible"
                violation = 0.0 if status == "ok" else float(max(1, len(s.get("violations") or ())))
                return Result(ctx.objectives.fitness(s), violation, status, s, 1.0)
            return self._float_result(tr, data, split)
        except SnnasError:
            return Result((math.inf,) * ctx.n_objectives, math.inf, "failed", None, 1.0)

    def _proxy(self, tr: Any, g: Genome, data: Any, split: Any) -> Result:
        """The cheaper inherited score (``inner_score="proxy"``): feasibility from one mapping of the untrained
        network, chip accuracy from the quantised network's fixed-point run on the scoring samples, and from the
        float run of the weights the chip holds, per inference (n_steps T, N neurons, events the spikes of
        every source × its fan-out, spikes S):

            E = events · e_syn_op + N T · e_neuron_update_active + S · e_spike_out     [J]
            t = events · t_syn_op + N T · t_neuron_update_active                       [s]

        (unknown figures count 0): the work of the placement model without its hops, idle updates and static
        power, and the serial time of that work (an upper bound on the chip's parallel latency); what NSGA-II
        needs is their order."""
        from dataclasses import replace

        from snnas.evaluate.accuracy import chip_readout
        from snnas.evaluate.score import QUANTISED_LIMITS
        from snnas.mapping import map_network
        from snnas.quantize.network import quantize
        from snnas.train.config import encode
        from snnas.train.trained import run, untrained

        ctx = self.context
        if ctx is None or ctx.chip is None:
            raise StrategyError("oneshot: the proxy score needs the bound SearchContext with its chip (bind() first)")
        chip = ctx.chip
        _, report = map_network(untrained(tr.config, data), chip, "traffic")
        blocking = [v for v in report.violations if v.constraint not in QUANTISED_LIMITS]
        if blocking:
            return Result((math.inf,) * ctx.n_objectives, float(len(blocking)), "infeasible", None, 1.0)
        x = np.asarray(encode(data, split.test, tr.config), dtype=np.float64)
        y = data.labels[split.test]
        q = quantize(tr, chip, int(g["weight_bits"]))
        pred, out = chip_readout(q, np.rint(x).astype(np.int8))
        acc = float(np.mean(np.argmax(out.sum(axis=1) if pred is None else pred, axis=1) == y))
        k = min(self.inner_samples, x.shape[0])
        held = replace(tr, weights=q.float_weights(), recurrent=q.float_recurrent())
        spikes, events = _events(held, x[:k], run(held, x[:k]))
        neuron_steps = float(sum(w.shape[1] for w in held.weights) * x.shape[1])
        e, t = chip.energy, chip.latency
        energy = (events * (e.e_syn_op or 0.0) + neuron_steps * (e.e_neuron_update_active or 0.0)
                  + sum(spikes) * (e.e_spike_out or 0.0))
        latency = events * (t.t_syn_op or 0.0) + neuron_steps * (t.t_neuron_update_active or 0.0)
        score = {"feasible": True, "accuracy_chip": acc, "energy_j": energy, "latency_s": latency,
                 "spikes_per_inference": sum(spikes), "synaptic_ops": events, "notes": ["one-shot proxy score"]}
        return Result(ctx.objectives.fitness(score), 0.0, "ok", score, 1.0)

    def _float_result(self, tr: Any, data: Any, split: Any) -> Result:
        """Without a chip: the float accuracy, and for every cost objective the synaptic events per inference
        (Σ over weight matrices of the source's spikes × its fan-out), what a chip's energy and time grow
        with (the zero-shot ranker's cost proxy)."""
        from snnas.train.config import encode
        from snnas.train.trained import run

        ctx = self.context
        if ctx is None:
            raise StrategyError("oneshot: scoring needs the bound SearchContext (bind() first)")
        x = np.asarray(encode(data, split.test, tr.config), dtype=np.float64)
        out = run(tr, x)
        acc = float(np.mean(np.argmax(out.readout, axis=1) == data.labels[split.test]))
        _, events = _events(tr, x, out)
        score = {"accuracy_float": acc, "synaptic_events": events}
        costs = [events] * (len(ctx.objectives.names) - 1)
        return Result((-acc,) if ctx.objectives.scalar else (-acc, *costs), 0.0, "ok", score, 1.0)

    def _rank(self) -> list[Genome]:
        keys = list(self.inherited)
        if not keys:
            return []
        fit = np.array([self.inherited[k].fitness for k in keys], dtype=float)
        viol = [self.inherited[k].violation for k in keys]
        return [self.genomes[keys[i]] for i in nsga2_order(np.where(np.isfinite(fit), fit, 1e300), viol)]

    def _ask(self) -> Genome:
        if self.queue is None:
            self._measure()
            self.queue = self._rank()
        return self.next_unseen(self.queue)

    def _tell(self, genome: Genome, result: Result) -> None:
        return None  # the ranking is made: results told decide nothing here (the loop's store keeps them)


def _events(tr: Any, x: Any, out: Any) -> tuple[list[float], float]:
    """Per inference of the float run ``out`` of layer network ``tr`` on ``x``: each population's spikes, and
    the synaptic events (Σ over weight matrices of the source's spikes × its fan-out, a layer's own
    recurrent matrix counted with the layer that feeds it)."""
    k = max(1, x.shape[0])
    spikes = [float(sp.sum()) / k for _, sp in out.spikes]
    sources = [float(x.sum()) / k, *spikes[:-1]]
    fan_out = [w.shape[1] + (r.shape[1] if r is not None else 0)
               for w, r in zip(tr.weights, [None, *tr.recurrent[:-1]])]
    return spikes, float(sum(n * f for n, f in zip(sources, fan_out)))
