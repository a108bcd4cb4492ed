"""The installed package works from outside the source tree: the extension imports, chips are found."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

PROBE = """
import json, snnas, snnas._core
from snnas.chip import library_dir
print(json.dumps({"chips": snnas.list_chips(), "library": str(library_dir()),
                  "core": snnas._core.build_info(), "version": snnas.__version__}))
"""


def test_installed_package_finds_its_chips_from_elsewhere(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, capture_output=True, text=True, check=True,
                         env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    info = json.loads(out.stdout)
    assert len(info["chips"]) >= 14
    assert Path(info["library"]).is_dir()
    assert info["core"]["version"] == info["version"]
    assert info["core"]["cplusplus"] >= 201703


def test_extension_is_private_and_compiled() -> None:
    import snnas._core as core

    assert Path(core.__file__).suffix in (".so", ".pyd")
    assert not str(Path(core.__file__).resolve()).startswith(str(ROOT / "src"))


def test_installed_package_ships_its_annotations(tmp_path: Path) -> None:
    """PEP 561: the py.typed marker and the stub of the extension are installed next to the package."""
    probe = "import pathlib, snnas; print(pathlib.Path(snnas.__file__).parent)"
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True,
                         env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    package = Path(out.stdout.strip())
    assert (package / "py.typed").is_file(), f"{package}: no py.typed"
    assert (package / "_core.pyi").is_file(), f"{package}: no _core.pyi"
