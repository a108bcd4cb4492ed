"""Training a :class:`~snnas.ir.network.Network` (the IR) directly: read it as the layer trainer sees it, train,
and write the trained weights back into the same network.

A network the layer trainer runs is a **chain**: one input, populations P_1 … P_L, each fed by exactly one
projection from the node before it (a ``Conv`` for leading conv layers, then ``Dense``), optionally a
``Dense`` projection from a population onto itself (recurrence, delay 0), and P_L the output. Every
population has the same neuron model (IF, LIF, CUBA-LIF or adaptive LIF), reset to 0 or by subtraction,
no leak potential, no refractory period, no bias; each layer may have its own decay and threshold,
uniform within the layer.

The trainer works in jumps per spike: a delivered weight w of the IR moves the membrane (or the drive of
a current-based neuron) by w·g, with g the population's ``input_gain`` as the IR discretises it
(r·dt/tau_m for LIF, r for IF, r·w_in·dt/tau_syn for CUBA-LIF; :meth:`NeuronParameters.discretize`), so the
trainer's weight is W = w·g (dense: transposed to inputs × neurons) and a trained W goes back as W / g.
The decay per step and the threshold are taken from the discretisation too, so training runs the
simulators' own factors. A network written by :meth:`TrainResult.to_network` has g = 1 up to rounding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, cast, overload

import numpy as np
from numpy.typing import NDArray

from snnas.data.datasets import Dataset, Split, split
from snnas.ir.conv import ConvSpec
from snnas.ir.network import Conv, Dense, Input, Network, Population, Projection
from snnas.train.config import NEURONS, LayerNeuron, Neuron, TrainConfig
from snnas.train.fit import TrainError
from snnas.train.layers import TrainResult
from snnas.train.layers import train as train_layers

__all__ = ["LayerView", "layer_view", "train", "train_network"]



@dataclass(frozen=True)
class LayerView:
    """A chain network as the layer trainer sees it.

    Attributes:
        network: the network read.
        result: its weights in the trainer's scale and the :class:`TrainConfig` describing it (no training
            history: ``seconds`` is 0).
        gains: per layer, the jump per unit of IR weight g (see the module docstring).
        feed: per layer, the index in ``network.projections`` of the projection feeding it.
        loops: per layer, the index of its recurrent projection, or None.
    """

    network: Network
    result: TrainResult
    gains: tuple[float, ...]
    feed: tuple[int, ...]
    loops: tuple[int | None, ...] = field(default=())

    def write(self, trained: TrainResult, history_key: str = "snnas.train") -> Network:
        """The network with ``trained``'s weights (same shapes as this view's) written back in IR units."""
        projs: list[Projection] = list(self.network.projections)
        n_conv = len(trained.config.conv)
        for layer, (w, g) in enumerate(zip(trained.weights, self.gains)):
            p = projs[self.feed[layer]]
            ir = w / g if layer < n_conv else (w / g).T
            projs[self.feed[layer]] = _with_weight(p, ir)
            loop = self.loops[layer] if layer < len(self.loops) else None
            rec = trained.recurrent[layer] if layer < len(trained.recurrent) else None
            if loop is not None and rec is not None:
                projs[loop] = _with_weight(projs[loop], (rec / g).T, clear_bias=True)
        for layer, d in enumerate(trained.drives):
            if d is not None:
                projs[self.feed[layer]] = _with_bias(projs[self.feed[layer]], self.network.node(
                    projs[self.feed[layer]].target), d)
        meta = dict(self.network.metadata)
        meta[history_key] = {"epochs": len(trained.history), "seconds": trained.seconds,
                             "best_val_accuracy": max((h["val_accuracy"] for h in trained.history), default=None)}
        return replace(self.network, projections=tuple(projs), metadata=meta)


def _with_weight(p: Projection, weight: NDArray[np.float64], clear_bias: bool = False) -> Projection:
    """A Dense or Conv projection with new weights (and, with ``clear_bias``, no bias)."""
    if not isinstance(p, (Dense, Conv)):
        raise TrainError(f"projection {p.source}->{p.target}: {type(p).__name__} has no trained weights")
    w = np.ascontiguousarray(weight)
    return replace(p, weight=w, bias=None) if clear_bias else replace(p, weight=w)


def _with_bias(p: Projection, target: Any, drive: NDArray[np.float64]) -> Projection:
    """The projection with bias b = I / r for a trained drive I (every bias of the target lives on its feed)."""
    if not isinstance(p, Dense):
        raise TrainError(f"projection {p.source}->{p.target}: biases are trained on Dense projections only")
    return replace(p, bias=np.ascontiguousarray(drive / target.neuron.resistance(drive.size)))


def _uniform(values: NDArray[np.float64], what: str, pop: str) -> float:
    if values.size == 0 or not np.all(values == values[0]):
        raise TrainError(f"population {pop!r}: {what} differs between its neurons; the layer trainer needs one value "
                         f"per layer")
    return float(values[0])


def _chain(net: Network) -> tuple[Input, list[Population], list[int], list[int | None]]:
    """The input, the populations in order, the feeding and recurrent projection of each (indices)."""
    if len(net.inputs) != 1:
        raise TrainError(f"network {net.name!r}: the layer trainer needs exactly one input, got {len(net.inputs)}")
    into: dict[str, list[int]] = {}
    loops: dict[str, int] = {}
    for i, p in enumerate(net.projections):
        if p.source == p.target:
            if p.target in loops or not isinstance(p, Dense):
                raise TrainError(f"population {p.target!r}: recurrence must be one Dense projection onto itself")
            loops[p.target] = i
        else:
            into.setdefault(p.target, []).append(i)
    order: list[Population] = []
    feed: list[int] = []
    current: str = net.inputs[0].name
    pops = {p.name: p for p in net.populations}
    while True:
        nxt = [i for i, p in enumerate(net.projections) if p.source == current and p.target != current]
        if not nxt:
            break
        if len(nxt) > 1:
            names = sorted({net.projections[i].target for i in nxt})
            raise TrainError(f"node {current!r} projects to {names}: the layer trainer needs a chain (one projection "
                             f"into the next layer); graphs train with snnas.train.graph")
        target = net.projections[nxt[0]].target
        if len(into.get(target, [])) != 1:
            raise TrainError(f"population {target!r} has {len(into.get(target, []))} incoming projections; a chain "
                             f"has one")
        order.append(pops[target])
        feed.append(nxt[0])
        current = target
    missing = sorted(set(pops) - {p.name for p in order})
    if missing:
        raise TrainError(f"network {net.name!r}: populations {missing} are not on the chain from the input")
    if not order:
        raise TrainError(f"network {net.name!r}: no population is fed by the input")
    outputs = net.outputs or (order[-1].name,)
    if tuple(outputs) != (order[-1].name,):
        raise TrainError(f"network {net.name!r}: the output must be the last population of the chain "
                         f"({order[-1].name!r}), got {list(outputs)}")
    return net.inputs[0], order, feed, [loops.get(p.name) for p in order]


def layer_view(net: Network, config: TrainConfig | None = None) -> LayerView:
    """Read a chain network for the layer trainer (see the module docstring).

    Args:
        net: the network; its weights are the starting point.
        config: training settings (steps, encoder, epochs, learning rate, loss, surrogate, seed, ...); its
            architecture fields (hidden, conv, neuron, tau_m, threshold, reset, recurrent, layers, dt,
            input_shape) are replaced by the network's.

    Raises:
        TrainError: the network is not a chain the trainer runs, naming the population or projection.
    """
    base = config if config is not None else TrainConfig(progress=False)
    inp, order, feed, loops = _chain(net)
    models = {p.neuron.model for p in order}
    if len(models) != 1 or not models <= set(NEURONS):
        raise TrainError(f"network {net.name!r}: the layer trainer needs one neuron model of {', '.join(NEURONS)} "
                         f"for every population, got {sorted(models)}")
    model = cast(Neuron, models.pop())
    discrete = [p.neuron.discretize(net.dt, p.size) for p in order]
    resets = {d.reset for d in discrete}
    if len(resets) != 1:
        raise TrainError(f"network {net.name!r}: every population must reset alike, got {sorted(resets)}")
    layers, gains, weights, recurrent, convs = [], [], [], [], []
    drives: list[NDArray[np.float64] | None] = []
    offsets = net.offsets()
    conv_done = False
    for layer, (pop, d, i) in enumerate(zip(order, discrete, feed)):
        for name, values in (("v_reset", d.v_reset), ("v_rest (v_leak)", d.v_rest)):
            if np.any(values != 0):
                raise TrainError(f"population {pop.name!r}: {name} must be 0 for the trainer, got "
                                 f"{_uniform(values, name, pop.name)!r}")
        if np.any(d.t_ref != 0):
            raise TrainError(f"population {pop.name!r}: the trainer has no refractory period; t_ref must be 0")
        g = _uniform(d.input_gain, "input gain (r·dt/tau)", pop.name)
        if not g > 0:
            raise TrainError(f"population {pop.name!r}: input gain must be positive, got {g}")
        layers.append(LayerNeuron(_uniform(d.alpha_m, "decay (tau_m)", pop.name), _uniform(d.v_th, "v_th", pop.name)))
        gains.append(g)
        p = net.projections[i]
        bias = net.bias()[offsets[pop.name]:offsets[pop.name] + pop.size]
        if np.any(bias != 0):
            if isinstance(p, Conv) or model not in ("lif", "if"):
                raise TrainError(f"population {pop.name!r}: biases are trained on dense LIF and IF layers only")
            drives.append(bias * pop.neuron.resistance(pop.size))  # the drive I = r·b, as the engine runs it
        else:
            drives.append(None)
        if p.delay != 0:
            raise TrainError(f"projection {p.source}->{p.target}: the layer trainer needs delay 0, got {p.delay}")
        if isinstance(p, Conv):
            if conv_done or len(p.kernel) != 2 or p.groups != 1 or tuple(p.dilation) != (1, 1):  # type: ignore[arg-type]
                raise TrainError(f"projection {p.source}->{p.target}: conv layers must come first and be 2-D, "
                                 f"groups 1, dilation 1")
            convs.append(ConvSpec(channels=int(p.weight.shape[0]), kernel=p.kernel,
                                  stride=p.stride, padding=p.padding))  # type: ignore[arg-type]
            weights.append(np.asarray(p.weight, dtype=np.float64) * g)
        elif isinstance(p, Dense):
            conv_done = True
            weights.append(np.asarray(p.weight, dtype=np.float64).T * g)
        else:
            raise TrainError(f"projection {p.source}->{p.target}: {type(p).__name__} projections have no trained "
                             f"weights; the layer trainer runs Conv and Dense projections")
        loop = loops[layer]
        loop_p = None if loop is None else net.projections[loop]
        recurrent.append(None if not isinstance(loop_p, Dense) else np.asarray(loop_p.weight, dtype=np.float64).T * g)
    if any(r is not None for r in recurrent[len(convs):-1]) and not all(
            r is not None for r in recurrent[len(convs):-1]):
        raise TrainError(f"network {net.name!r}: the layer trainer gives either every hidden dense layer recurrence "
                         f"or none")
    if recurrent[-1] is not None or any(r is not None for r in recurrent[:len(convs)]):
        raise TrainError(f"network {net.name!r}: recurrence is trained on hidden dense layers only")
    shape = tuple(inp.shape)
    if convs and len(shape) != 3:
        raise TrainError(f"input {inp.name!r}: conv layers need a (channels, height, width) input, got {shape}")
    first = discrete[0]
    extra: dict[str, Any] = {}
    if model == "adaptive_lif":
        adapt = {(float(np.asarray(p.neuron.tau_adapt).flat[0]), float(np.asarray(p.neuron.beta).flat[0]))  # type: ignore[attr-defined]
                 for p in order}
        if len(adapt) != 1:
            raise TrainError(f"network {net.name!r}: every adaptive LIF population needs one tau_adapt and beta")
        extra["tau_adapt"], extra["adapt_beta"] = adapt.pop()
    if model == "cuba_lif":
        tau_syn = [-net.dt / math.log(a) for a in {float(d.alpha_s[0]) for d in discrete}]
        if len(tau_syn) != 1:
            raise TrainError(f"network {net.name!r}: every CUBA-LIF population needs one tau_syn")
        extra["tau_syn"] = tau_syn[0]
    cfg = replace(base, hidden=tuple(order[k].size for k in range(len(convs), len(order) - 1)), conv=tuple(convs),
                  recurrent=any(r is not None for r in recurrent), neuron=model, dt=net.dt,
                  reset="subtract" if first.reset == "subtract" else "value", layers=tuple(layers),
                  threshold=layers[0].threshold, input_shape=shape if convs else None, **extra)
    result = TrainResult(weights, cfg, [], 0.0, 0.0, recurrent, drives)
    return LayerView(net, result, tuple(gains), tuple(feed), tuple(loops))


def train_network(net: Network, data: Dataset, parts: Split | None = None, config: TrainConfig | None = None,
                  **settings: Any) -> Network:
    """Train (fine-tune) ``net`` from its own weights on ``data``; returns the trained network (same nodes,
    neuron parameters and projections, trained weights; ``metadata["snnas.train"]`` summarises the run).

    Args:
        net: a chain network (see the module docstring), e.g. one read with :func:`snnas.ir.read_nir`.
        data: its inputs must equal the network's input size, its classes the output population's size.
        parts: train/val/test split (default :func:`snnas.data.split` with seed 0).
        config: training settings (see :func:`layer_view`); ``settings`` override single fields, e.g.
            ``epochs=20, n_steps=16, encoder="rate"``.

    Raises:
        TrainError: the network is not a chain the trainer runs, or does not fit the data.
    """
    if "dt" in settings and settings["dt"] != net.dt:
        raise TrainError(f"dt: the network {net.name!r} runs with dt = {net.dt} s (its own); "
                         f"got dt = {settings['dt']}; "
                         f"the data are binned at the network's step")
    if not isinstance(data, Dataset):
        raise TrainError(f"data: expected a snnas.data.Dataset, got {type(data).__name__}")
    base = replace(config if config is not None else TrainConfig(progress=False), **settings)
    view = layer_view(net, base)
    out = view.network.node(view.network.outputs[0]) if view.network.outputs else None
    n_out = out.size if out is not None else view.result.weights[-1].shape[1]
    if data.n_inputs != net.inputs[0].size or data.n_classes != n_out:
        raise TrainError(f"network {net.name!r} has {net.inputs[0].size} inputs and {n_out} outputs; {data.name} has "
                         f"{data.n_inputs} inputs and {data.n_classes} classes")
    res = view.result
    trained = train_layers(data, parts if parts is not None else split(data, seed=0), res.config, init=res.weights,
                           init_recurrent=res.recurrent if res.config.recurrent else None,
                           init_drives=res.drives_or_none())
    return view.write(trained)


@overload
def train(first: Network, data: Dataset, parts: Split | None = None, config: TrainConfig | None = None,
          **settings: Any) -> Network: ...
@overload
def train(first: Dataset, data: Split, parts: TrainConfig = ..., **options: Any) -> TrainResult: ...


def train(first: Network | Dataset, data: Any, parts: Any = None, config: Any = None, **options: Any
          ) -> Network | TrainResult:
    """Train a network.

    * ``train(net, data, parts=None, config=None, **settings) -> Network``: fine-tune the IR network ``net``
      from its own weights (:func:`train_network`);
    * ``train(data, parts, config=TrainConfig(), ...) -> TrainResult``: train the architecture a
      :class:`TrainConfig` describes from random weights (:func:`snnas.train.layers.train`).
    """
    if isinstance(first, Network):
        return train_network(first, data, parts, config, **options)
    positional = [a for a in (parts, config) if a is not None]
    return train_layers(first, data, *positional, **options)
