"""The corpus of broken chip files: each is rejected, naming its faulty field, with no deep traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from snnas.chip import load_chip_file
from snnas.cli import main
from snnas.errors import ChipSpecError, SnnasError
from tests.conftest import BROKEN, DATA


def _expected_field(path: Path) -> str:
    line = path.read_bytes().splitlines()[1].decode()
    assert line.startswith("# expect: ")
    return line.removeprefix("# expect: ").strip()


def test_corpus_is_large_and_distinct() -> None:
    assert len(BROKEN) >= 30
    faults = [p.read_bytes().splitlines()[0] for p in BROKEN]
    assert len(set(faults)) == len(faults)


def test_the_base_of_the_corpus_is_valid() -> None:
    load_chip_file(DATA / "broken_chips" / "valid_base.yaml")


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_broken_file_is_rejected_naming_its_field(path: Path) -> None:
    with pytest.raises(ChipSpecError) as info:
        load_chip_file(path)
    err = info.value
    assert isinstance(err, SnnasError)
    field = _expected_field(path)
    named = {p.field or "<document>" for p in err.problems}
    assert field in named, f"expected a problem at {field!r}, got {sorted(named)}"
    for problem in err.problems:
        assert problem.source == str(path)
        assert str(path) in str(problem)
    first = next(p for p in err.problems if (p.field or "<document>") == field)
    if first.field:
        assert first.field in str(err)


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_validate_command_exits_1_and_names_field(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["targets", "validate", str(path)]) == 1
    out = capsys.readouterr().out
    field = _expected_field(path)
    if field != "<document>":
        assert f": {field}: " in out
    assert "Traceback" not in out


def test_problems_carry_line_numbers() -> None:
    path = DATA / "broken_chips" / "b06_neurons_negative.yaml"
    with pytest.raises(ChipSpecError) as info:
        load_chip_file(path)
    (problem,) = info.value.problems
    lines = path.read_text().splitlines()
    assert problem.line is not None and "max_neurons: -256" in lines[problem.line - 1]


def test_all_problems_of_a_file_are_reported_at_once(tmp_path: Path) -> None:
    text = (DATA / "broken_chips" / "valid_base.yaml").read_text()
    text = text.replace("id: valid_base", "id: many").replace("cores: 8", "cores: -8")
    text = text.replace("e_syn_op: 23.6e-12", "e_syn_op: 23.6").replace("[lif, if]", "[lif, qif]")
    path = tmp_path / "many.yaml"
    path.write_text(text)
    with pytest.raises(ChipSpecError) as info:
        load_chip_file(path)
    fields = {p.field for p in info.value.problems}
    assert {"topology.cores", "energy.e_syn_op", "neuron_models[1]"} <= fields
