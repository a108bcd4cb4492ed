"""Fuzzing of every entry point of the compiled simulator with malformed arguments.

Each example takes a valid set of arguments, breaks one of them in a way that is always invalid, and
calls one entry point (``_core.simulate``, ``_core.validate``, ``_core.prepare``, ``PreparedNetwork.run``,
``_core.simulate_fixed`` or ``_core.validate_fixed``). The process must never crash, and every case must
raise ``SnnasError``; 4,500 cases per run, 1,000 of them on networks of the stepped models (adaptive
LIF, Izhikevich, Hodgkin-Huxley) with their model-specific rules broken as well.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snnas import _core
from snnas.errors import SimulationInputError, SnnasError

NET_KEYS = ("model", "reset", "v_th", "v_reset", "v_rest", "alpha_m", "alpha_s", "t_ref", "row_ptr", "target",
            "weight", "delay", "beta", "alpha_a", "izh_ka", "izh_b", "izh_d", "dt", "substeps", "precision")
# None is valid (i_ext last: the arguments of the first version of the core are those without the others)
OPTIONAL_KEYS = ("beta", "alpha_a", "izh_ka", "izh_b", "izh_d", "dt", "substeps", "precision", "i_ext")
RUN_KEYS = ("n_steps", "v0", "i0", "ext_step", "ext_id", "ext_weight", "i_ext")
FIXED_KEYS = ("model", "reset", "state_bits", "v_th", "v_reset", "decay_m", "decay_s", "t_ref", "row_ptr", "target",
              "weight", "delay", "n_steps", "v0", "i0", "ext_step", "ext_id", "ext_weight", "i_ext")


def valid_arguments(seed: int, model: int = 2) -> dict[str, Any]:
    """A small valid network of ``model`` (CUBA by default) and run (n >= 2, >= 2 synapses and events, a current)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 8))
    n_steps = int(rng.integers(2, 20))
    degree = rng.integers(1, n + 1, size=n)
    row_ptr = np.concatenate(([0], np.cumsum(degree))).astype(np.int64)
    m = int(row_ptr[-1])
    k = int(rng.integers(2, 10))
    membrane = model in (4, 5)  # Izhikevich, Hodgkin-Huxley: no reset by subtraction, no refractory period
    return {
        "model": model, "reset": 0 if membrane else int(rng.integers(0, 2)),
        "v_th": rng.uniform(0.5, 1.5, n), "v_reset": np.zeros(n), "v_rest": rng.uniform(-0.2, 0.2, n),
        "alpha_m": rng.uniform(0.5, 0.99, n), "alpha_s": rng.uniform(0.5, 0.99, n),
        "t_ref": np.zeros(n, np.int32) if membrane else rng.integers(0, 3, n).astype(np.int32),
        "row_ptr": row_ptr, "target": rng.integers(0, n, m).astype(np.int32), "weight": rng.uniform(-1, 1, m),
        "delay": rng.integers(0, 3, m).astype(np.int32),
        "beta": rng.uniform(0, 0.5, n), "alpha_a": rng.uniform(0.5, 1.0, n), "izh_ka": rng.uniform(0.0, 0.1, n),
        "izh_b": rng.uniform(0.1, 0.3, n), "izh_d": rng.uniform(0.0, 0.01, n), "dt": float(rng.uniform(1e-4, 1e-3)),
        "substeps": int(rng.integers(1, 20)),
        "n_steps": n_steps, "v0": rng.uniform(0, 1, n), "i0": np.zeros(n),
        "ext_step": np.sort(rng.integers(0, n_steps, k)).astype(np.int64),
        "ext_id": rng.integers(0, n, k).astype(np.int32), "ext_weight": rng.uniform(0, 1, k),
        "i_ext": rng.uniform(0, 1, n),
        # single precision exists for IF, LIF and CUBA_LIF only
        "precision": [None, "double", "single"][int(rng.integers(0, 3 if model <= 2 else 2))],
    }


def valid_fixed_arguments(seed: int) -> dict[str, Any]:
    """A small valid fixed-point CUBA network and run (n >= 2, >= 2 synapses and events, a current)."""
    args = valid_arguments(seed)
    rng = np.random.default_rng(seed)
    n, m, k = args["v_th"].size, args["target"].size, args["ext_step"].size
    return {
        "model": 2, "reset": args["reset"], "state_bits": int(rng.integers(8, 49)),
        "v_th": rng.integers(50, 100, n), "v_reset": np.zeros(n, np.int64),
        "decay_m": rng.integers(0, 4097, n).astype(np.int32), "decay_s": rng.integers(0, 4097, n).astype(np.int32),
        "t_ref": args["t_ref"], "row_ptr": args["row_ptr"], "target": args["target"],
        "weight": rng.integers(-60, 60, m).astype(np.int32), "delay": args["delay"], "n_steps": args["n_steps"],
        "v0": rng.integers(0, 50, n), "i0": np.zeros(n, np.int64), "ext_step": args["ext_step"],
        "ext_id": args["ext_id"], "ext_weight": rng.integers(0, 60, k).astype(np.int32),
        "i_ext": rng.integers(0, 20, n).astype(np.int32),
    }


def _not_contiguous(a: np.ndarray) -> np.ndarray:
    wide = np.empty(2 * max(a.size, 2), dtype=a.dtype)
    out = wide[::2]
    out[: a.size] = a
    return out


def _breakers(args: dict[str, Any], key: str, draw: Callable[[st.SearchStrategy[Any]], Any]) -> list[Any]:
    """Always-invalid replacements for args[key] (the valid base has n >= 2, m >= 2, k >= 2)."""
    value = args[key]
    n = args["v_th"].size
    model = args["model"]
    membrane = model in (4, 5) and "state_bits" not in args
    junk: list[Any] = ["text", {"a": 1}, [1.0, 2.0], 3.5, object()]
    if key not in OPTIONAL_KEYS:
        junk.append(None)
    if key in ("model", "reset", "n_steps", "state_bits", "substeps"):
        first_bad = {"model": 6, "reset": 2, "n_steps": 2**31, "state_bits": 49, "substeps": 1_000_001}[key]
        out = [j for j in junk if j is not None]
        return out + [True, -1, 2**70, -(2**70), first_bad, np.float64(1.0)] + (
            [0, 1] if key == "state_bits" else [0] if key == "substeps" else [1] if key == "reset" and membrane else [])
    if key == "dt":
        return ["text", {"a": 1}, [1e-3], object(), True, 0.0, -1e-3, np.nan, np.inf, -np.inf, np.float32(1e-3),
                np.array([1e-3])]
    if key == "precision":
        return ["half", "Single", "float32", "", b"single", 1, 0, True, 3.5, ["single"], object(), np.str_("quad")] + (
            ["single"] if model > 2 else [])
    out = junk + [value.reshape(1, -1) if key != "i_ext" else value.reshape(1, 1, -1), _not_contiguous(value),
                  value[:-1], np.concatenate((value, value[:1]))]
    if value.dtype == np.float64:
        out += [value.astype(np.float32), value.astype(np.int64), value.astype(">f8"), value.astype(np.complex128)]
        for bad in (np.nan, np.inf, -np.inf):
            broken = value.copy()
            broken.flat[draw(st.integers(0, value.size - 1))] = bad
            out.append(broken)
    if value.dtype == np.int32:
        out += [value.astype(np.int64), value.astype(np.float64), value.astype(np.uint32), value.astype(np.int16)]
    if value.dtype == np.int64:
        out += [value.astype(np.int32), value.astype(np.float64), value.astype(np.uint64), value.astype(">i8")]
    j = draw(st.integers(0, max(value.size - 1, 0)))
    if key in ("target", "ext_id"):
        for bad in (-1, n, 2**31 - 1):
            broken = value.copy()
            broken[j] = bad
            out.append(broken)
    if key in ("delay", "t_ref"):
        broken = value.copy()
        broken[j] = -draw(st.integers(1, 2**31 - 1))
        out.append(broken)
    if key == "delay":
        out.append(np.full_like(value, 2**27))  # delivery buffer beyond its limit
    if key in ("alpha_m", "alpha_s", "alpha_a", "izh_ka") and not (
            (key == "alpha_s" and model != 2) or (key == "alpha_m" and membrane)):
        for bad in (-0.5, 1.5):
            broken = value.copy()
            broken[j % n] = bad
            out.append(broken)
    if key in ("decay_m", "decay_s"):
        for bad in (-1, 4097, 2**31 - 1):
            broken = value.copy()
            broken[j % n] = bad
            out.append(broken)
    if value.dtype == np.int64 and key in ("v_th", "v_reset", "v0", "i0"):  # beyond any m-bit range (m <= 48)
        broken = value.copy()
        broken[j % n] = draw(st.sampled_from([2**47, -(2**47) - 1, 2**62]))
        out.append(broken)
    if key == "v_rest" and not membrane:
        out.append(args["v_th"] + draw(st.floats(0.0, 10.0)))
    if key == "beta":
        broken = value.copy()
        broken[j % n] = -draw(st.floats(1e-300, 1e300))
        out.append(broken)
    if key == "t_ref" and membrane:  # no refractory period for Izhikevich and Hodgkin-Huxley
        broken = value.copy()
        broken[j % n] = draw(st.integers(1, 2**31 - 1))
        out.append(broken)
    if key == "row_ptr":
        for mutate in (lambda r: r.__setitem__(0, 1), lambda r: r.__setitem__(-1, r[-1] + 1),
                       lambda r: r.__setitem__(1, r[-1] + 5), lambda r: r.__setitem__(-1, -3)):
            broken = value.copy()
            mutate(broken)
            out.append(broken)
    if key == "ext_step":
        for bad in (-1, args["n_steps"], 2**40):
            broken = value.copy()
            broken[j] = bad
            out.append(broken)
        out.append(value[::-1].copy() if value[0] != value[-1] else np.array([1, 0], dtype=np.int64))
    if key == "i_ext":
        out += [np.ones(n + 1), np.ones((args["n_steps"] + 1, n)), np.ones((args["n_steps"], n + 1))]
    return out


def _call(entry: str, args: dict[str, Any]) -> None:
    net = {k: args[k] for k in NET_KEYS}
    run = {k: args[k] for k in RUN_KEYS}
    if entry == "simulate":
        _core.simulate(**args)
    elif entry == "validate":
        _core.validate(**args)
    elif entry == "prepare":
        _core.prepare(**net)
    else:  # only run arguments are broken: the network is valid
        _core.prepare(**net).run(**run)


@st.composite
def broken_call(draw: Callable[[st.SearchStrategy[Any]], Any], models: tuple[int, ...] = (2,)
                ) -> tuple[str, dict[str, Any]]:
    """Valid arguments for a network of one of ``models`` (CUBA by default), one of them broken, and the entry."""
    args = valid_arguments(draw(st.integers(0, 2**32 - 1)), draw(st.sampled_from(models)))
    entry = draw(st.sampled_from(["simulate", "validate", "prepare", "run"]))
    keys = NET_KEYS if entry == "prepare" else RUN_KEYS if entry == "run" else NET_KEYS + RUN_KEYS
    key = draw(st.sampled_from(keys))
    args[key] = draw(st.sampled_from(_breakers(args, key, draw)))
    return entry, args


@st.composite
def broken_fixed_call(draw: Callable[[st.SearchStrategy[Any]], Any]) -> tuple[str, dict[str, Any]]:
    args = valid_fixed_arguments(draw(st.integers(0, 2**32 - 1)))
    key = draw(st.sampled_from(FIXED_KEYS))
    args[key] = draw(st.sampled_from(_breakers(args, key, draw)))
    return draw(st.sampled_from(["simulate_fixed", "validate_fixed"])), args


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=broken_fixed_call())
def test_every_malformed_fixed_point_argument_raises_snnas_error(case: tuple[str, dict[str, Any]]) -> None:
    entry, args = case
    with pytest.raises(SnnasError):
        getattr(_core, entry)(**args)


@settings(max_examples=2500, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=broken_call())
def test_every_malformed_argument_raises_snnas_error(case: tuple[str, dict[str, Any]]) -> None:
    entry, args = case
    with pytest.raises(SnnasError):
        _call(entry, args)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=broken_call(models=(3, 4, 5)))
def test_every_malformed_argument_of_a_stepped_model_raises_snnas_error(case: tuple[str, dict[str, Any]]) -> None:
    entry, args = case
    with pytest.raises(SnnasError):
        _call(entry, args)


def test_valid_arguments_are_accepted_by_every_entry_point() -> None:
    """The fuzzer's base cases are valid, so each failure above is caused by the one broken argument."""
    for seed in range(50):
        for model in (2, 3, 4, 5):
            args = valid_arguments(seed, model)
            _core.validate(**args)
            prepared = _core.prepare(**{k: args[k] for k in NET_KEYS})
            again = prepared.run(**{k: args[k] for k in RUN_KEYS})
            assert np.array_equal(_core.simulate(**args)["spike_id"], again["spike_id"])
        old = {k: v for k, v in valid_arguments(seed).items() if k not in OPTIONAL_KEYS[:-1]}
        _core.simulate(**old)  # the arguments of the first version of the core are still accepted
        args = valid_arguments(seed)
        _core.validate(**args)
        out = _core.simulate(**args)
        prepared = _core.prepare(**{k: args[k] for k in NET_KEYS})
        again = prepared.run(**{k: args[k] for k in RUN_KEYS})
        assert np.array_equal(out["spike_id"], again["spike_id"])
        fixed = valid_fixed_arguments(seed)
        _core.validate_fixed(**fixed)
        _core.simulate_fixed(**fixed)


def test_errors_are_simulation_input_errors_naming_the_argument() -> None:
    args = valid_arguments(1)
    args["target"] = args["target"].copy()
    args["target"][0] = 99
    with pytest.raises(SimulationInputError, match=r"target\[0\] = 99: expected a neuron index in \[0, "):
        _core.simulate(**args)
    args = valid_arguments(1)
    args["weight"] = args["weight"].astype(np.float32)
    with pytest.raises(SimulationInputError, match="weight: expected dtype float64, got float32"):
        _core.simulate(**args)
