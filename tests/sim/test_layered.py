"""simulate_semantics reproduces the frameworks' recorded spikes from their own NIR files
(tests/data/frameworks/cases), its two backends are bit-identical, and bad input raises naming the argument."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from snnas.ir.network import Network
from snnas.ir.nir import read_nir
from snnas.ir.semantics import Semantics, SemanticsWarning
from snnas.sim.layered import simulate_semantics

CASES = Path(__file__).resolve().parents[1] / "data" / "frameworks" / "cases"
NAMES = sorted(p.stem for p in CASES.glob("*.npz"))
# States agree to float32 rounding (torch's GEMM order, and the parameters recovered from the file: Rockpool's
# exp(-dt/tau), Norse's dt/tau), relative to max(1, |recorded|): the README allows 1e-4 from the file alone,
# every case here is within 1e-5.
TOLERANCE = 1e-5


def load(name: str) -> dict[str, Any]:
    with np.load(CASES / f"{name}.npz") as z:
        return {k: z[k] for k in z.files}


def case_semantics(case: dict[str, Any]) -> Semantics:
    """The semantics of a case: its framework's preset with what the file does not say (README)."""
    fw = str(case["framework"])
    if fw == "snntorch":
        return Semantics.get("snntorch" if str(case["reset"]) == "subtract" else "snntorch_zero")
    if fw == "sinabs":
        single = str(case["spike_fn"]) == "SingleSpike"
        return Semantics.get("sinabs", spikes="single" if single else "multi", max_spikes=1 if single else 2**30,
                             reset="value" if str(case["reset"]) == "zero" else "subtract")
    return Semantics.get(fw)


def case_network(case: dict[str, Any]) -> Network:
    dt = float(case["dt"]) if np.isfinite(case["dt"]) else 1e-3  # snnTorch and sinabs have no dt
    return read_nir(CASES / str(case["nir_file"]), dt)


def per_layer(case: dict[str, Any]) -> dict[str, Semantics]:
    """sinabs' min_v_mem is per layer (-threshold in the bounded case)."""
    if str(case["framework"]) != "sinabs":
        return {}
    base = case_semantics(case)
    return {str(node): dataclasses.replace(base, v_min=None if np.isnan(m) else float(m))
            for node, m in zip(case["layer_nodes"], case["min_v_mem"])}


def with_v_leak(net: Network, values: dict[str, np.ndarray]) -> Network:
    nodes = [dataclasses.replace(n, neuron=dataclasses.replace(n.neuron, v_leak=values[n.name].astype(np.float64)))
             if n.name in values else n for n in net.nodes]
    return dataclasses.replace(net, nodes=tuple(nodes))


def rockpool_biases(case: dict[str, Any]) -> dict[str, np.ndarray]:
    return {str(n): case[f"param_{n}_bias"] for n in case["layer_nodes"]}


def run_case(case: dict[str, Any], net: Network, backend: str = "engine") -> Any:
    with warnings.catch_warnings():
        # Rockpool's files always say v_leak = 0 (the dropped bias): that warning is tested on its own below.
        warnings.filterwarnings("ignore", "network .* have v_leak = 0", SemanticsWarning)
        return simulate_semantics(net, case["x"], case_semantics(case), per_population=per_layer(case),
                                  backend=backend)


def compare(case: dict[str, Any], res: Any) -> dict[str, float]:
    """Spike mismatches (must be 0) and the largest relative state error per recorded array."""
    out: dict[str, float] = {}
    for k, node in enumerate(str(n) for n in case["layer_nodes"]):
        if f"spk{k}" in case:
            ref = case[f"spk{k}"]
            out[f"spk{k}"] = float(np.count_nonzero(res.spikes[node].reshape(ref.shape) != ref))
        for key, got in (("mem", res.v), ("out", res.v), ("syn", res.i)):
            if f"{key}{k}" in case:
                ref = case[f"{key}{k}"]
                scale = max(1.0, float(np.abs(ref).max()))
                out[f"{key}{k}"] = float(np.abs(got[node].reshape(ref.shape) - ref).max()) / scale
    return out


@pytest.mark.parametrize("name", NAMES)
def test_every_recorded_spike_is_reproduced_from_the_nir_file(name: str) -> None:
    case = load(name)
    net = case_network(case)
    if name == "rockpool_lif_bias":
        net = with_v_leak(net, rockpool_biases(case))  # the file lost the LIF bias; the .npz has it
    errors = compare(case, run_case(case, net))
    assert {k: v for k, v in errors.items() if k.startswith("spk")} == {k: 0.0 for k in errors if k.startswith("spk")}
    assert all(v <= TOLERANCE for k, v in errors.items() if not k.startswith("spk")), errors
    assert len(NAMES) == 15


@pytest.mark.parametrize("name", NAMES)
def test_engine_and_numba_are_bit_identical_on_every_case(name: str) -> None:
    case = load(name)
    net = case_network(case)
    a, b = run_case(case, net, "engine"), run_case(case, net, "numba")
    for key in ("spikes", "v", "i"):
        da, db = getattr(a, key), getattr(b, key)
        assert da.keys() == db.keys()
        for pop in da:
            assert np.array_equal(da[pop].view(np.int32), db[pop].view(np.int32)), (key, pop)


def test_rockpool_file_loses_the_lif_bias_and_says_so() -> None:
    case = load("rockpool_lif_bias")
    net = case_network(case)
    with pytest.warns(SemanticsWarning, match="have v_leak = 0, which Rockpool's to_nir writes whatever the LIF bias"):
        res = simulate_semantics(net, case["x"], "rockpool")
    assert sum(compare(case, res)[f"spk{k}"] for k in range(2)) > 0  # from the file alone: wrong
    errors = compare(case, run_case(case, with_v_leak(net, rockpool_biases(case))))
    assert errors["spk0"] == errors["spk1"] == 0


def test_snntorch_reset_kind_is_not_in_the_file_and_matters() -> None:
    """The subtract and zero files have the same content; only the semantics tells them apart."""
    case = load("snntorch_leaky_zero")
    net = case_network(case)
    wrong = simulate_semantics(net, case["x"], "snntorch")
    assert compare(case, wrong)["spk0"] > 0
    assert compare(case, simulate_semantics(net, case["x"], "snntorch_zero"))["spk0"] == 0


def test_a_norse_file_read_as_seconds_warns_with_the_fix() -> None:
    case = load("norse_lifbox")
    net = case_network(case)
    with pytest.warns(SemanticsWarning, match="Norse's to_nir writes dt × the true time constant"):
        res = simulate_semantics(net, case["x"], Semantics.get("norse", tau="seconds"))
    assert compare(case, res)["spk0"] > 0


def test_a_file_from_another_exporter_warns_about_r() -> None:
    case = load("norse_lif")
    with pytest.warns(SemanticsWarning, match="is not snnTorch's r = tau/dt"):
        simulate_semantics(case_network(case), case["x"], Semantics.get("snntorch", tau="dt_scaled"))
    rp = load("rockpool_lif_dt05")
    net = read_nir(CASES / str(rp["nir_file"]), 1e-3)  # the file was made at dt = 0.5 ms
    with pytest.warns(SemanticsWarning, match=r"implies dt = 0.0005"):
        warnings.filterwarnings("ignore", "network .* have v_leak = 0", SemanticsWarning)
        simulate_semantics(net, rp["x"], "rockpool")

