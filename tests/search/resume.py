"""Helpers of the resume tests: a store's rows in comparable form, and a run cut short in its store."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from snnas.evaluate.score import TIMINGS


def comparable(rows: list[Any]) -> list[tuple[Any, ...]]:
    """Every field of the rows that a resumed run must reproduce (training time excluded), per chip in ask
    order: several chips share the workers, so the global ``idx`` order may differ between runs; a duplicate
    names the ``seq`` of the ask it repeats."""
    seq_of = {r.idx: r.seq for r in rows}
    out = []
    for r in sorted(rows, key=lambda r: (r.chip, r.seq)):
        score = dict(r.score or {})
        for key in TIMINGS:
            score.pop(key, None)
        dup = None if r.duplicate_of is None else seq_of[r.duplicate_of]
        out.append((r.chip, r.seq, r.genome_key, r.fidelity, r.status, dup, score, r.error))
    return out


def cut_store(path: Path, last: int | None = None) -> None:
    """Make the store at ``path`` look killed mid-run: rows after evaluation ``last`` (default: the last
    one) lost, and ``last`` itself pending."""
    con = sqlite3.connect(path)
    if last is None:
        last = con.execute("SELECT MAX(idx) FROM evaluations").fetchone()[0]
    con.execute("DELETE FROM evaluations WHERE idx > ?", (last,))
    con.execute("UPDATE evaluations SET status = 'pending', score = NULL WHERE idx = ?", (last,))
    con.commit()
    con.close()
