"""Training checkpoints on disk: pause a training after E₁ epochs and resume it later for E₂ > E₁, with
the result of training E₂ epochs at once (``snnas.train.fit``: every piece of the loop's state is kept).

A checkpoint is one ``.npz`` per training, named by :func:`checkpoint_key`: a hash of everything the
training depends on but its number of epochs (the whole ``TrainConfig`` with epochs and progress blanked,
the dataset's name, size and inputs, the split's indices). It holds the parameters, Adam's moments, the best
parameters (float64, as trained) and, as JSON, the step count, the generator's state, the learning curve
and the early-stopping state. Files are written to a temporary name and renamed, so a killed writer
leaves the previous checkpoint or none; a file that does not load or belongs to another training is
ignored (the training starts from scratch, with the same result, only slower).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from snnas.data.datasets import Dataset, Split
from snnas.train.config import TrainConfig
from snnas.train.fit import FitState, Params

__all__ = ["checkpoint_key", "load_state", "save_state"]

_LISTS = ("params", "m", "v", "best")


def checkpoint_key(config: TrainConfig, data: Dataset, split: Split) -> str:
    """24 hex digits naming a training up to its number of epochs (module docstring)."""
    cfg = dataclasses.replace(config, epochs=1, progress=False)
    h = hashlib.sha256(repr(cfg).encode())
    h.update(f"{data.name}|{len(data)}|{data.n_inputs}|{data.n_classes}".encode())
    for part in (split.train, split.val):
        h.update(np.ascontiguousarray(part, dtype=np.int64).tobytes())
    return h.hexdigest()[:24]


def save_state(path: str | os.PathLike[str], key: str, state: FitState) -> None:
    """Write ``state`` of training ``key`` to ``path`` (atomically)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, Any] = {}
    present: dict[str, list[bool]] = {}
    for name in _LISTS:
        values: Params = getattr(state, name)
        present[name] = [v is not None for v in values]
        for i, v in enumerate(values):
            if v is not None:
                arrays[f"{name}_{i}"] = v
    meta = {"key": key, "epoch": state.epoch, "t": state.t, "rng": state.rng, "history": state.history,
            "best_val": state.best_val, "waited": state.waited, "seen": state.seen, "stopped": state.stopped,
            "present": present}
    tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        np.savez(f, meta=np.array(json.dumps(meta)), **arrays)
    os.replace(tmp, p)


def load_state(path: str | os.PathLike[str], key: str) -> FitState | None:
    """The state saved at ``path`` for training ``key``, or None (no file, another training's, unreadable)."""
    p = Path(path)
    if not p.is_file():
        return None
    try:
        with np.load(p, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            if meta.get("key") != key:
                return None
            lists = {name: [z[f"{name}_{i}"].copy() if here else None for i, here in enumerate(meta["present"][name])]
                     for name in _LISTS}
        return FitState(int(meta["epoch"]), lists["params"], lists["m"], lists["v"], int(meta["t"]), meta["rng"],
                        list(meta["history"]), lists["best"], float(meta["best_val"]), int(meta["waited"]),
                        int(meta["seen"]), bool(meta["stopped"]))
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile, json.JSONDecodeError):
        return None
