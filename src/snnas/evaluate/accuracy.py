"""Chip accuracy: a quantised network (layers or graph) run as the chip computes it, in the fixed-point engine.

Chip accuracy runs the integer network in the compiled fixed-point engine on each sample's spikes; its
synapses are the neuron-level expansion of every layer (:func:`snnas.ir.connectivity.conv_synapses` for conv
layers, the same expansion as :meth:`snnas.ir.network.Network.to_csr`). Readout: a network trained on spike
counts is read by its output spike counts; one trained with ``loss="membrane"`` by the mean over the steps
of its output neurons' integer membrane at the end of each step (the engine probes it, as a membrane
probe of the chip would), because that is the quantity its training ordered:
its output spike counts were never trained to rank the classes. The float accuracy uses the same readout
(:func:`snnas.train.layers.readout`); the argmax is unchanged by the layer's positive scale.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from snnas.ir.connectivity import conv_synapses
from snnas.ir.conv import ConvLayer
from snnas.quantize.graph import QuantizedGraph
from snnas.quantize.layers import QuantizationError, QuantizedNetwork
from snnas.sim.fixed import BatchResult, FixedSimNetwork, InputSynapses, simulate_fixed_batch
from snnas.train.layers import hit_rate

__all__ = ["ChipNet", "assemble_chip_net", "chip_accuracy", "chip_membrane", "chip_net_batch", "chip_net_outputs",
           "chip_outputs",
           "chip_readout",
           "graph_chip_outputs"]


@dataclass(frozen=True)
class ChipNet:
    """The integer network ready for the engine: the layers' synapses beyond the input, and the input's
    synapses (to the first layer) as CSR rows per input neuron."""

    net: FixedSimNetwork
    in_ptr: NDArray[np.int64]
    in_target: NDArray[np.int32]
    in_weight: NDArray[np.int64]
    n_inputs: int
    out_offset: int
    n_out: int
    i_ext: NDArray[np.int64] | None = None  # constant integer current per neuron (biases), or None


Synapses = tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]


def _layer_synapses(w: NDArray[np.int64], layer: ConvLayer | None) -> Synapses:
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
    state_bits, decay_m, decay_s, reset, v_reset (default 0), and the chip's rule: order, decay_rounding, ...)."""
    def cat(k: int, parts: Sequence[tuple[NDArray[Any], ...]]) -> NDArray[np.int64]:
        return np.concatenate([p[k] for p in parts]).astype(np.int64) if parts else np.zeros(0, np.int64)

    pre, post, wv, dl = (cat(k, synapses) for k in range(4))
    order = np.argsort(pre, kind="stable")
    row_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(pre, minlength=n), out=row_ptr[1:])
    fixed = {"v_reset": 0, **fixed}
    net = FixedSimNetwork(row_ptr=row_ptr, target=post[order].astype(np.int32), weight=wv[order].astype(np.int32),
                          delay=dl[order].astype(np.int32), v_th=v_th, t_ref=0, **fixed)
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
    decay_m: int | NDArray[np.int64] = q.decay
    if q.layer_decays:
        decay_m = np.concatenate([np.full(s, q.decay_of(i), np.int64) for i, s in enumerate(sizes)])
    v_min = np.concatenate([np.full(s, m, np.int64) for s, m in zip(sizes, q.v_min)]) if q.v_min else None
    chip = assemble_chip_net(int(offsets[-1]), synapses, v_th, [_layer_synapses(chip_w[0], geometry[0])], n_inputs,
                             int(offsets[-2]), sizes[-1], model=q.engine_model or q.model, state_bits=q.state_bits,
                             decay_m=decay_m, decay_s=q.decay_s, reset=q.reset, v_reset=q.v_reset, v_min=v_min,
                             **dict(q.rule))
    if not any(d is not None for d in q.drives):
        return chip
    i_ext = np.concatenate([np.zeros(s, np.int64) if d is None else d for s, d in zip(sizes, q.drives)])
    return replace(chip, i_ext=i_ext)


def _check_raster(chip: ChipNet, raster: NDArray[Any]) -> NDArray[Any]:
    x = np.asarray(raster)
    if x.ndim != 3 or x.shape[2] != chip.n_inputs:
        raise QuantizationError(f"raster: expected (samples, steps, {chip.n_inputs}), got {x.shape}")
    if x.dtype.kind not in "biu" and not np.array_equal(x, np.rint(x)):
        raise QuantizationError("raster: expected spike counts (whole numbers)")
    return x


def chip_net_batch(chip: ChipNet, raster: NDArray[Any], membrane: bool = False,
                   threads: int | None = None) -> BatchResult:
    """Every sample of ``raster`` (samples, steps, inputs) run on an assembled fixed-point network in one
    call of the core (:func:`snnas.sim.fixed.simulate_fixed_batch`: threads, outputs reduced in C++)."""
    x = _check_raster(chip, raster)
    inputs = InputSynapses(chip.in_ptr, chip.in_target, chip.in_weight.astype(np.int32))
    return simulate_fixed_batch(chip.net, x, inputs, (chip.out_offset, chip.n_out), i_ext=chip.i_ext,
                                membrane=membrane, threads=threads)


def _spikes_int8(out: NDArray[np.int32]) -> NDArray[np.int8]:
    """Output spikes per step as int8 (a multi-spike step holds its count; counts above 127 are kept at 127)."""
    return np.minimum(out, 127).astype(np.int8)


def chip_net_outputs(chip: ChipNet, raster: NDArray[Any]) -> NDArray[np.int8]:
    """Output spikes of an assembled fixed-point network per step, (samples, steps, outputs): a batched run."""
    return _spikes_int8(chip_net_batch(chip, raster).out_spikes)


def chip_outputs(q: QuantizedNetwork | QuantizedGraph, raster: NDArray[Any]) -> NDArray[np.int8]:
    """Output spikes of the integer network (layers or graph) in the fixed-point engine: (samples, steps, classes)."""
    if isinstance(q, QuantizedGraph):
        return graph_chip_outputs(q, raster)
    return chip_net_outputs(_chip_net(q), raster)


def chip_membrane(q: QuantizedNetwork, raster: NDArray[Any]) -> tuple[NDArray[np.float64], NDArray[np.int8]]:
    """The output neurons' mean integer membrane (1/T) Σ_n v_n (v_n read at the end of step n, after the
    reset), (samples, classes), and the output spikes (samples, steps, classes), from one batched
    fixed-point run with the output neurons probed."""
    chip = _chip_net(q)
    res = chip_net_batch(chip, raster, membrane=True)
    steps = np.shape(raster)[1]
    if res.v_sum is None:
        raise QuantizationError("the batched run returned no membrane sums")
    return res.v_sum / max(steps, 1), _spikes_int8(res.out_spikes)


def chip_readout(q: QuantizedNetwork | QuantizedGraph, raster: NDArray[Any]
                 ) -> tuple[NDArray[Any] | None, NDArray[np.int8]]:
    """The chip's run on ``raster``: (its readout when that is not the output spike count, else None; the
    output spikes (samples, steps, classes)). A layer network trained with ``loss="membrane"`` is read by its
    output neurons' mean integer membrane (:func:`chip_membrane`)."""
    if isinstance(q, QuantizedNetwork) and q.readout == "membrane":
        return chip_membrane(q, raster)
    return None, chip_outputs(q, raster)


def chip_accuracy(q: QuantizedNetwork | QuantizedGraph, raster: NDArray[Any], labels: NDArray[np.int64],
                  readout: str | None = None) -> tuple[float, NDArray[Any]]:
    """Accuracy of the integer network in the fixed-point engine on spike rasters (samples, steps, inputs).

    Args:
        q: a quantised layer network or graph (:func:`snnas.quantize.quantize`).
        readout: "count" (output spike counts) or "membrane" (the output neurons' mean integer membrane,
            :func:`chip_membrane`; layer networks only); default the one the network was trained for
            (``q.readout``, see the module docstring; graphs are read by their spike counts).

    Returns the accuracy and the readout (samples, classes): int64 spike counts, or float64 mean membranes.
    """
    x = np.asarray(raster)
    if x.ndim != 3 or x.shape[0] != np.asarray(labels).size:
        raise QuantizationError(f"raster: expected (samples, steps, inputs) with one label per sample, got {x.shape}")
    how = readout or (q.readout if isinstance(q, QuantizedNetwork) else "count")
    if how not in ("count", "membrane"):
        raise QuantizationError(f"readout must be 'count' or 'membrane', got {how!r}")
    if how == "count":
        z: NDArray[Any] = chip_outputs(q, x).sum(axis=1).astype(np.int64)
    elif isinstance(q, QuantizedNetwork):
        z = chip_membrane(q, x)[0]
    else:
        raise QuantizationError("readout 'membrane': graph networks are read by their output spike counts")
    return hit_rate(z, np.asarray(labels)), z


def graph_chip_outputs(q: QuantizedGraph, raster: NDArray[Any]) -> NDArray[np.int8]:
    """Output spikes of the integer graph network in the fixed-point engine: (samples, steps, classes)."""
    cfg = q.result.config
    sizes = dict(cfg.nodes)
    sizes["out"] = next(w.shape[1] for w, e in zip(q.weights, cfg.edges) if e.dst == "out")
    names = [p for p, _ in cfg.nodes] + ["out"]
    offset = dict(zip(names, np.concatenate([[0], np.cumsum([sizes[p] for p in names])]).astype(np.int64)))
    synapses, inputs = [], []
    for e, w in zip(cfg.edges, q.weights):
        pre, post = np.nonzero(w)
        if e.src == "in":
            inputs.append((pre, post + offset[e.dst], w[pre, post]))
        else:
            synapses.append((pre + offset[e.src], post + offset[e.dst], w[pre, post], np.full(pre.size, e.delay)))
    n_in = next(w.shape[0] for w, e in zip(q.weights, cfg.edges) if e.src == "in")
    v_th = np.concatenate([np.full(sizes[p], q.thresholds.get(p, 1)) for p in names])
    chip = assemble_chip_net(int(sum(sizes.values())), synapses, v_th, inputs, n_in, int(offset["out"]), sizes["out"],
                             model=cfg.train.neuron, state_bits=q.state_bits, decay_m=q.decay, decay_s=0, reset=q.reset)
    return chip_net_outputs(chip, raster)
