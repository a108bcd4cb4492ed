"""Reference simulator in numba, fixed point: the integer rules of ``cpp/fixed.hpp`` (saturating state, decay
by multiply and arithmetic shift), bit-identical with the C++ engine's fixed-point mode."""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from snnas.sim.reference.common import (
    _CUBA,
    _IF,
    _LIF,
    _SHIFT,
    _SUBTRACT,
    KEYS,
    _deliver,
    _record,
    _slots,
    current_table,
)

__all__ = ["run_fixed_reference"]


@numba.njit(cache=True)
def _fixed_settled(model: int, v: int, i: int, v_th: int, dm: int, ds: int, ref_end: int, next_step: int) -> bool:
    """The rule without input leaves the state unchanged, v < v_th, not refractory (``cpp/fixed.hpp``)."""
    if next_step <= ref_end or v >= v_th:
        return False
    if model == _IF:
        return True
    if model == _LIF:
        return (v * dm) >> _SHIFT == 0
    return (i * ds) >> _SHIFT == 0 and i - ((v * dm) >> _SHIFT) == 0


@numba.njit(cache=True)
def _run_fixed(n_steps: int, model: int, subtract: bool, bits: int, v_th: np.ndarray, v_reset: np.ndarray,
               dm: np.ndarray, ds: np.ndarray, t_ref: np.ndarray, v0: np.ndarray, i0: np.ndarray,
               row_ptr: np.ndarray, target: np.ndarray, weight: np.ndarray, delay: np.ndarray, ext_step: np.ndarray,
               ext_id: np.ndarray, ext_weight: np.ndarray, cur: np.ndarray, cur_mode: int) -> tuple[Any, ...]:
    n = v_th.shape[0]
    hi = (np.int64(1) << (bits - 1)) - 1
    lo = -hi - 1
    slots = _slots(delay)
    v = v0.copy()
    i = i0.copy() if model == _CUBA else np.zeros(n, dtype=np.int64)
    ref_end = np.full(n, -1, dtype=np.int64)
    acc = np.zeros((slots, n), dtype=np.int64)
    active = np.zeros(n, dtype=np.bool_)
    fired = np.zeros(n, dtype=np.bool_)
    got = np.zeros(n, dtype=np.bool_)
    for k in range(n):
        active[k] = not _fixed_settled(model, v[k], i[k], v_th[k], dm[k], ds[k], -1, 0)
    out_step = np.empty(16, dtype=np.int64)
    out_id = np.empty(16, dtype=np.int32)
    n_spikes = 0
    syn_events = 0
    ext_events = 0
    updates = 0
    ext_pos = 0
    for step in range(n_steps):
        slot = step % slots
        row = 0 if cur_mode == 1 else step
        # (1) update and (2) threshold: the rule is applied to every neuron, counted for the active ones
        # (for the others it changes nothing: that is what makes skipping them exact).
        for k in range(n):
            ie = np.int64(cur[row, k]) if cur_mode != 0 else np.int64(0)
            if ie != 0:
                active[k] = True
            if active[k]:
                updates += 1
            if model == _CUBA:
                i[k] = min(max(i[k] - ((i[k] * ds[k]) >> _SHIFT), lo), hi)
            fired[k] = False
            if step <= ref_end[k]:
                continue
            if model == _IF:
                v[k] = min(max(v[k] + ie, lo), hi)
            elif model == _LIF:
                v[k] = min(max(v[k] - ((v[k] * dm[k]) >> _SHIFT) + ie, lo), hi)
            else:
                v[k] = min(max(v[k] - ((v[k] * dm[k]) >> _SHIFT) + i[k] + ie, lo), hi)
            fired[k] = v[k] >= v_th[k]
        # (3) deliver
        se, ee, ext_pos = _deliver(fired, row_ptr, target, weight, delay, acc, slot, ext_step, ext_id, ext_weight,
                                   ext_pos, step)
        syn_events += se
        ext_events += ee
        for t in range(n):
            x = acc[slot, t]
            acc[slot, t] = 0
            got[t] = x != 0
            if not got[t]:
                continue
            if model == _CUBA:
                i[t] = min(max(i[t] + x, lo), hi)
            elif step > ref_end[t]:
                v[t] = min(max(v[t] + x, lo), hi)
        # (4) reset
        for k in range(n):
            if fired[k]:
                v[k] = min(max(v[k] - v_th[k], lo), hi) if subtract else v_reset[k]
                ref_end[k] = step + t_ref[k]
                out_step, out_id, n_spikes = _record(out_step, out_id, n_spikes, step, k)
        for k in range(n):
            if active[k] or got[k]:
                active[k] = not _fixed_settled(model, v[k], i[k], v_th[k], dm[k], ds[k], ref_end[k], step + 1)
    return out_step[:n_spikes].copy(), out_id[:n_spikes].copy(), v, i, syn_events, ext_events, updates, n_spikes


def run_fixed_reference(args: dict[str, Any]) -> dict[str, Any]:
    """Run the fixed-point reference on the arguments of ``snnas._core.simulate_fixed`` (already valid)."""
    cur, mode = current_table(args["i_ext"], args["v_th"].shape[0], np.int32)
    subtract = bool(args["reset"] == _SUBTRACT)
    out = _run_fixed(int(args["n_steps"]), int(args["model"]), subtract, int(args["state_bits"]), args["v_th"],
                     args["v_reset"], args["decay_m"], args["decay_s"], args["t_ref"], args["v0"],
                     args["i0"], args["row_ptr"], args["target"], args["weight"], args["delay"], args["ext_step"],
                     args["ext_id"], args["ext_weight"], cur, mode)
    return dict(zip(KEYS, out))
