"""The ``numerics`` section: its vocabulary is the core's, a broken one is rejected with every problem named."""

from __future__ import annotations

import copy
import typing
from typing import Any

import pytest

from snnas import codes
from snnas.chip import Chip, load_chip
from snnas.chip.numerics import DecayRounding, Encoding, Integration, Order, Overflow, ThresholdTest
from snnas.chip.rules import FIXED_POINT_MODELS, MAX_STATE_DECAY_BITS
from snnas.errors import ChipSpecError


def test_the_schema_speaks_the_cores_vocabulary() -> None:
    assert sorted(typing.get_args(Order)) == sorted(codes.FIXED_RULES["order"])
    assert sorted(typing.get_args(DecayRounding)) == sorted(codes.FIXED_RULES["decay_rounding"])
    assert sorted(typing.get_args(ThresholdTest)) == sorted(codes.FIXED_RULES["threshold_test"])
    assert sorted(typing.get_args(Overflow)) == sorted(codes.FIXED_RULES["overflow"])
    assert sorted(typing.get_args(Integration)) == sorted(codes.FIXED_RULES["integration"])
    assert sorted(FIXED_POINT_MODELS) == sorted(codes.FIXED_MODELS)
    assert codes.LIMITS["max_state_decay_bits"] == MAX_STATE_DECAY_BITS


def test_loihi_reads_its_rule_and_round_trips() -> None:
    chip = load_chip("loihi")
    rule = chip.numerics_of("cuba_lif")
    assert rule is not None and rule.current is not None
    assert (rule.order, rule.decay_rounding, rule.threshold_test) == (
        "decay_input_threshold_reset", "keep_toward_zero", ">")
    assert (rule.membrane.overflow, rule.current.overflow, rule.decay_s_offset) == ("saturate_symmetric", "wrap", 1)
    assert Chip.from_dict(chip.to_dict()) == chip
    assert load_chip("akida").numerics is None  # not public: the generic rule, labelled so


def test_mantissa_ranges() -> None:
    loihi_w = Encoding(mantissa_bits=8, signed="per_projection")
    assert loihi_w.mantissa_range(mixed_sign=True) == (-256, 254, 2)  # Lava drops a mixed projection's LSB
    assert loihi_w.mantissa_range(mixed_sign=False) == (-255, 255, 1)
    assert Encoding(mantissa_bits=17, signed="unsigned").mantissa_range() == (0, 2**17 - 1, 1)
    assert Encoding(mantissa_bits=13, signed="signed").mantissa_range() == (-4096, 4095, 1)


def _broken(change: dict[str, Any]) -> ChipSpecError:
    data = load_chip("loihi").to_dict()
    data = copy.deepcopy(data)
    for path, value in change.items():
        *head, last = path.split(".")
        node = data
        for key in head:
            node = node[key]
        if value is None:
            del node[last]
        else:
            node[last] = value
    with pytest.raises(ChipSpecError) as info:
        Chip.from_dict(data, source="broken.yaml")
    return info.value


def test_a_broken_numerics_section_names_every_problem() -> None:
    err = _broken({
        "numerics.lif.order": "input_first",  # not a step order
        "numerics.lif.threshold_test": "=>",  # not a comparison
        "numerics.lif.membrane.bits": 64,  # wider than the core's state
        "numerics.cuba_lif.current": None,  # CUBA without its current
        "numerics.if.reset_value": None,  # reset 'value' without the value
        "numerics.if.weight.exponent_min": 9,  # above exponent_max
    })
    named = {p.field for p in err.problems}
    for field in ("numerics.lif.order", "numerics.lif.threshold_test", "numerics.lif.membrane.bits"):
        assert field in named, sorted(named)
    text = str(err)
    assert "input_first" in text and "decay_input_threshold_reset" in text  # the bad value and the choices


def test_cross_field_numerics_rules() -> None:
    err = _broken({"numerics.cuba_lif.current": None, "numerics.if.reset_value": None,
                   "numerics.if.weight.exponent_min": 9})
    named = {p.field for p in err.problems}
    assert {"numerics.cuba_lif.current", "numerics.if.reset_value", "numerics.if.weight.exponent_min"} <= named


def test_the_spike_count_and_integration_fields_are_checked() -> None:
    err = _broken({"numerics.if.spikes_per_step": 0, "numerics.lif.integration": "serial"})
    assert {"numerics.if.spikes_per_step", "numerics.lif.integration"} <= {p.field for p in err.problems}
    assert "per_event" in str(err) and "summed" in str(err)  # the choices named


def test_cross_field_rules_of_the_lower_bound_and_per_event_integration() -> None:
    err = _broken({"numerics.cuba_lif.integration": "per_event", "numerics.lif.lower_bound": "value",
                   "numerics.if.lower_bound_value": 2**30})
    named = {p.field for p in err.problems}
    assert {"numerics.cuba_lif.integration", "numerics.lif.lower_bound_value",
            "numerics.if.lower_bound_value"} <= named, sorted(named)


def test_numerics_for_a_model_snnas_cannot_run_or_the_chip_lacks() -> None:
    data = load_chip("loihi").to_dict()
    data["numerics"]["izhikevich"] = data["numerics"]["lif"]
    data["provenance"]["numerics.izhikevich"] = data["provenance"]["numerics.lif"]
    with pytest.raises(ChipSpecError) as info:
        Chip.from_dict(data)
    messages = [p.message for p in info.value.problems if p.field == "numerics.izhikevich"]
    assert any("fixed point" in m for m in messages) and any("neuron_models" in m for m in messages)


def test_numerics_need_provenance() -> None:
    data = load_chip("loihi").to_dict()
    del data["provenance"]["numerics.lif"]
    with pytest.raises(ChipSpecError) as info:
        Chip.from_dict(data)
    assert any(p.field.startswith("numerics.lif.") and "provenance" in p.message for p in info.value.problems)


def test_spinnaker_gives_sPyNNakers_closed_form_lif_and_no_other() -> None:
    chip = load_chip("spinnaker")
    rule = chip.numerics_of("lif")
    assert rule is not None and (rule.decay_rounding, rule.decay_bits) == ("closed_form_nearest", 15)
    assert rule.membrane.overflow == "wrap_twos_complement" and rule.weight.mantissa_range() == (-65535, 65535, 1)
    assert chip.numerics_of("cuba_lif") is None  # two exponential currents: not in the core's tables


def test_the_closed_form_and_the_decay_width_are_checked() -> None:
    # A field out of its range is named on its own (the cross-field rules then wait for a valid section).
    err = _broken({"numerics.lif.decay_bits": 17})
    assert "numerics.lif.decay_bits" in {p.field for p in err.problems}
    # The closed form is only LIF's summed rule; state + decay bits must fit the engine's 62.
    err = _broken({"numerics.cuba_lif.decay_rounding": "closed_form_nearest",
                   "numerics.if.decay_bits": 16, "numerics.if.membrane.bits": 48})
    named = {p.field for p in err.problems}
    assert {"numerics.cuba_lif.decay_rounding", "numerics.if.decay_bits"} <= named, sorted(named)
