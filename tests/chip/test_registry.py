"""Finding chips: by name, by path, from $SNNAS_TARGETS; clear errors when they are not there."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import snnas
from snnas.chip import chip_files, load_chip
from snnas.errors import ChipNotFoundError, ChipSpecError
from tests.conftest import DATA, ROOT


def test_load_by_name_and_by_path_agree() -> None:
    assert load_chip("loihi") == load_chip(ROOT / "hw_targets" / "loihi.yaml")


def test_unknown_name_suggests_close_matches() -> None:
    with pytest.raises(ChipNotFoundError, match=r"no chip named 'loihii'.*did you mean loihi"):
        load_chip("loihii")


def test_missing_path_is_not_found() -> None:
    with pytest.raises(ChipNotFoundError, match="no chip file"):
        load_chip("/nonexistent/dir/chip.yaml")


def test_user_directory_adds_and_shadows_chips(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = (DATA / "broken_chips" / "valid_base.yaml").read_text()
    (tmp_path / "mychip.yaml").write_text(base.replace("id: valid_base", "id: mychip"))
    shadow = (ROOT / "hw_targets" / "loihi.yaml").read_text().replace("name: Intel Loihi", "name: My Loihi")
    (tmp_path / "loihi.yaml").write_text(shadow)
    monkeypatch.setenv("SNNAS_TARGETS", str(tmp_path))
    assert "mychip" in snnas.list_chips()
    assert load_chip("mychip").name == "Tiny Test Chip"
    assert load_chip("loihi").name == "My Loihi"
    origins = {e.id: e.origin for e in chip_files()}
    assert origins["mychip"] == "user" and origins["loihi"] == "user" and origins["truenorth"] == "library"


def test_user_directory_must_exist(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SNNAS_TARGETS", str(tmp_path / "missing"))
    with pytest.raises(ChipNotFoundError, match="SNNAS_TARGETS"):
        snnas.list_chips()


def test_edited_file_is_reloaded(tmp_path: Path) -> None:
    path = tmp_path / "valid_base.yaml"
    shutil.copy(DATA / "broken_chips" / "valid_base.yaml", path)
    assert load_chip(path).topology.cores == 8
    path.write_text(path.read_text().replace("cores: 8", "cores: -1"))
    with pytest.raises(ChipSpecError, match="topology.cores"):
        load_chip(path)


def test_unreadable_path_is_a_spec_error(tmp_path: Path) -> None:
    with pytest.raises(ChipSpecError, match="cannot read"):
        snnas.chip.load_chip_file(tmp_path)  # a directory
