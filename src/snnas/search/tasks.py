"""One evaluation as a picklable task, and the function that runs it (in a worker process or on a Dask
worker): a genome's candidate on one chip with one dataset → an outcome dict for the store.

Outcome: ``{"status": "ok" | "infeasible" | "failed", "score": Score.to_dict() | None,
"error": str | None, "seconds": float}``. An evaluation that raises, or whose score holds NaN (a
diverged training), is "failed" with the error named; nothing it does can stop the search.
"""

from __future__ import annotations

import inspect
import math
import time
import traceback
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from snnas.chip import Chip
from snnas.data.datasets import Dataset, DatasetError, Split, digits, randman, split
from snnas.data.temporal import delayed_xor
from snnas.search.fidelity import at_fidelity, class_subset, train_subset
from snnas.space.base import Candidate, Genome, SearchSpace

__all__ = ["DATASETS", "DatasetSpec", "EvalTask", "load_dataset", "run_task", "task_at", "warm_up"]

DATASETS = {"digits": digits, "randman": randman, "delayed_xor": delayed_xor}


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset every worker can build locally (no file, no download): a name, options, an optional
    stratified subsample of ``max_samples``, and the split seed."""

    name: str = "digits"
    options: tuple[tuple[str, Any], ...] = ()
    max_samples: int | None = None
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "options": dict(self.options), "max_samples": self.max_samples, "seed": self.seed}


@lru_cache(maxsize=4)
def load_dataset(spec: DatasetSpec) -> tuple[Dataset, Split]:
    """The dataset and its split (cached per process)."""
    if spec.name not in DATASETS:
        raise DatasetError(f"unknown dataset {spec.name!r}; choose one of {', '.join(DATASETS)}")
    make = DATASETS[spec.name]
    known = set(inspect.signature(make).parameters)
    unknown = sorted(set(dict(spec.options)) - known)
    if unknown:
        raise DatasetError(f"dataset {spec.name!r}: unknown options {unknown}; it takes {', '.join(sorted(known))}")
    data = make(**dict(spec.options))
    if spec.max_samples is not None:
        if spec.max_samples < 3 * data.n_classes:
            raise DatasetError(f"max_samples must be at least 3 per class ({3 * data.n_classes}), "
                               f"got {spec.max_samples}")
        if spec.max_samples < len(data):
            if data.x is None:
                raise DatasetError(f"{data.name}: max_samples applies to static datasets only")
            f = spec.max_samples / len(data)
            keep = split(data, (f, 0.0, 1.0 - f), seed=spec.seed).train  # stratified
            data = Dataset(data.name, data.labels[keep], data.n_inputs, data.n_classes, x=data.x[keep])
    return data, split(data, seed=spec.seed)


@dataclass(frozen=True)
class EvalTask:
    """Everything one evaluation needs, picklable."""

    candidate: Candidate
    chip: Chip
    dataset: DatasetSpec = field(default_factory=DatasetSpec)
    mapper: str = "traffic"
    eval_samples: int = 64
    train_fraction: float = 1.0  # a stratified share of the training set (multi-fidelity search)
    genome_key: str = ""  # what was asked (a tabular benchmark answers by it: snnas.search.table)
    fidelity: float = 1.0
    checkpoints: str | None = None  # a folder of training checkpoints shared by the run (epochs fidelity)
    class_fraction: float = 1.0  # the curriculum's share of the classes (snnas.search.fidelity.class_subset)


def task_at(space: SearchSpace, chip: Chip, genome: Genome, fidelity: float, rule: str, epochs: int,
            patience: int, seed: int, dataset: DatasetSpec, mapper: str, eval_samples: int,
            checkpoints: str | None = None) -> tuple[EvalTask, float]:
    """The evaluation of ``genome`` on ``chip`` at ``fidelity`` by rule ``rule``
    (``snnas.search.fidelity.at_fidelity``), and its cost in full trainings (before any resume)."""
    b = at_fidelity(space, genome, fidelity, rule, epochs, patience, seed)
    return EvalTask(b.candidate, chip, dataset, mapper, eval_samples, b.train_fraction, genome.key, fidelity,
                    checkpoints, b.class_fraction), b.cost


def warm_up() -> None:
    """Import what :func:`run_task` imports on first use (training, quantising, mapping, simulating: about
    a second), so that a fresh worker process does it while the search is still starting up; a failing
    import is left for run_task to report as the evaluation's failure."""
    try:
        import snnas.evaluate.score
        import snnas.train.candidate  # noqa: F401
    except Exception:  # noqa: BLE001 - reported by run_task, with the task it failed
        return


def run_task(task: EvalTask) -> dict[str, Any]:
    """Evaluate one task; never raises (failures are outcomes)."""
    from snnas.evaluate.score import score
    from snnas.train.candidate import config_of

    start = time.perf_counter()
    try:
        data, sp = load_dataset(task.dataset)
        if task.class_fraction < 1.0:  # the curriculum's easier task: its classes in every split
            sp = Split(*(class_subset(ix, data.labels, task.class_fraction, data.n_classes)
                         for ix in (sp.train, sp.val, sp.test)))
        if task.train_fraction < 1.0:
            sp = Split(train_subset(sp.train, data.labels, task.train_fraction), sp.val, sp.test)
        s = score(config_of(task.candidate), task.chip, data, sp, weight_bits=task.candidate.weight_bits,
                  mapper=task.mapper, eval_samples=task.eval_samples, checkpoints=task.checkpoints,
                  keep_checkpoint=task.fidelity < 1.0)  # a full-fidelity training is never resumed
        d = s.to_dict()
        bad = [k for k, v in d.items() if isinstance(v, float) and math.isnan(v)]
        if bad:
            return {"status": "failed", "score": None, "error": f"diverged: NaN in {', '.join(bad)}",
                    "seconds": time.perf_counter() - start}
        status = "ok" if s.feasible else "infeasible"
        return {"status": status, "score": d, "error": None, "seconds": time.perf_counter() - start}
    except Exception as exc:  # noqa: BLE001 - an evaluation's failure is data, not a crash of the search
        tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return {"status": "failed", "score": None, "error": tb, "seconds": time.perf_counter() - start}
