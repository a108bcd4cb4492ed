"""The recorded framework data hold together, without torch: every case's NIR file reads, the numpy
transcription of its framework's rule (check_transcription.py, README.md) reproduces every recorded spike,
NeuroBench's recorded workload metrics follow from the recorded traces, and the Speck mapping records are
consistent.  These test the data; comparing snnas against them is the importer's own test."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.data.frameworks import check_transcription as tr

CASE_DIR = Path(tr.__file__).resolve().parent / "cases"
CASES = sorted(CASE_DIR.glob("*.npz"))
FRAMEWORKS = {"snntorch", "norse", "sinabs", "rockpool"}


def load(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


def test_every_framework_is_recorded() -> None:
    assert {str(load(p)["framework"]) for p in CASES} == FRAMEWORKS
    assert sum(p.stat().st_size for p in CASE_DIR.iterdir()) < 4_000_000


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_transcription_reproduces_recorded_spikes(path: Path) -> None:
    nir = pytest.importorskip("nir")
    case = load(path)
    graph = nir.read(CASE_DIR / str(case["nir_file"]), type_check=False)
    assert {str(n) for n in case["layer_nodes"]} <= set(graph.nodes)
    ok, info = tr.compare(case, tr.simulate(case, graph, "exact"), tol=2e-5)
    assert ok, info
    nb = json.loads((CASE_DIR / "neurobench.json").read_text())
    assert tr.neurobench_compare(case, graph, nb[str(case["case"])]) == []


def test_speck_mapping_records() -> None:
    mapping = json.loads((CASE_DIR / "speck_mapping.json").read_text())
    nets = {k: v for k, v in mapping.items() if not k.startswith("_")}
    assert len(nets) >= 5
    for name, net in nets.items():
        assert (CASE_DIR / net["nir_file"]).exists(), name
        groups = net["dynapcnn_layers"]
        if net["fits"]:
            assert net["n_cores"] == len(groups) == len(set(net["layer2core"].values())), name
            for g, core in net["layer2core"].items():
                assert core in groups[g]["fits_cores"], name
        else:
            assert net["layer2core"] is None and net["error"], name
