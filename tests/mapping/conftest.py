"""Synthetic chips with one limit each, so a test can break exactly one."""

from __future__ import annotations

from typing import Any

import pytest

from snnas.chip import Chip


def make_chip(core: dict[str, Any] | list[dict[str, Any]] | None = None, cores: int = 16, **sections: Any) -> Chip:
    """A 4x4-mesh test chip with the given per-core limits (and optional section overrides)."""
    data: dict[str, Any] = {
        "schema_version": 1, "id": "testchip", "name": "Test chip", "vendor": "tests", "kind": "digital",
        "topology": {"cores": cores, "cores_per_tile": 1, "mesh": [4, max(1, cores // 4)], "noc": "mesh2d",
                     "routing": "xy"},
        "execution": {"model": "timestep_barrier"},
        "core": core or {},
        "precision": {"weight_bits": {"min": 8, "max": 8}, "delay_bits": 4, "max_delay_steps": 15},
        "neuron_models": ["lif", "if", "cuba_lif", "li"],
        "provenance": {"topology": {"source": "t", "locator": "-", "basis": "specification"},
                       "core": {"source": "t", "locator": "-", "basis": "specification"},
                       "precision": {"source": "t", "locator": "-", "basis": "specification"},
                       "neuron_models": {"source": "t", "locator": "-", "basis": "specification"},
                       "connectivity": {"source": "t", "locator": "-", "basis": "specification"},
                       "execution": {"source": "t", "locator": "-", "basis": "specification"},
                       "energy": {"source": "t", "locator": "-", "basis": "specification"},
                       "latency": {"source": "t", "locator": "-", "basis": "specification"}},
        "sources": {"t": "test"},
    }
    for key, value in sections.items():
        data[key] = value
    return Chip.from_dict(data)


@pytest.fixture
def chip_factory():  # type: ignore[no-untyped-def]
    return make_chip
