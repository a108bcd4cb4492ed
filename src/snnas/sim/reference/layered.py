"""The numba reference of the layered float32 simulator (``cpp/layered.hpp``): the same rules, operation for
operation, in the same order, so its spikes and states are bit-identical to ``snnas._core.simulate_layered``.

It runs the core's argument dict (built by :func:`snnas.sim.layered.layered_arguments`) and returns the same
keys. The input is checked by the core's validator first (:func:`run_layered_reference` calls the core with
zero steps), so a bad argument raises the same error in either backend.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from snnas import codes

__all__ = ["run_layered_reference"]

_T = codes.core().LAYERED
_IF, _LIF, _CUBA, _LI = (_T["model"][k] for k in ("if", "lif", "cuba_lif", "li"))
_EXACT, _EULER_STEP = _T["decay"]["exact"], _T["decay"]["euler_step"]
_DECAY_ADD, _ADD_DECAY, _ADD_USE_DECAY = (_T["current"][k] for k in ("decay_add", "add_decay", "add_use_decay"))
_INPUT_FIRST = _T["order"]["input_first"]
_GE = _T["threshold"][">="]
_VALUE, _SUBTRACT, _DSUB, _DVAL = (_T["reset"][k] for k in ("value", "subtract", "delayed_subtract",
                                                            "delayed_value"))
_C = _T["column"]
_MODEL, _DECAY, _CURRENT, _ORDER, _THRESHOLD, _MAX_SPIKES, _RESET, _BOUNDED = (
    _C[k] for k in ("model", "decay", "current", "order", "threshold", "max_spikes", "reset", "bounded"))


@numba.njit(cache=True)
def _decay_current(y: Any, fs: Any, euler_step: bool) -> Any:
    """D(y) of cpp/layered.hpp: fs * y, or y + fs * y (EULER_STEP); float32 in, float32 out."""
    return y + fs * y if euler_step else fs * y


@numba.njit(cache=True)
def _run(n_in: int, pop_ptr: np.ndarray, rules: np.ndarray, record: np.ndarray, f_m: np.ndarray, f_s: np.ndarray,
         gain: np.ndarray, v_th: np.ndarray, v_reset: np.ndarray, v_leak: np.ndarray, leak: np.ndarray,
         v_min: np.ndarray, v0: np.ndarray, i0: np.ndarray, bias: np.ndarray, in_ptr: np.ndarray, source: np.ndarray,
         weight: np.ndarray, delay: np.ndarray, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n_pop = pop_ptr.shape[0] - 1
    n = pop_ptr[n_pop]
    total = n + n_in
    n_steps = inputs.shape[0]
    slots = 1
    for k in range(delay.shape[0]):
        slots = max(slots, delay[k] + 1)
    out = np.zeros((slots, total))
    v = v0.copy()
    cur = i0.copy()
    prev = np.zeros(n, np.int32)
    spike_cols = 0
    state_cols = 0
    for p in range(n_pop):
        if record[p] >= 1:
            spike_cols += pop_ptr[p + 1] - pop_ptr[p]
        if record[p] == 2:
            state_cols += pop_ptr[p + 1] - pop_ptr[p]
    spikes_out = np.zeros((n_steps, spike_cols), np.int32)
    v_out = np.zeros((n_steps, state_cols), np.float32)
    i_out = np.zeros((n_steps, state_cols), np.float32)
    zero = np.float32(0.0)
    for t in range(n_steps):
        slot = t % slots
        for k in range(n_in):
            out[slot, k] = np.float64(inputs[t, k])
        spike_col = 0
        state_col = 0
        for p in range(n_pop):
            model = rules[p, _MODEL]
            decay = rules[p, _DECAY]
            current = rules[p, _CURRENT]
            reset = rules[p, _RESET]
            input_first = rules[p, _ORDER] == _INPUT_FIRST
            ge = rules[p, _THRESHOLD] == _GE
            bounded = rules[p, _BOUNDED] == 1
            max_spikes = rules[p, _MAX_SPIKES]
            for j in range(pop_ptr[p], pop_ptr[p + 1]):
                acc = bias[j]
                for k in range(in_ptr[j], in_ptr[j + 1]):
                    s = slot - delay[k]
                    if s < 0:
                        s += slots
                    acc += out[s, source[k]] * weight[k]
                x = np.float32(acc)
                fm = f_m[j]
                fs = f_s[j]
                xg = x * gain[j]
                now_in = xg if input_first else zero
                vj = v[j]
                ij = cur[j]
                d = now_in
                was = prev[j] > 0
                if model == _CUBA:
                    euler_step = decay == _EULER_STEP
                    if current == _DECAY_ADD:
                        ij = _decay_current(ij, fs, euler_step) + now_in
                    elif current == _ADD_DECAY:
                        ij = _decay_current(ij + now_in, fs, euler_step)
                    else:
                        ij = ij + now_in
                    d = ij
                if model == _IF:
                    vj = vj + d
                elif decay == _EXACT:
                    u = v_leak[j] + ij if model == _CUBA else v_leak[j]
                    vj = u + (vj - u) * fm
                    if model != _CUBA:
                        vj = vj + d
                elif decay == _EULER_STEP:
                    vj = vj + fm * ((d + v_leak[j]) - vj) if model == _LIF else vj + fm * ((v_leak[j] - vj) + d)
                else:
                    if reset == _DVAL and was and model != _CUBA:
                        vj = v_reset[j]
                    vj = (fm * vj + d) + leak[j]
                if reset == _DSUB and was:
                    vj = vj - v_th[j]
                if reset == _DVAL and was and model == _CUBA:
                    vj = v_reset[j]
                spikes = 0
                th = v_th[j]
                if model != _LI and ((vj >= th) if ge else (vj > th)):
                    spikes = 1 if max_spikes == 1 else np.int32(min(np.floor(vj / th), np.float32(max_spikes)))
                if not input_first:
                    if model == _CUBA:
                        ij = ij + xg
                    else:
                        vj = vj + xg
                if reset == _VALUE and spikes > 0:
                    vj = v_reset[j]
                if reset == _SUBTRACT and spikes > 0:
                    vj = vj - np.float32(spikes) * th
                if bounded:
                    vj = max(vj - v_min[j], zero) + v_min[j]
                if model == _CUBA and current == _ADD_USE_DECAY:
                    ij = ij + fs * ij
                v[j] = vj
                cur[j] = ij
                prev[j] = spikes
                out[slot, n_in + j] = np.float64(spikes)
            size = pop_ptr[p + 1] - pop_ptr[p]
            if record[p] >= 1:
                for j in range(size):
                    spikes_out[t, spike_col + j] = prev[pop_ptr[p] + j]
                spike_col += size
            if record[p] == 2:
                for j in range(size):
                    v_out[t, state_col + j] = v[pop_ptr[p] + j]
                    i_out[t, state_col + j] = cur[pop_ptr[p] + j]
                state_col += size
    return spikes_out, v_out, i_out


def run_layered_reference(args: dict[str, Any]) -> dict[str, Any]:
    """Run the core's ``simulate_layered`` arguments in numba; the same keys as the core's result.

    Raises:
        SimulationInputError: as the core would (its validator runs first, on zero steps).
    """
    codes.core().simulate_layered(**{**args, "inputs": args["inputs"][:0]})
    spikes, v, i = _run(int(args["n_inputs"]), *(args[k] for k in (
        "pop_ptr", "rules", "record", "f_m", "f_s", "gain", "v_th", "v_reset", "v_leak", "leak", "v_min", "v0",
        "i0", "bias", "in_ptr", "source", "weight", "delay", "inputs")))
    return {"spikes": spikes, "v": v, "i": i}
