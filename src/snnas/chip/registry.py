"""Find chips: the library shipped with snnas, a user directory, or a path.

Search order for a name: the directory named by ``$SNNAS_TARGETS`` (a user's own devices, which may
shadow a shipped chip of the same id), then the library installed with the package.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from snnas.chip.model import Chip, chip_from_dict
from snnas.chip.yamlio import read_yaml
from snnas.errors import ChipNotFoundError, ChipSpecError

__all__ = ["ENV_VAR", "ChipEntry", "chip_files", "library_dir", "list_chips", "load_chip", "load_chip_file"]

ENV_VAR = "SNNAS_TARGETS"
_SUFFIXES = (".yaml", ".yml")


def library_dir() -> Path:
    """Directory of the chip files installed with snnas.

    A regular install puts them in ``snnas/hw_targets``. An editable install leaves them at the top of
    the source tree, next to ``src/``; both are looked for.
    """
    installed = Path(str(resources.files("snnas"))) / "hw_targets"
    if installed.is_dir():
        return installed
    source_tree = Path(__file__).resolve().parents[3] / "hw_targets"
    if source_tree.is_dir():
        return source_tree
    raise ChipNotFoundError(f"the chip library is missing: looked in {installed} and {source_tree}; "
                            "reinstall snnas")


def _user_dir() -> Path | None:
    value = os.environ.get(ENV_VAR)
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_dir():
        raise ChipNotFoundError(f"${ENV_VAR} = {value!r} is not a directory; expected a folder of chip YAML files")
    return path


@dataclass(frozen=True)
class ChipEntry:
    """One chip file found by the registry."""

    id: str
    path: Path
    origin: str  # "library" or "user"


def _is_chip_file(p: Path) -> bool:
    return p.suffix in _SUFFIXES and p.is_file() and not p.name.startswith(("_", ".")) and p.stem != "template"


def chip_files() -> list[ChipEntry]:
    """Every chip file visible by name, user files first shadowing library files of the same id."""
    found: dict[str, ChipEntry] = {}
    user = _user_dir()
    if user is not None:
        for p in sorted(user.iterdir()):
            if _is_chip_file(p):
                found.setdefault(p.stem, ChipEntry(p.stem, p, "user"))
    for p in sorted(library_dir().iterdir()):
        if _is_chip_file(p):
            found.setdefault(p.stem, ChipEntry(p.stem, p, "library"))
    return sorted(found.values(), key=lambda e: e.id)


def list_chips() -> list[str]:
    """Identifiers of every chip that :func:`load_chip` accepts by name."""
    return [e.id for e in chip_files()]


@lru_cache(maxsize=256)
def _load_cached(path: str, mtime_ns: int, size: int) -> Chip:
    doc = read_yaml(path)
    return chip_from_dict(doc.data, source=path, lines=doc.lines)


def load_chip_file(path: str | Path) -> Chip:
    """Load and validate one chip file; raises ChipSpecError listing every problem in it."""
    p = Path(path)
    try:
        st = p.stat()
    except OSError as exc:
        raise ChipSpecError.single("", f"cannot read file: {exc.strerror or exc}", p) from None
    return _load_cached(str(p), st.st_mtime_ns, st.st_size)


def load_chip(name_or_path: str | os.PathLike[str]) -> Chip:
    """Load a chip by id (``"loihi"``) or by path to a YAML file.

    Raises:
        ChipNotFoundError: no chip of that id, and no such file.
        ChipSpecError: the file exists but is not a valid chip description.
    """
    text = os.fspath(name_or_path)
    looks_like_path = text.endswith(_SUFFIXES) or os.sep in text or "/" in text
    if looks_like_path:
        p = Path(text).expanduser()
        if not p.exists():
            raise ChipNotFoundError(f"no chip file at {text!r}")
        return load_chip_file(p)
    entries = {e.id: e for e in chip_files()}
    if text in entries:
        return load_chip_file(entries[text].path)
    import difflib

    close = difflib.get_close_matches(text, list(entries), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise ChipNotFoundError(f"no chip named {text!r}{hint} (available: {', '.join(entries)}; a user folder "
                            f"can be named by ${ENV_VAR})")
