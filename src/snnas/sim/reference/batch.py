"""The batched fixed-point run by its definition: one single run per sample, reduced in numpy.

:func:`batch_by_samples` is the specification of the core's ``simulate_fixed_batch`` (cpp/fixed_batch.hpp)
and, with :func:`snnas.sim.reference.fixed.run_fixed_reference` as the single run, the numba backend's batch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["batch_by_samples"]


def batch_by_samples(args: dict[str, Any], run_fixed: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    """The core's ``simulate_fixed_batch`` result computed one sample at a time with ``run_fixed`` (a
    backend's single run on ``simulate_fixed`` arguments): the batch's specification, and the numba
    backend's batch."""
    run = {k: v for k, v in args.items() if k not in _BATCH_KEYS}
    ptr, tgt, w = args["in_ptr"], args["in_target"], args["in_weight"]
    raster, first, n_out = args["raster"], int(args["out_begin"]), int(args["n_out"])
    samples, steps, n = raster.shape[0], int(args["n_steps"]), int(args["v_th"].size)
    out = np.zeros((samples, steps, n_out), dtype=np.int32)
    v_sum = np.zeros((samples, n_out), dtype=np.int64)
    counters = {k: np.zeros(samples, dtype=np.int64)
                for k in ("synaptic_events", "external_events", "neuron_updates", "spikes")}
    neuron_spikes = np.zeros(n, dtype=np.int64)
    probe = np.arange(first, first + n_out, dtype=np.int32)
    for s in range(samples):
        step, inp = np.nonzero(raster[s])  # by step, then input: the order of arrival
        cnt = raster[s][step, inp].astype(np.int64)
        per = ptr[inp + 1] - ptr[inp]
        syn = np.repeat(ptr[inp] - (np.cumsum(per) - per), per) + np.arange(int(per.sum()))
        res = run_fixed({**run, "ext_step": np.repeat(step, per).astype(np.int64), "ext_id": tgt[syn],
                         "ext_weight": (w[syn] * np.repeat(cnt, per)).astype(np.int32),
                         "probe": probe if args["membrane"] else None})
        ids, when = np.asarray(res["spike_id"]), np.asarray(res["spike_step"])
        np.add.at(neuron_spikes, ids, 1)
        keep = (ids >= first) & (ids < first + n_out)
        np.add.at(out[s], (when[keep], ids[keep] - first), 1)
        if args["membrane"]:
            v_sum[s] = np.asarray(res["v_probe"]).sum(axis=0)
        for k, arr in counters.items():
            arr[s] = int(res[k])
    raw = {"out_spikes": out, **counters, "neuron_spikes": neuron_spikes}
    return {**raw, "v_sum": v_sum} if args["membrane"] else raw


_BATCH_KEYS = ("in_ptr", "in_target", "in_weight", "raster", "out_begin", "n_out", "membrane", "threads")
