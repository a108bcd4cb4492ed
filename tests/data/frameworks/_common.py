"""Helpers shared by the record_*.py scripts of tests/data/frameworks (numpy and the standard library only).

The record scripts run by hand in a venv that has torch and the frameworks (see README.md); this module
itself imports neither, so check_transcription.py can use it too.
"""

from __future__ import annotations

import importlib.metadata
import json
import pathlib
import platform
import sys
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
CASE_DIR = HERE / "cases"
sys.path.insert(0, str(HERE.parents[2]))  # the repository root, for tests.data.recording
from tests.data.recording import samna_status, save_npz  # noqa: E402

__all__ = ["CASE_DIR", "HERE", "jstr", "raster", "record_all", "reproducible_run", "samna_status", "save_npz",
           "versions", "write_summary"]


def versions(*dists: str) -> dict[str, str]:
    """Installed version of each distribution (plus python), for the .npz and the README."""
    out = {"python": platform.python_version()}
    for d in dists:
        try:
            out[d] = importlib.metadata.version(d)
        except importlib.metadata.PackageNotFoundError:
            out[d] = "not installed"
    return out


def jstr(obj: object) -> np.ndarray:
    """A JSON document as a 0-d numpy string (how dicts travel inside the .npz files)."""
    return np.array(json.dumps(obj, sort_keys=True))


def raster(rng: np.random.Generator, n_steps: int, shape: tuple[int, ...], p_lo: float, p_hi: float) -> np.ndarray:
    """Bernoulli spike raster (n_steps, *shape) of 0/1 float32, one firing probability per input channel."""
    p = rng.uniform(p_lo, p_hi, shape[0]).reshape((shape[0],) + (1,) * (len(shape) - 1))
    return (rng.random((n_steps,) + tuple(shape)) < p).astype(np.float32)


def reproducible_run(run: Callable[[Any, Any], dict[str, Any]], net: Any, x: Any) -> dict[str, Any]:
    """``run(net, x)``, checked to give the same record when run again (the run itself is deterministic)."""
    rec = run(net, x)
    again = run(net, x)
    assert all(np.array_equal(rec[k], again[k]) for k in rec)
    return rec


def record_all(framework: str, cases: Iterable[dict[str, Any]],
               record: Callable[[dict[str, Any], dict[str, str], list[dict[str, Any]]], None],
               extra: dict[str, str] | None = None) -> dict[str, str]:
    """The common main() of the record scripts: one thread, versions printed, every case recorded, the
    summary csv written; ``extra`` adds to the versions recorded. Returns the versions."""
    import torch  # the record scripts' venv has it; this module's other users do not import this function

    torch.set_num_threads(1)
    vers = {**versions(framework, "torch", "nir", "nirtorch", "numpy"), **(extra or {})}
    print(vers)
    CASE_DIR.mkdir(exist_ok=True)
    rows: list[dict[str, Any]] = []
    for case in cases:
        record(case, vers, rows)
    write_summary(rows, framework)
    return vers


def write_summary(rows: list[dict[str, object]], name: str) -> None:
    """One csv per record script: cases/summary_<name>.csv."""
    import csv

    keys: list[str] = []
    for r in rows:
        keys += [k for k in r if k not in keys]
    with open(CASE_DIR / f"summary_{name}.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=keys)
        w.writeheader()
        w.writerows(rows)


def node_params(graph: Any) -> dict[str, np.ndarray]:
    """Every node's type and numeric fields of a NIR graph, keyed ``<node>/<field>``, floats as float32 (what
    snnTorch's, Norse's and sinabs' importers make of them), plus the edges as ``edges``."""
    out: dict[str, np.ndarray] = {"edges": np.array(sorted(f"{a}->{b}" for a, b in graph.edges))}
    for name, node in sorted(graph.nodes.items()):
        out[f"{name}/type"] = np.array(type(node).__name__)
        for field, value in sorted(vars(node).items()):
            if isinstance(value, np.ndarray) and value.dtype.kind in "fiu":
                out[f"{name}/{field}"] = value.astype(np.float32) if value.dtype.kind == "f" else value
    return out
