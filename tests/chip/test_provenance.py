"""Provenance that points at real figures: an entry for a null or absent figure is reported, by file, line
and key, at load and by ``snnas targets validate``."""

from __future__ import annotations

from pathlib import Path

import pytest

from snnas.chip import load_chip_file
from snnas.cli import main
from snnas.errors import ChipSpecError
from tests.conftest import DATA

PHYSICAL = """physical:
  process: "28 nm FD-SOI"
  die_area_m2: 1.0e-6
"""
CITED = """  physical.process: {source: sheet, locator: "p.5", basis: specification}
  physical.die_area_m2: {source: sheet, locator: "p.5", basis: measured}
  physical.supply_v: {source: sheet, locator: "searched p.1-9, no supply voltage", basis: unknown}
"""


def _chip(tmp_path: Path, *, physical: bool, cited: bool = True, extra: str = "") -> Path:
    """valid_base with a sourced physical section (or the section removed, its provenance left behind)."""
    text = (DATA / "broken_chips" / "valid_base.yaml").read_text().replace("id: valid_base", "id: stale")
    text = text.replace("topology:\n", (PHYSICAL if physical else "") + "topology:\n", 1)
    text = text.replace("provenance:\n", "provenance:\n" + (CITED if cited else "") + extra, 1)
    path = tmp_path / "stale.yaml"
    path.write_text(text)
    return path


def _line_of(path: Path, key: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if line.startswith(f"  {key}:"))


def test_the_sourced_section_loads(tmp_path: Path) -> None:
    chip = load_chip_file(_chip(tmp_path, physical=True))
    assert chip.physical.process == "28 nm FD-SOI"


def test_provenance_on_a_removed_section_names_each_key_and_line(tmp_path: Path) -> None:
    path = _chip(tmp_path, physical=False)
    with pytest.raises(ChipSpecError) as info:
        load_chip_file(path)
    problems = {p.field: p for p in info.value.problems}
    # the 'unknown' entry records why a figure is null, so it stays
    assert set(problems) == {"provenance[physical.process]", "provenance[physical.die_area_m2]"}
    for key in ("physical.process", "physical.die_area_m2"):
        problem = problems[f"provenance[{key}]"]
        assert problem.source == str(path)
        assert problem.line == _line_of(path, key)
        assert "null or absent" in problem.message


def test_validate_reports_the_stale_entries(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _chip(tmp_path, physical=False)
    assert main(["targets", "validate", str(path)]) == 1
    out = capsys.readouterr().out
    for key in ("physical.process", "physical.die_area_m2"):
        assert f"{path}:{_line_of(path, key)}: provenance[{key}]: " in out


@pytest.mark.parametrize(("entry", "stale"), [
    ("physical", False),  # a whole-section entry is the default for whatever its section gives, even nothing
    ("latency", False),
    ("numerics.lif", True),  # a numerics entry of a model the file gives no rule for
    ("precision.weight_bits", False),
    ("precision.weight_bits.allowed", True),  # a part of a figure that the file does not give
    ("precision.weight_bits.max", False),
    ("power.p_static_w", True),
    ("execution.model", False),
])
def test_which_entries_name_a_figure(tmp_path: Path, entry: str, stale: bool) -> None:
    extra = f'  {entry}: {{source: sheet, locator: "p.7", basis: specification}}\n'
    path = _chip(tmp_path, physical=False, cited=False, extra=extra)
    if stale:
        with pytest.raises(ChipSpecError) as info:
            load_chip_file(path)
        assert [p.field for p in info.value.problems] == [f"provenance[{entry}]"]
    else:
        load_chip_file(path)
