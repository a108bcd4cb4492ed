"""sinabs' DYNAP-CNN/Speck IAF rule, bit for bit: the recorded sinabs 3.1.3 networks of tests/data/sinabs
(dense, conv and conv -> sum pool -> conv layers; MultiSpike and SingleSpike; subtract and reset to zero;
biases, initial states, lower bounds) run in the fixed-point engine and its numba reference under the rule
of the Speck chip file, with the recorded integer parameters (sinabs' own discretisation).

Mapping to snnas: each layer's neurons are IF neurons (no leak) with the rule input before the threshold
test, ``>=``, ``spikes_per_step`` k = floor(v / v_th) and the layer's ``min_v_mem`` as ``v_min``. A layer
runs alone, driven by the spikes snnas computed for the layer before (its sum pool and conv applied to them
as external events), since the spike function and reset may differ per layer, as the chip configures
them; where every layer shares them, the whole network also runs as one, the sum pool and conv between
layers being its synapses. snnas delivers a step's input to the next step's update (before its test), so
the input and bias of sinabs step 0 start in the initial state and the input of step t >= 1 arrives in
step t - 1; in one network sinabs passes a layer's spikes on within the step, snnas one step later, so layer
L's step t is snnas step t + L. The state is 48 bits wide here since sinabs does not bound v from above
(two cases leave the chip's 16 bits).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from snnas.chip import load_chip
from snnas.quantize.numerics import rule_fields
from snnas.sim.fixed import FixedSimNetwork, simulate_fixed
from tests.data.sinabs.check_transcription import conv2d, sum_pool

CASES = sorted((Path(__file__).resolve().parents[1] / "data" / "sinabs" / "cases").glob("*.npz"))
# sinabs' MembraneReset adds reset_value to every neuron in every step, spiking or not; the chip config has
# no such field (it always resets to 0), so the one case with a nonzero reset value is not a chip rule.
NOT_A_CHIP_RULE = {"special_02"}


def load(path: Path) -> dict[str, Any]:
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


def layer_shape(case: dict[str, Any], k: int) -> tuple[int, ...]:
    return tuple(case[f"s{k}"].shape[1:])


def build(case: dict[str, Any]) -> tuple[FixedSimNetwork, dict[str, Any], list[slice]]:
    """The sinabs network as one fixed-point network, its input and each layer's neuron range."""
    n_layers, n_steps = int(case["n_layers"]), int(case["n_steps"])
    shapes = [layer_shape(case, k) for k in range(n_layers)]
    sizes = [int(np.prod(s)) for s in shapes]
    start = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    ranges = [slice(int(start[k]), int(start[k + 1])) for k in range(n_layers)]
    n = int(start[-1])
    rows: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for k in range(1, n_layers):  # layer k - 1 -> sum pool -> conv of layer k
        w, pool = case[f"w{k}"], int(case[f"pool{k - 1}"])
        stride, padding = tuple(case[f"stride{k}"]), tuple(case[f"padding{k}"])
        src_shape = shapes[k - 1]
        for src in range(sizes[k - 1]):
            one = np.zeros(src_shape, np.int64)
            one[np.unravel_index(src, src_shape)] = 1
            out = conv2d(sum_pool(one, pool), w, stride, padding).ravel()
            rows[ranges[k - 1].start + src] = [(ranges[k].start + int(t), int(out[t])) for t in np.flatnonzero(out)]
    row_ptr = np.concatenate([[0], np.cumsum([len(r) for r in rows])]).astype(np.int64)
    target = np.array([t for r in rows for t, _ in r], np.int32)
    weight = np.array([w for r in rows for _, w in r], np.int32)
    per = {name: np.concatenate([np.full(sizes[k], int(case[f"{name}{k}"]), np.int64) for k in range(n_layers)])
           for name in ("thr", "vmin")}
    bias = np.concatenate([np.repeat(case[f"b{k}"], sizes[k] // len(case[f"b{k}"])) for k in range(n_layers)])
    v0 = np.concatenate([case[f"vinit{k}"].ravel() for k in range(n_layers)])
    (spike_fn,) = {str(case[f"spike_fn{k}"]) for k in range(n_layers)}
    (reset,) = {str(case[f"reset{k}"]) for k in range(n_layers)}
    net = FixedSimNetwork(row_ptr=row_ptr, target=target, weight=weight, delay=np.zeros(target.size, np.int32),
                          model="if", v_th=per["thr"], v_reset=0, v_min=per["vmin"], **speck_fields(spike_fn, reset))
    x0 = [conv2d(case["x"][t], case["w0"], tuple(case["stride0"]), tuple(case["padding0"])).ravel()
          for t in range(n_steps)]
    first = ranges[0]
    v0[first] += x0[0] + bias[first]  # step 0's input and bias start in the initial state (see run_layer)
    steps = [t - 1 for t in range(1, n_steps) for i in np.flatnonzero(x0[t])]
    ids = [int(i) for t in range(1, n_steps) for i in np.flatnonzero(x0[t])]
    weights = [int(x0[t][i]) for t in range(1, n_steps) for i in np.flatnonzero(x0[t])]
    # Layer k runs k steps behind layer 0: its bias starts at snnas step k (layer 0's at step 1).
    current = np.zeros((n_steps + n_layers, n), np.int32)
    for k, r in enumerate(ranges):
        current[max(k, 1):, r] = bias[r]
    inputs = {"ext_spikes": (np.array(steps, np.int64), np.array(ids, np.int32), np.array(weights, np.int32)),
              "i_ext": current, "v0": v0, "probe": np.arange(n, dtype=np.int32)}
    return net, inputs, ranges


def speck_fields(spike_fn: str, reset: str) -> dict[str, Any]:
    """The FixedSimNetwork fields of the Speck chip file's rule, for one layer's spike function and reset."""
    rule = load_chip("speck").numerics_of("if")
    assert rule is not None
    fields = dict(rule_fields(rule))
    fields["max_spikes"] = fields["max_spikes"] if spike_fn == "MultiSpike" else 1
    return {**fields, "state_bits": 48, "reset": "subtract" if reset == "subtract" else "value"}


def run_layer(case: dict[str, Any], k: int, x: np.ndarray, backend: str) -> tuple[np.ndarray, np.ndarray]:
    """Layer k alone, driven by the spike counts ``x`` (n_steps, C, H, W) of its input (pooled by the layer
    before): its spike counts and membrane per sinabs step, each (n_steps, neurons)."""
    n_steps = int(case["n_steps"])
    shape = layer_shape(case, k)
    n = int(np.prod(shape))
    pool = int(case[f"pool{k - 1}"]) if k else 1
    cur = [conv2d(sum_pool(x[t], pool), case[f"w{k}"], tuple(case[f"stride{k}"]),
                  tuple(case[f"padding{k}"])).ravel() for t in range(n_steps)]
    bias = np.repeat(case[f"b{k}"], n // len(case[f"b{k}"]))
    # sinabs step t is snnas step t: step 0's input and bias start in the initial state, the input of step
    # t >= 1 arrives in step t - 1 (it enters the next step's update, before the test).
    steps = [t - 1 for t in range(1, n_steps) for i in np.flatnonzero(cur[t])]
    ids = [int(i) for t in range(1, n_steps) for i in np.flatnonzero(cur[t])]
    weights = [int(cur[t][i]) for t in range(1, n_steps) for i in np.flatnonzero(cur[t])]
    current = np.zeros((n_steps, n), np.int32)
    current[1:] = bias
    v0 = case[f"vinit{k}"].ravel() + (cur[0] + bias if n_steps else 0)
    net = FixedSimNetwork(row_ptr=np.zeros(n + 1, np.int64), target=np.zeros(0, np.int32),
                          weight=np.zeros(0, np.int32), delay=np.zeros(0, np.int32), model="if",
                          v_th=int(case[f"thr{k}"]), v_reset=0, v_min=int(case[f"vmin{k}"]),
                          **speck_fields(str(case[f"spike_fn{k}"]), str(case[f"reset{k}"])))
    out = simulate_fixed(net, n_steps, backend=backend, v0=v0, i_ext=current,
                         ext_spikes=(np.array(steps, np.int64), np.array(ids, np.int32), np.array(weights, np.int32)),
                         probe=np.arange(n, dtype=np.int32))
    counts = np.zeros((n_steps, n), np.int64)
    np.add.at(counts, (out.spike_steps, out.spike_ids), 1)
    return counts, out.probes["v"]


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
@pytest.mark.parametrize("backend", ["engine", "numba"])
def test_speck_rule_reproduces_sinabs_spikes_and_states(path: Path, backend: str) -> None:
    case = load(path)
    if path.stem in NOT_A_CHIP_RULE:
        assert int(case["reset_value0"]) != 0 or any(int(case[f"reset_value{k}"]) for k in range(int(case["n_layers"])))
        pytest.skip("sinabs adds reset_value to every neuron in every step; the chip has no such rule")
    n_layers, n_steps = int(case["n_layers"]), int(case["n_steps"])
    # Layer by layer, each driven by the spikes snnas computed for the layer before (a layer's own rule: the
    # spike function and reset may differ between layers, as the chip configures them per layer).
    x = case["x"]
    for k in range(n_layers):
        s, v = run_layer(case, k, x, backend)
        assert np.array_equal(s, case[f"s{k}"].reshape(n_steps, -1)), f"layer {k}: spike counts differ"
        assert np.array_equal(v, case[f"v{k}"].reshape(n_steps, -1)), f"layer {k}: membrane differs"
        x = s.reshape((n_steps, *layer_shape(case, k)))
    uniform = len({(str(case[f"spike_fn{k}"]), str(case[f"reset{k}"])) for k in range(n_layers)}) == 1
    # Deeper layers wait k steps for their first input; those steps change nothing when they start at rest.
    at_rest = all(not case[f"vinit{k}"].any() and int(case[f"vmin{k}"]) <= 0 for k in range(1, n_layers))
    if n_layers == 1 or not uniform or not at_rest:
        return
    # The whole network in one run: the sum pool and conv between layers are its synapses.
    net, inputs, ranges = build(case)
    out = simulate_fixed(net, n_steps + n_layers, backend=backend, **inputs)
    counts = np.zeros((n_steps + n_layers, out.v.shape[0]), np.int64)
    np.add.at(counts, (out.spike_steps, out.spike_ids), 1)
    for k in range(n_layers):
        lag = k  # sinabs step t is snnas step t + k for layer k
        assert np.array_equal(counts[lag:lag + n_steps, ranges[k]], case[f"s{k}"].reshape(n_steps, -1))
        assert np.array_equal(out.probes["v"][lag:lag + n_steps, ranges[k]], case[f"v{k}"].reshape(n_steps, -1))


def test_the_cases_exercise_what_the_rule_adds() -> None:
    """The recorded data reach several spikes per step and the lower bound (else the test above could not fail
    on them)."""
    cases = [load(p) for p in CASES]
    assert len(cases) >= 30
    assert sum(int(c["n_multi"]) > 0 for c in cases) >= 20 and sum(int(c["n_bound"]) > 0 for c in cases) >= 20
    assert sum(str(c["kind"]).startswith("conv") for c in cases) >= 8
