"""The search loop: strategies ask, executors evaluate, the store records, strategies are told.

Several chips run in one search, each with its own strategy over the space restricted to that chip
(``SearchSpace.restrict``) and its own budget of evaluations, so each chip gets its own Pareto front.
The chips share the workers (below); ``idx`` numbers the asks of all chips in the order they were made.

Determinism and resume. Each chip's strategy is driven alone, with lag W (the number of workers when
the run was created): before its k-th ask a chip's strategy has been told, in ask order, exactly the
results of its asks 0 .. k − W; so each chip's sequence of genomes depends only on the seed and W, not on
which evaluation finishes first. The chips share the workers: whenever one is free, the chip with the
fewest asks among those whose next ask needs no result still running asks next (so no worker idles
while one chip waits for its own results); ``idx`` numbers the asks in the order they were made, which
may differ between runs, ``(chip, seq)`` names an ask in every run. Every ask is stored before it is
evaluated and every result before it is told. Resuming replays the store: the same strategies, seeded
alike, ask again; each chip's ask ``seq`` must match its stored genome (else the store belongs to another
configuration and StoreError says so); finished results are told from the store, pending ones are
evaluated again. A killed run therefore resumes with no finished evaluation lost and ends with the same
asks and results per chip as an uninterrupted run. (Stores written before this per-chip schedule, meta
without ``schedule``, resume on the schedule they were made with: strict round robin over the chips, ask
g after the results of asks 0 .. g − W.) One process runs a store's search at a time: the loop holds the
store's lock (``snnas.search.lock``) throughout, and a second one is refused with StoreInUseError.

A genome asked twice on one chip at one fidelity is stored as a duplicate of the first ask, told the
same result, and does not count against the budget (at most 20 × budget asks per chip, in case a space
runs out).

Multi-fidelity. A strategy may propose a genome at a fidelity f < 1 (``snnas.search.fidelity``: fewer
epochs, a share of the training data, or fewer time steps); such an evaluation takes its cost, in full
trainings, from the chip's budget, and is stored with its fidelity. Fronts are made of full-fidelity
results only. A strategy may also wait (``propose()`` is None, e.g. until a rung of successive halving
is complete): the loop then tells the next outstanding result, in ask order, and proposes again, so
the sequence stays deterministic; a strategy that waits with nothing outstanding has ended its run.

Pause and resume (``checkpoints``, default on). With the ``epochs`` rule, an evaluation below fidelity 1
keeps its training state (``snnas.train.checkpoint``); when the same genome is asked on the same chip at a
higher fidelity, its training resumes from the last one, with the result of training that long at once,
and the ask costs only the epochs added: (E_f − E_prev) / E, E_prev the most epochs it was asked at before
(a three-rung climb 1/9 → 1/3 → 1 costs 1 full training, not 1.44). Costs follow from the asks alone,
so a resumed search counts them alike. Checkpoints take disk: parameters, Adam's moments and the best
parameters, float64 (about 32 bytes per weight); a full-fidelity evaluation deletes its genome's. Workers
must see the folder (a Dask worker on another machine that cannot trains from scratch: the same result, but
the budget counted as if it had resumed).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from snnas.chip import Chip, load_chip
from snnas.errors import SnnasError
from snnas.mapping import MAPPERS
from snnas.search import make_strategy
from snnas.search.base import Proposal, Result, SearchContext, Strategy
from snnas.search.executors import Executor, InlineExecutor
from snnas.search.fidelity import FIDELITIES, fidelity_cost
from snnas.search.objectives import Objectives
from snnas.search.store import Row, Store, StoreError
from snnas.search.tasks import DatasetSpec, EvalTask, load_dataset, task_at
from snnas.space import make_space
from snnas.space.base import Genome, SearchSpace

__all__ = ["SearchConfig", "SearchError", "config_from_identity", "run_search"]

_ASK_CAP = 20


class SearchError(SnnasError, ValueError):
    """A search that cannot start (bad configuration, a store of another run)."""


@dataclass(frozen=True)
class SearchConfig:
    """A search run, everything that defines its sequence of asks.

    Attributes:
        space, space_options: the search space by name (snnas.space.SPACES) and its options.
        strategy, strategy_options: the strategy by name (snnas.search.STRATEGIES) and its options.
        targets: chip ids; one strategy and one Pareto front per chip.
        dataset: the dataset every worker builds locally.
        budget: evaluations per chip, in full trainings (an evaluation at fidelity f counts its cost,
            about f); infeasible candidates count (they are stored), repeated genomes do not (they
            reuse the first result).
        objectives: what is minimised (snnas.search.objectives); optional scalar weights.
        seed: seeds the strategies (per chip) and training.
        epochs, patience: training budget of each candidate.
        mapper, eval_samples: mapping heuristic and test samples run on the chip model for energy/latency.
        fidelity: how a fidelity below 1 cheapens an evaluation: "epochs", "data" or "steps".
        lag: results told W asks late (W = workers at creation), see the module docstring.
        checkpoints: keep the training of every evaluation below fidelity 1 in a folder beside the store
            (``STORE.checkpoints``) and resume it when the genome is asked again at a higher fidelity, so a
            promotion costs only its extra epochs (module docstring).
    """

    space: str = "global"
    space_options: dict[str, Any] = field(default_factory=dict)
    strategy: str = "evolution"
    strategy_options: dict[str, Any] = field(default_factory=dict)
    targets: tuple[str, ...] = ("loihi",)
    dataset: DatasetSpec = field(default_factory=DatasetSpec)
    budget: int = 60
    objectives: Objectives = field(default_factory=Objectives)
    seed: int = 0
    epochs: int = 10
    patience: int = 4
    mapper: Literal["sequential", "traffic"] = "traffic"
    eval_samples: int = 64
    fidelity: Literal["epochs", "data", "steps"] = "epochs"
    lag: int = 1
    checkpoints: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.budget, bool) or not isinstance(self.budget, int) or self.budget < 1:
            raise SearchError(f"budget must be a positive integer, got {self.budget!r}")
        if not self.targets:
            raise SearchError("no targets: give at least one chip")
        if self.fidelity not in FIDELITIES:
            raise SearchError(f"fidelity must be one of {', '.join(FIDELITIES)}, got {self.fidelity!r}")
        if self.mapper not in MAPPERS:
            raise SearchError(f"mapper must be one of {', '.join(MAPPERS)}, got {self.mapper!r}")

    def identity(self) -> dict[str, Any]:
        """The fields a resumed run must share with the stored one (budget may grow; lag is stored)."""
        d = asdict(self)
        d.pop("budget")
        d["targets"] = list(self.targets)
        d["objectives"] = {"names": list(self.objectives.names),
                           "weights": None if self.objectives.weights is None else list(self.objectives.weights)}
        d["dataset"] = self.dataset.to_dict()
        stored: dict[str, Any] = json.loads(json.dumps(d))  # as stored: tuples become lists
        return stored


def chip_seed(seed: int, chip_id: str) -> int:
    """The strategy seed of one chip: stable across runs and machines."""
    return (seed * 1_000_003 + zlib.crc32(chip_id.encode())) % (2**32)


@dataclass
class _Ask:
    idx: int
    chip: str
    seq: int
    genome: Genome
    duplicate_of: int | None
    fidelity: float = 1.0
    cost: float = 0.0  # in full trainings; 0 for a duplicate


def run_search(config: SearchConfig, store: Store, executor: Executor | None = None,
               on_result: Callable[[Row, float, int], None] | None = None,
               chips: dict[str, Chip] | None = None) -> dict[str, list[Row]]:
    """Run (or resume) a search, holding the store's single-writer lock; returns the stored rows per chip.

    Args:
        store: an empty store (new run) or one written by the same configuration (resume). Another
            process writing it is refused (StoreInUseError) before anything is read or written.
        executor: where evaluations run (in this process when None).
        on_result: called after each evaluation is stored with (row, budget spent so far, total budget),
            both in full trainings (an evaluation at a lower fidelity spends its cost).
        chips: preloaded chips by id (else loaded by id).
    """
    with store.writing():
        return _run(config, store, executor, on_result, chips)


def _run(config: SearchConfig, store: Store, executor: Executor | None,
         on_result: Callable[[Row, float, int], None] | None, chips: dict[str, Chip] | None) -> dict[str, list[Row]]:
    meta = store.meta()
    identity = config.identity()
    lag = config.lag
    if "config" in meta:
        stored = dict(meta["config"])
        lag = int(stored.pop("lag", 1))
        stored.setdefault("fidelity", "epochs")  # stores written before multi-fidelity search
        stored.setdefault("checkpoints", False)  # stores written before promotions resumed their training
        mine = dict(identity)
        mine.pop("lag")
        if stored != mine:
            diff = sorted(k for k in set(stored) | set(mine) if stored.get(k) != mine.get(k))
            raise StoreError(f"{store.path}: written by another search configuration (differs in "
                             f"{', '.join(diff)}); resume with the same options or use a new store")
    elif len(store):
        raise StoreError(f"{store.path}: has evaluations but no run configuration")
    if lag < 1:
        raise SearchError(f"lag must be >= 1, got {lag}")
    chips = dict(chips or {})
    for t in config.targets:
        if t not in chips:
            chips[t] = load_chip(t)
    load_dataset(config.dataset)  # a bad dataset specification fails here, not in every evaluation
    base = make_space(config.space, **config.space_options)
    spaces: dict[str, SearchSpace] = {t: base.restrict(chips[t]) for t in config.targets}
    strategies: dict[str, Strategy] = {
        t: make_strategy(config.strategy, spaces[t], chip_seed(config.seed, t),
                         SearchContext(config.objectives, chips[t], config.dataset, config.budget, config.epochs,
                                       config.seed), **config.strategy_options)
        for t in config.targets}
    schedule = str(meta.get("schedule", "round-robin" if "config" in meta else "chip"))
    if schedule not in ("chip", "round-robin"):
        raise StoreError(f"{store.path}: unknown schedule {schedule!r} in its meta (expected chip or round-robin)")
    store.set_meta({"config": {**identity, "lag": lag}, "budget": config.budget, "complete": False,
                    "schedule": schedule})
    per_chip = schedule == "chip"
    executor = executor or InlineExecutor()
    stored_rows = store.rows()
    stored = {(r.chip, r.seq): r for r in stored_rows}
    next_idx = max((r.idx for r in stored_rows), default=-1) + 1
    outcomes: dict[int, dict[str, Any]] = {
        r.idx: {"status": r.status, "score": r.score, "error": r.error, "seconds": r.seconds}
        for r in stored_rows if r.done and r.status != "duplicate"}
    asks: dict[int, _Ask] = {}
    # the results each strategy is told, in order: its own asks (per chip) or every ask (round robin)
    queues: dict[str, list[int]] = {t: [] for t in config.targets} if per_chip else {"": []}
    told = dict.fromkeys(queues, 0)
    waiting = dict.fromkeys(config.targets, False)  # the chip's strategy proposed None: tell before asking
    first: dict[tuple[str, str, float], int] = {}
    evals = dict.fromkeys(config.targets, 0.0)  # budget spent, in full trainings
    ended: set[str] = set()  # chips whose strategy has ended its run
    n_asks = dict.fromkeys(config.targets, 0)
    in_flight: set[int] = set()
    finished = 0.0  # budget spent by finished evaluations (replayed ones included), in full trainings
    total = config.budget * len(config.targets)

    def collect() -> None:
        nonlocal finished
        for idx, outcome in executor.wait(timeout=None):
            if idx not in in_flight:
                continue
            in_flight.discard(idx)
            store.finish(idx, outcome["status"], outcome["score"], outcome["error"], outcome["seconds"])
            outcomes[idx] = outcome
            finished += asks[idx].cost
            if on_result is not None:
                a = asks[idx]
                row = Row(idx=idx, chip=a.chip, seq=a.seq, genome_key=a.genome.key, genome=a.genome.to_json(),
                          description=spaces[a.chip].describe(a.genome), status=outcome["status"], duplicate_of=None,
                          score=outcome["score"], error=outcome["error"], seconds=outcome["seconds"],
                          fidelity=a.fidelity)
                on_result(row, finished, total)

    def result_of(i: int) -> int:
        a = asks[i]
        return a.duplicate_of if a.duplicate_of is not None else i

    def tell(i: int) -> None:
        a = asks[i]
        o = outcomes[result_of(i)]
        result = Result(config.objectives.fitness(o["score"]), Objectives.violation(o["status"], o["score"]),
                        o["status"], o["score"], a.fidelity)
        strategies[a.chip].tell(a.genome, result)

    def advance(chip: str) -> Proposal | int | None:
        """The chip's next proposal, telling its strategy what the lag rule asks first; else the idx of the
        running evaluation it waits for, or None when its strategy has ended its run."""
        key = chip if per_chip else ""
        queue = queues[key]
        while True:
            p = told[key]
            if p < len(queue) and (waiting[chip] or p <= len(queue) - lag):
                j = queue[p]
                if result_of(j) not in outcomes:
                    if result_of(j) not in in_flight:
                        raise SearchError(f"internal: result {j} neither stored nor running")
                    return j
                tell(j)
                told[key] += 1
                waiting[chip] = False
                continue
            if waiting[chip]:  # nothing outstanding to tell: the strategy has ended its run
                return None
            proposal = strategies[chip].propose()
            if proposal is not None:
                return proposal
            waiting[chip] = True

    resumes = config.checkpoints and config.fidelity == "epochs"
    ckpt_dir = f"{Path(store.path).resolve()}.checkpoints" if resumes else None
    trained_to: dict[tuple[str, str], int] = {}  # (chip, genome) -> most epochs asked so far (resume rule)

    def resumed_cost(chip: str, genome: Genome, fidelity: float, cost: float) -> float:
        """``cost`` less the epochs a checkpoint already holds (module docstring), recording this ask."""
        if not resumes:
            return cost
        e = round(cost * config.epochs)
        before = trained_to.get((chip, genome.key), 0)
        trained_to[(chip, genome.key)] = e if fidelity < 1.0 else 0  # a full evaluation deletes its checkpoint
        return (e - before) / config.epochs if before < e else cost

    def budgeted(chip: str, genome: Genome, fidelity: float) -> tuple[EvalTask, float]:
        task, cost = task_at(spaces[chip], chips[chip], genome, fidelity, config.fidelity, config.epochs,
                             config.patience, config.seed, config.dataset, config.mapper, config.eval_samples,
                             ckpt_dir)
        return task, resumed_cost(chip, genome, fidelity, cost)

    def submit(a: _Ask, task: EvalTask) -> None:
        while len(in_flight) >= executor.capacity:
            collect()
        in_flight.add(a.idx)
        executor.submit(a.idx, task)

    def ask(chip: str, proposal: Proposal) -> None:
        nonlocal next_idx, finished
        genome, fid = proposal.genome, float(proposal.fidelity)
        row = stored.get((chip, n_asks[chip]))
        if row is None:
            g, next_idx = next_idx, next_idx + 1
        else:
            g = row.idx
            if row.genome_key != genome.key or row.fidelity != fid or (not per_chip and g != len(asks)):
                raise StoreError(f"{store.path}: ask {row.seq} on {chip} was {row.genome_key}@{row.fidelity:g} "
                                 f"(idx {g}) when stored, now {genome.key}@{fid:g} (idx {len(asks)}); the store "
                                 "was written by another configuration or version")
        dup = first.get((chip, genome.key, fid))
        a = _Ask(g, chip, n_asks[chip], genome, dup, fid)
        asks[g] = a
        queues[chip if per_chip else ""].append(g)
        n_asks[chip] += 1
        task: EvalTask | None = None
        if dup is None:
            first[(chip, genome.key, fid)] = g
            if row is not None and row.done:  # replayed from the store: its cost counts, no task is built
                a.cost = resumed_cost(chip, genome, fid, fidelity_cost(
                    spaces[chip], genome, fid, config.fidelity, config.epochs, config.patience, config.seed))
            else:
                task, a.cost = budgeted(chip, genome, fid)
            evals[chip] += a.cost
        if row is None:
            store.add_ask(g, chip, a.seq, genome.key, genome.to_json(), spaces[chip].describe(genome), dup, fid)
        if task is not None and (row is None or row.status == "pending"):
            submit(a, task)
        elif row is not None and row.done:
            finished += a.cost

    while True:
        open_chips = sorted((t for t in config.targets if evals[t] < config.budget - 1e-9
                             and n_asks[t] < _ASK_CAP * config.budget and t not in ended),
                            key=lambda t: (n_asks[t], config.targets.index(t)))
        if not open_chips:
            break
        blocked = False
        for chip in open_chips if per_chip else open_chips[:1]:  # round robin: only the chip with fewest asks
            proposal = advance(chip)
            if proposal is None:
                ended.add(chip)
            elif isinstance(proposal, int):
                blocked = True
                continue
            else:
                ask(chip, proposal)
            blocked = False
            break
        if blocked:  # every open chip waits for a running evaluation
            collect()
    for key, queue in queues.items():
        for j in queue[told[key]:]:
            while result_of(j) not in outcomes:
                collect()
            tell(j)
    store.set_meta({"complete": True})
    out: dict[str, list[Row]] = {t: [] for t in config.targets}
    for r in store.rows():
        out.setdefault(r.chip, []).append(r)
    return out


def config_from_identity(identity: dict[str, Any], budget: int) -> SearchConfig:
    """The configuration a store was written with (its ``meta["config"]``), with a (possibly larger) budget."""
    try:
        d = dict(identity)
        d.setdefault("checkpoints", False)  # as _run reads a store written before checkpoints
        o = d.pop("objectives")
        ds = d.pop("dataset")
        return SearchConfig(
            **{**d, "targets": tuple(d["targets"]), "budget": budget},
            objectives=Objectives(tuple(o["names"]), None if o["weights"] is None else tuple(o["weights"])),
            dataset=DatasetSpec(ds["name"], tuple(sorted(ds["options"].items())), ds["max_samples"], ds["seed"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise StoreError(f"the store's run configuration is unreadable: {exc}") from exc
