"""Helpers every recorder of tests/data shares (numpy and the standard library only): byte-stable .npz
files, loading a folder of recorded cases, and the stub that lets sinabs import without SynSense's samna.

The record scripts (tests/data/lava, tests/data/sinabs, tests/data/frameworks) run by hand, each in a venv
with its framework; the checks and the CI tests that read their cases use this module too.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.metadata
import importlib.util
import io
import pathlib
import sys
import types
import zipfile
from collections.abc import Iterator

import numpy as np

__all__ = ["cases", "samna_status", "save_npz"]


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


def cases(folder: pathlib.Path) -> Iterator[tuple[pathlib.Path, dict[str, np.ndarray]]]:
    """(path, arrays) of every recorded case in ``folder`` (its *.npz files, sorted by name)."""
    for path in sorted(folder.glob("*.npz")):
        with np.load(path) as z:
            yield path, {k: z[k] for k in z.files}


# sinabs imports samna (SynSense's chip driver) at module level in its dynapcnn backend; the PyPI samna is a
# placeholder that pip-installs the real one from another index on import. Nothing the recorders use calls
# samna, so empty stub packages stand in for it.
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


def samna_status(stub_label: str = "stub (no real samna)") -> str:
    """``stub_label`` (and the stub installed) unless a real samna is installed; never imports the PyPI
    placeholder, which would try to download the real package at import."""
    if any(isinstance(f, _StubFinder) for f in sys.meta_path):
        return stub_label
    spec = importlib.util.find_spec("samna")
    placeholder = False
    if spec is not None and spec.origin and spec.origin.endswith(".py"):
        placeholder = "PYPI_SAMNA" in pathlib.Path(spec.origin).read_text()
    if spec is None or placeholder:
        sys.meta_path.insert(0, _StubFinder())
        return stub_label
    return f"samna {importlib.metadata.version('samna')}"
