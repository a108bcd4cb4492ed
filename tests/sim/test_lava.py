"""Loihi's integer rule, as the chip files give it, against Intel Lava's own bit-accurate models.

``tests/data/lava/cases`` holds 52 networks run in lava-nc 0.10.0 (``PyLifModelBitAcc``, ``PyDenseModelBitAcc``,
``PyDelayDenseModelBitAcc``; made by ``tests/data/lava/record_lava.py``): a spike source into one LIF
population through Dense or DelayDense, with recurrent mixed-sign weights, biases, delays, random initial
states and, in some, v saturating and u wrapping. Each is run here with the rule of ``hw_targets/loihi.yaml``
and ``loihi2.yaml`` (``numerics``) in the compiled engine and the numba reference, and every step's spikes,
u and v must be identical. Mapping a Lava case onto the engine:

* Lava's step t is the engine's step t - 1; Dense holds a step's spikes one step (a spike of step t reaches
  LIF in step t + 1 + D), which is the engine's delay D under the order ``decay_input_threshold_reset``;
* a weight is its mantissa shifted by the projection's exponent and Lava's 6-bit alignment,
  w = m << (weight_exp + 6) (Lava shifts the summed input, the same for exponents >= 0);
* thresholds vth << 6, biases bias_mant << bias_exp, decays d_m = dv + 0 and d_s = du + 1 (the offsets
  come from the chip file); LIF cases are du = 4095, the current forgetting every step.

With ``SNNAS_LIVE_LAVA=1`` and lava-nc importable (it needs Python 3.10), a few cases are also run live in Lava.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from snnas.chip import load_chip
from snnas.quantize.numerics import rule_fields
from snnas.sim.fixed import FixedSimNetwork, simulate_fixed

CASES = sorted((Path(__file__).resolve().parents[1] / "data" / "lava" / "cases").glob("*.npz"))


def loihi_run(case: dict[str, Any], chip: str, backend: str, generic: bool = False
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(spikes, u, v), each (n_steps, n), of a recorded Lava case run with ``chip``'s numerics (``generic``: its
    encodings, but the generic rule of the engine)."""
    rule = load_chip(chip).numerics_of("cuba_lif")
    assert rule is not None and rule.current is not None
    shift = rule.weight.shift
    n, steps = case["u0"].shape[0], int(case["n_steps"])
    post, pre = np.nonzero(case["w_rec"])
    order = np.argsort(pre, kind="stable")
    row_ptr = np.concatenate([[0], np.cumsum(np.bincount(pre, minlength=n))]).astype(np.int64)
    w_rec = case["w_rec"][post, pre] << (int(case["w_rec_exp"]) + shift)
    net = FixedSimNetwork(
        row_ptr=row_ptr, target=post[order].astype(np.int32), weight=w_rec[order].astype(np.int32),
        delay=case["delay_rec"][post, pre][order].astype(np.int32), model="cuba_lif",
        state_bits=rule.membrane.bits, v_th=int(case["vth"]) << rule.threshold.shift, v_reset=rule.reset_value or 0,
        decay_m=int(case["dv"]) + rule.decay_m_offset, decay_s=int(case["du"]) + rule.decay_s_offset,
        reset=rule.reset, **({} if generic else dict(rule_fields(rule))))
    # Source spikes of Lava step t (row t - 1) reach the population through Dense: external events of the
    # engine's step t - 1 + D, each with its synapse's weight.
    t, j = np.nonzero(case["in_spikes"])
    steps_in, ids, weights = [], [], []
    for tt, jj in zip(t, j):
        for i in np.nonzero(case["w_in"][:, jj])[0]:
            steps_in.append(tt + case["delay_in"][i, jj])
            ids.append(i)
            weights.append(int(case["w_in"][i, jj]) << (int(case["w_in_exp"]) + shift))
    ev = np.array(steps_in, np.int64)
    keep = ev < steps
    sort = np.argsort(ev[keep], kind="stable")
    ext = (ev[keep][sort], np.array(ids, np.int64)[keep][sort], np.array(weights, np.int64)[keep][sort])
    bias = case["bias_mant"] << case["bias_exp"]
    res = simulate_fixed(net, steps, v0=case["v0"], i0=case["u0"], ext_spikes=ext, i_ext=bias.astype(np.int64),
                         probe=np.arange(n), backend=backend)
    spikes = np.zeros((steps, n), bool)
    spikes[res.spike_steps, res.spike_ids] = True
    return spikes, res.probes["i_syn"], res.probes["v"]


def test_the_recordings_cover_what_the_issue_asks() -> None:
    kinds = [p.stem.split("_")[0] for p in CASES]
    assert kinds.count("lif") >= 20 and kinds.count("cuba") >= 20
    data = [np.load(p) for p in CASES]
    assert sum(bool(d["wrapped"]) for d in data) >= 5 and sum(bool(d["saturated"]) for d in data) >= 5
    assert sum(bool(d["delay_rec"].any()) for d in data) >= 10
    assert sum(bool((d["w_rec"] < 0).any()) for d in data) >= 20  # inhibition
    assert sum(bool(d["bias_mant"].any()) for d in data) >= 20


@pytest.mark.parametrize("backend", ["engine", "numba"])
@pytest.mark.parametrize("chip", ["loihi", "loihi2"])
@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_loihi_rule_equals_lava_step_for_step(path: Path, chip: str, backend: str) -> None:
    case = dict(np.load(path))
    spikes, u, v = loihi_run(case, chip, backend)
    for name, ours, lava in (("spikes", spikes, case["s"]), ("u", u, case["u"]), ("v", v, case["v"])):
        bad = np.argwhere(ours != lava)
        assert bad.size == 0, f"{path.stem}: {name} first differs at step, neuron {bad[0]}"


def test_the_generic_rule_is_not_lavas() -> None:
    """The comparison can fail: run with the generic fixed-point rule, most recordings differ."""
    differ = 0
    for path in CASES:
        case = dict(np.load(path))
        case["u0"] = case["u0"].clip(-(2**23), 2**23 - 1)  # the generic rule's range
        spikes, u, v = loihi_run(case, "loihi", "engine", generic=True)
        differ += not (np.array_equal(spikes, case["s"]) and np.array_equal(v, case["v"]))
    assert differ >= 0.9 * len(CASES)


def _record_lava() -> Any:
    spec = importlib.util.spec_from_file_location("record_lava", CASES[0].parents[1] / "record_lava.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["record_lava"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("kind, idx", [("lif", 3), ("cuba", 5), ("cuba", 20)])
def test_live_lava_when_it_imports(kind: str, idx: int) -> None:
    if not os.environ.get("SNNAS_LIVE_LAVA"):
        pytest.skip("set SNNAS_LIVE_LAVA=1 to run Lava itself (lava-nc needs Python 3.10)")
    pytest.importorskip("lava.proc.lif.models", reason="lava-nc not installed (it needs Python 3.10)")
    rec = _record_lava()
    case = rec.base_case(kind, idx)
    case["vth"] = rec.choose_vth(case)
    out = rec.run_lava(case)
    spikes, u, v = loihi_run({**case, **out}, "loihi", "engine")
    assert np.array_equal(spikes, out["s"]) and np.array_equal(u, out["u"]) and np.array_equal(v, out["v"])
