"""Surrogate-gradient training (BPTT) of feed-forward LIF networks, in the simulators' own time step.

The forward pass is exactly the step of snnas' simulators (Brian2's order), so a trained network,
exported with :meth:`TrainResult.to_network`, spikes the same way in the C++ engine. Per layer, with
input spikes x_n (batch × inputs), weights W (inputs × neurons), decay a = exp(-dt/tau_m), threshold θ:

    u_n = a · v_{n-1}                      (1) update
    s_n = H(u_n - θ)                       (2) threshold
    v_n = u_n + x_n W                      (3) deliver (this step's input spikes)
    v_n ← 0 where s_n (reset to zero)  or  v_n ← v_n - θ s_n (subtract)        (4) reset

so a layer answers one step after its input. Conv layers (``TrainConfig.conv``, before the dense ones)
differ only in how x_n W is formed: a 2-D convolution of the input image, optionally with sum or average
pooling of the currents folded into its kernel (:mod:`snnas.train.conv`).

Loss (``TrainConfig.loss``), over the C output neurons, label y, softmax p = softmax(z):

- ``"count"``: z_c = Σ_n s_n[c], the spike count over the T steps; L = -log p_y.
- ``"membrane"``: z_c = (1/T) Σ_n v_n[c], the mean over the steps of the output layer's membrane at the
  end of each step (after the reset, the value a probe of the chip reads), in units of θ;
  L = -log p_y. snnTorch's ``ce_max_membrane_loss`` and Zenke & Vogels' readout take the max over time
  instead; the mean gives every step a gradient, dL/dv_n = (p - onehot(y))/T (per sample), and the output
  layer's spikes, which only reset it, get none. The output layer stays a spiking LIF layer, so the network
  exports unchanged. The prediction is argmax z as well (:func:`readout`, :func:`accuracy`).

The Heaviside H has the surrogate derivative
of the fast sigmoid (Zenke & Ganguli 2018), ``1 / (1 + k|u - θ|)^2``, or of arctan or a triangle, by
name; the reset is not differentiated through (as snnTorch does by default). Adam updates the weights.

Elementwise kernels are compiled with numba; the matrix products go to BLAS.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from snnas.data.datasets import Dataset, Split
from snnas.ir.conv import compose, compose_transpose
from snnas.ir.network import Conv, Dense, Input, Network, Population
from snnas.ir.semantics import MAX_SPIKES, SEMANTICS, Semantics
from snnas.train.config import (
    TrainConfig,
    check_config,
    conv_layers,
    encode,
    layer_decay,
    layer_threshold,
    neuron_parameters,
    weight_shapes,
)
from snnas.train.conv import conv_currents, conv_grads
from snnas.train.fit import FitState, TrainError, fit
from snnas.train.spikes import spike_product, spike_product_t
from snnas.train.steps import (
    SURROGATE_CODES,
    SURROGATES,
    layer_backward,
    layer_forward,
    lif_backward,
    lif_forward,
    lif_step,
    spike_count,
    surrogate_distance,
)

Optionals = list[NDArray[np.float64] | None]  # one array or None per layer
_EMPTY1, _EMPTY2 = np.zeros(0), np.zeros((0, 0))  # "not wanted" for the compiled kernels' optional outputs
_STEP_LOOP = False  # True: the step-by-step numpy loops instead of the compiled kernels (their specification)

__all__ = ["TrainResult", "accuracy", "forward", "hit_rate", "init_layer_weights", "readout", "train"]


def trained_semantics(config: TrainConfig) -> Semantics:
    """The step rule a config trains: snnas' own (each population's reset, NIR's reading of the parameters)
    with the config's spike rule and order, named e.g. ``snnas_multi``, ``snnas_input_first``."""
    name = "_".join(["snnas"] + (["multi"] if config.spikes == "multi" else [])
                    + (["input_first"] if config.order == "input_first" else []))
    return dataclasses.replace(SEMANTICS["snnas"], name=name, spikes=config.spikes, order=config.order,
                               max_spikes=MAX_SPIKES if config.spikes == "multi" else 1)


@dataclass
class TrainResult:
    """Trained weights (inputs × neurons per layer, in volts of jump per spike) and the learning curve."""

    weights: list[NDArray[np.float64]]
    config: TrainConfig
    history: list[dict[str, float]]
    seconds: float
    samples_per_second: float
    recurrent: list[NDArray[np.float64] | None] = field(default_factory=list)
    drives: list[NDArray[np.float64] | None] = field(default_factory=list)
    state: FitState | None = field(default=None, repr=False)  # to resume training from (fit.FitState)

    def recurrent_or_none(self) -> list[NDArray[np.float64] | None] | None:
        return self.recurrent if any(r is not None for r in self.recurrent) else None

    def drives_or_none(self) -> list[NDArray[np.float64] | None] | None:
        """Per layer the constant drive I (neurons,) of a network with biases, else None (see :func:`forward`)."""
        return self.drives if any(d is not None for d in self.drives) else None

    def to_network(self, name: str = "trained") -> Network:
        """The trained network in the snnas IR (LIF populations, dense and conv projections).

        The IR keeps NIR's continuous-time scale: a weight w moves v by w·r·dt/tau_m, so r = tau_m/dt and
        the jump-per-spike weights are stored unchanged. A conv layer becomes a population of shape
        (C, H_o, W_o) and a ``Conv`` projection with the effective kernel (pooling folded in, see
        :mod:`snnas.train.conv`); the dense layer after it reads the population in C order.
        """
        c = self.config
        n_conv = len(c.conv)
        if n_conv and c.input_shape is None:
            raise TrainError("input_shape: a network with conv layers needs the input shape in its config "
                             "(train() stores it)")
        n_in = math.prod(c.input_shape) if n_conv and c.input_shape is not None else self.weights[0].shape[0]
        convs = conv_layers(c, n_in)
        shapes = [layer.out_shape for layer in convs] + [(w.shape[1],) for w in self.weights[n_conv:]]
        nodes: list[Any] = [Input("in", convs[0].in_shape if convs else (n_in,))]
        projs: list[Any] = []
        for i, (w, n) in enumerate(zip(self.weights, shapes)):
            nodes.append(Population(f"l{i + 1}", n, neuron_parameters(c, i)))
            src = "in" if i == 0 else f"l{i}"
            if i < n_conv:
                layer = convs[i]
                projs.append(Conv(src, f"l{i + 1}", compose(w, layer), stride=layer.stride, padding=layer.padding))
            else:
                drive = self.drives[i] if i < len(self.drives) else None
                # a drive I is the engine's r·b: the bias b = I / r of the population's neuron
                bias = None if drive is None else drive / nodes[-1].neuron.resistance(drive.size)
                projs.append(Dense(src, f"l{i + 1}", w.T.copy(), bias=bias))
            rec = self.recurrent[i] if i < len(self.recurrent) else None
            if rec is not None:
                projs.append(Dense(f"l{i + 1}", f"l{i + 1}", rec.T.copy()))
        # multi-spike layers follow no IR neuron field: the step rule goes with the network (the layered
        # simulator and NIR export read it; snnas' event engine runs single spikes)
        meta = {"semantics": trained_semantics(c)} if (c.spikes, c.order) != ("single", "test_first") else {}
        return Network(tuple(nodes), tuple(projs), dt=c.dt, name=name, metadata=meta)


def _check(config: TrainConfig, data: Dataset, split: Split | None = None) -> None:
    if not isinstance(data, Dataset):
        raise TrainError(f"data: expected a snnas.data.Dataset, got {type(data).__name__}")
    if split is not None and not isinstance(split, Split):
        raise TrainError(f"split: expected a snnas.data.Split, got {type(split).__name__}")
    if not isinstance(config, TrainConfig):
        raise TrainError(f"config: expected a TrainConfig, got {type(config).__name__}")
    check_config(config)  # also run when the config was built; a config edited in place is checked again
    if len(data) == 0:
        raise TrainError(f"{data.name}: no samples")
    conv_layers(config, data.n_inputs)


def forward(weights: Sequence[NDArray[np.float64]], x: NDArray[np.float64], config: TrainConfig,
            keep: bool = False, recurrent: Sequence[NDArray[np.float64] | None] | None = None,
            drives: Sequence[NDArray[np.float64] | None] | None = None
            ) -> tuple[NDArray[np.float64], list[tuple[NDArray[np.float64], NDArray[np.float64]]]]:
    """Run a batch ``x`` (batch, steps, inputs); returns output spike counts and, with ``keep``, per layer
    the (u, s) arrays of shape (steps, batch, neurons) that the backward pass needs.

    ``recurrent[l]`` (neurons × neurons) feeds layer l's spikes back to itself with delay 0: in the
    engine's order they are delivered in the same step they happen, after the threshold, so
    v_n = u_n + x_n W + s_n R, before the reset. The first ``len(config.conv)`` weights are conv kernels.

    ``drives[l]`` (neurons,) is a constant input of layer l (a bias b of the IR, as the drive I = r·b),
    which the update integrates exactly as the engine does: u_n = I + (v_{n-1} - I)·a (LIF), u_n = v_{n-1} + I
    (IF). Dense layers of LIF or IF networks only.
    """
    counts, saved, _ = _run(weights, x, config, keep, recurrent, drives)
    return counts, saved


def _run(weights: Sequence[NDArray[np.float64]], x: NDArray[np.float64], config: TrainConfig,
         keep: bool = False, recurrent: Sequence[NDArray[np.float64] | None] | None = None,
         drives: Sequence[NDArray[np.float64] | None] | None = None
         ) -> tuple[NDArray[np.float64], list[tuple[NDArray[np.float64], NDArray[np.float64]]], NDArray[np.float64]]:
    """:func:`forward`, plus the output layer's mean membrane (1/T) Σ_n v_n, (batch, neurons)."""
    convs = conv_layers(config, x.shape[2])
    b_scalar = math.exp(-config.dt / config.tau_syn)
    cuba = config.neuron == "cuba_lif"
    adaptive = config.neuron == "adaptive_lif"
    rho = math.exp(-config.dt / config.tau_adapt)
    subtract = config.reset == "subtract"
    multi = config.spikes == "multi"
    input_first = config.order == "input_first"
    if input_first and drives is not None and any(d is not None for d in drives):
        raise TrainError("order='input_first': networks with biases (drives) are not supported")
    inp = np.ascontiguousarray(np.transpose(x, (1, 0, 2)), dtype=np.float64)  # (steps, batch, inputs)
    saved = []
    v_mean = np.zeros((x.shape[0], 0))
    for layer, w in enumerate(weights):
        rec = recurrent[layer] if recurrent is not None else None
        drive = drives[layer] if drives is not None else None
        steps, batch, _ = inp.shape
        last = layer == len(weights) - 1
        a_scalar, threshold = layer_decay(config, layer), layer_threshold(config, layer)
        if layer < len(convs):
            n = math.prod(convs[layer].out_shape)
            currents = conv_currents(inp, compose(w, convs[layer]), convs[layer])
        else:
            n = w.shape[1]
            currents = spike_product(inp.reshape(steps * batch, -1), w).reshape(steps, batch, n)
        v = np.zeros((batch, n))
        u_all = np.empty((steps, batch, n))
        s_all = np.empty((steps, batch, n))
        v_sum = np.zeros((batch, n))
        i_syn = np.zeros((batch, n))
        theta = np.zeros((batch, n))
        plain = not cuba and ((rec is None and not adaptive and drive is None) or input_first)
        if plain and not _STEP_LOOP:  # every step in one compiled call
            lif_forward(currents, a_scalar, threshold, subtract, multi, input_first, u_all, s_all,
                        v_sum if last else _EMPTY2)
        elif not _STEP_LOOP:
            layer_forward(np.ascontiguousarray(currents), a_scalar, b_scalar, threshold, subtract, multi, cuba,
                          adaptive, rho, config.adapt_beta, config.neuron == "if",
                          _EMPTY1 if drive is None else np.ascontiguousarray(drive, dtype=np.float64),
                          _EMPTY2 if rec is None else np.ascontiguousarray(rec, dtype=np.float64), u_all, s_all,
                          v_sum if last else _EMPTY2)
        for t in range(steps if _STEP_LOOP else 0):  # the specification of the kernels, step by step
            if cuba:  # the engine's CUBA-LIF: i decays, v relaxes exactly towards i, input goes to i
                i_syn = b_scalar * i_syn
                u = i_syn + (v - i_syn) * a_scalar
                spikes = (u >= threshold).astype(np.float64)
                i_syn = i_syn + currents[t] + (spikes @ rec if rec is not None else 0.0)
                v = u - threshold * spikes if subtract else u * (1.0 - spikes)
                u_all[t], s_all[t] = u, spikes
            elif plain:
                lif_step(v, currents[t], np.full(n, a_scalar), threshold, subtract, u_all[t], s_all[t], multi,
                         input_first)
            else:  # LIF with recurrence, a drive and/or the engine's adaptive threshold θ + θ_a (θ_a = 0 without)
                if adaptive:
                    theta = theta * rho
                if drive is None:
                    u = a_scalar * v
                elif config.neuron == "if":
                    u = v + drive
                else:
                    u = drive + (v - drive) * a_scalar
                thr = threshold + theta if adaptive else threshold
                spikes = spike_count(u, thr, multi)
                total = u + currents[t] + (spikes @ rec if rec is not None else 0.0)
                v = total - thr * spikes if subtract else total * (1.0 - spikes)
                if adaptive:
                    theta = theta + config.adapt_beta * spikes
                u_all[t], s_all[t] = u - (thr - threshold), spikes  # u relative to the moving threshold
            if last:
                v_sum += v
        if keep:
            saved.append((u_all, s_all))
        inp = s_all
        if last:
            v_mean = v_sum / steps
    return inp.sum(axis=0), saved, v_mean


def _backward_full(weights: Sequence[NDArray[np.float64]], x: NDArray[np.float64], saved: list[Any],
                   d_counts: NDArray[np.float64], config: TrainConfig,
                   recurrent: Sequence[NDArray[np.float64] | None] | None = None,
                   d_membrane: NDArray[np.float64] | None = None
                   ) -> tuple[list[NDArray[np.float64]], list[NDArray[np.float64] | None]]:
    """Gradients of the feed-forward and recurrent weights (:func:`_backward_all` without drives)."""
    grads, rec_grads, _ = _backward_all(weights, x, saved, d_counts, config, recurrent, d_membrane)
    return grads, rec_grads


def _backward_all(weights: Sequence[NDArray[np.float64]], x: NDArray[np.float64], saved: list[Any],
                  d_counts: NDArray[np.float64], config: TrainConfig,
                  recurrent: Sequence[NDArray[np.float64] | None] | None = None,
                  d_membrane: NDArray[np.float64] | None = None,
                  drives: Sequence[NDArray[np.float64] | None] | None = None
                  ) -> tuple[list[NDArray[np.float64]], Optionals, Optionals]:
    """Gradients of the feed-forward and recurrent weights and of the drives (see the module docstring).

    Per layer, backwards in time, with dv the gradient reaching v_n (after the reset) from step n+1
    (through u_{n+1} = a v_n) and, in the output layer, from a membrane readout z = (1/T) Σ_n v_n
    (``d_membrane`` = dL/dz, adding dL/dz / T to dv at every step):
    dI_n = dv (subtract) or dv ⊙ (1 - s_n) (reset to zero: a spiking neuron's input is lost);
    dL/ds_n = g_n + dI_n R^T; du_n = dI_n + (dL/ds_n) ⊙ σ'(u_n - θ); dv ← a du_n;
    dW += x_n^T dI_n, dR += s_n^T dI_n, and the layer below receives g = dI_n W^T. For a conv layer
    x_n W and its transposes are convolutions (:func:`snnas.train.conv.conv_grads`). A drive I of the
    update u_n = I + (v_{n-1} - I)·a (LIF; u_n = v_{n-1} + I for IF) gets dI = Σ_n du_n ⊙ (1 - a) (IF: 1 - a = 1).
    """
    convs = conv_layers(config, x.shape[2])
    b = math.exp(-config.dt / config.tau_syn)
    cuba = config.neuron == "cuba_lif"
    surrogate = SURROGATES[config.surrogate]
    subtract = config.reset == "subtract"
    input_first = config.order == "input_first"
    inputs = [np.transpose(x, (1, 0, 2))] + [s for _, s in saved[:-1]]
    grads: list[NDArray[np.float64]] = [np.zeros_like(w) for w in weights]
    rec_grads: list[NDArray[np.float64] | None] = [None] * len(weights)
    drive_grads: list[NDArray[np.float64] | None] = [None] * len(weights)
    steps = x.shape[1]
    g = np.broadcast_to(d_counts, (steps, *d_counts.shape))  # dL/ds_n of the output layer
    for layer in range(len(weights) - 1, -1, -1):
        rec = recurrent[layer] if recurrent is not None else None
        u, s = saved[layer]
        a = layer_decay(config, layer)
        d_current = np.empty_like(u)
        dv = np.zeros(u.shape[1:])
        di = np.zeros(u.shape[1:])
        d_mem = d_membrane / steps if d_membrane is not None and layer == len(weights) - 1 else None
        with_drive = drives is not None and drives[layer] is not None
        du_sum = np.zeros(u.shape[2]) if with_drive else None
        fused = config.surrogate in SURROGATE_CODES and not _STEP_LOOP
        g_rows = np.ascontiguousarray(d_counts)[None] if layer == len(weights) - 1 else np.ascontiguousarray(g)
        mem = _EMPTY2 if d_mem is None else np.ascontiguousarray(d_mem)
        if fused and (input_first or (not cuba and rec is None)):  # every step in one compiled call
            lif_backward(u, s, g_rows, layer_threshold(config, layer), config.spikes == "multi",
                         SURROGATE_CODES[config.surrogate], config.slope, a, subtract, input_first, mem, d_current,
                         du_sum if du_sum is not None and not input_first else _EMPTY1)
        elif fused:
            layer_backward(u, s, g_rows, layer_threshold(config, layer), config.spikes == "multi",
                           SURROGATE_CODES[config.surrogate], config.slope, a, b, subtract, cuba,
                           _EMPTY2 if rec is None else np.ascontiguousarray(rec.T), mem, d_current,
                           _EMPTY1 if du_sum is None else du_sum)
        else:
            sg = surrogate(surrogate_distance(u, layer_threshold(config, layer), config.spikes == "multi"),
                           config.slope)
        for t in range(-1 if fused else steps - 1, -1, -1):
            if d_mem is not None:
                dv = dv + d_mem
            keep_v = dv if subtract else dv * (1.0 - s[t])
            if input_first:  # u_n = a·v_{n-1} + I_n, s_n = H(u_n - θ), v_n = reset(u_n): I_n's gradient is u_n's
                du = keep_v + g[t] * sg[t]
                d_current[t] = du
                dv = a * du
                continue
            # CUBA: i_n = i'_n + I_n; u_n = i'_n + (v_{n-1} - i'_n) a; v_n = reset(u_n); i'_n = b i_{n-1},
            # so the input current's gradient is di's; LIF: it is the kept dv
            d_in = di if cuba else keep_v
            d_current[t] = d_in
            ds = g[t] if rec is None else g[t] + d_in @ rec.T
            du = keep_v + ds * sg[t]
            if du_sum is not None:
                du_sum += du.sum(axis=0)
            dv = a * du
            if cuba:
                di = b * (di + (1.0 - a) * du)
        if du_sum is not None:
            drive_grads[layer] = du_sum if config.neuron == "if" else du_sum * (1.0 - a)
        xin = inputs[layer]
        flat_d = d_current.reshape(-1, d_current.shape[-1])
        if rec is not None:
            rec_grads[layer] = spike_product_t(s.reshape(-1, s.shape[-1]), flat_d)
        if layer < len(convs):
            k_eff = compose(weights[layer], convs[layer])
            d_eff, g_below = conv_grads(xin, d_current, k_eff, convs[layer], below=layer > 0)
            grads[layer] = compose_transpose(d_eff, convs[layer])
            if g_below is not None:
                g = g_below
            continue
        grads[layer] = spike_product_t(xin.reshape(-1, xin.shape[-1]), flat_d)
        if layer:
            g = (flat_d @ weights[layer].T).reshape(steps, *xin.shape[1:])
    return grads, rec_grads, drive_grads


def _backward(weights: Sequence[NDArray[np.float64]], x: NDArray[np.float64], saved: list[Any],
              d_counts: NDArray[np.float64], config: TrainConfig) -> list[NDArray[np.float64]]:
    """Gradients of the feed-forward weights of a network without recurrence."""
    return _backward_full(weights, x, saved, d_counts, config)[0]


def _softmax_grad(counts: NDArray[np.float64], labels: NDArray[np.int64]) -> tuple[float, NDArray[np.float64]]:
    z = counts - counts.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    loss = float(-np.log(p[np.arange(labels.size), labels] + 1e-12).mean())
    p[np.arange(labels.size), labels] -= 1.0
    return loss, p / labels.size


def readout(weights: Sequence[NDArray[np.float64]], x: NDArray[np.float64], config: TrainConfig,
            recurrent: Sequence[NDArray[np.float64] | None] | None = None,
            drives: Sequence[NDArray[np.float64] | None] | None = None) -> NDArray[np.float64]:
    """What the prediction is the argmax of, (batch, classes): the output spike counts for
    ``loss="count"``, the output layer's mean membrane (1/T) Σ_n v_n [units of θ] for ``loss="membrane"``."""
    counts, _, v_mean = _run(weights, x, config, recurrent=recurrent, drives=drives)
    return v_mean if config.loss == "membrane" else counts


def accuracy(weights: Sequence[NDArray[np.float64]], x: NDArray[np.float64], labels: NDArray[np.int64],
             config: TrainConfig, recurrent: Sequence[NDArray[np.float64] | None] | None = None,
             drives: Sequence[NDArray[np.float64] | None] | None = None) -> float:
    """Share of samples whose :func:`readout` is largest at the label: the most-spiking output neuron, or
    with ``loss="membrane"`` the highest mean membrane (ties go to the lowest index)."""
    return hit_rate(readout(weights, x, config, recurrent, drives), labels)


def hit_rate(z: NDArray[Any], labels: NDArray[np.int64]) -> float:
    """Share of rows of ``z`` (samples, classes) largest at the sample's label (ties: the lowest index);
    0 without samples."""
    return float((np.argmax(z, axis=1) == labels).mean()) if labels.size else 0.0


def init_layer_weights(config: TrainConfig, n_inputs: int, n_classes: int, rng: np.random.Generator
                       ) -> tuple[list[NDArray[np.float64]], list[NDArray[np.float64] | None]]:
    """The random starting (weights, recurrent weights) of :func:`train`, drawn from ``rng`` in this order:
    weights N(0, g/sqrt(fan-in)) · 2θ (fan-in: a dense neuron's inputs or C_in·k_h·k_w of a conv kernel;
    g = P for average pooling, 1/P for sum pooling, else 1), then recurrent N(0, 0.5/sqrt(n)) · θ for
    the hidden dense layers of a recurrent network (None elsewhere)."""
    convs = conv_layers(config, n_inputs)
    if convs:
        config = replace(config, input_shape=convs[0].in_shape)
    shapes = weight_shapes(config, n_inputs, n_classes)
    gains = ([c.spec.pool if c.spec.pool_kind == "avg" else 1.0 / c.spec.pool for c in convs]
             + [1.0] * (len(config.hidden) + 1))
    weights = [rng.normal(0.0, g / math.sqrt(math.prod(sh[:-1]) if len(sh) == 2 else math.prod(sh[1:])), size=sh)
               * 2.0 * layer_threshold(config, i) for i, (sh, g) in enumerate(zip(shapes, gains))]
    rec: list[NDArray[np.float64] | None] = [
        rng.normal(0.0, 0.5 / math.sqrt(sh[1]), size=(sh[1], sh[1])) * layer_threshold(config, i)
        if (config.recurrent and len(convs) <= i < len(shapes) - 1) else None for i, sh in enumerate(shapes)]
    return weights, rec


def train(data: Dataset, split: Split, config: TrainConfig | None = None,
          init: Sequence[NDArray[np.float64]] | None = None,
          project: Callable[[list[NDArray[np.float64]]], list[NDArray[np.float64]]] | None = None,
          init_recurrent: Sequence[NDArray[np.float64] | None] | None = None,
          init_drives: Sequence[NDArray[np.float64] | None] | None = None,
          resume: FitState | None = None) -> TrainResult:
    """Train on ``split.train``, early-stop on ``split.val``; returns the best weights.

    Args:
        init: starting weights (fine-tuning); random when None: N(0, 2θ/sqrt(fan-in)) with fan-in the inputs
            of a dense neuron or C_in·k_h·k_w of a conv kernel (times P for average pooling and 1/P for sum
            pooling, so that the pooled currents keep about the size of unpooled ones).
        project: quantisation-aware training: the forward and backward passes use ``project(weights)``
            (e.g. the chip's integer weights, back in float scale) and the gradient updates the float
            weights as if the projection were the identity (straight-through estimator). The returned
            weights are the float ones; project them for the chip.
        resume: the ``state`` of a result of this same training for fewer epochs: training goes on from it,
            with the result of training ``config.epochs`` at once (``snnas.train.fit``).
    """
    config = config if config is not None else TrainConfig()
    _check(config, data, split)
    rng = np.random.default_rng(config.seed)
    x_train, y_train = encode(data, split.train, config), data.labels[split.train]
    x_val, y_val = encode(data, split.val, config), data.labels[split.val]
    convs = conv_layers(config, data.n_inputs)
    if convs:  # keep the resolved input shape: to_network() needs it
        config = replace(config, input_shape=convs[0].in_shape)
    weights, rec = init_layer_weights(config, data.n_inputs, data.n_classes, rng)
    if init is not None:
        if [np.shape(w) for w in init] != [w.shape for w in weights]:
            raise TrainError(f"init: expected weight shapes {[w.shape for w in weights]}, got "
                             f"{[np.shape(w) for w in init]}")
        weights = [np.array(w, dtype=np.float64) for w in init]
    used = project if project is not None else (lambda ws: ws)
    if init_recurrent is not None:
        rec = [None if r is None else np.array(r, dtype=np.float64) for r in init_recurrent]
    has_rec = any(r is not None for r in rec)
    n_w = len(weights)
    drives = _check_drives(init_drives, config, weights)
    has_drive = drives is not None
    params: list[NDArray[np.float64] | None] = [*weights, *rec, *(drives or [])]

    def batch(idx: NDArray[np.int64]) -> tuple[float, list[NDArray[np.float64] | None]]:
        eff = used(weights)
        rec_now = rec if has_rec else None
        counts, saved, v_mean = _run(eff, x_train[idx], config, keep=True, recurrent=rec_now, drives=drives)
        d_mem = None
        if config.loss == "membrane":
            loss, d_mem = _softmax_grad(v_mean, y_train[idx])
            d_counts = np.zeros_like(counts)
        else:
            loss, d_counts = _softmax_grad(counts, y_train[idx])
        grads, rec_grads, drive_grads = _backward_all(eff, x_train[idx], saved, d_counts, config, rec_now, d_mem,
                                                      drives)
        return loss, [*grads, *rec_grads, *(drive_grads if has_drive else [])]

    def validate() -> float:
        if not y_val.size:
            return 0.0
        return accuracy(used(weights), x_val, y_val, config, rec if has_rec else None, drives)

    out = fit(params, batch, validate, y_train.size, rng, config, resume)
    best_w = [w for w in out.best[:n_w] if w is not None]
    return TrainResult(best_w, config, out.history, out.seconds,
                       (out.samples - (resume.seen if resume else 0)) * config.n_steps / max(out.seconds, 1e-12),
                       out.best[n_w:n_w + len(rec)], out.best[n_w + len(rec):] if has_drive else [], out.state)


def _check_drives(init: Sequence[NDArray[np.float64] | None] | None, config: TrainConfig,
                  weights: Sequence[NDArray[np.float64]]) -> list[NDArray[np.float64] | None] | None:
    """The starting drives as float64 copies (None: a network without any), checked against the layers."""
    if init is None or all(d is None for d in init):
        return None
    if len(init) != len(weights):
        raise TrainError(f"init_drives: expected one entry (or None) per layer ({len(weights)}), got {len(init)}")
    if config.neuron not in ("lif", "if"):
        raise TrainError(f"drives (biases) are trained for 'lif' and 'if' networks only, not {config.neuron!r}")
    out: list[NDArray[np.float64] | None] = []
    for layer, (d, w) in enumerate(zip(init, weights)):
        if d is None:
            out.append(None)
            continue
        if layer < len(config.conv):
            raise TrainError(f"init_drives[{layer}]: conv layers take no drive")
        arr = np.array(d, dtype=np.float64)
        if arr.shape != (w.shape[1],) or not np.all(np.isfinite(arr)):
            raise TrainError(f"init_drives[{layer}]: expected {w.shape[1]} finite values, got shape {arr.shape}")
        out.append(arr)
    return out
