"""Semantics: the presets are valid, overrides replace fields, and every bad value names its field and choices."""

from __future__ import annotations

import dataclasses

import pytest

from snnas.errors import SnnasError
from snnas.ir.semantics import SEMANTICS, Semantics, SemanticsError


def test_presets_are_the_frameworks_documented_rules() -> None:
    assert set(SEMANTICS) == {"snntorch", "snntorch_zero", "norse", "rockpool", "sinabs", "snnas"}
    assert all(s.name == name for name, s in SEMANTICS.items())
    st, nz, rp, sb = SEMANTICS["snntorch"], SEMANTICS["norse"], SEMANTICS["rockpool"], SEMANTICS["sinabs"]
    assert (st.decay, st.threshold, st.reset, st.dt) == ("euler", ">", "delayed_subtract", 1e-4)
    assert SEMANTICS["snntorch_zero"].reset == "delayed_value"
    assert (nz.decay, nz.current, nz.v_init, nz.tau, nz.dt) == ("euler_step", "add_use_decay", "v_leak", "dt_scaled",
                                                                1e-3)
    assert (rp.spikes, rp.max_spikes, rp.threshold, rp.reset, rp.v_leak) == ("multi", 2**16, ">=", "subtract", "bias")
    assert (sb.spikes, sb.reset, sb.v_min) == ("multi", "subtract", None)
    assert SEMANTICS["snnas"].order == "test_first"


def test_get_returns_a_preset_with_fields_changed() -> None:
    s = Semantics.get("sinabs", spikes="single", max_spikes=1, reset="value", v_min="-v_th")
    assert (s.spikes, s.reset, s.v_min, s.threshold) == ("single", "value", "-v_th", ">=")
    assert SEMANTICS["sinabs"].spikes == "multi"  # the preset itself is untouched
    assert Semantics.get("norse") is SEMANTICS["norse"]
    assert Semantics.get(s) is s
    assert Semantics.get("snntorch", reset="delayed_value") == dataclasses.replace(SEMANTICS["snntorch_zero"],
                                                                                   name="snntorch")
    assert Semantics(v_min=-1).v_min == -1.0


@pytest.mark.parametrize(("field", "value", "choices"), [
    ("decay", "rk4", "'exact', 'exp', 'euler', 'euler_step'"),
    ("threshold", "=>", "'>', '>='"),
    ("reset", "zero", "'value', 'subtract', 'delayed_subtract', 'delayed_value', 'neuron'"),
    ("current", "new", "'decay_add', 'add_decay', 'add_use_decay'"),
    ("order", "after", "'input_first', 'test_first'"),
    ("tau", "ms", "'seconds', 'dt_scaled'"),
    ("r_convention", "torch", "'nir', 'snntorch', 'one', 'rockpool'"),
])
def test_a_bad_choice_names_the_field_and_the_choices(field: str, value: str, choices: str) -> None:
    with pytest.raises(SemanticsError, match=f"Semantics.{field}: expected one of {choices}, got '{value}'"):
        Semantics(**{field: value})  # type: ignore[arg-type]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"spikes": "multi", "max_spikes": 0}, "max_spikes: expected an integer in"),
    ({"spikes": "multi", "max_spikes": 2**31}, "max_spikes: expected an integer in"),
    ({"spikes": "multi", "max_spikes": True}, "max_spikes: expected an integer in"),
    ({"max_spikes": 4}, "with spikes='single'"),
    ({"v_min": "-thr"}, "v_min: expected None, a finite number or '-v_th'"),
    ({"v_min": float("nan")}, "v_min: expected None"),
    ({"dt": 0.0}, "dt: expected None or a positive number"),
    ({"dt": "1ms"}, "dt: expected None or a positive number"),
    ({"order": "test_first", "reset": "delayed_subtract"}, "needs order='input_first'"),
    ({"order": "test_first", "current": "add_decay"}, "current must be 'decay_add'"),
    ({"name": 3}, "Semantics.name: expected a string"),
])
def test_bad_values_raise_naming_the_field(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(SemanticsError, match=message):
        Semantics(**kwargs)  # type: ignore[arg-type]


def test_unknown_presets_and_fields() -> None:
    with pytest.raises(SemanticsError, match="expected one of 'snntorch', 'snntorch_zero', 'norse'"):
        Semantics.get("brian2")
    with pytest.raises(SemanticsError, match=r"unknown field\(s\) \['reset_mechanism'\]"):
        Semantics.get("snntorch", reset_mechanism="zero")
    assert issubclass(SemanticsError, SnnasError)
