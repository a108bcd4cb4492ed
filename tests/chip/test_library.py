"""Contract suite over every shipped chip file: loads, validates, round-trips, is sourced."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import snnas
from snnas.chip import EXECUTION_MODELS, Chip, figure_paths, library_dir, load_chip_file
from snnas.chip.yamlio import dump_yaml, parse_yaml, read_yaml
from tests.conftest import SHIPPED

REQUIRED_CHIPS = {"loihi", "loihi2", "truenorth", "spinnaker", "spinnaker2", "speck", "xylo_audio2", "xylo_imu",
                  "dynapse2", "akida", "tianjic", "odin", "reckon", "seneca"}


def test_the_library_has_every_required_chip() -> None:
    assert set(snnas.list_chips()) >= REQUIRED_CHIPS
    assert (Path(__file__).resolve().parents[2] / "hw_targets" / "template.yaml").is_file()


def test_installed_library_matches_source_tree() -> None:
    installed = {p.name for p in library_dir().glob("*.yaml")}
    assert installed == {p.name for p in SHIPPED}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
class TestShippedChip:
    def test_loads_and_validates(self, path: Path) -> None:
        chip = load_chip_file(path)
        assert chip.id == path.stem
        assert chip.execution.model in EXECUTION_MODELS

    def test_dict_round_trip_is_exact(self, path: Path) -> None:
        chip = load_chip_file(path)
        data = chip.to_dict()
        again = Chip.from_dict(data)
        assert again == chip
        assert again.to_dict() == data

    def test_yaml_round_trip_is_exact(self, path: Path) -> None:
        chip = load_chip_file(path)
        text = dump_yaml(chip.to_dict())
        assert Chip.from_dict(parse_yaml(text).data) == chip

    def test_file_keys_survive_round_trip(self, path: Path) -> None:
        """Everything the file says is in to_dict with the same value (to_dict adds only nulls)."""
        raw = read_yaml(path).data
        full = load_chip_file(path).to_dict()

        def check(a: object, b: object, where: str) -> None:
            if isinstance(a, dict):
                assert isinstance(b, dict), where
                for k, v in a.items():
                    check(v, b[k], f"{where}.{k}")
            elif isinstance(a, list):
                assert isinstance(b, list) and len(a) == len(b), where
                for i, (x, y) in enumerate(zip(a, b)):
                    check(x, y, f"{where}[{i}]")
            else:
                assert a == b, where

        check(raw, full, path.stem)

    def test_every_figure_is_sourced(self, path: Path) -> None:
        chip = load_chip_file(path)
        sources = dict(chip.sources)
        for fig, _ in figure_paths(chip):
            prov = chip.provenance_of(fig)
            assert prov is not None, fig
            assert prov.basis != "unknown", fig
            assert prov.source in sources and prov.locator.strip(), fig

    def test_chip_is_frozen(self, path: Path) -> None:
        chip = load_chip_file(path)
        with pytest.raises(dataclasses.FrozenInstanceError):
            chip.id = "x"  # type: ignore[misc]

    def test_core_limits_cover_every_core(self, path: Path) -> None:
        chip = load_chip_file(path)
        for i in (0, chip.topology.cores - 1):
            assert isinstance(chip.core_limits(i), snnas.chip.CoreLimits)
        with pytest.raises(snnas.SnnasError, match="out of range"):
            chip.core_limits(chip.topology.cores)
