"""The ``snnas`` command: help, version, and the targets subcommands."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

import snnas
from snnas.cli import main
from tests.conftest import DATA, SHIPPED


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert snnas.__version__ in capsys.readouterr().out


def test_help_lists_commands() -> None:
    out = subprocess.run([sys.executable, "-m", "snnas", "--help"], capture_output=True, text=True, check=True)
    assert "targets" in out.stdout


def test_list_shows_every_chip(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["targets", "list", "--format", "json"], capsys)
    assert code == 0
    rows = json.loads(out)
    assert {r["id"] for r in rows} == {p.stem for p in SHIPPED if p.stem != "template"}
    assert len(rows) >= 14


def test_list_table_mentions_chips(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["targets", "list"], capsys)
    assert code == 0 and "loihi" in out and "truenorth" in out


def test_show_loihi_prints_limits_with_sources(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["targets", "show", "loihi"], capsys)
    assert code == 0
    assert "core.max_neurons" in out and "1,024" in out
    assert "davies18" in out and "Table 2" in out
    assert "23.6 pJ" in out


def test_show_yaml_round_trips(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["targets", "show", "loihi", "--format", "yaml"], capsys)
    assert code == 0
    from snnas.chip.yamlio import parse_yaml

    assert snnas.Chip.from_dict(parse_yaml(out).data) == snnas.load_chip("loihi")


def test_show_unknown_chip_is_a_clean_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["targets", "show", "nosuchchip"], capsys)
    assert code == 2 and "no chip named 'nosuchchip'" in err and "Traceback" not in err


def test_compare_csv_has_one_row_per_chip(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["targets", "compare", "loihi", "truenorth", "--format", "csv"], capsys)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["id"] for r in rows] == ["loihi", "truenorth"]
    assert float(rows[0]["E synaptic op"]) == pytest.approx(23.6e-12)
    assert rows[0]["E per syn. event (chip avg)"] == ""  # unknown for Loihi: an empty cell, not a zero
    assert float(rows[1]["E per syn. event (chip avg)"]) == pytest.approx(26e-12)  # Merolla 2014, measured


def test_compare_table_defaults_to_all_chips(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["targets", "compare"], capsys)
    assert code == 0 and "speck" in out and "E synaptic op" in out


def test_validate_shipped_files_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["targets", "validate", *map(str, SHIPPED)], capsys)
    assert code == 0, out
    assert out.count(": ok (") == len(SHIPPED)


def test_validate_mixed_files_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    good = DATA / "broken_chips" / "valid_base.yaml"
    bad = DATA / "broken_chips" / "b06_neurons_negative.yaml"
    code, out, _ = run(["targets", "validate", str(good), str(bad)], capsys)
    assert code == 1 and "ok (Tiny Test Chip)" in out and "core.max_neurons" in out


def test_list_reports_an_invalid_user_chip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.yaml").write_text("schema_version: 1\nid: bad\n")
    monkeypatch.setenv("SNNAS_TARGETS", str(tmp_path))
    code, out, err = run(["targets", "list", "--format", "json"], capsys)
    assert code == 1 and "skipped invalid chip file" in err
    assert "loihi" in out


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run([], capsys)
    assert code == 2 and "targets" in out
