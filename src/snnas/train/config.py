"""What to train and how: :class:`TrainConfig` of layer networks (dense, conv, recurrent), the geometry
and weight shapes it implies, its input encoding, and the IR neuron its populations become.

Nothing here runs a kernel: the space, the quantiser and the scores read configs without loading numba.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field, replace
from typing import Any, Literal, get_args

import numpy as np
from numpy.typing import NDArray

from snnas.data.datasets import Dataset
from snnas.ir.conv import ConvLayer, ConvSpec, conv_layer
from snnas.ir.neurons import (
    AdaptiveLIFParameters,
    CubaLIFParameters,
    IFParameters,
    LIFParameters,
    NeuronParameters,
)
from snnas.train.fit import TrainError

__all__ = ["LOSSES", "ConvSpec", "LayerNeuron", "TrainConfig", "conv_layers", "decay", "encode", "input_shape",
           "layer_count", "layer_decay", "layer_threshold", "neuron_parameters", "weight_shapes"]

Neuron = Literal["lif", "if", "cuba_lif", "adaptive_lif"]
# The IR's (and the simulators' and the quantiser's) resets: "value" (to v_reset = 0 here) or "subtract";
# "zero" is the trainer's older spelling of "value", accepted and stored as "value".
TrainReset = Literal["value", "subtract", "zero"]
Surrogate = Literal["fast_sigmoid", "arctan", "triangle"]
Spikes = Literal["single", "multi"]
Order = Literal["test_first", "input_first"]
Loss = Literal["count", "membrane"]
NEURONS: tuple[str, ...] = get_args(Neuron)
RESETS: tuple[str, ...] = get_args(TrainReset)
SPIKES: tuple[str, ...] = get_args(Spikes)
ORDERS: tuple[str, ...] = get_args(Order)
SURROGATE_NAMES: tuple[str, ...] = get_args(Surrogate)  # the kernels: snnas.train.steps.SURROGATES
LOSSES: tuple[str, ...] = get_args(Loss)


def decay(config: Any) -> float:
    """Membrane decay per step a: exp(-dt/tau_m), or 1 for integrate-and-fire (no leak)."""
    return 1.0 if config.neuron == "if" else math.exp(-config.dt / config.tau_m)


@dataclass(frozen=True)
class LayerNeuron:
    """One layer's own membrane decay per step a (exp(-dt/tau_m); 1 for integrate-and-fire) and threshold θ
    (in units of the weights), for networks whose layers differ (an imported network: snnTorch's ``beta``
    per layer, say). The decay is kept as the IR discretises it, so training runs the engine's own factor."""

    decay: float
    threshold: float

    def __post_init__(self) -> None:
        for name in ("decay", "threshold"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float, np.floating, np.integer)) or not (
                    math.isfinite(float(v)) and float(v) > 0):
                raise TrainError(f"LayerNeuron.{name} must be a positive finite number, got {v!r}")
            object.__setattr__(self, name, float(v))
        if self.decay > 1.0:
            raise TrainError(f"LayerNeuron.decay must be in (0, 1], got {self.decay!r}")


@dataclass(frozen=True)
class TrainConfig:
    """What to train and how.

    Attributes:
        hidden: sizes of the hidden LIF layers (the output layer has one neuron per class).
        recurrent: give every hidden layer all-to-all recurrent weights (delay 0, see :func:`forward`).
        neuron: "lif"; "if" (no leak: a = 1, tau_m unused; Speck's IAF); "cuba_lif" (input goes to a
            synaptic current decaying with tau_syn [s]); or
            "adaptive_lif" (the threshold rises by adapt_beta per spike and decays with tau_adapt [s]; the
            adaptation is not differentiated through, like the reset).
        n_steps: time steps per sample.
        dt: step [s]; tau_m: membrane time constant [s]; threshold: θ (in units of the weights).
        reset: "value" (to 0) or "subtract" (by θ), as in the IR; "zero" is read as "value".
        spikes: "single" (one spike per step at most) or "multi" (⌊u/θ⌋ spikes per step, each moving the
            next layer by its weight: sinabs' ``MultiSpike``, which sinabs' NIR importer gives every IF
            and LIF layer, and Speck's spike generation); LIF and IF layers only. The network keeps the
            rule in ``metadata["semantics"]`` (:meth:`TrainResult.to_network`).
        order: "test_first" (snnas' engine and Brian2: update, test, then this step's input, reset; a layer
            answers one step after its input) or "input_first" (snnTorch, Norse, sinabs, Rockpool: the input
            enters before the test, v <- reset(a·v + I)); "input_first" trains a network for a framework's
            importer (:mod:`snnas.ir.nir_targets`), kept in ``metadata["semantics"]`` like ``spikes``.
            Feed-forward LIF and IF layers without biases only.
        encoder, encoder_options: input spike code of static data (see snnas.data.encoding).
        surrogate, slope: surrogate derivative by name, and its steepness k.
        epochs, batch_size, lr: Adam over mini-batches; patience: early stop after that many epochs
            without a better validation accuracy (the best weights are kept).
        seed: initialisation, batch order and encoding.
        conv: conv LIF layers before the ``hidden`` dense ones, in order (neurons in C order (C, H, W),
            flattened for the dense layer after them). ``recurrent`` applies to the dense hidden layers only.
        input_shape: (C, H, W) of the input for conv layers; None: a square one-channel image
            (1, √n, √n) when the data's n inputs are a square (digits: (1, 8, 8)), else an error.
        loss: "count" (cross-entropy of the output spike counts) or "membrane" (of the output layer's
            mean membrane); see the module docstring. The prediction uses the same readout.
        layers: per-layer decay and threshold (conv layers, hidden layers, output layer, in order),
            overriding ``tau_m`` and ``threshold``; empty (the default): every layer uses those two.
    """

    hidden: tuple[int, ...] = (128,)
    recurrent: bool = False
    neuron: Neuron = "lif"
    tau_syn: float = 5e-3
    tau_adapt: float = 100e-3
    adapt_beta: float = 0.2
    n_steps: int = 16
    dt: float = 1e-3
    tau_m: float = 10e-3
    threshold: float = 1.0
    reset: TrainReset = "value"
    spikes: Spikes = "single"
    order: Order = "test_first"
    encoder: str = "rate"
    encoder_options: dict[str, Any] = field(default_factory=dict)
    surrogate: Surrogate = "fast_sigmoid"
    slope: float = 5.0
    epochs: int = 100
    batch_size: int = 64
    lr: float = 2e-3
    patience: int = 20
    seed: int = 0
    progress: bool = True
    conv: tuple[ConvSpec, ...] = ()
    input_shape: tuple[int, ...] | None = None
    loss: Loss = "count"
    layers: tuple[LayerNeuron, ...] = ()

    def __post_init__(self) -> None:
        if self.reset == "zero":
            object.__setattr__(self, "reset", "value")
        check_config(self)


def _choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise TrainError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")


def check_config(config: TrainConfig) -> None:
    """Everything about ``config`` that does not depend on the data (run when a config is built).

    Raises:
        TrainError: naming the field, the value and what is expected.
    """
    _choice("surrogate", config.surrogate, SURROGATE_NAMES)
    _choice("neuron", config.neuron, NEURONS)
    _choice("reset", config.reset, RESETS)
    _choice("loss", config.loss, LOSSES)
    _choice("spikes", config.spikes, SPIKES)
    if config.spikes == "multi" and config.neuron not in ("lif", "if"):
        raise TrainError(f"spikes='multi' needs neuron 'lif' or 'if', got {config.neuron!r}")
    _choice("order", config.order, ORDERS)
    if config.order == "input_first" and (config.neuron not in ("lif", "if") or config.recurrent):
        raise TrainError(f"order='input_first' needs feed-forward 'lif' or 'if' layers, got neuron "
                         f"{config.neuron!r}, recurrent={config.recurrent}")
    if not (config.tau_syn > 0 and config.tau_adapt > 0 and config.adapt_beta >= 0):
        raise TrainError("tau_syn and tau_adapt must be positive and adapt_beta >= 0")
    for name in ("n_steps", "epochs", "batch_size"):
        v = getattr(config, name)
        if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
            raise TrainError(f"{name} must be a positive integer, got {v!r}")
    if any(h <= 0 for h in config.hidden):
        raise TrainError(f"hidden layer sizes must be positive, got {config.hidden}")
    if not (config.lr > 0 and config.tau_m > 0 and config.dt > 0 and config.threshold > 0):
        raise TrainError("lr, tau_m, dt and threshold must be positive")
    if config.layers:
        if any(not isinstance(n, LayerNeuron) for n in config.layers):
            raise TrainError("layers: expected a tuple of LayerNeuron")
        layer_threshold(config, 0)  # checks that there is one per layer


def layer_count(config: TrainConfig) -> int:
    """Layers with weights: the conv layers, the hidden dense layers and the output layer."""
    return len(config.conv) + len(config.hidden) + 1


def _layer(config: TrainConfig, layer: int) -> LayerNeuron | None:
    if not config.layers:
        return None
    if len(config.layers) != layer_count(config):
        raise TrainError(f"layers: expected one LayerNeuron per layer ({layer_count(config)}: conv, hidden, output), "
                         f"got {len(config.layers)}")
    return config.layers[layer]


def layer_threshold(config: TrainConfig, layer: int) -> float:
    """θ of layer ``layer`` (0-based over conv, hidden and output layers)."""
    own = _layer(config, layer)
    return config.threshold if own is None else own.threshold


def layer_decay(config: TrainConfig, layer: int) -> float:
    """Membrane decay per step a of layer ``layer``: exp(-dt/tau_m), or 1 for integrate-and-fire."""
    own = _layer(config, layer)
    return decay(config) if own is None else own.decay


def input_shape(config: TrainConfig, n_inputs: int) -> tuple[int, int, int] | None:
    """The (C, H, W) input image of a config with conv layers (None without conv layers).

    Raises:
        TrainError: ``input_shape`` does not hold ``n_inputs`` values, or is None and n_inputs is no square.
    """
    if config.input_shape is None:
        if not config.conv:
            return None
        side = math.isqrt(n_inputs)
        if side * side != n_inputs:
            raise TrainError(f"input_shape: needed for conv layers, as the {n_inputs} inputs are not a square "
                             f"image; give (channels, height, width)")
        return (1, side, side)
    shape = tuple(config.input_shape)
    if len(shape) != 3 or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v <= 0 for v in shape):
        raise TrainError(f"input_shape must be (channels, height, width), positive integers, "
                         f"got {config.input_shape!r}")
    if math.prod(shape) != n_inputs:
        raise TrainError(f"input_shape {shape} holds {math.prod(shape)} values, but the data have {n_inputs} inputs")
    return (int(shape[0]), int(shape[1]), int(shape[2]))


def conv_layers(config: TrainConfig, n_inputs: int) -> list[ConvLayer]:
    """Geometry of the config's conv layers for ``n_inputs`` inputs (see :func:`input_shape`).

    Raises:
        TrainError: a kernel (with its pooling) does not fit its input.
    """
    shape = input_shape(config, n_inputs)
    out: list[ConvLayer] = []
    for i, spec in enumerate(config.conv):
        if not isinstance(spec, ConvSpec):
            raise TrainError(f"conv[{i}] must be a ConvSpec, got {type(spec).__name__}")
        if shape is None:  # unreachable: input_shape() gives a shape whenever there are conv layers
            break
        layer = conv_layer(spec, shape)
        if min(layer.out_shape) <= 0:
            raise TrainError(f"conv[{i}]: kernel {spec.kernel} (pool {spec.pool}, padding {spec.padding}) is larger "
                             f"than its input {shape}")
        out.append(layer)
        shape = layer.out_shape
    return out


def weight_shapes(config: TrainConfig, n_inputs: int, n_classes: int) -> list[tuple[int, ...]]:
    """Shapes of the trained weights: (C_out, C_in, k_h, k_w) per conv layer, then (inputs, neurons) per
    dense layer (hidden ones, then the output layer)."""
    convs = conv_layers(config, n_inputs)
    flat = math.prod(convs[-1].out_shape) if convs else n_inputs
    sizes = [flat, *config.hidden, n_classes]
    return [c.weight_shape for c in convs] + list(itertools.pairwise(sizes))


def encode(data: Dataset, indices: NDArray[np.int64], config: TrainConfig) -> NDArray[np.float64]:
    """The input spikes (samples, steps, inputs) of ``data``'s samples ``indices`` in ``config``'s code
    (encoder and options, n_steps, dt, seed), as float64."""
    return np.asarray(data.raster(indices, config.n_steps, config.dt, config.encoder, seed=config.seed,
                                  **config.encoder_options), dtype=np.float64)


def neuron_parameters(config: TrainConfig, layer: int | None = None) -> NeuronParameters:
    """The IR neuron of a trained population (of ``layer``, when the config has per-layer ``layers``):
    threshold θ, reset to 0 ("value") or by θ ("subtract").

    LIF and adaptive LIF take r = tau_m/dt (NIR's scale: a weight w moves v by w·r·dt/tau_m = w); IF
    takes r = 1 (no leak: a weight moves v by itself); CUBA-LIF takes r = tau_syn/dt and w_in = 1, so that
    r·w_in·dt/tau_syn = 1: a weight moves the drive by itself.
    """
    own = None if layer is None else _layer(config, layer)
    c = config
    if own is not None:
        tau_m = config.tau_m if own.decay == 1.0 else -config.dt / math.log(own.decay)
        c = replace(config, tau_m=tau_m, threshold=own.threshold, layers=())
    r = c.tau_m / c.dt
    reset = "subtract" if c.reset == "subtract" else "value"
    if c.neuron == "adaptive_lif":
        return AdaptiveLIFParameters(tau_m=c.tau_m, v_th=c.threshold, v_reset=0.0, r=r, tau_adapt=c.tau_adapt,
                                     beta=c.adapt_beta, reset=reset)  # type: ignore[arg-type]
    if c.neuron == "cuba_lif":
        return CubaLIFParameters(tau_m=c.tau_m, tau_syn=c.tau_syn, v_th=c.threshold, v_reset=0.0,
                                 r=c.tau_syn / c.dt, w_in=1.0, reset=reset)  # type: ignore[arg-type]
    if c.neuron == "if":
        return IFParameters(v_th=c.threshold, v_reset=0.0, r=1.0, reset=reset)  # type: ignore[arg-type]
    return LIFParameters(tau_m=c.tau_m, v_th=c.threshold, v_reset=0.0, r=r, reset=reset)  # type: ignore[arg-type]
