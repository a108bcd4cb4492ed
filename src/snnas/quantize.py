"""Quantise a trained network to a chip's precision, and measure its accuracy as the chip computes it.

Rules (per layer l with float weights W_l, threshold θ, decay a = exp(-dt/tau_m)):

- weights: b-bit integers, symmetric, one scale per layer: s_l = max|W_l| / (2^(b-1) - 1),
  W_int = round(W_l / s_l) (unsigned chips: negative weights clip to 0);
- ``weight_values_per_neuron`` = k (TrueNorth's 4 axon types): the sources of a layer are grouped into
  k types by k-means on their outgoing weight rows; every neuron gets one weight per type, the mean of
  its weights from that type's sources (then quantised as above) - the weight a neuron sees from a
  source is the value of the source's type;
- thresholds: θ_int = round(θ / s_l) per neuron of layer l (clipped to the chip's threshold bits);
- decay: d = round((1 - a) · 4096), so that v - ((v·d) >> 12) ≈ a·v (Loihi's 12-bit decay);
- state: the chip's membrane bits (saturating).

Chip accuracy runs the integer network in the compiled fixed-point engine on each sample's spikes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from snnas.chip import Chip, load_chip
from snnas.errors import SnnasError
from snnas.train import TrainResult

__all__ = ["QuantizationError", "QuantizedNetwork", "chip_accuracy", "chip_outputs", "fine_tune", "quantize", "source_types", "typed"]


class QuantizationError(SnnasError, ValueError):
    """The network cannot be quantised to this chip (no weight precision known, bad bit width, ...)."""


@dataclass(frozen=True)
class QuantizedNetwork:
    """Integer weights per layer (inputs × neurons), integer thresholds per layer, shared decay and state width."""

    weights: list[NDArray[np.int64]]
    scales: list[float]
    thresholds: list[int]
    decay: int
    state_bits: int
    weight_bits: int
    reset: str
    recurrent: list[NDArray[np.int64] | None] = field(default_factory=list)
    model: str = "lif"
    decay_s: int = 0
    input_factor: float = 1.0  # CUBA-LIF: integer current = (1 - a) · float current / scale

    def float_recurrent(self) -> list[NDArray[np.float64] | None]:
        """The recurrent weights the chip holds, in the float scale (None for layers without)."""
        return [None if r is None else r.astype(np.float64) * s / self.input_factor
                for r, s in zip(self.recurrent or [None] * len(self.scales), self.scales)]

    def float_weights(self) -> list[NDArray[np.float64]]:
        """The weights the chip effectively uses, back in the float scale (for fine-tuning and comparison)."""
        return [w.astype(np.float64) * s / self.input_factor for w, s in zip(self.weights, self.scales)]


def source_types(w: NDArray[np.float64], k: int, seed: int = 0) -> NDArray[np.int64]:
    """One of k types per source (row of w), by k-means on the sources' outgoing weights."""
    n_src = w.shape[0]
    if n_src <= k:
        return np.arange(n_src, dtype=np.int64)
    rng = np.random.default_rng(seed)
    centres = w[rng.choice(n_src, size=k, replace=False)]
    labels = np.zeros(n_src, dtype=np.int64)
    for _ in range(50):
        dist = ((w[:, None, :] - centres[None]) ** 2).sum(-1)
        new = np.argmin(dist, axis=1)
        if np.array_equal(new, labels) and _ > 0:
            break
        labels = new
        for t in range(k):
            if np.any(labels == t):
                centres[t] = w[labels == t].mean(axis=0)
    return labels


def typed(w: NDArray[np.float64], types: NDArray[np.int64]) -> NDArray[np.float64]:
    """Each neuron's weight from a source becomes the mean of its weights from that source's type."""
    out = np.empty_like(w)
    for t in np.unique(types):
        rows = types == t
        out[rows] = w[rows].mean(axis=0)
    return out


def quantize(result: TrainResult, chip: Chip | str, weight_bits: int | None = None,
             types: list[NDArray[np.int64]] | None = None) -> QuantizedNetwork:
    """Quantise the trained weights, thresholds and decay to ``chip`` (see the module docstring).

    ``types``: the source types per layer for chips with few weight values per neuron (computed by
    k-means when None; pass the ones fine-tuning used).
    """
    chip = chip if isinstance(chip, Chip) else load_chip(chip)
    if result.config.neuron not in ("lif", "cuba_lif"):
        raise QuantizationError(f"{result.config.neuron}: the fixed-point engine runs IF, LIF and CUBA-LIF only")
    wb = chip.precision.weight_bits
    bits = weight_bits if weight_bits is not None else (wb.max if wb is not None else None)
    if bits is None:
        raise QuantizationError(f"{chip.id}: the chip file gives no weight precision; pass weight_bits")
    if wb is not None and not wb.min <= bits <= wb.max:
        raise QuantizationError(f"{chip.id}: {bits}-bit weights are outside the chip's {wb.min}-{wb.max} bits")
    if wb is not None and wb.allowed is not None and bits not in wb.allowed:
        raise QuantizationError(f"{chip.id}: {bits}-bit weights not among the allowed {list(wb.allowed)}")
    signed = chip.precision.weight_signed is not False
    levels = 2 ** (bits - 1) - 1 if signed else 2**bits - 1
    if levels < 1:
        raise QuantizationError(f"{chip.id}: {bits}-bit {'signed ' if signed else ''}weights leave no levels")
    k = chip.core_limits(0).weight_values_per_neuron
    cfg = result.config
    state_bits = min(chip.precision.membrane_bits or 24, 48)
    th_cap = 2 ** (chip.precision.threshold_bits or state_bits - 1) - 1
    rec_in = list(result.recurrent) + [None] * (len(result.weights) - len(result.recurrent))
    if k is not None and any(r is not None for r in rec_in):
        raise QuantizationError(f"{chip.id}: recurrent layers with {k} weight values per neuron are not supported")
    # Fixed-point CUBA-LIF adds the whole current to v each step (Loihi), the float rule (1 - a) of it.
    factor = 1.0 - math.exp(-cfg.dt / cfg.tau_m) if cfg.neuron == "cuba_lif" else 1.0
    weights, scales, thresholds = [], [], []
    recurrent: list[NDArray[np.int64] | None] = []
    for layer, w_float in enumerate(result.weights):
        w = w_float * factor
        src = typed(w, types[layer] if types is not None else source_types(w, k)) if k is not None else w
        rec_float = rec_in[layer]
        rec = None if rec_float is None else rec_float * factor
        peak = max(float(np.abs(src).max()), float(np.abs(rec).max()) if rec is not None else 0.0)
        scale = peak / levels if peak > 0 else 1.0  # one scale for every synapse into the layer
        wi = np.rint(src / scale).astype(np.int64)
        wi = np.clip(wi, -levels if signed else 0, levels)
        weights.append(wi)
        recurrent.append(None if rec is None else np.clip(np.rint(rec / scale).astype(np.int64),
                                                         -levels if signed else 0, levels))
        scales.append(scale)
        thresholds.append(int(min(max(1, round(cfg.threshold / scale)), th_cap)))
    decay = int(round((1.0 - math.exp(-cfg.dt / cfg.tau_m)) * 4096))
    decay_s = int(round((1.0 - math.exp(-cfg.dt / cfg.tau_syn)) * 4096))
    return QuantizedNetwork(weights, scales, thresholds, decay, state_bits, bits,
                            "subtract" if cfg.reset == "subtract" else "value", recurrent, cfg.neuron, decay_s, factor)


def chip_outputs(q: QuantizedNetwork, raster: NDArray[Any]) -> NDArray[np.int8]:
    """Output spikes of the integer network in the fixed-point engine: (samples, steps, classes)."""
    from snnas.fixed_point import FixedSimNetwork, simulate_fixed

    x = np.asarray(raster)
    if x.ndim != 3 or x.shape[2] != q.weights[0].shape[0]:
        raise QuantizationError(f"raster: expected (samples, steps, {q.weights[0].shape[0]}), got {x.shape}")
    if x.dtype.kind not in "biu" and not np.array_equal(x, np.rint(x)):
        raise QuantizationError("raster: expected spike counts (whole numbers)")
    sizes = [w.shape[1] for w in q.weights]
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    n = int(offsets[-1])
    # Synapses between layers: layer l's neurons (offset l-1) project to layer l+1 with W_{l+1}.
    pre_all, post_all, w_all = [], [], []
    for layer in range(1, len(q.weights)):
        w = q.weights[layer]
        pre, post = np.nonzero(w)
        pre_all.append(pre + offsets[layer - 1])
        post_all.append(post + offsets[layer])
        w_all.append(w[pre, post])
    for layer, rec in enumerate(q.recurrent):  # recurrent synapses, delay 0 as in training
        if rec is not None:
            pre, post = np.nonzero(rec)
            pre_all.append(pre + offsets[layer])
            post_all.append(post + offsets[layer])
            w_all.append(rec[pre, post])
    pre = np.concatenate(pre_all) if pre_all else np.zeros(0, np.int64)
    post = np.concatenate(post_all) if post_all else np.zeros(0, np.int64)
    wv = np.concatenate(w_all) if w_all else np.zeros(0, np.int64)
    order = np.argsort(pre, kind="stable")
    row_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(pre, minlength=n), out=row_ptr[1:])
    v_th = np.concatenate([np.full(s, t) for s, t in zip(sizes, q.thresholds)])
    net = FixedSimNetwork(row_ptr=row_ptr, target=post[order].astype(np.int32), weight=wv[order].astype(np.int32),
                          delay=np.zeros(pre.size, np.int32), model=q.model,  # type: ignore[arg-type]
                          state_bits=q.state_bits, v_th=v_th,
                          v_reset=0, decay_m=q.decay, decay_s=q.decay_s, t_ref=0, reset=q.reset)  # type: ignore[arg-type]
    first = q.weights[0]
    out = np.zeros((x.shape[0], x.shape[1], sizes[-1]), dtype=np.int8)
    for s, sample in enumerate(x):
        t, i = np.nonzero(sample)
        mult = sample[t, i].astype(np.int64)
        cols = np.nonzero(first[i])  # (input spike, target) pairs with a non-zero weight
        ev_w = first[i[cols[0]], cols[1]] * mult[cols[0]]
        res = simulate_fixed(net, x.shape[1], ext_spikes=(t[cols[0]], cols[1].astype(np.int32), ev_w.astype(np.int32)))
        keep = res.spike_ids >= offsets[-2]
        out[s, res.spike_steps[keep], res.spike_ids[keep] - offsets[-2]] = 1
    return out


def chip_accuracy(q: QuantizedNetwork, raster: NDArray[Any], labels: NDArray[np.int64]) -> tuple[float, NDArray[np.int64]]:
    """Accuracy of the integer network in the fixed-point engine on spike rasters (samples, steps, inputs).

    Returns the accuracy and the output spike counts (samples, classes).
    """
    x = np.asarray(raster)
    if x.ndim != 3 or x.shape[0] != np.asarray(labels).size:
        raise QuantizationError(f"raster: expected (samples, steps, inputs) with one label per sample, got {x.shape}")
    counts = chip_outputs(q, x).sum(axis=1).astype(np.int64)
    acc = float((np.argmax(counts, axis=1) == np.asarray(labels)).mean()) if counts.size else 0.0
    return acc, counts


def fine_tune(result: TrainResult, chip: Chip | str, data: Any, split: Any, epochs: int = 30,
              weight_bits: int | None = None, lr: float | None = None) -> tuple[TrainResult, QuantizedNetwork]:
    """Quantisation-aware fine-tuning: continue training with the chip's weights in the loop.

    The forward and backward passes use the weights the chip would hold (source types fixed from the
    starting weights, then b-bit rounding with the layer's current scale); the float weights take the
    updates (straight-through). Returns the fine-tuned result and its quantised network.
    """
    from dataclasses import replace

    from snnas.train import train

    chip = chip if isinstance(chip, Chip) else load_chip(chip)
    k = chip.core_limits(0).weight_values_per_neuron
    types = [source_types(w, k) for w in result.weights] if k is not None else None
    first = quantize(result, chip, weight_bits, types)
    levels = 2 ** (first.weight_bits - 1) - 1

    def project(ws: list[NDArray[np.float64]]) -> list[NDArray[np.float64]]:
        out = []
        for layer, w in enumerate(ws):
            src = typed(w, types[layer]) if types is not None else w
            scale = float(np.abs(src).max()) / levels or 1.0
            out.append(np.clip(np.rint(src / scale), -levels, levels) * scale)
        return out

    cfg = replace(result.config, epochs=epochs, patience=epochs, lr=lr or result.config.lr / 2)
    tuned = train(data, split, cfg, init=result.weights, project=project)
    tuned.weights = project(tuned.weights)  # the chip's weights, in float scale
    return tuned, quantize(tuned, chip, weight_bits, types)
