"""Quantise a trained graph network (:mod:`snnas.train_graph`) to a chip, and run it as the chip computes.

The rules of :mod:`snnas.quantize`, per destination population p instead of per layer (every edge
into p adds to the same membrane, so they share one scale):

    s_p = max over the edges e into p of max|W_e| / (2^(b−1) − 1)       (signed b-bit weights)
    W_int = clip(round(W_e / s_p)),  θ_p = round(θ / s_p) (clipped to the chip's threshold bits)
    decay d = round((1 − a) · 4096)  (LIF; 0 for IF)

Delay-1 (backward) edges keep their delay. Chips with few weight values per neuron (TrueNorth's axon
types) are not supported for graphs: :class:`QuantizationError` says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from snnas.chip import Chip, load_chip
from snnas.quantize import QuantizationError
from snnas.train_graph import GraphResult

__all__ = ["QuantizedGraph", "graph_chip_outputs", "quantize_graph"]


@dataclass(frozen=True)
class QuantizedGraph:
    """Integer weights per edge, scale and threshold per population, and the fixed-point parameters."""

    result: GraphResult
    weights: list[NDArray[np.int64]]
    scales: dict[str, float]
    thresholds: dict[str, int]
    decay: int
    state_bits: int
    weight_bits: int
    reset: str

    def float_weights(self) -> list[NDArray[np.float64]]:
        """The weights the chip holds, back in float units (what energy and mapping see)."""
        return [np.asarray(w * self.scales[e.dst], dtype=np.float64) for w, e in zip(self.weights, self.result.config.edges)]


def _bits(chip: Chip, weight_bits: int | None) -> tuple[int, bool]:
    wb = chip.precision.weight_bits
    bits = weight_bits if weight_bits is not None else (wb.max if wb is not None else None)
    if bits is None:
        raise QuantizationError(f"{chip.id}: the chip file gives no weight precision; pass weight_bits")
    if wb is not None and (not wb.min <= bits <= wb.max or (wb.allowed is not None and bits not in wb.allowed)):
        raise QuantizationError(f"{chip.id}: {bits}-bit weights are not among the chip's widths")
    return bits, chip.precision.weight_signed is not False


def quantize_graph(result: GraphResult, chip: Chip | str, weight_bits: int | None = None) -> QuantizedGraph:
    """Quantise ``result`` to ``chip`` (see the module docstring)."""
    chip = chip if isinstance(chip, Chip) else load_chip(chip)
    if chip.core_limits(0).weight_values_per_neuron is not None:
        raise QuantizationError(f"{chip.id}: graph networks are not quantised to "
                                f"{chip.core_limits(0).weight_values_per_neuron} weight values per neuron")
    bits, signed = _bits(chip, weight_bits)
    levels = 2 ** (bits - 1) - 1 if signed else 2**bits - 1
    if levels < 1:
        raise QuantizationError(f"{chip.id}: {bits}-bit weights leave no levels")
    c = result.config.train
    state_bits = min(chip.precision.membrane_bits or 24, 48)
    th_cap = 2 ** (chip.precision.threshold_bits or state_bits - 1) - 1
    edges = result.config.edges
    peaks: dict[str, float] = {}
    for e, w in zip(edges, result.weights):
        peaks[e.dst] = max(peaks.get(e.dst, 0.0), float(np.abs(w).max()) if w.size else 0.0)
    scales = {p: (pk / levels if pk > 0 else 1.0) for p, pk in peaks.items()}
    ints = [np.clip(np.rint(w / scales[e.dst]), -levels if signed else 0, levels).astype(np.int64)
            for e, w in zip(edges, result.weights)]
    thresholds = {p: min(max(1, round(c.threshold / s)), th_cap) for p, s in scales.items()}
    decay = 0 if c.neuron == "if" else int(round((1.0 - math.exp(-c.dt / c.tau_m)) * 4096))
    return QuantizedGraph(result, ints, scales, thresholds, decay, state_bits, bits,
                          "subtract" if c.reset == "subtract" else "value")


def graph_chip_outputs(q: QuantizedGraph, raster: NDArray[Any]) -> NDArray[np.int8]:
    """Output spikes of the integer graph network in the fixed-point engine: (samples, steps, classes)."""
    from snnas.fixed_point import FixedSimNetwork, simulate_fixed

    cfg = q.result.config
    x = np.asarray(raster)
    first = [w for w, e in zip(q.weights, cfg.edges) if e.src == "in"]
    n_in = first[0].shape[0]
    if x.ndim != 3 or x.shape[2] != n_in:
        raise QuantizationError(f"raster: expected (samples, steps, {n_in}), got {x.shape}")
    if x.dtype.kind not in "biu" and not np.array_equal(x, np.rint(x)):
        raise QuantizationError("raster: expected spike counts (whole numbers)")
    sizes = dict(cfg.nodes)
    sizes["out"] = next(w.shape[1] for w, e in zip(q.weights, cfg.edges) if e.dst == "out")
    names = [p for p, _ in cfg.nodes] + ["out"]
    offset = dict(zip(names, np.concatenate([[0], np.cumsum([sizes[p] for p in names])]).astype(np.int64)))
    n = int(sum(sizes.values()))
    pre_all, post_all, w_all, d_all = [], [], [], []
    for e, w in zip(cfg.edges, q.weights):
        if e.src == "in":
            continue
        pre, post = np.nonzero(w)
        pre_all.append(pre + offset[e.src])
        post_all.append(post + offset[e.dst])
        w_all.append(w[pre, post])
        d_all.append(np.full(pre.size, e.delay))
    cat = lambda parts: np.concatenate(parts) if parts else np.zeros(0, np.int64)
    pre, post, wv, dl = cat(pre_all), cat(post_all), cat(w_all), cat(d_all)
    order = np.argsort(pre, kind="stable")
    row_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(pre, minlength=n), out=row_ptr[1:])
    v_th = np.concatenate([np.full(sizes[p], q.thresholds.get(p, 1)) for p in names])
    net = FixedSimNetwork(row_ptr=row_ptr, target=post[order].astype(np.int32), weight=wv[order].astype(np.int32),
                          delay=dl[order].astype(np.int32), model=cfg.train.neuron,  # type: ignore[arg-type]
                          state_bits=q.state_bits, v_th=v_th, v_reset=0, decay_m=q.decay, decay_s=0, t_ref=0,
                          reset=q.reset)  # type: ignore[arg-type]
    inputs = [(e, w) for e, w in zip(cfg.edges, q.weights) if e.src == "in"]
    out = np.zeros((x.shape[0], x.shape[1], sizes["out"]), dtype=np.int8)
    for s, sample in enumerate(x):
        t, i = np.nonzero(sample)
        mult = sample[t, i].astype(np.int64)
        steps, ids, ws = [], [], []
        for e, w in inputs:
            k, j = np.nonzero(w[i])
            steps.append(t[k])
            ids.append(j + offset[e.dst])
            ws.append(w[i[k], j] * mult[k])
        res = simulate_fixed(net, x.shape[1], ext_spikes=(cat(steps), cat(ids).astype(np.int32),
                                                          cat(ws).astype(np.int32)))
        keep = res.spike_ids >= offset["out"]
        out[s, res.spike_steps[keep], res.spike_ids[keep] - offset["out"]] = 1
    return out
