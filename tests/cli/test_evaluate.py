"""``snnas evaluate`` on the NIR file snnTorch wrote: a comparison across chips, violations named."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from snnas.cli import main
from tests.conftest import DATA

NIR = str(DATA / "nir" / "snntorch_mlp.nir")


def test_compares_five_chips_and_names_violations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    js, table = tmp_path / "r.json", tmp_path / "r.csv"
    code = main(["evaluate", NIR, "--targets", "loihi,truenorth,speck,spinnaker,odin,xylo_audio2", "--dt", "1e-4",
                 "--steps", "40", "--json", str(js), "--csv", str(table)])
    out = capsys.readouterr().out
    assert code == 0
    for chip in ("loihi", "truenorth", "speck", "spinnaker", "odin", "xylo_audio2"):
        assert chip in out
    assert "IBM TrueNorth does not fit" in out and "core.weight_values_per_neuron" in out
    assert "neuron_models at population lif1" in out
    data = json.loads(js.read_text())
    assert [d["chip"] for d in data][:2] == ["loihi", "truenorth"] and data[0]["feasible"] is True
    with table.open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 6 and rows[0]["feasible"] == "True"


def test_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", NIR, "--targets", "loihi", "--steps", "0"]) == 2
    assert "--steps must be > 0" in capsys.readouterr().err
