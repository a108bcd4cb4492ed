"""SQLite store of a search: every ask and every evaluation, written before the strategy hears of it.

One file per run. Table ``meta`` holds the run's configuration (space, strategy, chips, dataset, seed,
lag) as JSON; table ``evaluations`` one row per ask, in ask order (``idx``), with the chip, the genome
(JSON and its stable key), the fidelity it was evaluated at (1 = the full training budget; lower
rungs of successive halving and Hyperband are stored too, so a resumed run does not redo them),
the status and the score:

    pending      asked, being evaluated (a killed run re-evaluates these on resume)
    ok           trained and scored
    infeasible   does not fit the chip: violations stored, never trained
    failed       raised, diverged or ran out of time: the error is stored
    duplicate    the genome was asked before on this chip at this fidelity: ``duplicate_of`` names that row

Each write is its own transaction (WAL journal), so a hard kill loses at most the evaluation that was
running. One process writes a store at a time: ``with store.writing():`` holds the store's lock
(:mod:`snnas.search.lock`; a second writer gets StoreInUseError naming the first), and while it is held
every write checks, in its transaction, that the lock is still this process's. ``export_csv`` and
``export_json`` write one row per evaluation with the score flattened.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sqlite3
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from snnas.errors import StoreError
from snnas.export import write_csv, write_text
from snnas.search.lock import StoreLock

__all__ = ["Row", "Store", "StoreError"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS evaluations (
    idx INTEGER PRIMARY KEY,
    chip TEXT NOT NULL,
    seq INTEGER NOT NULL,
    genome_key TEXT NOT NULL,
    genome TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('pending', 'ok', 'infeasible', 'failed', 'duplicate')),
    duplicate_of INTEGER,
    score TEXT,
    error TEXT,
    seconds REAL,
    asked_at REAL NOT NULL,
    finished_at REAL,
    fidelity REAL NOT NULL DEFAULT 1.0
);
CREATE INDEX IF NOT EXISTS by_chip ON evaluations (chip, seq);
"""
_VERSION = 2  # 2: the fidelity column (version-1 stores are upgraded in place: every row at fidelity 1)


@dataclass(frozen=True, kw_only=True)
class Row:
    """One ask and, once finished, its evaluation."""

    idx: int
    chip: str
    seq: int
    genome_key: str
    genome: str
    description: str
    status: str
    duplicate_of: int | None
    score: dict[str, Any] | None
    error: str | None
    seconds: float | None
    fidelity: float = 1.0

    @property
    def done(self) -> bool:
        return self.status != "pending"

    @property
    def full(self) -> bool:
        """Evaluated at the full training budget (what Pareto fronts and reports are made of)."""
        return self.fidelity == 1.0


class Store:
    """A search's SQLite file (see the module docstring). Use as a context manager or call ``close``."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock: StoreLock | None = None
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            version = self.meta().get("store_version")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a snnas store ({exc})") from exc
        if version is None:
            self._set("store_version", _VERSION)
        elif version == 1:
            with self._tx():
                cols = {r[1] for r in self._db.execute("PRAGMA table_info(evaluations)")}
                if "fidelity" not in cols:
                    self._db.execute("ALTER TABLE evaluations ADD COLUMN fidelity REAL NOT NULL DEFAULT 1.0")
                self._set("store_version", _VERSION)
        elif version != _VERSION:
            raise StoreError(f"{self.path}: store version {version}, this snnas reads version {_VERSION}")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- run configuration --------------------------------------------------------------------------
    def meta(self) -> dict[str, Any]:
        try:
            return {k: json.loads(v) for k, v in self._db.execute("SELECT key, value FROM meta")}
        except (sqlite3.DatabaseError, ValueError) as exc:
            raise StoreError(f"{self.path}: unreadable run configuration ({exc})") from exc

    def _set(self, key: str, value: Any) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value)))

    def set_meta(self, values: Mapping[str, Any]) -> None:
        with self._tx():
            for k, v in values.items():
                self._set(k, v)

    @contextlib.contextmanager
    def writing(self, lock: StoreLock | None = None) -> Iterator[StoreLock]:
        """Hold the store's single-writer lock for the block (``lock``, or one with the default timings).

        Re-entrant: inside a block that holds it, the held lock is yielded. Raises StoreInUseError when
        another live process holds it.
        """
        if self._lock is not None:
            yield self._lock
            return
        held = (lock or StoreLock(self.path)).acquire()
        self._lock = held
        try:
            yield held
        finally:
            self._lock = None
            held.release()

    @contextlib.contextmanager
    def _tx(self) -> Iterator[None]:
        """One write transaction: committed on success, rolled back on error; a held lock is checked first."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            if self._lock is not None:
                self._lock.check(self._db)
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- evaluations ------------------------------------------------------------------------------------
    def add_ask(self, idx: int, chip: str, seq: int, genome_key: str, genome: str, description: str = "",
                duplicate_of: int | None = None, fidelity: float = 1.0) -> None:
        status = "pending" if duplicate_of is None else "duplicate"
        if not (isinstance(fidelity, float | int) and 0.0 < fidelity <= 1.0):
            raise StoreError(f"add_ask: fidelity must be in (0, 1], got {fidelity!r}")
        try:
            with self._tx():
                self._db.execute(
                    "INSERT INTO evaluations (idx, chip, seq, genome_key, genome, description, status, duplicate_of, "
                    "asked_at, fidelity) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (idx, chip, seq, genome_key, genome, description, status, duplicate_of, time.time(),
                     float(fidelity)))
        except sqlite3.IntegrityError as exc:
            raise StoreError(f"{self.path}: ask {idx} is already stored ({exc})") from exc

    def finish(self, idx: int, status: str, score: Mapping[str, Any] | None, error: str | None,
               seconds: float | None) -> None:
        if status not in ("ok", "infeasible", "failed"):
            raise StoreError(f"finish: status must be ok, infeasible or failed, got {status!r}")
        text = None if score is None else json.dumps(_jsonable(score), allow_nan=False)
        with self._tx():
            cur = self._db.execute(
                "UPDATE evaluations SET status = ?, score = ?, error = ?, seconds = ?, finished_at = ? "
                "WHERE idx = ? AND status = 'pending'", (status, text, error, seconds, time.time(), idx))
            if cur.rowcount != 1:
                raise StoreError(f"{self.path}: no pending ask {idx} to finish")

    def rows(self) -> list[Row]:
        return list(self._rows("SELECT * FROM evaluations ORDER BY idx"))

    def _rows(self, sql: str, args: tuple[Any, ...] = ()) -> Iterator[Row]:
        cols = ("idx", "chip", "seq", "genome_key", "genome", "description", "status", "duplicate_of", "score",
                "error", "seconds", "fidelity")
        try:
            cur = self._db.execute(sql.replace("*", ", ".join(cols)), args)
            for rec in cur:
                d = dict(zip(cols, rec))
                d["score"] = None if d["score"] is None else json.loads(d["score"])
                yield Row(**d)
        except (sqlite3.DatabaseError, ValueError) as exc:
            raise StoreError(f"{self.path}: corrupt evaluations table ({exc})") from exc

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM evaluations").fetchone()[0])

    # -- export -----------------------------------------------------------------------------------------
    def records(self) -> list[dict[str, Any]]:
        """One flat dict per evaluation (score fields prefixed by nothing; violations as their count)."""
        out = []
        for r in self.rows():
            rec: dict[str, Any] = {"idx": r.idx, "chip": r.chip, "seq": r.seq, "genome_key": r.genome_key,
                                   "description": r.description, "status": r.status,
                                   "duplicate_of": r.duplicate_of, "fidelity": r.fidelity, "error": r.error,
                                   "seconds": r.seconds}
            for k, v in (r.score or {}).items():
                if k == "chip":
                    continue
                rec[k] = len(v) if k == "violations" else (";".join(map(str, v)) if isinstance(v, list) else v)
            rec["genome"] = r.genome
            out.append(rec)
        return out

    def export_csv(self, path: str | os.PathLike[str]) -> None:
        write_csv(path, self.records())

    def export_json(self, path: str | os.PathLike[str]) -> None:
        doc = {"meta": self.meta(), "evaluations": [
            {**r.__dict__, "genome": json.loads(r.genome)} for r in self.rows()]}
        write_text(path, json.dumps(doc, indent=1, allow_nan=False))


def _jsonable(value: Any) -> Any:
    """Scores as strict JSON: non-finite floats become None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value
