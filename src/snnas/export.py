"""Writing results to files (reports, tables, search exports): every failure is a SnnasError naming the
file, never a bare OSError."""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from snnas.errors import SnnasError

__all__ = ["ExportError", "write_csv", "write_text"]


class ExportError(SnnasError, OSError):
    """A result file that cannot be written (missing folder, no permission, full disk)."""


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path``."""
    try:
        Path(path).write_text(text)
    except OSError as exc:
        raise ExportError(f"cannot write {os.fspath(path)}: {exc.strerror or exc}") from exc


def write_csv(path: str | os.PathLike[str], rows: Sequence[Mapping[str, Any]]) -> None:
    """Write ``rows`` as CSV with a header: every key of any row, in order of first appearance (a row
    without a key leaves its cell empty)."""
    fields: list[str] = []
    for row in rows:
        fields.extend(k for k in row if k not in fields)
    try:
        with Path(path).open("w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=fields)
            w.writeheader()
            w.writerows(rows)
    except OSError as exc:
        raise ExportError(f"cannot write {os.fspath(path)}: {exc.strerror or exc}") from exc
