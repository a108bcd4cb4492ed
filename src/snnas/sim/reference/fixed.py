"""Reference simulator in numba, fixed point: the integer rules of ``cpp/fixed.hpp`` (the chip's step order,
decay rounding, threshold test, overflow of each state variable, spikes per step and lower bound of v),
bit-identical with the C++ engine's fixed-point mode. Every neuron is updated in every step; the skipping of
settled neurons is only counted."""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from snnas import codes
from snnas.errors import SimulationInputError
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

# The rule codes (cpp/codes.hpp) as numba compile-time constants.
_INPUT_FIRST = codes.FIXED_RULES["order"]["decay_input_threshold_reset"]
_TOWARD_ZERO = codes.FIXED_RULES["decay_rounding"]["keep_toward_zero"]
_CLOSED_FORM = codes.FIXED_RULES["decay_rounding"]["closed_form_nearest"]
_ABOVE = codes.FIXED_RULES["threshold_test"][">"]
_SATURATE = codes.FIXED_RULES["overflow"]["saturate"]
_WRAP = codes.FIXED_RULES["overflow"]["wrap"]
_WRAP_TWOS = codes.FIXED_RULES["overflow"]["wrap_twos_complement"]
_PER_EVENT = codes.FIXED_RULES["integration"]["per_event"]
_MAX_IN_FLIGHT = codes.LIMITS["max_events_in_flight"]


@numba.njit(cache=True)
def _ov(x: int, overflow: int, bits: int, lo: int, hi: int) -> int:
    """Saturate to [lo, hi], or wrap modulo 2**bits into it."""
    if overflow != _WRAP and overflow != _WRAP_TWOS:
        return min(max(x, lo), hi)
    wrapped: int = (x - lo) % (np.int64(1) << bits) + lo  # numba's % takes the divisor's sign, as Python's
    return wrapped


@numba.njit(cache=True)
def _keep(x: int, d: int, toward_zero: bool, shift: int) -> int:
    """The state left after one step's decay by d / 2**shift."""
    if not toward_zero:
        return x - ((x * d) >> shift)
    kept: int = x * ((np.int64(1) << shift) - d)
    return kept >> shift if kept >= 0 else -((-kept) >> shift)


@numba.njit(cache=True)
def _lif(v: int, a: int, d: int, rule: np.ndarray) -> int:
    """LIF's v after a step with input a: ov_v(keep(v, d) + a), or with closed_form_nearest
    ov_v(a' - rnd((2**b - d) * ov_v(a' - v))), a' = ov_v(a), rnd(y) = (y + 2**(b-1)) >> b."""
    shift = rule[11]
    if rule[1] != _CLOSED_FORM:
        return _ov(_keep(v, d, rule[1] == _TOWARD_ZERO, shift) + a, rule[3], rule[5], rule[7], rule[8])
    one = np.int64(1) << shift
    held = _ov(a, rule[3], rule[5], rule[7], rule[8])
    diff = _ov(held - v, rule[3], rule[5], rule[7], rule[8])
    out: int = _ov(held - (((one - d) * diff + (one >> 1)) >> shift), rule[3], rule[5], rule[7], rule[8])
    return out


@numba.njit(cache=True)
def _fires(v: int, v_th: int, above: bool) -> bool:
    return v > v_th if above else v >= v_th


@numba.njit(cache=True)
def _fixed_settled(model: int, v: int, i: int, v_th: int, dm: int, ds: int, ref_end: int, next_step: int,
                   pending: int, rule: np.ndarray, v_min: int) -> bool:
    """The rule without input leaves the state unchanged, no input is held, v does not fire, v >= v_min, not
    refractory."""
    toward_zero, above, shift = rule[1] == _TOWARD_ZERO, rule[2] == _ABOVE, rule[11]
    if next_step <= ref_end or _fires(v, v_th, above) or pending != 0 or v < v_min:
        return False
    if model == _IF:
        return True
    if model == _LIF:
        return _lif(v, 0, dm, rule) == v
    i_next = _ov(_keep(i, ds, toward_zero, shift), rule[4], rule[6], rule[9], rule[10])
    return i_next == i and _ov(_keep(v, dm, toward_zero, shift) + i_next, rule[3], rule[5], rule[7], rule[8]) == v


@numba.njit(cache=True)
def _run_fixed(n_steps: int, model: int, subtract: bool, rule: np.ndarray, v_th: np.ndarray, v_reset: np.ndarray,
               dm: np.ndarray, ds: np.ndarray, t_ref: np.ndarray, v0: np.ndarray, i0: np.ndarray,
               row_ptr: np.ndarray, target: np.ndarray, weight: np.ndarray, delay: np.ndarray, ext_step: np.ndarray,
               ext_id: np.ndarray, ext_weight: np.ndarray, cur: np.ndarray, cur_mode: int,
               probe: np.ndarray, v_min: np.ndarray, max_spikes: int) -> tuple[Any, ...]:
    # rule: order, rounding, threshold test, v overflow, i overflow, v bits, i bits, v lo, v hi, i lo, i hi,
    # decay bits
    n = v_th.shape[0]
    input_first, toward_zero, above = rule[0] == _INPUT_FIRST, rule[1] == _TOWARD_ZERO, rule[2] == _ABOVE
    shift = rule[11]
    v_ovf, i_ovf, v_bits, i_bits, v_lo, v_hi, i_lo, i_hi = (rule[3], rule[4], rule[5], rule[6], rule[7], rule[8],
                                                            rule[9], rule[10])
    slots = _slots(delay)
    v = v0.copy()
    i = i0.copy() if model == _CUBA else np.zeros(n, dtype=np.int64)
    ref_end = np.full(n, -1, dtype=np.int64)
    acc = np.zeros((slots, n), dtype=np.int64)
    pending = np.zeros(n, dtype=np.int64)
    active = np.zeros(n, dtype=np.bool_)
    fired = np.zeros(n, dtype=np.int64)  # spikes emitted in this step
    got = np.zeros(n, dtype=np.bool_)
    for k in range(n):
        active[k] = not _fixed_settled(model, v[k], i[k], v_th[k], dm[k], ds[k], -1, 0, 0, rule, v_min[k])
    out_step = np.empty(16, dtype=np.int64)
    out_id = np.empty(16, dtype=np.int32)
    v_probe = np.zeros((n_steps, probe.shape[0]), dtype=np.int64)
    i_probe = np.zeros((n_steps, probe.shape[0]), dtype=np.int64)
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
            ie = _current_of(cur, cur_mode, row, k, active)
            updates += active[k]
            x = pending[k]
            pending[k] = 0
            if model == _CUBA:
                i[k] = _ov(_keep(i[k], ds[k], toward_zero, shift) + x, i_ovf, i_bits, i_lo, i_hi)
            fired[k] = 0
            if step <= ref_end[k]:
                continue
            if model == _IF:
                v[k] = _ov(v[k] + x + ie, v_ovf, v_bits, v_lo, v_hi)
            elif model == _LIF:
                v[k] = _lif(v[k], x + ie, dm[k], rule)
            else:
                v[k] = _ov(_keep(v[k], dm[k], toward_zero, shift) + i[k] + ie, v_ovf, v_bits, v_lo, v_hi)
            if _fires(v[k], v_th[k], above):
                fired[k] = 1
                if max_spikes > 1:
                    fired[k] = min(max(((v[k] - 1) if above else v[k]) // v_th[k], 1), max_spikes)
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
            if input_first:
                pending[t] += x
            elif model == _CUBA:
                i[t] = _ov(i[t] + x, i_ovf, i_bits, i_lo, i_hi)
            elif step > ref_end[t]:
                v[t] = _ov(v[t] + x, v_ovf, v_bits, v_lo, v_hi)
        # (4) reset, then the lower bound
        for k in range(n):
            if fired[k]:
                v[k] = _ov(v[k] - fired[k] * v_th[k], v_ovf, v_bits, v_lo, v_hi) if subtract else v_reset[k]
                ref_end[k] = step + t_ref[k]
                for _ in range(fired[k]):
                    out_step, out_id, n_spikes = _record(out_step, out_id, n_spikes, step, k)
            v[k] = max(v[k], v_min[k])
        for p in range(probe.shape[0]):
            v_probe[step, p] = v[probe[p]]
            i_probe[step, p] = i[probe[p]]
        for k in range(n):
            if active[k] or got[k]:
                active[k] = not _fixed_settled(model, v[k], i[k], v_th[k], dm[k], ds[k], ref_end[k], step + 1,
                                               pending[k], rule, v_min[k])
    return (out_step[:n_spikes].copy(), out_id[:n_spikes].copy(), v, i, syn_events, ext_events, updates, n_spikes,
            v_probe, i_probe)


@numba.njit(cache=True)
def _current_of(cur: np.ndarray, cur_mode: int, row: int, k: int, active: np.ndarray) -> int:
    """Neuron k's external current in this step (0 without current); a neuron with current is active."""
    ie: int = np.int64(cur[row, k]) if cur_mode != 0 else np.int64(0)
    if ie != 0:
        active[k] = True
    return ie


@numba.njit(cache=True)
def _push(ev_t: np.ndarray, ev_w: np.ndarray, ev_n: np.ndarray, slot: int, target: int,
          w: int) -> tuple[np.ndarray, np.ndarray]:
    """per_event: append the event (target, w) to the slot's list, doubling the lists when full."""
    if ev_n[slot] == ev_t.shape[1]:
        ev_t = np.concatenate((ev_t, np.zeros_like(ev_t)), axis=1)
        ev_w = np.concatenate((ev_w, np.zeros_like(ev_w)), axis=1)
    ev_t[slot, ev_n[slot]] = target
    ev_w[slot, ev_n[slot]] = w
    ev_n[slot] += 1
    return ev_t, ev_w


@numba.njit(cache=True)
def _test(k: int, v: np.ndarray, v_th: np.ndarray, v_reset: np.ndarray, v_min: np.ndarray, subtract: bool,
          above: bool, max_spikes: int, v_ovf: int, v_bits: int, v_lo: int, v_hi: int) -> int:
    """per_event: the test after an update or an event; returns the spikes emitted (v reset, then bounded)."""
    spikes = 0
    if _fires(v[k], v_th[k], above):
        spikes = 1
        if max_spikes > 1:
            spikes = min(max(((v[k] - 1) if above else v[k]) // v_th[k], 1), max_spikes)
        v[k] = _ov(v[k] - spikes * v_th[k], v_ovf, v_bits, v_lo, v_hi) if subtract else v_reset[k]
    v[k] = max(v[k], v_min[k])
    return spikes


@numba.njit(cache=True)
def _run_per_event(n_steps: int, model: int, subtract: bool, rule: np.ndarray, v_th: np.ndarray,
                   v_reset: np.ndarray, dm: np.ndarray, t_ref: np.ndarray, v0: np.ndarray, row_ptr: np.ndarray,
                   target: np.ndarray, weight: np.ndarray, delay: np.ndarray, ext_step: np.ndarray,
                   ext_id: np.ndarray, ext_weight: np.ndarray, cur: np.ndarray, cur_mode: int, probe: np.ndarray,
                   v_min: np.ndarray, max_spikes: int) -> tuple[Any, ...]:
    """Integration per_event (``cpp/fixed.hpp``): every neuron updated and tested each step, then every
    event of the step applied in arrival order and tested; spikes reach their targets in step n + 1 + delay."""
    n = v_th.shape[0]
    above = rule[2] == _ABOVE
    v_ovf, v_bits, v_lo, v_hi = rule[3], rule[5], rule[7], rule[8]
    slots = _slots(delay) + 1
    cap = 16
    ev_t = np.zeros((slots, cap), dtype=np.int64)
    ev_w = np.zeros((slots, cap), dtype=np.int64)
    ev_n = np.zeros(slots, dtype=np.int64)
    v = v0.copy()
    ref_end = np.full(n, -1, dtype=np.int64)
    active = np.zeros(n, dtype=np.bool_)
    got = np.zeros(n, dtype=np.bool_)
    zeros = np.zeros(n, dtype=np.int64)
    for k in range(n):
        active[k] = not _fixed_settled(model, v[k], 0, v_th[k], dm[k], 0, -1, 0, 0, rule, v_min[k])
    count = np.zeros(n, dtype=np.int64)  # spikes of this step per neuron
    out_step = np.empty(16, dtype=np.int64)
    out_id = np.empty(16, dtype=np.int32)
    v_probe = np.zeros((n_steps, probe.shape[0]), dtype=np.int64)
    i_probe = np.zeros((n_steps, probe.shape[0]), dtype=np.int64)
    n_spikes = syn_events = ext_events = updates = ext_pos = in_flight = 0
    for step in range(n_steps):
        slot = step % slots
        row = 0 if cur_mode == 1 else step
        count[:] = 0
        for k in range(n):
            ie = _current_of(cur, cur_mode, row, k, active)
            updates += active[k]
            if step <= ref_end[k]:
                continue
            v[k] = _lif(v[k], ie, dm[k], rule) if model == _LIF else _ov(v[k] + ie, v_ovf, v_bits, v_lo, v_hi)
            count[k] += _test(k, v, v_th, v_reset, v_min, subtract, above, max_spikes, v_ovf, v_bits, v_lo, v_hi)
        while ext_pos < ext_step.shape[0] and ext_step[ext_pos] == step:
            ev_t, ev_w = _push(ev_t, ev_w, ev_n, slot, ext_id[ext_pos], ext_weight[ext_pos])
            ext_pos += 1
            ext_events += 1
            in_flight += 1
        got[:] = False
        for e in range(ev_n[slot]):
            t = ev_t[slot, e]
            got[t] = True
            if step <= ref_end[t]:
                continue
            v[t] = _ov(v[t] + ev_w[slot, e], v_ovf, v_bits, v_lo, v_hi)
            count[t] += _test(t, v, v_th, v_reset, v_min, subtract, above, max_spikes, v_ovf, v_bits, v_lo, v_hi)
        in_flight -= ev_n[slot]
        ev_n[slot] = 0
        # Spikes by ascending neuron (a neuron's spikes of one step are consecutive, in the order they fired).
        for k in range(n):
            if count[k] == 0:
                continue
            for _ in range(count[k]):
                out_step, out_id, n_spikes = _record(out_step, out_id, n_spikes, step, k)
            syn_events += count[k] * (row_ptr[k + 1] - row_ptr[k])
            in_flight += count[k] * (row_ptr[k + 1] - row_ptr[k])
            if in_flight > _MAX_IN_FLIGHT:
                raise ValueError("integration per_event: the events in flight exceed LIMITS['max_events_in_flight']; "
                                 "the network's activity grows without bound (every event fires again)")
            for j in range(row_ptr[k], row_ptr[k + 1]):
                s = (slot + 1 + delay[j]) % slots
                for _ in range(count[k]):
                    ev_t, ev_w = _push(ev_t, ev_w, ev_n, s, target[j], weight[j])
            ref_end[k] = step + t_ref[k]
        for p in range(probe.shape[0]):
            v_probe[step, p] = v[probe[p]]
        for k in range(n):
            if active[k] or got[k]:
                active[k] = not _fixed_settled(model, v[k], 0, v_th[k], dm[k], 0, ref_end[k], step + 1, 0, rule,
                                               v_min[k])
    return (out_step[:n_spikes].copy(), out_id[:n_spikes].copy(), v, zeros, syn_events, ext_events, updates,
            n_spikes, v_probe, i_probe)


def _state_range(bits: int, overflow: int) -> tuple[int, int]:
    """[lo, hi] of an m-bit state with this overflow (``state_range`` of ``cpp/fixed.hpp``)."""
    half = 1 << (bits - 1)
    lo = -half if overflow in (int(_SATURATE), int(_WRAP_TWOS)) else -half + 1
    return lo, (half if overflow == int(_WRAP) else half - 1)


def _rule(args: dict[str, Any]) -> np.ndarray:
    """The rule codes and the ranges of v and i_syn, as one int64 array (the kernels' ``rule``)."""
    v_bits = int(args["state_bits"])
    i_bits = v_bits if args.get("current_bits") is None else int(args["current_bits"])
    codes_ = [int(args.get(key) or 0) for key in ("order", "decay_rounding", "threshold_test", "v_overflow",
                                                   "i_overflow")]
    v_lo, v_hi = _state_range(v_bits, codes_[3])
    i_lo, i_hi = _state_range(i_bits, codes_[4])
    decay_bits = _SHIFT if args.get("decay_bits") is None else int(args["decay_bits"])
    return np.array([*codes_, v_bits, i_bits, v_lo, v_hi, i_lo, i_hi, decay_bits], dtype=np.int64)


def run_fixed_reference(args: dict[str, Any]) -> dict[str, Any]:
    """Run the fixed-point reference on the arguments of ``snnas._core.simulate_fixed`` (already valid)."""
    cur, mode = current_table(args["i_ext"], args["v_th"].shape[0], np.int32)
    subtract = bool(args["reset"] == _SUBTRACT)
    probe = args.get("probe")
    probe_ids = np.zeros(0, np.int32) if probe is None else probe
    v_lo = int(_rule(args)[7])
    v_min = args.get("v_min")
    floor = np.full(args["v_th"].shape[0], v_lo, np.int64) if v_min is None else v_min
    max_spikes = int(args.get("max_spikes") or 1)
    if int(args.get("integration") or 0) == _PER_EVENT:
        try:
            out = _run_per_event(int(args["n_steps"]), int(args["model"]), subtract, _rule(args), args["v_th"],
                                 args["v_reset"], args["decay_m"], args["t_ref"], args["v0"], args["row_ptr"],
                                 args["target"], args["weight"], args["delay"], args["ext_step"], args["ext_id"],
                                 args["ext_weight"], cur, mode, probe_ids, floor, max_spikes)
        except ValueError as exc:
            raise SimulationInputError(str(exc)) from None
    else:
        out = _run_fixed(int(args["n_steps"]), int(args["model"]), subtract, _rule(args), args["v_th"],
                         args["v_reset"], args["decay_m"], args["decay_s"], args["t_ref"], args["v0"],
                         args["i0"], args["row_ptr"], args["target"], args["weight"], args["delay"],
                         args["ext_step"], args["ext_id"], args["ext_weight"], cur, mode, probe_ids, floor,
                         max_spikes)
    result = dict(zip(KEYS, out[:8]))
    if probe is not None:
        result["v_probe"], result["i_syn_probe"] = out[8], out[9]
    return result
