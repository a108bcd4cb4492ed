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
- state: the chip's membrane bits (saturating);
- conv layers (kernel K, pooling weight w_P, see :mod:`snnas.train_conv`): the chip holds the effective
  kernel, so it is that kernel that must fit the b bits. The integer kernel K_int = round(w_P · K / s_l)
  (one scale per layer, clipped) is chosen with the smallest s_l for which the chip's kernel
  K_eff_int = Σ_{a,b} shift_{a,b}(K_int) (the sum in (1) of train_conv, without w_P) lies within
  ±(2^(b-1) - 1); then K_eff ≈ s_l · K_eff_int exactly as in the float network, weight sharing kept.
  Without pooling this is the dense rule. Chips with few weight values per neuron (TrueNorth's axon
  types) cannot hold a shared kernel (a source's type fixes its weight for every neuron, so every
  shifted copy of the kernel would have to agree): conv layers raise :class:`QuantizationError` there.

Chip accuracy runs the integer network in the compiled fixed-point engine on each sample's spikes; its
synapses are the neuron-level expansion of every layer (:func:`snnas.connectivity.conv_synapses` for conv
layers, the same expansion as :meth:`snnas.network.Network.to_csr`). Readout: a network trained on spike
counts is read by its output spike counts; one trained with ``loss="membrane"`` by the mean over the steps
of its output neurons' integer membrane at the end of each step (the engine is run step by step and its
state read, as a membrane probe of the chip would), because that is the quantity its training ordered:
its output spike counts were never trained to rank the classes. The float accuracy uses the same readout
(:func:`snnas.train.readout`); the argmax is unchanged by the layer's positive scale.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from snnas.chip import Chip, load_chip
from snnas.connectivity import conv_synapses
from snnas.errors import SnnasError
from snnas.train import ConvSpec, TrainConfig, TrainResult, conv_layers, hit_rate, train
from snnas.train_conv import ConvLayer, compose

__all__ = ["ChipNet", "QuantizationError", "QuantizedNetwork", "assemble_chip_net", "chip_accuracy", "chip_membrane",
           "chip_net_outputs", "chip_outputs", "chip_precision", "fine_tune", "integer_decay", "integer_threshold",
           "integer_weights", "layer_scale", "quantize", "source_types", "typed"]


class QuantizationError(SnnasError, ValueError):
    """The network cannot be quantised to this chip (no weight precision known, bad bit width, ...)."""


@dataclass(frozen=True)
class QuantizedNetwork:
    """Integer weights per layer, integer thresholds per layer, shared decay and state width.

    Dense layers hold (inputs × neurons) matrices; the first ``len(conv)`` layers are conv layers and hold
    the integer kernel K_int (C_out, C_in, k_h, k_w) before pooling is folded in (see the module
    docstring); ``input_shape`` is then the (C, H, W) input. ``readout``: "count" or "membrane" (the
    training loss, see :func:`chip_accuracy`).
    """

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
    conv: tuple[ConvSpec, ...] = ()
    input_shape: tuple[int, ...] | None = None
    readout: str = "count"

    def conv_layers(self) -> list[ConvLayer]:
        """Geometry of the conv layers (empty without)."""
        if not self.conv:
            return []
        return conv_layers(TrainConfig(conv=self.conv, input_shape=self.input_shape), math.prod(self.input_shape or ()))

    def chip_weights(self) -> list[NDArray[np.int64]]:
        """The integer synaptic weights the chip holds per layer: dense matrices, and for conv layers the
        effective kernels (pooling folded in, as :meth:`TrainResult.to_network` exports them)."""
        convs = self.conv_layers()
        return [_sum_compose(w, convs[i]) if i < len(convs) else w for i, w in enumerate(self.weights)]

    def float_recurrent(self) -> list[NDArray[np.float64] | None]:
        """The recurrent weights the chip holds, in the float scale (None for layers without)."""
        return [None if r is None else r.astype(np.float64) * s / self.input_factor
                for r, s in zip(self.recurrent or [None] * len(self.scales), self.scales)]

    def float_weights(self) -> list[NDArray[np.float64]]:
        """The weights the chip effectively uses, back in the float scale (for fine-tuning and comparison);
        conv layers as the trained kernel K (so that ``TrainResult.to_network`` folds the pooling in again)."""
        gain = [c.pool_weight for c in self.conv_layers()] + [1.0] * (len(self.weights) - len(self.conv))
        return [w.astype(np.float64) * s / self.input_factor / g for w, s, g in zip(self.weights, self.scales, gain)]


def layer_scale(peak: float, levels: int) -> float:
    """s = peak / L, the scale that maps the largest weight magnitude ``peak`` to the top level L (1 when
    all weights are 0)."""
    return peak / levels if peak > 0 else 1.0


def integer_weights(w: NDArray[np.float64], scale: float, levels: int, signed: bool) -> NDArray[np.int64]:
    """round(w / s), clipped to [-L, L] (signed) or [0, L] (unsigned: negative weights become 0)."""
    return np.clip(np.rint(w / scale), -levels if signed else 0, levels).astype(np.int64)


def integer_threshold(threshold: float, scale: float, cap: int) -> int:
    """θ_int = round(θ / s), at least 1 and at most the chip's cap."""
    return int(min(max(1, round(threshold / scale)), cap))


def integer_decay(tau: float, dt: float) -> int:
    """d = round((1 - exp(-dt/tau)) · 4096): v - ((v·d) >> 12) ≈ exp(-dt/tau)·v (Loihi's 12-bit decay)."""
    return round((1.0 - math.exp(-dt / tau)) * 4096)


def _sum_compose(k_int: NDArray[np.int64], layer: ConvLayer) -> NDArray[np.int64]:
    """The chip's integer kernel Σ_{a,b} shift_{a,b}(K_int) (exact: sums of integers)."""
    return np.rint(compose(k_int.astype(np.float64), layer) / layer.pool_weight).astype(np.int64)


def _conv_int(kernel: NDArray[np.float64], layer: ConvLayer, levels: int, signed: bool) -> tuple[NDArray[np.int64], float]:
    """K_int and the smallest scale s (found by raising it from max|K_eff| / levels) whose chip kernel
    fits ±levels; K_eff ≈ s · Σ-compose(K_int)."""
    scale = layer_scale(float(np.abs(compose(kernel, layer)).max()), levels)
    target = kernel * layer.pool_weight
    while True:
        k_int = integer_weights(target, scale, levels, signed)
        top = int(np.abs(_sum_compose(k_int, layer)).max())
        if top <= levels:
            return k_int, scale
        scale *= top / levels  # rounding pushed a composed weight over: every step strictly raises the scale


def _no_conv_with_types(config: TrainConfig, chip: Chip, k: int | None) -> None:
    if k is not None and config.conv:
        raise QuantizationError(f"{chip.id}: conv layers cannot share a kernel with {k} weight values per neuron "
                                f"(axon types); use dense layers on this chip")


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


def chip_precision(chip: Chip, weight_bits: int | None) -> tuple[int, bool, int, int, int]:
    """The chip's fixed-point format: (weight bits b, signed, weight levels L, state bits m, threshold cap).

    b is ``weight_bits`` (the chip's widest when None) and must be one of the chip's widths; weights take
    the integers [-L, L] (signed, L = 2^(b-1) - 1) or [0, L] (L = 2^b - 1); the state has the chip's
    membrane bits (24 when unknown, at most 48) and thresholds at most 2^(threshold bits or m-1) - 1.
    """
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
    state_bits = min(chip.precision.membrane_bits or 24, 48)
    return bits, signed, levels, state_bits, 2 ** (chip.precision.threshold_bits or state_bits - 1) - 1


def quantize(result: TrainResult, chip: Chip | str, weight_bits: int | None = None,
             types: list[NDArray[np.int64]] | None = None) -> QuantizedNetwork:
    """Quantise the trained weights, thresholds and decay to ``chip`` (see the module docstring).

    ``types``: the source types per layer for chips with few weight values per neuron (computed by
    k-means when None; pass the ones fine-tuning used).
    """
    chip = chip if isinstance(chip, Chip) else load_chip(chip)
    if result.config.neuron not in ("if", "lif", "cuba_lif"):
        raise QuantizationError(f"{result.config.neuron}: the fixed-point engine runs IF, LIF and CUBA-LIF only")
    bits, signed, levels, state_bits, th_cap = chip_precision(chip, weight_bits)
    k = chip.core_limits(0).weight_values_per_neuron
    cfg = result.config
    rec_in = list(result.recurrent) + [None] * (len(result.weights) - len(result.recurrent))
    if k is not None and any(r is not None for r in rec_in):
        raise QuantizationError(f"{chip.id}: recurrent layers with {k} weight values per neuron are not supported")
    _no_conv_with_types(cfg, chip, k)
    if cfg.conv and cfg.input_shape is None:
        raise QuantizationError("input_shape: a network with conv layers needs its input shape in the config")
    convs = conv_layers(cfg, math.prod(cfg.input_shape)) if cfg.conv and cfg.input_shape is not None else []
    # Fixed-point CUBA-LIF adds the whole current to v each step (Loihi), the float rule (1 - a) of it.
    factor = 1.0 - math.exp(-cfg.dt / cfg.tau_m) if cfg.neuron == "cuba_lif" else 1.0
    weights, scales = [], []
    recurrent: list[NDArray[np.int64] | None] = []
    for layer, w_float in enumerate(result.weights):
        w = w_float * factor
        rec_int = None
        if layer < len(convs):
            w_int, scale = _conv_int(w, convs[layer], levels, signed)
        else:
            src = typed(w, types[layer] if types is not None else source_types(w, k)) if k is not None else w
            rec_float = rec_in[layer]
            rec = None if rec_float is None else rec_float * factor
            # one scale for every synapse into the layer
            scale = layer_scale(max(float(np.abs(src).max()), float(np.abs(rec).max()) if rec is not None else 0.0),
                                levels)
            w_int = integer_weights(src, scale, levels, signed)
            rec_int = None if rec is None else integer_weights(rec, scale, levels, signed)
        weights.append(w_int)
        recurrent.append(rec_int)
        scales.append(scale)
    thresholds = [integer_threshold(cfg.threshold, s, th_cap) for s in scales]
    decay = 0 if cfg.neuron == "if" else integer_decay(cfg.tau_m, cfg.dt)
    decay_s = integer_decay(cfg.tau_syn, cfg.dt)
    return QuantizedNetwork(weights, scales, thresholds, decay, state_bits, bits,
                            "subtract" if cfg.reset == "subtract" else "value", recurrent, cfg.neuron, decay_s, factor,
                            tuple(cfg.conv), tuple(cfg.input_shape) if cfg.conv and cfg.input_shape else None, cfg.loss)


@dataclass(frozen=True)
class ChipNet:
    """The integer network ready for the engine: the layers' synapses beyond the input, and the input's
    synapses (to the first layer) as CSR rows per input neuron."""

    net: Any  # FixedSimNetwork
    in_ptr: NDArray[np.int64]
    in_target: NDArray[np.int32]
    in_weight: NDArray[np.int64]
    n_inputs: int
    out_offset: int
    n_out: int


def _layer_synapses(w: NDArray[np.int64], layer: ConvLayer | None) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """(pre, post, weight) of one layer's non-zero integer synapses, local indices."""
    if layer is None:
        pre, post = np.nonzero(w)
        return pre.astype(np.int64), post.astype(np.int64), w[pre, post].astype(np.int64)
    pre, post, wv = conv_synapses(w.astype(np.float64), layer.in_shape, layer.stride, layer.padding, (1, 1), 1)
    keep = wv != 0
    return pre[keep], post[keep], np.rint(wv[keep]).astype(np.int64)


def assemble_chip_net(n: int, synapses: Sequence[tuple[NDArray[Any], ...]], v_th: NDArray[Any],
                      inputs: Sequence[tuple[NDArray[Any], ...]], n_inputs: int, out_offset: int, n_out: int,
                      **fixed: Any) -> ChipNet:
    """The fixed-point engine network of ``n`` neurons from lists of (pre, post, integer weight, delay)
    synapse arrays, plus the input synapses (input, neuron, integer weight), which become per-sample
    external events (:func:`chip_net_outputs`). ``fixed``: the remaining FixedSimNetwork fields (model,
    state_bits, decay_m, decay_s, reset)."""
    from snnas.fixed_point import FixedSimNetwork

    def cat(k: int, parts: Sequence[tuple[NDArray[Any], ...]]) -> NDArray[np.int64]:
        return np.concatenate([p[k] for p in parts]).astype(np.int64) if parts else np.zeros(0, np.int64)

    pre, post, wv, dl = (cat(k, synapses) for k in range(4))
    order = np.argsort(pre, kind="stable")
    row_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(pre, minlength=n), out=row_ptr[1:])
    net = FixedSimNetwork(row_ptr=row_ptr, target=post[order].astype(np.int32), weight=wv[order].astype(np.int32),
                          delay=dl[order].astype(np.int32), v_th=v_th, v_reset=0, t_ref=0, **fixed)
    in_pre, in_post, in_w = (cat(k, inputs) for k in range(3))
    order = np.argsort(in_pre, kind="stable")
    in_ptr = np.zeros(n_inputs + 1, dtype=np.int64)
    np.cumsum(np.bincount(in_pre, minlength=n_inputs), out=in_ptr[1:])
    return ChipNet(net, in_ptr, in_post[order].astype(np.int32), in_w[order], n_inputs, out_offset, n_out)


def _chip_net(q: QuantizedNetwork) -> ChipNet:
    convs = q.conv_layers()
    geometry: list[ConvLayer | None] = [*convs, *([None] * (len(q.weights) - len(convs)))]
    chip_w = q.chip_weights()
    sizes = [math.prod(c.out_shape) for c in convs] + [w.shape[1] for w in q.weights[len(convs):]]
    n_inputs = math.prod(convs[0].in_shape) if convs else q.weights[0].shape[0]
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    # Synapses between layers: layer l's neurons (offset l-1) project to layer l+1.
    synapses = []
    for layer in range(1, len(q.weights)):
        pre, post, wv = _layer_synapses(chip_w[layer], geometry[layer])
        synapses.append((pre + offsets[layer - 1], post + offsets[layer], wv, np.zeros(pre.size, np.int64)))
    for layer, rec in enumerate(q.recurrent):  # recurrent synapses, delay 0 as in training
        if rec is not None:
            pre, post = np.nonzero(rec)
            synapses.append((pre + offsets[layer], post + offsets[layer], rec[pre, post], np.zeros(pre.size, np.int64)))
    v_th = np.concatenate([np.full(s, t) for s, t in zip(sizes, q.thresholds)])
    return assemble_chip_net(int(offsets[-1]), synapses, v_th, [_layer_synapses(chip_w[0], geometry[0])], n_inputs,
                             int(offsets[-2]), sizes[-1], model=q.model, state_bits=q.state_bits, decay_m=q.decay,
                             decay_s=q.decay_s, reset=q.reset)


def _check_raster(chip: ChipNet, raster: NDArray[Any]) -> NDArray[Any]:
    x = np.asarray(raster)
    if x.ndim != 3 or x.shape[2] != chip.n_inputs:
        raise QuantizationError(f"raster: expected (samples, steps, {chip.n_inputs}), got {x.shape}")
    if x.dtype.kind not in "biu" and not np.array_equal(x, np.rint(x)):
        raise QuantizationError("raster: expected spike counts (whole numbers)")
    return x


def _events(chip: ChipNet, sample: NDArray[Any]) -> tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.int32]]:
    """(step, target, integer weight) of every input spike's synapses onto the first layer."""
    t, i = np.nonzero(sample)
    mult = sample[t, i].astype(np.int64)
    counts = chip.in_ptr[i + 1] - chip.in_ptr[i]
    total = int(counts.sum())
    first = np.repeat(chip.in_ptr[i] - (np.cumsum(counts) - counts), counts)
    syn = first + np.arange(total, dtype=np.int64)
    return (np.repeat(t, counts).astype(np.int64), chip.in_target[syn],
            (chip.in_weight[syn] * np.repeat(mult, counts)).astype(np.int32))


def chip_net_outputs(chip: ChipNet, raster: NDArray[Any]) -> NDArray[np.int8]:
    """Output spikes of an assembled fixed-point network, one run per sample: (samples, steps, outputs)."""
    from snnas.fixed_point import simulate_fixed

    x = _check_raster(chip, raster)
    out = np.zeros((x.shape[0], x.shape[1], chip.n_out), dtype=np.int8)
    for s, sample in enumerate(x):
        res = simulate_fixed(chip.net, x.shape[1], ext_spikes=_events(chip, sample))
        keep = res.spike_ids >= chip.out_offset
        out[s, res.spike_steps[keep], res.spike_ids[keep] - chip.out_offset] = 1
    return out


def chip_outputs(q: QuantizedNetwork, raster: NDArray[Any]) -> NDArray[np.int8]:
    """Output spikes of the integer network in the fixed-point engine: (samples, steps, classes)."""
    return chip_net_outputs(_chip_net(q), raster)


def chip_membrane(q: QuantizedNetwork, raster: NDArray[Any]) -> tuple[NDArray[np.float64], NDArray[np.int8]]:
    """The output neurons' mean integer membrane (1/T) Σ_n v_n (v_n read at the end of step n, after the
    reset), (samples, classes), and the output spikes (samples, steps, classes), from the fixed-point
    engine run one step at a time with its state carried over (delays are 0, so the state is all of it)."""
    from snnas.fixed_point import simulate_fixed

    chip = _chip_net(q)
    x = _check_raster(chip, raster)
    steps = x.shape[1]
    n = chip.net.v_th.size  # type: ignore[union-attr]
    out = np.zeros((x.shape[0], steps, chip.n_out), dtype=np.int8)
    mem = np.zeros((x.shape[0], chip.n_out))
    for s, sample in enumerate(x):
        ev_t, ev_id, ev_w = _events(chip, sample)
        v, i_syn = np.zeros(n, np.int64), np.zeros(n, np.int64)
        for t in range(steps):
            now = ev_t == t
            res = simulate_fixed(chip.net, 1, v0=v, i0=i_syn, ext_spikes=(ev_t[now] * 0, ev_id[now], ev_w[now]))
            v, i_syn = res.v, res.i_syn
            mem[s] += v[chip.out_offset:]
            fired = res.spike_ids[res.spike_ids >= chip.out_offset] - chip.out_offset
            out[s, t, fired] = 1
    return mem / max(steps, 1), out


def chip_accuracy(q: QuantizedNetwork, raster: NDArray[Any], labels: NDArray[np.int64],
                  readout: str | None = None) -> tuple[float, NDArray[Any]]:
    """Accuracy of the integer network in the fixed-point engine on spike rasters (samples, steps, inputs).

    Args:
        readout: "count" (output spike counts) or "membrane" (the output neurons' mean integer membrane,
            :func:`chip_membrane`); default the one the network was trained for (``q.readout``, see the
            module docstring).

    Returns the accuracy and the readout (samples, classes): int64 spike counts, or float64 mean membranes.
    """
    x = np.asarray(raster)
    if x.ndim != 3 or x.shape[0] != np.asarray(labels).size:
        raise QuantizationError(f"raster: expected (samples, steps, inputs) with one label per sample, got {x.shape}")
    how = readout or q.readout
    if how not in ("count", "membrane"):
        raise QuantizationError(f"readout must be 'count' or 'membrane', got {how!r}")
    z: NDArray[Any] = chip_membrane(q, x)[0] if how == "membrane" else chip_outputs(q, x).sum(axis=1).astype(np.int64)
    return hit_rate(z, np.asarray(labels)), z


def fine_tune(result: TrainResult, chip: Chip | str, data: Any, split: Any, epochs: int = 30,
              weight_bits: int | None = None, lr: float | None = None) -> tuple[TrainResult, QuantizedNetwork]:
    """Quantisation-aware fine-tuning: continue training with the chip's weights in the loop.

    The forward and backward passes use the weights the chip would hold (source types fixed from the
    starting weights, then b-bit rounding with the layer's current scale); the float weights take the
    updates (straight-through). Returns the fine-tuned result and its quantised network.
    """
    chip = chip if isinstance(chip, Chip) else load_chip(chip)
    k = chip.core_limits(0).weight_values_per_neuron
    _no_conv_with_types(result.config, chip, k)
    types = [source_types(w, k) for w in result.weights] if k is not None else None
    first = quantize(result, chip, weight_bits, types)
    _, signed, levels, _, _ = chip_precision(chip, first.weight_bits)  # the levels quantize() used
    lowest = -levels if signed else 0
    convs = first.conv_layers()

    def project(ws: list[NDArray[np.float64]]) -> list[NDArray[np.float64]]:
        out: list[NDArray[np.float64]] = []
        for layer, w in enumerate(ws):
            if layer < len(convs):  # the chip's kernel rule (module docstring), back in float scale
                k_int, k_scale = _conv_int(w, convs[layer], levels, signed)
                out.append(k_int.astype(np.float64) * (k_scale / convs[layer].pool_weight))
                continue
            src = typed(w, types[layer]) if types is not None else w
            scale = layer_scale(float(np.abs(src).max()), levels)
            out.append(np.clip(np.rint(src / scale), lowest, levels) * scale)  # in float: -0.0 stays -0.0
        return out

    cfg = replace(result.config, epochs=epochs, patience=epochs, lr=lr or result.config.lr / 2)
    tuned = train(data, split, cfg, init=result.weights, project=project)
    tuned.weights = project(tuned.weights)  # the chip's weights, in float scale
    return tuned, quantize(tuned, chip, weight_bits, types)
