"""NeuroBench workload metrics against NeuroBench 2.3.0's own figures on the networks recorded in
tests/data/frameworks (cases/neurobench.json, by record_neurobench.py), from the recorded layer outputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from snnas.errors import MetricInputError
from snnas.evaluate.neurobench import activation_sparsity, synaptic_operations
from snnas.ir.network import Dense, Input, Network, Population
from snnas.ir.neurons import IFParameters
from snnas.ir.nir import read_nir

CASES = Path(__file__).resolve().parents[1] / "data" / "frameworks" / "cases"
RECORDED = {k: v for k, v in json.loads((CASES / "neurobench.json").read_text()).items() if not k.startswith("_")}


@pytest.mark.parametrize("case", sorted(RECORDED))
def test_synaptic_operations_and_activation_sparsity_equal_neurobench(case: str) -> None:
    with np.load(CASES / f"{case}.npz") as z:
        rec = {k: z[k] for k in z.files}
    net = read_nir(CASES / f"{case}.nir", dt=1e-3)
    outputs = {net.inputs[0].name: rec["x"]}
    for k, node in enumerate(rec["layer_nodes"]):
        outputs[str(node)] = rec[f"spk{k}"] if f"spk{k}" in rec else rec[f"out{k}"]
    ops, nb = synaptic_operations(net, outputs), RECORDED[case]["SynapticOperations"]
    got = (ops.effective_acs, ops.effective_macs, ops.dense)
    assert got == (nb["Effective_ACs"], nb["Effective_MACs"], nb["Dense"])
    assert activation_sparsity(net, outputs) == pytest.approx(RECORDED[case]["ActivationSparsity"], abs=1e-12)


def test_bad_outputs_are_named() -> None:
    net = Network((Input("x", 3), Population("y", 2, IFParameters())), (Dense("x", "y", np.ones((2, 3))),))
    with pytest.raises(MetricInputError, match="no raster for node 'y'"):
        synaptic_operations(net, {"x": np.zeros((4, 3))})
    with pytest.raises(MetricInputError, match=r"outputs\['y'\]: expected shape \(steps, 2\)"):
        synaptic_operations(net, {"x": np.zeros((4, 3)), "y": np.zeros((4, 3))})
    with pytest.raises(MetricInputError, match="NaN"):
        activation_sparsity(net, {"x": np.zeros((4, 3)), "y": np.full((4, 2), np.nan)})
    with pytest.raises(MetricInputError, match="3 steps, the others have 4"):
        synaptic_operations(net, {"x": np.zeros((4, 3)), "y": np.zeros((3, 2))})


@pytest.mark.parametrize("case", sorted(RECORDED))
def test_static_metrics_equal_neurobench_where_they_count_the_same(case: str) -> None:
    from snnas.ir.metrics import connection_sparsity, parameter_count

    net = read_nir(CASES / f"{case}.nir", dt=1e-3)
    assert connection_sparsity(net) == RECORDED[case]["ConnectionSparsity"]
    # What each framework registers beyond the file's weights and biases (README of tests/data/frameworks):
    extra = {"norse_lifbox": -4,  # its bias-free Linear, written by Norse's exporter as an Affine with zero bias
             "rockpool_lif": 112, "rockpool_lif_dt05": 112, "rockpool_lif_bias": 112,  # tau_mem/syn, thr, bias × 28
             "sinabs_cnn": 3,  # each IAF's spike_threshold
             "sinabs_cnn_bounded": 6 - 22}  # threshold and min_v_mem per IAF; its zero biases are not parameters
    assert parameter_count(net) + extra.get(case, 0) == RECORDED[case]["ParameterCount"]
