"""Bayesian optimisation through Optuna's ask-and-tell interface: TPE and Gaussian-process samplers.

:class:`OptunaStrategy` adapts an in-memory :class:`optuna.study.Study` to the snnas ask/tell
contract (``snnas.search.base``); :class:`OptunaTPE` and :class:`OptunaGP` choose its sampler. Optuna
does the modelling; this module only translates genomes, results and the loop's bookkeeping.

Parameters. Each decision of the space is one Optuna parameter, named like the decision:

* a decision whose choices are numbers in strictly increasing or decreasing order (widths, depth,
  time steps, time constants, weight bits) is ``suggest_int(name, 0, n − 1)`` over the choice
  *index* k, the same coordinate as ``SearchSpace.encode`` (k / (n − 1)). The samplers then treat
  neighbouring choices as similar (TPE's Parzen kernels, the GP's Matérn kernel), and because the
  spaces' numeric choices are roughly geometric (16, 32, 64, ...), the index is close to a log scale;
* any other decision (strings, booleans, unsorted numbers) is ``suggest_categorical`` over its
  choices: no order is implied;
* a decision with a single choice is not suggested at all.

A decision can override the guess with its ``ordered`` field.

Conditional parameters (define-by-run, TPE). Decisions are suggested in the space's order, each only
when it is *active* (``space.active``) in the genome formed by the values suggested so far with every
other decision at its first choice; a second pass suggests any decision that a later one activated.
So the width of a fourth layer is not suggested for a two-layer network, nor ``tau_m`` for IF
neurons, and TPE learns nothing from values that do not change the architecture; ``space.repair``
makes every assignment valid. Optuna's GP sampler models only the parameters every trial shares (its
"intersection search space"; the rest it samples at random), so :class:`OptunaGP` suggests every
decision in every trial and the inactive ones are noise it has to learn to ignore.

Objectives and constraints. The study minimises ``context.n_objectives`` values (1 when the run is
scalarised by weights), so a context must be bound (``bind``) before the first ask. The chip fit is
an Optuna constraint: every completed trial gets ``trial.set_constraint("chip", violation)``
(0 = fits; otherwise the number of violated limits, > 0 = infeasible), which Optuna 5's samplers read
directly (``constraints_func`` is deprecated there). Results are told as follows:

* ``status == "failed"`` or an infinite violation: ``TrialState.FAIL`` (the samplers ignore it);
* otherwise ``TrialState.COMPLETE`` with the fitness, where every non-finite value (an infeasible
  network is usually not measured) is replaced by a finite placeholder: the worst value of that
  objective among the fitting results told so far (0 before any). Optuna accepts ±inf, but the GP
  standardises the values it fits and TPE's multi-objective split computes hypervolumes, both of
  which inf breaks. TPE ranks
  infeasible trials by their violation alone, after every feasible one, so the placeholder does not
  matter to it; for the GP it says "as bad as the worst seen", and its constraint model keeps it away.

Lag and de-duplication. Asks are answered in ask order, so open trials wait in a FIFO; Optuna sees
them as RUNNING (TPE's constant liar keeps new suggestions away from them). A suggestion whose genome
was asked before (Optuna knows nothing of repair or of the other asks' keys) is told FAIL, which
leaves the model as it was; Optuna is asked up to ``retries`` times in all (default 1), then a
neighbour of its suggestion not asked before (``space.mutate``, through ``Strategy.fresh``: random
genomes if the neighbourhood is exhausted) is enqueued as a fixed trial (``study.enqueue_trial``) so
that its result still reaches the model. A fixed trial costs Optuna no sampling, where every re-ask
costs a full TPE sample: with 16 retries, 40% of TPE's 200-budget bookkeeping went to re-asks.

Determinism. The sampler's seed is drawn from ``self.rng`` at the first ask, the storage is in
memory, and every step above is a deterministic function of the asks and tells so far: the same seed
and the same sequence of tells give the same sequence of asks, which is how a search resumes (the
snnas store is the durable record, replayed in order).

Logging. Optuna logs every finished trial at INFO. Calls into Optuna run with its verbosity raised
to at least WARNING and restored afterwards, so the setting a user chose is left as it was.
"""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import logging
import math
import numbers
import warnings
from abc import abstractmethod
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import optuna
from optuna.samplers import BaseSampler
from optuna.trial import Trial, TrialState

from snnas.search.base import Result, SearchContext, Strategy, StrategyError
from snnas.space.base import Decision, Genome, SearchSpace, _canon

__all__ = ["OptunaGP", "OptunaStrategy", "OptunaTPE"]

logger = logging.getLogger(__name__)

CONSTRAINT = "chip"  # the name of the one constraint every completed trial carries
_CATEGORICAL_TYPES = (type(None), bool, int, float, str)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Optuna's logging at WARNING or above for the duration (the user's level restored after)."""
    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(max(level, optuna.logging.WARNING))
    try:
        yield
    finally:
        optuna.logging.set_verbosity(level)


@dataclass(frozen=True)
class _Param:
    """How one decision is suggested: over its choice index (ordered) or its choices (categorical)."""

    decision: Decision
    ordered: bool

    @property
    def name(self) -> str:
        return self.decision.name

    def suggest(self, trial: Trial) -> Any:
        """The choice Optuna suggests for this decision."""
        choices = self.decision.choices
        if self.ordered:
            return choices[trial.suggest_int(self.name, 0, len(choices) - 1)]
        if all(isinstance(c, _CATEGORICAL_TYPES) for c in choices):
            return trial.suggest_categorical(self.name, list(choices))
        return choices[trial.suggest_categorical(self.name, list(range(len(choices))))]

    def encode(self, value: Any) -> Any:
        """The Optuna parameter value that ``suggest`` turns into ``value`` (for enqueued trials)."""
        choices = self.decision.choices
        k = [_canon(c) for c in choices].index(_canon(value))
        if self.ordered or not all(isinstance(c, _CATEGORICAL_TYPES) for c in choices):
            return k
        return choices[k]


def _is_ordered(d: Decision) -> bool:
    """``d.ordered`` when the decision says; else whether its choices are numbers (not booleans) in strictly
    monotone order."""
    if d.ordered is not None:
        return d.ordered
    c = d.choices
    if not all(isinstance(x, numbers.Real) and not isinstance(x, bool) for x in c):
        return False
    steps = [float(b) - float(a) for a, b in itertools.pairwise(c)]
    return all(s > 0 for s in steps) or all(s < 0 for s in steps)


class OptunaStrategy(Strategy):
    """An Optuna sampler behind the snnas ask/tell contract (see the module docstring).

    Args:
        space: the search space; seed: seeds ``self.rng``, from which the sampler's seed is drawn.
        retries: Optuna suggestions tried per ask before an unseen neighbour of the last one is used
            (>= 1).

    Subclasses give the sampler (``_sampler``) and say whether parameters are conditional.
    """

    name = "optuna"
    conditional = True  # suggest only the decisions a genome uses (define-by-run)

    def __init__(self, space: SearchSpace, seed: int = 0, retries: int = 1) -> None:
        super().__init__(space, seed)
        if not hasattr(Trial, "set_constraint"):
            raise StrategyError(f"{self.name}: needs optuna >= 5.0 (Trial.set_constraint), found {optuna.__version__}; "
                                f"pip install -U 'optuna>=5.0'")
        if not (isinstance(retries, int) and not isinstance(retries, bool) and retries >= 1):
            raise StrategyError(f"{self.name}: retries must be an integer >= 1, got {retries!r}")
        self.retries = retries
        self.params = [_Param(d, _is_ordered(d)) for d in space.decisions if len(d.choices) > 1]
        self.study: optuna.study.Study | None = None
        self.pending: deque[tuple[Trial, Genome]] = deque()  # asked, not yet told, in ask order

    @abstractmethod
    def _sampler(self, seed: int) -> BaseSampler:
        """The Optuna sampler, seeded with ``seed``."""

    # -- binding and the study -------------------------------------------------------------------
    def bind(self, context: SearchContext) -> None:
        if self.study is not None and len(self.study.directions) != context.n_objectives:
            raise StrategyError(f"{self.name}: bound to {context.n_objectives} objective(s) after the study was "
                                f"created for {len(self.study.directions)}; bind once, before the first ask")
        super().bind(context)

    def _study(self) -> optuna.study.Study:
        """The study, created at the first ask: one minimised direction per objective."""
        if self.study is not None:
            return self.study
        if self.context is None:
            raise StrategyError(f"{self.name}: no SearchContext bound; call bind(context) (or make_strategy(..., "
                                f"context=...)) before the first ask: Optuna needs the number of objectives")
        seed = int(self.rng.integers(2**31))
        with _quiet():
            self.study = optuna.create_study(directions=["minimize"] * self.context.n_objectives,
                                             sampler=self._sampler(seed))
        return self.study

    # -- asking ------------------------------------------------------------------------------------
    def _assign(self, pick: Callable[[_Param], Any]) -> Genome:
        """The genome built from ``pick(param)`` for each decision that is suggested (see the module
        docstring: every decision, or only the active ones in order, plus a pass for late activations)."""
        values = {d.name: d.choices[0] for d in self.space.decisions}
        done: set[str] = set()
        while True:
            progressed = False
            for p in self.params:
                if p.name in done:
                    continue
                if self.conditional and p.name not in self.space.active(self._genome(values)):
                    continue
                values[p.name] = pick(p)
                done.add(p.name)
                progressed = True
            if not (self.conditional and progressed):
                return self._genome(values)

    def _genome(self, values: dict[str, Any]) -> Genome:
        return Genome(self.space.name, self.space.repair(dict(values)))

    def _ask(self) -> Genome:
        study = self._study()
        with _quiet():
            for _ in range(self.retries):
                trial = study.ask()
                genome = self._suggested(trial)
                if genome.key not in self.seen:
                    return self._open(trial, genome)
                trial.set_user_attr("duplicate_of", genome.key)
                study.tell(trial, state=TrialState.FAIL)
            logger.info("%s: %d suggestions in a row were asked before; enqueuing an unseen neighbour of the "
                        "last one instead", self.name, self.retries)
            last = genome
            genome = self.fresh(lambda: self.space.mutate(last, self.rng))
            study.enqueue_trial(self._params(genome))
            trial = study.ask()
            return self._open(trial, self._suggested(trial))

    def _suggested(self, trial: Trial) -> Genome:
        """The genome Optuna suggests through ``trial``."""
        return self._assign(lambda p: p.suggest(trial))

    def _open(self, trial: Trial, genome: Genome) -> Genome:
        """Record ``trial`` as the open trial of ``genome`` (its key in the user attribute "genome")."""
        trial.set_user_attr("genome", genome.key)
        self.pending.append((trial, genome))
        return genome

    def _params(self, genome: Genome) -> dict[str, Any]:
        """The Optuna parameters that ``_assign`` turns into ``genome``."""
        params: dict[str, Any] = {}

        def pick(p: _Param) -> Any:
            params[p.name] = p.encode(genome.values[p.name])
            return genome.values[p.name]

        self._assign(pick)
        return params

    # -- telling -----------------------------------------------------------------------------------
    def _tell(self, genome: Genome, result: Result) -> None:
        trial, asked = self.pending[0]
        if asked.key != genome.key:
            raise StrategyError(f"{self.name}: told genome {genome.key}, but the oldest unanswered ask is "
                                f"{asked.key}; tell results in ask order")
        study = self._study()
        failed = result.status == "failed" or not math.isfinite(result.violation)
        values = None if failed else self._values(result)
        self.pending.popleft()
        with _quiet():
            if values is None:
                study.tell(trial, state=TrialState.FAIL)
                return
            trial.set_constraint(CONSTRAINT, float(result.violation))
            study.tell(trial, values)

    def _values(self, result: Result) -> list[float]:
        """The fitness with each non-finite value replaced by that objective's worst value among the
        fitting results told so far (``Strategy.worst``; 0 before any)."""
        n = len(self._study().directions)
        if len(result.fitness) != n:
            raise StrategyError(f"{self.name}: result fitness has {len(result.fitness)} value(s), expected {n} "
                                f"(one per objective of the bound context)")
        worst = self.worst if self.worst is not None and len(self.worst) == n else (0.0,) * n
        return [float(f) if math.isfinite(f) else w for f, w in zip(result.fitness, worst)]


class OptunaTPE(OptunaStrategy):
    """Tree-structured Parzen estimators (Optuna's ``TPESampler``), multi-objective and constrained.

    Args:
        startup: random trials (completed ones) before TPE models anything (>= 1; Optuna's default 10
            suits a budget of about 60 evaluations).
        candidates: samples drawn from the good-trial density per ask, the best by the density ratio
            l(x)/g(x) is kept (>= 1; Optuna's ``n_ei_candidates``).
        multivariate: model the parameters jointly (multivariate TPE with group decomposition, which
            handles conditional parameters) rather than one by one.
        retries: see :class:`OptunaStrategy`.
    """

    name = "tpe"

    def __init__(self, space: SearchSpace, seed: int = 0, startup: int = 10, candidates: int = 24,
                 multivariate: bool = True, retries: int = 1) -> None:
        for arg, v in (("startup", startup), ("candidates", candidates)):
            if not (isinstance(v, int) and not isinstance(v, bool) and v >= 1):
                raise StrategyError(f"tpe: {arg} must be an integer >= 1, got {v!r}")
        if not isinstance(multivariate, bool):
            raise StrategyError(f"tpe: multivariate must be True or False, got {multivariate!r}")
        super().__init__(space, seed, retries)
        self.startup = startup
        self.candidates = candidates
        self.multivariate = multivariate

    def _sampler(self, seed: int) -> BaseSampler:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)  # group=True
            return optuna.samplers.TPESampler(n_startup_trials=self.startup, n_ei_candidates=self.candidates,
                                              seed=seed, multivariate=self.multivariate, group=self.multivariate,
                                              constant_liar=True)


class OptunaGP(OptunaStrategy):
    """Gaussian-process Bayesian optimisation (Optuna's ``GPSampler``: log EI, or log EHVI for several
    objectives, each weighted by the probability of fitting the chip under a GP of the violation).

    Needs PyTorch (``pip install 'snnas[gp]'``; a CPU build is enough). Every decision is suggested in
    every trial (see the module docstring).

    Args:
        startup: random trials before the GP is fitted (>= 1).
        retries: see :class:`OptunaStrategy`.
    """

    name = "gp"
    conditional = False

    def __init__(self, space: SearchSpace, seed: int = 0, startup: int = 10, retries: int = 1) -> None:
        if importlib.util.find_spec("torch") is None:
            raise StrategyError("gp: Optuna's GPSampler needs PyTorch, which is not installed; install it with "
                                "pip install 'snnas[gp]' (a CPU build of torch is enough), or use strategy 'tpe'")
        if not (isinstance(startup, int) and not isinstance(startup, bool) and startup >= 1):
            raise StrategyError(f"gp: startup must be an integer >= 1, got {startup!r}")
        super().__init__(space, seed, retries)
        self.startup = startup

    def _sampler(self, seed: int) -> BaseSampler:
        return optuna.samplers.GPSampler(seed=seed, n_startup_trials=self.startup, warn_independent_sampling=False)
