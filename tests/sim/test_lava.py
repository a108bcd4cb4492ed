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

With ``SNNAS_LAVA_PYTHON`` naming a Python 3.10 interpreter that has lava-nc 0.10.0, a few cases are also run
live: Lava runs in that interpreter, as a subprocess with a timeout (``record_lava.py --one KIND IDX --out F``),
and this process runs the same case in snnas's engine and compares (see ``tests/data/lava/README.md``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from snnas.chip import load_chip
from snnas.quantize.numerics import rule_fields
from snnas.sim.fixed import FixedSimNetwork, simulate_fixed

LAVA_DATA = Path(__file__).resolve().parents[1] / "data" / "lava"
CASES = sorted((LAVA_DATA / "cases").glob("*.npz"))


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


LAVA_PYTHON = "SNNAS_LAVA_PYTHON"
LAVA_TIMEOUT = float(os.environ.get("SNNAS_LAVA_TIMEOUT", "300"))  # seconds, per Lava run
# The recorder's inputs and Lava's outputs: what must agree with the stored recording of the same case.
RECORDED_KEYS = ("n_steps", "du", "dv", "vth", "bias_mant", "bias_exp", "u0", "v0", "in_spikes", "w_in", "w_in_exp",
                 "delay_in", "w_rec", "w_rec_exp", "delay_rec", "s", "u", "v")


def _tail(path: Path, limit: int = 6000) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    return text if len(text) <= limit else "...\n" + text[-limit:]


def run_lava_case(python: str, kind: str, idx: int, workdir: Path) -> dict[str, np.ndarray]:
    """Run case ``kind``_``idx`` in Lava, in ``python`` (its own process and session, killed with all its children
    after ``LAVA_TIMEOUT`` s), and return the .npz that ``record_lava.py --one`` writes."""
    out = workdir / f"{kind}_{idx:02d}.npz"
    stdout, stderr = workdir / "lava.stdout", workdir / "lava.stderr"
    cmd = [python, str(LAVA_DATA / "record_lava.py"), "--one", kind, str(idx), "--out", str(out)]
    # Lava's interpreter is another Python: none of this one's path settings.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")}
    start = time.monotonic()
    with stdout.open("wb") as fo, stderr.open("wb") as fe:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=fo, stderr=fe, cwd=workdir, env=env,
                                start_new_session=True)
        try:
            rc: int | None = proc.wait(timeout=LAVA_TIMEOUT)
        except subprocess.TimeoutExpired:
            rc = None
        finally:
            # Lava's runtime starts processes of its own: end the whole session, whatever happened.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    took = time.monotonic() - start
    what = f"timed out after {LAVA_TIMEOUT:g} s" if rc is None else f"exited with {rc} after {took:.1f} s"
    if rc != 0 or not out.exists():
        pytest.fail(f"Lava ({' '.join(cmd)}) {what}" + ("" if rc is None or rc else ", writing no file")
                    + f"\n--- stderr ---\n{_tail(stderr)}\n--- stdout ---\n{_tail(stdout, 2000)}", pytrace=False)
    with np.load(out) as data:
        return dict(data)


@pytest.mark.slow
@pytest.mark.parametrize("kind, idx", [("lif", 11), ("lif", 24), ("cuba", 5), ("cuba", 20), ("cuba", 25)])
def test_live_lava_equals_the_loihi_rule(kind: str, idx: int, tmp_path: Path) -> None:
    """lif_11 and cuba_5, cuba_20 use DelayDense; lif_24 has weights off Lava's grid; cuba_20 and cuba_25 wrap u."""
    python = os.environ.get(LAVA_PYTHON)
    if not python:
        pytest.skip(f"set {LAVA_PYTHON} to a Python 3.10 with lava-nc 0.10.0 (e.g. /work/venvs/lava/bin/python) "
                    "to run Lava itself; see tests/data/lava/README.md")
    assert Path(python).exists(), f"{LAVA_PYTHON}={python}: no such interpreter"
    live = run_lava_case(python, kind, idx, tmp_path)
    name = f"{kind}_{idx:02d}"
    for chip in ("loihi", "loihi2"):
        for backend in ("engine", "numba"):
            spikes, u, v = loihi_run(live, chip, backend)
            for what, ours, lava in (("spikes", spikes, live["s"]), ("u", u, live["u"]), ("v", v, live["v"])):
                bad = np.argwhere(ours != lava)
                assert bad.size == 0, (f"live {name}, {chip}/{backend}: {what} first differs at step, neuron {bad[0]} "
                                       f"(ours {ours[tuple(bad[0])]}, Lava {lava[tuple(bad[0])]})")
    with np.load(LAVA_DATA / "cases" / f"{name}.npz") as stored:
        differ = [k for k in RECORDED_KEYS if not np.array_equal(live[k], stored[k])]
    assert not differ, f"live {name} differs from its recording in {differ}"
