"""The generic converter and YAML reader: floats, types, and from_dict on in-memory data."""

from __future__ import annotations

from typing import Any

import pytest

from snnas.chip import Chip, load_chip
from snnas.chip.yamlio import parse_yaml
from snnas.errors import ChipSpecError
from tests.conftest import DATA


def _base() -> dict[str, Any]:
    return parse_yaml((DATA / "broken_chips" / "valid_base.yaml").read_text()).data


@pytest.mark.parametrize("text, value", [("1e-9", 1e-9), ("1.0e-9", 1e-9), ("23.6e-12", 23.6e-12),
                                         ("1E+3", 1000.0), (".5", 0.5), ("-2.5", -2.5)])
def test_yaml_1_2_floats(text: str, value: float) -> None:
    assert parse_yaml(f"x: {text}").data["x"] == pytest.approx(value)


def test_yaml_float_resolver_does_not_leak_into_pyyaml() -> None:
    import yaml

    assert yaml.safe_load("x: 1e-9")["x"] == "1e-9"  # PyYAML's own YAML 1.1 behaviour is untouched


def test_from_dict_accepts_integers_for_floats() -> None:
    data = _base()
    data["energy"]["e_syn_op"] = 0
    assert Chip.from_dict(data).energy.e_syn_op == 0.0


def test_from_dict_rejects_non_mapping() -> None:
    with pytest.raises(ChipSpecError, match="must be a mapping"):
        Chip.from_dict(["not", "a", "chip"])


def test_from_dict_names_dict_source() -> None:
    data = _base()
    data["core"]["max_neurons"] = float("nan")
    with pytest.raises(ChipSpecError) as info:
        Chip.from_dict(data)
    (problem,) = info.value.problems
    assert problem.source == "<dict>" and problem.field == "core.max_neurons"


def test_heterogeneous_cores_round_trip() -> None:
    data = _base()
    data["core"] = [{"max_neurons": 256 - i} for i in range(8)]
    chip = Chip.from_dict(data)
    assert chip.heterogeneous and chip.core_limits(3).max_neurons == 253
    assert Chip.from_dict(chip.to_dict()) == chip


def test_provenance_lookup_walks_up_to_the_section() -> None:
    chip = Chip.from_dict(_base())
    entry = chip.provenance_of("energy.e_syn_op")
    assert entry is not None and entry.locator == "Table 3"
    assert chip.provenance_of("power.p_static_w") is None


def test_loihi_figures_match_davies_2018_table_2() -> None:
    """Chip figures against their source: Davies et al. 2018, Table 2 (0.75 V, pre-silicon)."""
    c = load_chip("loihi")
    assert (c.energy.e_syn_op, c.energy.e_neuron_update_active, c.energy.e_neuron_update_idle) == (
        23.6e-12, 81e-12, 52e-12)
    assert (c.energy.e_spike_out, c.energy.e_hop_x, c.energy.e_hop_y) == (1.7e-12, 3.0e-12, 4.0e-12)
    assert (c.latency.t_syn_op, c.latency.t_hop_x, c.latency.t_hop_y) == (3.5e-9, 4.1e-9, 6.5e-9)
    assert dict(c.execution.barrier_latency_s or ()) == {1: 113e-9, 32: 465e-9}
    assert c.core_limits(0).max_neurons == 1024 and c.core_limits(0).synapse_memory_bits == 16384 * 64
    assert c.provenance_of("energy.e_syn_op").basis == "simulated"  # type: ignore[union-attr]
