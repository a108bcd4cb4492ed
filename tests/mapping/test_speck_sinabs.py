"""Speck (DYNAP-CNN) layer mapping against sinabs' own on pooled CNNs exported by sinabs
(tests/data/frameworks/cases/speck_mapping.json, recorded by tests/data/frameworks/record_sinabs.py)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from snnas.chip import load_chip
from snnas.ir.nir import read_nir
from snnas.mapping import map_network
from snnas.mapping.cnn import _misfits, assign_layers, layer_needs

CASES = Path(__file__).resolve().parents[1] / "data" / "frameworks" / "cases"
RECORDS: dict[str, Any] = {k: v for k, v in json.loads((CASES / "speck_mapping.json").read_text()).items()
                           if not k.startswith("_")}
# sinabs' mapper checks memory only; Speck's documented sum-pooling sizes are 1, 2 and 4 (speck.yaml,
# core.allowed_pool_sizes), so a pool of 3 fits for sinabs and not for snnas.
POOL_3 = {"speck_d_constrained"}


def _groups(rec: dict[str, Any]) -> list[dict[str, Any]]:
    return [g for _, g in sorted(rec["dynapcnn_layers"].items(), key=lambda kv: int(kv[0]))]


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_every_layer_needs_what_sinabs_computes_and_fits_the_same_cores(name: str) -> None:
    rec = RECORDS[name]
    net = read_nir(CASES / rec["nir_file"], dt=1e-3)
    chip = load_chip("speck")
    groups = _groups(rec)
    assert len(net.populations) == len(groups)  # pooling takes no layer of its own
    for pop, g in zip(net.populations, groups):
        needs = layer_needs(net, pop)
        assert (needs.kernel_entries, needs.neuron_entries, needs.bias_entries) == (
            g["memory"]["kernel"], g["memory"]["neuron"], g["memory"]["bias"]), (name, pop.name)
        memory_only = [c for c in range(chip.topology.cores)
                       if not [m for m in _misfits(needs, chip.core_limits(c)) if m[0].endswith("memory_entries")]]
        assert memory_only == g["fits_cores"], (name, pop.name)


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_fit_verdict_and_core_count_equal_sinabs(name: str) -> None:
    rec = RECORDS[name]
    net = read_nir(CASES / rec["nir_file"], dt=1e-3)
    _, report = map_network(net, "speck")
    if name in POOL_3:
        assert not report.feasible
        assert {v.constraint for v in report.violations} == {"core.allowed_pool_sizes"}
        # Without that rule the layers take sinabs' core count.
        chip = load_chip("speck")
        assert isinstance(chip.core, tuple)
        loose = dataclasses.replace(chip, core=tuple(dataclasses.replace(c, allowed_pool_sizes=None)
                                                    for c in chip.core))
        assignment, violations = assign_layers(net, loose)
        assert not violations and len(set(assignment.values())) == rec["n_cores"]
        return
    assert report.feasible == rec["fits"], [str(v) for v in report.violations]
    if rec["fits"]:
        assert report.cores_used == rec["n_cores"]
    else:
        assignment, violations = assign_layers(net, load_chip("speck"))
        assert violations and len(assignment) < len(net.populations)
