"""What the numba references share: the core's codes as numba constants, the delivery ring buffer, spike
recording and the external-current table."""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from snnas import codes

# The module-level ints below are numba compile-time constants of both references (hence imported by name).
__all__ = ["KEYS", "current_table"]

# The core's codes (cpp/codes.hpp) as module-level ints, which numba compiles in as constants.
_IF, _LIF, _CUBA, _ALIF, _IZH, _HH = (codes.MODELS[name] for name in ("if", "lif", "cuba_lif", "adaptive_lif",
                                                                      "izhikevich", "hodgkin_huxley"))
_SUBTRACT = codes.RESETS["subtract"]
_SHIFT = codes.LIMITS["decay_shift"]  # fixed point: the default decay_bits b (a state x loses (x * d) >> b per step)
_HIDDEN = {codes.MODELS[name]: rows for name, rows in codes.HIDDEN.items()}
_STEPPED = frozenset(codes.MODELS[name] for name in codes.STEPPED_MODELS)


@numba.njit(cache=True)
def _slots(delay: np.ndarray) -> int:
    """Rows of the delivery ring buffer: the longest delay + 1 (at least 1)."""
    slots = 1
    for j in range(delay.shape[0]):
        slots = max(slots, delay[j] + 1)
    return slots


@numba.njit(cache=True)
def _record(out_step: np.ndarray, out_id: np.ndarray, n: int, step: int, k: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Append spike (step, k) as the n-th, doubling the buffers when full."""
    if n == out_step.shape[0]:
        out_step = np.concatenate((out_step, np.empty_like(out_step)))
        out_id = np.concatenate((out_id, np.empty_like(out_id)))
    out_step[n] = step
    out_id[n] = k
    return out_step, out_id, n + 1


@numba.njit(cache=True)
def _deliver(fired: np.ndarray, row_ptr: np.ndarray, target: np.ndarray, weight: np.ndarray, delay: np.ndarray,
             buf: np.ndarray, slot: int, ext_step: np.ndarray, ext_id: np.ndarray, ext_weight: np.ndarray,
             ext_pos: int, step: int) -> tuple[int, int, int]:
    """Phase 3: spikes by ascending neuron (``fired[k]`` spikes of neuron k, each one event per synapse), synapses
    in CSR order, into their delay slot; then the external events of this step. Returns (synaptic events,
    external events, next external position). Float and integer buffers alike (numba compiles one version per
    dtype)."""
    slots = buf.shape[0]
    syn_events = 0
    for k in range(fired.shape[0]):
        if fired[k]:
            spikes = np.int64(fired[k])  # a count in fixed point with several spikes per step, else True
            syn_events += spikes * (row_ptr[k + 1] - row_ptr[k])
            for j in range(row_ptr[k], row_ptr[k + 1]):
                if spikes == 1:  # float buffers add the weight itself (no float64 detour for float32)
                    buf[(slot + delay[j]) % slots, target[j]] += weight[j]
                else:
                    buf[(slot + delay[j]) % slots, target[j]] += spikes * weight[j]
    ext_events = 0
    while ext_pos < ext_step.shape[0] and ext_step[ext_pos] == step:
        buf[slot, ext_id[ext_pos]] += ext_weight[ext_pos]
        ext_pos += 1
        ext_events += 1
    return syn_events, ext_events, ext_pos


KEYS = ("spike_step", "spike_id", "v", "i_syn", "synaptic_events", "external_events", "neuron_updates", "spikes")


def current_table(i_ext: np.ndarray | None, n: int, dtype: type[np.number[Any]]) -> tuple[np.ndarray, int]:
    """The external current as the kernels index it, ``cur[row, k]``, and its mode: 0 none (one row of
    zeros of ``dtype``), 1 constant per neuron (one row), 2 per step (row ``step``)."""
    if i_ext is None:
        return np.zeros((1, n), dtype=dtype), 0
    if i_ext.ndim == 1:
        return i_ext.reshape(1, n), 1
    return i_ext, 2


