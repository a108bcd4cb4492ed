"""Semantics: the presets are valid, overrides replace fields, and every bad value names its field and choices."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from snnas.errors import SnnasError
from snnas.ir.semantics import SEMANTICS, Semantics, SemanticsError, SemanticsWarning

CASE_DIR = Path(__file__).resolve().parents[1] / "data" / "frameworks" / "cases"


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


def test_read_nir_records_the_semantics_and_nir_carries_it(tmp_path: Path) -> None:
    import warnings

    from snnas.ir.nir import read_nir, write_nir
    from snnas.sim.layered import simulate_semantics

    case = CASE_DIR / "sinabs_cnn.nir"
    assert "semantics" not in read_nir(case, dt=1e-3).metadata  # sinabs' file does not say
    bounded = Semantics.get("sinabs", spikes="single", max_spikes=1, reset="value", v_min="-v_th")
    net = read_nir(CASE_DIR / "sinabs_cnn_bounded.nir", dt=1e-3, semantics=bounded)
    assert net.metadata["semantics"] == bounded
    back = read_nir(write_nir(net, tmp_path / "b.nir"), dt=1e-3)  # snnas writes it, and reads it back
    assert back.metadata["semantics"] == bounded
    with np.load(CASE_DIR / "sinabs_cnn_bounded.npz") as z:
        x, spk = z["x"], z["spk2"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SemanticsWarning)
        out = simulate_semantics(back, x)  # no semantics= : the network's own
    assert np.array_equal(out.spikes["7"].reshape(spk.shape), spk)
    with pytest.raises(SemanticsError, match="does not say which framework's step rule"):
        simulate_semantics(read_nir(case, dt=1e-3), x)
    trained = read_nir(write_nir(read_nir(case, dt=1e-3), tmp_path / "plain.nir"), dt=1e-3)
    assert trained.metadata["semantics"] == SEMANTICS["snnas"]  # a file snnas wrote with no rule: its own


def test_read_nir_names_a_bad_semantics() -> None:
    from snnas.ir.nir import read_nir

    with pytest.raises(SemanticsError, match="semantics: expected one of 'snntorch'.*got 'torchy'"):
        read_nir(CASE_DIR / "sinabs_cnn.nir", dt=1e-3, semantics="torchy")
