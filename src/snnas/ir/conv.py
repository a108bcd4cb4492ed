"""Conv geometry of the IR: a conv layer's specification, its output shape, and pooling folded into the kernel.

A conv layer maps input spikes of shape (C_in, H, W) to the currents of its neurons, shape
(C_out, H_o, W_o), by cross-correlation (PyTorch's and :class:`snnas.ir.network.Conv`'s convention; s the
stride, π the padding, zero outside the image):

    I[o, p, q] = Σ_{c, i, j} K[o, c, i, j] · x[c, p·s - π + i, q·s - π + j]

Optional pooling of the currents over P×P windows (stride P, before the neurons see them, the
Conv→Pool→LIF order of snnTorch's examples), ``"sum"`` (w_P = 1) or ``"avg"`` (w_P = 1/P²), is linear, so it
folds into the convolution: one conv with the effective kernel, of side k_eff = (P - 1)·s + k, stride P·s
and padding π,

    K_eff[o, c, a·s + i, b·s + j] += w_P · K[o, c, i, j]        for a, b in [0, P)        (1)

Its output side is floor((L + 2π - k_eff) / (P·s)) + 1 = floor(L_conv / P), L_conv the unpooled side.
K (the shared kernel) is what is trained; K_eff is what runs and what is exported (an IR ``Conv``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from snnas.errors import NetworkError

__all__ = ["ConvLayer", "ConvSpec", "compose", "compose_transpose", "conv_layer"]


def _pair(value: Any, name: str, lo: int) -> tuple[int, int]:
    vals = (value, value) if isinstance(value, (int, np.integer)) and not isinstance(value, bool) else value
    try:
        pair = tuple(vals)
    except TypeError:
        pair = ()
    if len(pair) != 2 or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo for v in pair):
        raise NetworkError(f"ConvSpec.{name} must be an integer >= {lo} or a pair of them, got {value!r}")
    return (int(pair[0]), int(pair[1]))


def _sides(value: int | tuple[int, int]) -> tuple[int, int]:
    """A :class:`ConvSpec` size as a pair (``__post_init__`` stores pairs; an int is read as a square)."""
    return (value, value) if isinstance(value, int) else value


@dataclass(frozen=True)
class ConvSpec:
    """One 2-D conv LIF layer (the equations: this module's docstring).

    Attributes:
        channels: output channels C_out (> 0).
        kernel: k, the kernel side (or (k_h, k_w)), in pixels.
        stride, padding: s >= 1 and π >= 0 (an int or a pair); zero padding.
        pool: P >= 1: pool the currents over P×P windows with stride P before the neurons (1: none).
        pool_kind: "avg" (weight 1/P²) or "sum" (weight 1).
    """

    channels: int
    kernel: int | tuple[int, int] = 3
    stride: int | tuple[int, int] = 1
    padding: int | tuple[int, int] = 0
    pool: int = 1
    pool_kind: Literal["avg", "sum"] = "avg"

    def __post_init__(self) -> None:
        if isinstance(self.channels, bool) or not isinstance(self.channels, (int, np.integer)) or self.channels <= 0:
            raise NetworkError(f"ConvSpec.channels must be a positive integer, got {self.channels!r}")
        if isinstance(self.pool, bool) or not isinstance(self.pool, (int, np.integer)) or self.pool < 1:
            raise NetworkError(f"ConvSpec.pool must be an integer >= 1, got {self.pool!r}")
        if self.pool_kind not in ("avg", "sum"):
            raise NetworkError(f"ConvSpec.pool_kind must be 'avg' or 'sum', got {self.pool_kind!r}")
        object.__setattr__(self, "channels", int(self.channels))
        object.__setattr__(self, "pool", int(self.pool))
        object.__setattr__(self, "kernel", _pair(self.kernel, "kernel", 1))
        object.__setattr__(self, "stride", _pair(self.stride, "stride", 1))
        object.__setattr__(self, "padding", _pair(self.padding, "padding", 0))


@dataclass(frozen=True)
class ConvLayer:
    """Geometry of one conv layer: the spec, input and output shapes (C, H, W), the effective conv (1)."""

    spec: ConvSpec
    in_shape: tuple[int, int, int]
    out_shape: tuple[int, int, int]
    kernel: tuple[int, int]  # k_eff per axis
    stride: tuple[int, int]  # P·s per axis
    padding: tuple[int, int]

    @property
    def pool_weight(self) -> float:
        """w_P of (1): 1 for sum pooling (and no pooling), 1/P² for average pooling."""
        p = self.spec.pool
        return 1.0 / (p * p) if self.spec.pool_kind == "avg" else 1.0

    @property
    def weight_shape(self) -> tuple[int, int, int, int]:
        """Shape of the trained kernel K: (C_out, C_in, k, k)."""
        kh, kw = _sides(self.spec.kernel)
        return (self.spec.channels, self.in_shape[0], kh, kw)


def conv_layer(spec: ConvSpec, in_shape: tuple[int, int, int]) -> ConvLayer:
    """The geometry of ``spec`` applied to an input of shape (C, H, W); output sides may be <= 0 (the
    caller checks)."""
    kh, kw = _sides(spec.kernel)
    sh, sw = _sides(spec.stride)
    ph, pw = _sides(spec.padding)
    p = spec.pool
    k_eff = ((p - 1) * sh + kh, (p - 1) * sw + kw)
    s_eff = (p * sh, p * sw)
    h = (in_shape[1] + 2 * ph - k_eff[0]) // s_eff[0] + 1
    w = (in_shape[2] + 2 * pw - k_eff[1]) // s_eff[1] + 1
    return ConvLayer(spec, in_shape, (spec.channels, h, w), k_eff, s_eff, (ph, pw))


def compose(kernel: NDArray[np.float64], layer: ConvLayer) -> NDArray[np.float64]:
    """K_eff of (1) from the trained kernel K (C_out, C_in, k, k); K itself without pooling."""
    p = layer.spec.pool
    if p == 1:
        return kernel
    kh, kw = kernel.shape[2:]
    sh, sw = _sides(layer.spec.stride)
    out = np.zeros((*kernel.shape[:2], *layer.kernel), dtype=np.result_type(kernel, np.float64))
    for a in range(p):
        for b in range(p):
            out[:, :, a * sh:a * sh + kh, b * sw:b * sw + kw] += kernel
    return out * layer.pool_weight


def compose_transpose(d_eff: NDArray[np.float64], layer: ConvLayer) -> NDArray[np.float64]:
    """dK from dK_eff: the transpose of the linear map (1)."""
    p = layer.spec.pool
    if p == 1:
        return d_eff
    kh, kw = _sides(layer.spec.kernel)
    sh, sw = _sides(layer.spec.stride)
    out = np.zeros((*d_eff.shape[:2], kh, kw))
    for a in range(p):
        for b in range(p):
            out += d_eff[:, :, a * sh:a * sh + kh, b * sw:b * sw + kw]
    return out * layer.pool_weight
