"""Quantise a trained network to a chip's precision: integer weights, thresholds, decay and state width.

Rules (per layer l with float weights W_l, threshold θ, decay a = exp(-dt/tau_m)):

- weights: b-bit integers, symmetric, one scale per layer: s_l = max|W_l| / (2^(b-1) - 1),
  W_int = round(W_l / s_l) (unsigned chips: negative weights clip to 0);
- chips whose neurons hold one weight per axon type (TrueNorth: ``weight_values_per_neuron`` <=
  ``synapse_types``): trinary weights t · s_j with one scale s_j per neuron, each source delivered on two
  axons, one per sign (:mod:`snnas.quantize.trinary`);
- other chips with ``weight_values_per_neuron`` = k (DYNAP-SE2): the sources of a layer are grouped into
  k types by k-means on their outgoing weight rows; every neuron gets one weight per type, the mean of
  its weights from that type's sources (then quantised as above) - the weight a neuron sees from a
  source is the value of the source's type;
- thresholds: θ_int = round(θ / s_l) per neuron of layer l (clipped to the chip's threshold bits);
- decay: d = round((1 - a) · 4096), so that v - ((v·d) >> 12) ≈ a·v (Loihi's 12-bit decay);
- state: the chip's membrane bits (saturating);
- conv layers (kernel K, pooling weight w_P, see :mod:`snnas.ir.conv`): the chip holds the effective
  kernel, so it is that kernel that must fit the b bits. The integer kernel K_int = round(w_P · K / s_l)
  (one scale per layer, clipped) is chosen with the smallest s_l for which the chip's kernel
  K_eff_int = Σ_{a,b} shift_{a,b}(K_int) (the sum in (1) of snnas.ir.conv, without w_P) lies within
  ±(2^(b-1) - 1); then K_eff ≈ s_l · K_eff_int exactly as in the float network, weight sharing kept.
  Without pooling this is the dense rule. Chips with few weight values per neuron (TrueNorth's axon
  types) are quantised for dense layers only: conv layers (and recurrent ones) raise
  :class:`QuantizationError` there.

Chip accuracy, the integer network run in the fixed-point engine, is :mod:`snnas.evaluate.accuracy`.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from snnas import codes
from snnas.chip import Chip, load_chip
from snnas.chip.numerics import NeuronNumerics
from snnas.errors import SnnasError
from snnas.ir.conv import ConvLayer, ConvSpec, compose
from snnas.quantize.numerics import (
    WeightGrid,
    chip_bias,
    chip_decay,
    chip_thresholds,
    exponent_for,
    rule_fields,
    weight_grid,
)
from snnas.quantize.trinary import trinary_float, trinary_integer, weight_per_axon_type
from snnas.train.config import TrainConfig, conv_layers, layer_decay, layer_threshold
from snnas.train.layers import TrainResult, train

logger = logging.getLogger(__name__)

__all__ = ["QuantizationError", "QuantizedNetwork", "chip_precision", "fine_tune", "integer_decay",
           "integer_decay_factor", "integer_threshold", "integer_weights", "layer_scale", "quantize", "source_types",
           "typed"]


class QuantizationError(SnnasError, ValueError):
    """The network cannot be quantised to this chip (no weight precision known, bad bit width, ...)."""


@dataclass(frozen=True, kw_only=True)
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
    layer_decays: tuple[int, ...] = ()  # per-layer membrane decays, when the layers differ (else ``decay``)
    drives: tuple[NDArray[np.int64] | None, ...] = ()  # per layer: integer current per step (a bias), or None
    # The chip's integer rule (FixedSimNetwork fields: order, decay_rounding, ...; empty: the generic rule),
    # the model the engine runs (LIF on a chip whose compartment has a current runs as CUBA-LIF with
    # decay_s = 4096) and what the chip accuracy is the accuracy of.
    rule: tuple[tuple[str, Any], ...] = ()
    engine_model: str | None = None
    numerics: str = "generic fixed point"
    v_reset: int = 0
    v_min: tuple[int, ...] = ()  # per layer: the floor of v after the reset (the chip's lower bound; empty: none)
    weight_units: tuple[int, ...] = ()  # per layer: state units per weight level (the chip's step · 2^(e + shift))

    def decay_of(self, layer: int) -> int:
        """The integer membrane decay of layer ``layer``."""
        return self.layer_decays[layer] if self.layer_decays else self.decay

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
    """θ_int = round(θ / s), at least 1 and at most the chip's cap (a clipped threshold is logged: the chip then
    fires at another level than the float network)."""
    ideal = round(threshold / scale)
    out = int(min(max(1, ideal), cap))
    if out != ideal:
        logger.info("threshold %g / scale %g = %d is clipped to %d (the chip's range is [1, %d])", threshold, scale,
                    ideal, out, cap)
    return out


def integer_decay_factor(a: float, bits: int = codes.LIMITS["decay_shift"]) -> int:
    """d = round((1 - a) · 2^b) for a decay per step a: v - ((v·d) >> b) ≈ a·v (b = 12 unless the chip says)."""
    return int(round((1.0 - a) * 2**bits))


def integer_decay(tau: float, dt: float, bits: int = codes.LIMITS["decay_shift"]) -> int:
    """d = round((1 - exp(-dt/tau)) · 2^b): v - ((v·d) >> b) ≈ exp(-dt/tau)·v (Loihi's 12-bit decay)."""
    return integer_decay_factor(math.exp(-dt / tau), bits)


def _sum_compose(k_int: NDArray[np.int64], layer: ConvLayer) -> NDArray[np.int64]:
    """The chip's integer kernel Σ_{a,b} shift_{a,b}(K_int) (exact: sums of integers)."""
    return np.rint(compose(k_int.astype(np.float64), layer) / layer.pool_weight).astype(np.int64)


def _conv_int(kernel: NDArray[np.float64], layer: ConvLayer, levels: int, signed: bool
              ) -> tuple[NDArray[np.int64], float]:
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
    state_bits = min(chip.precision.membrane_bits or 24, codes.LIMITS["max_state_bits"])
    return bits, signed, levels, state_bits, 2 ** (chip.precision.threshold_bits or state_bits - 1) - 1


def quantize(result: TrainResult, chip: Chip | str, weight_bits: int | None = None,
             types: list[NDArray[np.int64]] | None = None) -> QuantizedNetwork:
    """Quantise the trained weights, thresholds and decay to ``chip`` (see the module docstring).

    ``types``: the source types per layer for chips with few weight values per neuron (computed by
    k-means when None; pass the ones fine-tuning used). Chips with one weight per axon type take trinary
    weights instead (:mod:`snnas.quantize.trinary`) and no source types.
    """
    chip = chip if isinstance(chip, Chip) else load_chip(chip)
    if result.config.neuron not in ("if", "lif", "cuba_lif"):
        raise QuantizationError(f"{result.config.neuron}: the fixed-point engine runs IF, LIF and CUBA-LIF only")
    bits, signed, levels, state_bits, th_cap = chip_precision(chip, weight_bits)
    k = chip.core_limits(0).weight_values_per_neuron
    cfg = result.config
    rule = chip.numerics_of(cfg.neuron)
    grid = _grid(result, rule, weight_bits)
    if grid is not None:  # the chip's own encodings (snnas.quantize.numerics)
        levels, signed = grid.levels, grid.signed
    rec_in = list(result.recurrent) + [None] * (len(result.weights) - len(result.recurrent))
    if k is not None and any(r is not None for r in rec_in):
        raise QuantizationError(f"{chip.id}: recurrent layers with {k} weight values per neuron are not supported")
    _no_conv_with_types(cfg, chip, k)
    tern = weight_per_axon_type(chip)
    if tern and types is not None:
        raise QuantizationError(f"{chip.id}: types: the chip takes trinary weights (one weight per axon type), "
                                "not source types")
    if cfg.conv and cfg.input_shape is None:
        raise QuantizationError("input_shape: a network with conv layers needs its input shape in the config")
    convs = conv_layers(cfg, math.prod(cfg.input_shape)) if cfg.conv and cfg.input_shape is not None else []
    # Fixed-point CUBA-LIF adds the whole current to v each step (Loihi), the float rule (1 - a) of it.
    if cfg.layers and cfg.neuron == "cuba_lif" and len({n.decay for n in cfg.layers}) > 1:
        raise QuantizationError("cuba_lif layers with different decays: the chip's input factor (1 - a) would "
                                "differ per layer; give every layer one tau_m")
    a = cfg.layers[0].decay if cfg.layers else math.exp(-cfg.dt / cfg.tau_m)
    factor = 1.0 - a if cfg.neuron == "cuba_lif" else 1.0
    weights, scales = [], []
    recurrent: list[NDArray[np.int64] | None] = []
    for layer, w_float in enumerate(result.weights):
        w = w_float * factor
        rec_int = None
        if layer < len(convs):
            w_int, scale = _conv_int(w, convs[layer], levels, signed)
        elif tern:
            w_int, scale = trinary_integer(w, levels)
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
    if rule is not None and grid is not None:
        return _on_chip_rule(result, chip.id, rule, grid, weights, recurrent, scales, bits)
    thresholds = [integer_threshold(layer_threshold(cfg, i), s, th_cap) for i, s in enumerate(scales)]
    drives = _integer_drives(result, scales)
    decays = tuple(0 if cfg.neuron == "if" else integer_decay_factor(n.decay) for n in cfg.layers)
    decay = 0 if cfg.neuron == "if" else (decays[0] if decays else integer_decay(cfg.tau_m, cfg.dt))
    decay_s = integer_decay(cfg.tau_syn, cfg.dt)
    return QuantizedNetwork(
        weights=weights, scales=scales, thresholds=thresholds, decay=decay, state_bits=state_bits, weight_bits=bits,
        reset="subtract" if cfg.reset == "subtract" else "value", recurrent=recurrent, model=cfg.neuron,
        decay_s=decay_s, input_factor=factor, conv=tuple(cfg.conv),
        input_shape=tuple(cfg.input_shape) if cfg.conv and cfg.input_shape else None, readout=cfg.loss,
        layer_decays=decays if len(set(decays)) > 1 else (), drives=drives)


def _grid(result: TrainResult, rule: NeuronNumerics | None, bits: int | None) -> WeightGrid | None:
    """The weight levels of the chip's rule for this network (None: no rule, the chip_precision levels)."""
    if rule is None:
        return None
    ws = [*result.weights, *(r for r in result.recurrent if r is not None)]
    mixed = any(bool((w < 0).any()) for w in ws) and any(bool((w > 0).any()) for w in ws)
    return weight_grid(rule.weight, mixed, bits)


def _on_chip_rule(result: TrainResult, chip_id: str, rule: NeuronNumerics, grid: WeightGrid,
                  weights: list[NDArray[np.int64]], recurrent: list[NDArray[np.int64] | None], scales_k: list[float],
                  bits: int) -> QuantizedNetwork:
    """The layer network in the chip's own encodings (:mod:`snnas.quantize.numerics`): weights w = k · q in
    state units with q = step · 2^(e + shift) per layer, thresholds and biases on their grids, decays within
    the chip's registers, the chip's reset and state widths."""
    cfg = result.config
    b = rule.decay_bits
    ms, ss = rule.decay_m_offset, rule.decay_s_offset
    if cfg.neuron == "if":
        decays: tuple[int, ...] = ()
        decay = chip_decay(0, ms, b)
    else:
        decays = tuple(chip_decay(integer_decay_factor(n.decay, b), ms, b) for n in cfg.layers)
        decay = decays[0] if decays else chip_decay(integer_decay(cfg.tau_m, cfg.dt, b), ms, b)
    # The closed form moves v by d / 2^b of a step's input (snnas.sim.fixed): the chip's weights and biases
    # hold the gain g = 2^b / d of their layer, so that the float network's input w reaches v as w.
    gains = [1.0] * len(weights)
    if rule.decay_rounding == "closed_form_nearest":
        layer_d = [decays[i] if i < len(decays) else decay for i in range(len(weights))]
        if min(layer_d, default=1) <= 0:
            raise QuantizationError(f"{chip_id}: the chip's closed-form LIF needs a leak (a decay factor above 0 "
                                    f"of 2^{b}); {cfg.neuron} with decays {layer_d} cannot run on it")
        gains = [2**b / d for d in layer_d]
    thetas = [layer_threshold(cfg, i) for i in range(len(weights))]
    exps = [exponent_for(rule.weight, rule.threshold, grid, s * g, [t]) for s, g, t in zip(scales_k, gains, thetas)]
    qs = [grid.step * 2 ** (e + rule.weight.shift) for e in exps]
    scales = [s * g / q for s, g, q in zip(scales_k, gains, qs)]
    w_int = [w * q for w, q in zip(weights, qs)]
    rec_int = [None if r is None else r * q for r, q in zip(recurrent, qs)]
    thresholds = chip_thresholds(thetas, scales, rule.threshold)
    drives = _integer_drives(result, scales, gains)
    if drives:
        if rule.bias is None:
            raise QuantizationError(f"{chip_id}: the network has biases (drives) but the chip's {cfg.neuron} "
                                    "compartment has none")
        drives = tuple(None if d is None else chip_bias(d.astype(np.float64), rule.bias) for d in drives)
    # A chip compartment with a current runs LIF and IF as CUBA-LIF whose current holds one step's input.
    as_cuba = rule.current is not None and cfg.neuron in ("if", "lif")
    decay_s = chip_decay(2**b if as_cuba else integer_decay(cfg.tau_syn, cfg.dt, b), ss, b)
    if as_cuba and decay_s != 2**b:
        raise QuantizationError(f"{chip_id}: the chip's current cannot forget a step's input (decay_s reaches "
                                f"{decay_s} of {2**b}); {cfg.neuron} cannot run on it")
    reset = "subtract" if rule.reset == "subtract" else "value"
    if reset != ("subtract" if cfg.reset == "subtract" else "value"):
        logger.info("%s resets v %s; the network was trained to reset by %s", chip_id, rule.reset, cfg.reset)
    a = cfg.layers[0].decay if cfg.layers else math.exp(-cfg.dt / cfg.tau_m)
    # The chip's floor of v: one value for the chip, or a register per layer, set as sinabs' from_model
    # does by default (min_v_mem = -1 in units of the threshold 1: -v_th).
    v_min: tuple[int, ...] = ()
    if rule.lower_bound == "value" and rule.lower_bound_value is not None:
        v_min = (rule.lower_bound_value,) * len(weights)
    elif rule.lower_bound == "per_neuron":
        v_min = tuple(-int(t) for t in thresholds)
    return QuantizedNetwork(
        weights=w_int, scales=scales, thresholds=thresholds, decay=decay, state_bits=rule.membrane.bits,
        weight_bits=bits, reset=reset, recurrent=rec_int, model=cfg.neuron, decay_s=decay_s,
        input_factor=1.0 - a if cfg.neuron == "cuba_lif" else 1.0, conv=tuple(cfg.conv),
        input_shape=tuple(cfg.input_shape) if cfg.conv and cfg.input_shape else None, readout=cfg.loss,
        layer_decays=decays if len(set(decays)) > 1 else (), drives=drives, rule=rule_fields(rule),
        engine_model="cuba_lif" if as_cuba else None, numerics=f"{chip_id} integer rule",
        v_reset=rule.reset_value or 0, v_min=v_min, weight_units=tuple(qs))


def _integer_drives(result: TrainResult, scales: list[float], gains: list[float] | None = None
                    ) -> tuple[NDArray[np.int64] | None, ...]:
    """Per layer the chip's integer current per step for a trained drive I: the float update
    u = I + (v - I)·a adds (1 - a)·I per step, so I_int = round(g (1 - a)·I / s) (IF: round(g I / s)), g the
    layer's input gain (1, or 2^b / d under the closed-form rule)."""
    if not any(d is not None for d in result.drives):
        return ()
    cfg = result.config
    out: list[NDArray[np.int64] | None] = []
    for layer, s in enumerate(scales):
        d = result.drives[layer] if layer < len(result.drives) else None
        gain = (1.0 if cfg.neuron == "if" else 1.0 - layer_decay(cfg, layer)) * (gains[layer] if gains else 1.0)
        out.append(None if d is None else np.rint(d * gain / s).astype(np.int64))
    return tuple(out)


def fine_tune(result: TrainResult, chip: Chip | str, data: Any, split: Any, epochs: int = 30,
              weight_bits: int | None = None, lr: float | None = None) -> tuple[TrainResult, QuantizedNetwork]:
    """Quantisation-aware fine-tuning: continue training with the chip's weights in the loop.

    The forward and backward passes use the weights the chip would hold (source types fixed from the
    starting weights, then b-bit rounding with the layer's current scale); the float weights take the
    updates (straight-through). On chips with one weight per axon type the chip's weights are the trinary
    ones (:mod:`snnas.quantize.trinary`), which fine-tuning is what makes accurate. Returns the fine-tuned
    result and its quantised network.
    """
    chip = chip if isinstance(chip, Chip) else load_chip(chip)
    k = chip.core_limits(0).weight_values_per_neuron
    _no_conv_with_types(result.config, chip, k)
    tern = weight_per_axon_type(chip)
    types = [source_types(w, k) for w in result.weights] if k is not None and not tern else None
    first = quantize(result, chip, weight_bits, types)
    _, signed, levels, _, _ = chip_precision(chip, first.weight_bits)  # the levels quantize() used
    grid = _grid(result, chip.numerics_of(result.config.neuron), weight_bits)
    if grid is not None:
        signed, levels = grid.signed, grid.levels
    lowest = -levels if signed else 0
    convs = first.conv_layers()

    def project(ws: list[NDArray[np.float64]]) -> list[NDArray[np.float64]]:
        out: list[NDArray[np.float64]] = []
        for layer, w in enumerate(ws):
            if layer < len(convs):  # the chip's kernel rule (module docstring), back in float scale
                k_int, k_scale = _conv_int(w, convs[layer], levels, signed)
                out.append(k_int.astype(np.float64) * (k_scale / convs[layer].pool_weight))
                continue
            if tern:
                out.append(trinary_float(w, levels))
                continue
            src = typed(w, types[layer]) if types is not None else w
            scale = layer_scale(float(np.abs(src).max()), levels)
            out.append(np.clip(np.rint(src / scale), lowest, levels) * scale)  # in float: -0.0 stays -0.0
        return out

    cfg = replace(result.config, epochs=epochs, patience=epochs, lr=lr or result.config.lr / 2)
    tuned = train(data, split, cfg, init=result.weights, project=project)
    tuned.weights = project(tuned.weights)  # the chip's weights, in float scale
    return tuned, quantize(tuned, chip, weight_bits, types)
