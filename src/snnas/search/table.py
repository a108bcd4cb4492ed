"""Tabular benchmarks: evaluate a small space exhaustively once, then replay any strategy against it.

A *table* holds the outcome of every valid genome of a space (``SearchSpace.genomes``) on every chip at
every fidelity a strategy may ask (by default the rungs 1/9, 1/3 and 1 of successive halving with η = 3),
each exactly what a search's evaluation returns (status, score, error, seconds: ``tasks.run_task``). It
is built by :func:`build_table` (``snnas table build``), which runs the real pipeline (train, quantise,
map, simulate, cost) through any executor and appends each outcome to the file as it arrives, so a
killed build resumes where it stopped. A search replays a table through :class:`TableExecutor`
(``snnas search --replay TABLE``): every ask is answered from the table in well under a millisecond, so
20 seeds of every strategy cost seconds, as in NASLib's tabular benchmarks or Syne Tune's simulator.

File format ``snnas-table/1`` (JSON Lines, gzip-compressed when the name ends in ``.gz``; a table a user
supplies is read the same way and checked field by field):

* line 1, the header: ``{"format": "snnas-table/1", "spec": {...}, "created": ISO time}`` with the spec
  of :class:`TableSpec` (space and options, chips, dataset, epochs, patience, training seed, mapper,
  eval_samples, fidelity rule and fidelities);
* one line per outcome: ``{"chip", "key", "genome" (its JSON), "fidelity", "status", "score", "error",
  "seconds"}``;
* last, once complete: ``{"complete": true, "entries": N, "wall_seconds": S}`` (the build's wall time;
  the sum of the entries' ``seconds`` is the evaluation time a real search would have spent).

A replayed search uses the table's training settings whatever its own seed: the seed then only seeds the
strategies (the table was trained with ``spec.seed``).
"""

from __future__ import annotations

import gzip
import json
import math
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from snnas.chip import Chip, load_chip
from snnas.errors import SnnasError
from snnas.search.executors import Executor, Outcome
from snnas.search.fidelity import FIDELITIES
from snnas.search.tasks import DatasetSpec, EvalTask, task_at
from snnas.space import make_space
from snnas.space.base import Genome, SearchSpace

__all__ = ["FORMAT", "Table", "TableError", "TableExecutor", "TableSpec", "build_table", "read_table"]

FORMAT = "snnas-table/1"
STATUSES = ("ok", "infeasible", "failed")


class TableError(SnnasError, ValueError):
    """A table file that cannot be read (wrong format, a malformed line, a field of the wrong type), a
    table that does not hold what is asked of it, or a build that does not match the file it resumes."""


def fid_key(fidelity: float) -> float:
    """The fidelity as tables index it (rounded to 12 digits: 1/9 from any computation finds 1/9)."""
    return round(float(fidelity), 12)


@dataclass(frozen=True)
class TableSpec:
    """What a table evaluates and how (every field of a search configuration but the strategy and budget)."""

    space: str = "global"
    space_options: dict[str, Any] = field(default_factory=dict)
    targets: tuple[str, ...] = ("loihi",)
    dataset: DatasetSpec = field(default_factory=DatasetSpec)
    epochs: int = 4
    patience: int = 4
    seed: int = 0
    mapper: str = "traffic"
    eval_samples: int = 32
    fidelity: str = "epochs"
    fidelities: tuple[float, ...] = (1 / 9, 1 / 3, 1.0)

    def __post_init__(self) -> None:
        if self.fidelity not in FIDELITIES:
            raise TableError(f"fidelity: expected one of {', '.join(FIDELITIES)}, got {self.fidelity!r}")
        if not self.fidelities or any(not (isinstance(f, (int, float)) and 0 < f <= 1) for f in self.fidelities):
            raise TableError(f"fidelities: expected numbers in (0, 1], got {self.fidelities!r}")
        if not self.targets:
            raise TableError("targets: expected at least one chip id")
        for name in ("epochs", "patience", "eval_samples"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise TableError(f"{name}: expected a positive integer, got {v!r}")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["targets"] = list(self.targets)
        d["fidelities"] = [float(f) for f in self.fidelities]
        d["dataset"] = self.dataset.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: Any, where: str) -> TableSpec:
        if not isinstance(d, dict):
            raise TableError(f"{where}: spec: expected an object, got {type(d).__name__}")
        try:
            ds = d["dataset"]
            dataset = DatasetSpec(ds["name"], tuple(sorted(dict(ds["options"]).items())), ds["max_samples"], ds["seed"])
            return cls(space=str(d["space"]), space_options=dict(d["space_options"]), targets=tuple(d["targets"]),
                       dataset=dataset, epochs=d["epochs"], patience=d["patience"], seed=d["seed"],
                       mapper=str(d["mapper"]), eval_samples=d["eval_samples"], fidelity=d["fidelity"],
                       fidelities=tuple(float(f) for f in d["fidelities"]))
        except KeyError as exc:
            raise TableError(f"{where}: spec: missing field {exc}") from None
        except (TypeError, ValueError) as exc:
            raise TableError(f"{where}: spec: {type(exc).__name__}: {exc}") from None

    def spaces(self, chips: dict[str, Chip]) -> dict[str, SearchSpace]:
        """Each chip's space: the table's space restricted to the chip (as a search restricts it)."""
        base = make_space(self.space, **self.space_options)
        return {t: base.restrict(chips[t]) for t in self.targets}


@dataclass
class Table:
    """A table in memory: the spec and every outcome by (chip, genome key, fidelity)."""

    spec: TableSpec
    outcomes: dict[tuple[str, str, float], Outcome]
    genomes: dict[str, Genome]
    created: str = ""
    complete: bool = False
    wall_seconds: float = math.nan

    def outcome(self, chip: str, key: str, fidelity: float) -> Outcome | None:
        return self.outcomes.get((chip, key, fid_key(fidelity)))

    def evaluation_seconds(self) -> float:
        """The summed evaluation time of every entry: what evaluating them in a search would cost."""
        return float(sum(o.get("seconds") or 0.0 for o in self.outcomes.values()))

    def full(self, chip: str) -> list[tuple[Genome, Outcome]]:
        """The full-fidelity outcomes of ``chip``, in the order the genomes were first listed."""
        return [(self.genomes[k], o) for (c, k, f), o in self.outcomes.items() if c == chip and f == 1.0]


def _open(path: Path, mode: str) -> IO[str]:
    if path.suffix == ".gz":  # appending adds a gzip member: still one stream
        return gzip.open(path, mode + "t", encoding="utf-8")  # type: ignore[return-value]  # text mode: IO[str]
    return open(path, mode, encoding="utf-8")


def _lines(path: Path) -> Iterator[tuple[int, Any]]:
    try:
        with _open(path, "r") as f:
            for n, line in enumerate(f, 1):
                if line.strip():
                    try:
                        yield n, json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise TableError(f"{path}:{n}: not JSON ({exc.msg})") from None
    except OSError as exc:
        raise TableError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except EOFError:  # a gzip stream cut by a kill: the complete lines were read
        return


def _entry(path: Path, n: int, d: Any, spec: TableSpec) -> tuple[tuple[str, str, float], Genome, Outcome]:
    where = f"{path}:{n}"
    if not isinstance(d, dict):
        raise TableError(f"{where}: expected an object, got {type(d).__name__}")
    missing = [k for k in ("chip", "key", "genome", "fidelity", "status", "score", "error", "seconds") if k not in d]
    if missing:
        raise TableError(f"{where}: missing field(s) {', '.join(missing)}")
    if d["chip"] not in spec.targets:
        raise TableError(f"{where}: chip {d['chip']!r} is not one of the table's targets {list(spec.targets)}")
    if d["status"] not in STATUSES:
        raise TableError(f"{where}: status: expected one of {', '.join(STATUSES)}, got {d['status']!r}")
    if d["status"] != "failed" and not isinstance(d["score"], dict):
        raise TableError(f"{where}: score: expected an object for status {d['status']!r}, got {d['score']!r}")
    f = d["fidelity"]
    if isinstance(f, bool) or not isinstance(f, (int, float)) or not 0 < f <= 1:
        raise TableError(f"{where}: fidelity: expected a number in (0, 1], got {f!r}")
    s = d["seconds"]
    if s is not None and (isinstance(s, bool) or not isinstance(s, (int, float)) or not s >= 0):
        raise TableError(f"{where}: seconds: expected a non-negative number or null, got {s!r}")
    try:
        g = Genome.from_json(d["genome"] if isinstance(d["genome"], str) else json.dumps(d["genome"]))
    except SnnasError as exc:
        raise TableError(f"{where}: genome: {exc}") from None
    if g.key != d["key"]:
        raise TableError(f"{where}: key {d['key']!r} is not the genome's ({g.key})")
    outcome = {"status": d["status"], "score": d["score"], "error": d["error"], "seconds": s}
    return (str(d["chip"]), g.key, fid_key(f)), g, outcome


def read_table(path: str | os.PathLike[str]) -> Table:
    """Read a table file (module docstring); a partial one (a build still running or killed) reads with
    ``complete`` False.

    Raises:
        TableError: naming the file, the line and the field.
    """
    p = Path(path)
    it = _lines(p)
    first = next(it, None)
    if first is None:
        raise TableError(f"{p}: empty; expected a {FORMAT} header line")
    n, head = first
    if not isinstance(head, dict) or head.get("format") != FORMAT:
        got = head.get("format") if isinstance(head, dict) else head
        raise TableError(f"{p}:{n}: expected a header with format {FORMAT!r}, got {got!r}")
    spec = TableSpec.from_dict(head.get("spec"), f"{p}:{n}")
    table = Table(spec, {}, {}, created=str(head.get("created", "")))
    for n, d in it:
        if isinstance(d, dict) and d.get("complete") is True:
            table.complete = True
            table.wall_seconds = float(d.get("wall_seconds", math.nan))
            continue
        k, g, o = _entry(p, n, d, spec)
        table.outcomes[k] = o
        table.genomes.setdefault(g.key, g)
    return table


def build_table(spec: TableSpec, path: str | os.PathLike[str], executor: Executor,
                on_entry: Callable[[int, int], None] | None = None, limit: int = 100_000) -> Table:
    """Evaluate every valid genome of ``spec``'s space on every chip at every fidelity and write the table
    to ``path``; a file already there with the same spec is resumed (its entries are kept, the rest run).

    Args:
        executor: where the evaluations run (e.g. ``ProcessExecutor(workers=2)``).
        on_entry: called with (entries done, entries in all) after each one (progress).
        limit: the most assignments a space may have to be enumerated (``SearchSpace.genomes``).

    Raises:
        TableError: ``path`` holds a table of another spec.
    """
    p = Path(path)
    chips = {t: load_chip(t) for t in spec.targets}
    spaces = spec.spaces(chips)
    todo = [(t, g, float(f)) for t in spec.targets for g in spaces[t].genomes(limit) for f in spec.fidelities]
    done: Table | None = read_table(p) if p.exists() and p.stat().st_size > 0 else None
    if done is not None and done.spec != spec:
        raise TableError(f"{p}: a table of another spec; build into a new file (or give the same options)")
    start = time.perf_counter()
    if done is None:
        with _open(p, "w") as f:
            f.write(json.dumps({"format": FORMAT, "spec": spec.to_dict(),
                                "created": datetime.now(timezone.utc).isoformat(timespec="seconds")}) + "\n")
        done = Table(spec, {}, {})
    table: Table = done
    todo = [(t, g, f) for t, g, f in todo if table.outcome(t, g.key, f) is None]
    if table.complete and not todo:
        return table  # nothing to do: the file stays as it is
    total = len(todo) + len(table.outcomes)
    count = len(table.outcomes)
    in_flight: dict[int, tuple[str, Genome, float]] = {}

    def collect(f: IO[str]) -> None:
        nonlocal count
        for idx, o in executor.wait(timeout=None):
            if idx not in in_flight:
                continue
            t, g, fid = in_flight.pop(idx)
            f.write(json.dumps({"chip": t, "key": g.key, "genome": g.to_json(), "fidelity": fid, **o}) + "\n")
            f.flush()
            table.outcomes[(t, g.key, fid_key(fid))] = dict(o)
            table.genomes.setdefault(g.key, g)
            count += 1
            if on_entry is not None:
                on_entry(count, total)

    with _open(p, "a") as f:
        for idx, (t, g, fid) in enumerate(todo):
            while len(in_flight) >= executor.capacity:
                collect(f)
            in_flight[idx] = (t, g, fid)
            executor.submit(idx, task_at(spaces[t], chips[t], g, fid, spec.fidelity, spec.epochs, spec.patience,
                                         spec.seed, spec.dataset, spec.mapper, spec.eval_samples)[0])
        while in_flight:
            collect(f)
        wall = time.perf_counter() - start + (0.0 if math.isnan(table.wall_seconds) else table.wall_seconds)
        f.write(json.dumps({"complete": True, "entries": len(table.outcomes), "wall_seconds": wall}) + "\n")
    table.complete, table.wall_seconds = True, wall
    return table


class TableExecutor(Executor):
    """Answers a search's evaluations from a table: the outcome stored for (chip, genome, fidelity), or a
    failure naming what the table lacks."""

    capacity = 1 << 30

    def __init__(self, table: Table) -> None:
        if not table.complete:
            raise TableError(f"table incomplete ({len(table.outcomes)} entries): finish its build first "
                             f"(snnas table build resumes it)")
        self.table = table
        self.done: list[tuple[int, Outcome]] = []

    def submit(self, idx: int, task: EvalTask) -> None:
        o = self.table.outcome(task.chip.id, task.genome_key, task.fidelity)
        if o is None:
            o = {"status": "failed", "score": None, "seconds": 0.0,
                 "error": f"not in the table: chip {task.chip.id}, genome {task.genome_key}, fidelity "
                          f"{task.fidelity:.3g} (its fidelities: "
                          f"{', '.join(f'{f:.3g}' for f in self.table.spec.fidelities)})"}
        self.done.append((idx, dict(o)))

    def wait(self, timeout: float | None = None) -> list[tuple[int, Outcome]]:
        out, self.done = self.done, []
        return out
