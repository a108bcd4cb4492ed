"""``snnas map``: report, exit code, plot and JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from snnas.cli import main
from tests.conftest import DATA

NIR = str(DATA / "nir" / "snntorch_mlp.nir")


def test_feasible_map_exits_0_and_writes_json_and_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    png, js = tmp_path / "p.png", tmp_path / "r.json"
    assert main(["map", NIR, "--target", "loihi", "--plot", str(png), "--json", str(js)]) == 0
    out = capsys.readouterr().out
    assert "feasible" in out and "1 of 128 cores" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads(js.read_text())["feasible"] is True


def test_infeasible_map_names_violations_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["map", NIR, "--target", "truenorth", "--mapper", "sequential"]) == 1
    out = capsys.readouterr().out
    assert "core.weight_values_per_neuron" in out and "population lif1" in out
    assert "copies for polarity" in out  # TrueNorth's typed axons and neuron copies


def test_plot_without_mesh(tmp_path: Path) -> None:
    png = tmp_path / "odin.png"
    main(["map", NIR, "--target", "odin", "--plot", str(png)])
    assert png.stat().st_size > 1000


@pytest.mark.parametrize("args, message", [
    (["map", "net.onnx", "--target", "loihi"], "unknown network format '.onnx'"),
    (["map", "missing.nir", "--target", "loihi"], "no NIR file"),
    (["map", NIR, "--target", "nochip"], "no chip named 'nochip'"),
])
def test_bad_input_is_a_clean_error(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
