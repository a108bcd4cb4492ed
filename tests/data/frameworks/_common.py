"""Helpers shared by the record_*.py scripts of tests/data/frameworks (numpy and the standard library only).

The record scripts run by hand in a venv that has torch and the frameworks (see README.md); this module
itself imports neither, so check_transcription.py can use it too.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.metadata
import importlib.util
import io
import json
import pathlib
import platform
import sys
import types
import zipfile

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
CASE_DIR = HERE / "cases"


def versions(*dists: str) -> dict[str, str]:
    """Installed version of each distribution (plus python), for the .npz and the README."""
    out = {"python": platform.python_version()}
    for d in dists:
        try:
            out[d] = importlib.metadata.version(d)
        except importlib.metadata.PackageNotFoundError:
            out[d] = "not installed"
    return out


def save_npz(path: pathlib.Path, arrays: dict[str, object]) -> None:
    """np.savez_compressed, re-packed with fixed zip timestamps so a rerun gives the same bytes."""
    buf = io.BytesIO()
    np.savez_compressed(buf, **{k: np.asarray(v) for k, v in arrays.items()})  # type: ignore[arg-type]
    buf.seek(0)
    with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            new = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            new.compress_type = zipfile.ZIP_DEFLATED
            new.external_attr = 0o644 << 16
            zout.writestr(new, zin.read(info.filename))


def jstr(obj: object) -> np.ndarray:
    """A JSON document as a 0-d numpy string (how dicts travel inside the .npz files)."""
    return np.array(json.dumps(obj, sort_keys=True))


def raster(rng: np.random.Generator, n_steps: int, shape: tuple[int, ...], p_lo: float, p_hi: float) -> np.ndarray:
    """Bernoulli spike raster (n_steps, *shape) of 0/1 float32, one firing probability per input channel."""
    p = rng.uniform(p_lo, p_hi, shape[0]).reshape((shape[0],) + (1,) * (len(shape) - 1))
    return (rng.random((n_steps,) + tuple(shape)) < p).astype(np.float32)


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


# ------------------------------------------------------------- samna stub --
# sinabs imports samna (SynSense's chip driver) at module level in its dynapcnn backend; the PyPI samna is a
# placeholder that pip-installs the real one from another index on import.  Same stub as
# tests/data/sinabs/record_sinabs.py: nothing used here calls samna.
class _Anything:
    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def __call__(self, *args: object, **kwargs: object) -> _Anything:
        return _Anything()

    def __getattr__(self, name: str) -> _Anything:
        return _Anything()


class _StubModule(types.ModuleType):
    def __getattr__(self, name: str) -> object:
        if name.startswith("__"):
            raise AttributeError(name)
        return _Anything()


class _StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path, target=None):  # type: ignore[no-untyped-def]
        if fullname.split(".")[0] in ("samna", "samnagui"):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):  # type: ignore[no-untyped-def]
        module = _StubModule(spec.name)
        module.__path__ = []
        module.SAMNA_STUB = True  # type: ignore[attr-defined]
        return module

    def exec_module(self, module):  # type: ignore[no-untyped-def]
        pass


def samna_status() -> str:
    """'stub' (and install it) unless a real samna is installed; never imports the PyPI placeholder."""
    if any(isinstance(f, _StubFinder) for f in sys.meta_path):
        return "stub (no real samna)"
    spec = importlib.util.find_spec("samna")
    placeholder = False
    if spec is not None and spec.origin and spec.origin.endswith(".py"):
        placeholder = "PYPI_SAMNA" in pathlib.Path(spec.origin).read_text()
    if spec is None or placeholder:
        sys.meta_path.insert(0, _StubFinder())
        return "stub (no real samna)"
    return f"samna {importlib.metadata.version('samna')}"
