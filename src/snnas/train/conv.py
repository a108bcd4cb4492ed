"""Convolutional LIF layers of the trainer: im2col convolution and its gradient, pooling folded in.

The geometry (a layer's spec, its output shape, pooling folded into the effective kernel K_eff by the
linear map (1)) is the IR's, :mod:`snnas.ir.conv`; here is how the trainer runs it.

Forward: the im2col matrix R^T (C_in·k_eff², N·H_o·W_o) of the N = steps × batch images (numba), then
I^T = K_eff R^T (one wide BLAS product; the tall-skinny R K_eff^T is ~30× slower for small kernels).
Backward, from dI: dK_eff = dI^T R, dR^T = K_eff^T dI^T, dx = col2im(dR^T) (numba, scatter-add), and
through (1) dK[o, c, i, j] = w_P Σ_{a,b} dK_eff[o, c, a·s + i, b·s + j].
Images go through in chunks so that R stays below about 32 MB.
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import NDArray

from snnas.ir.conv import ConvLayer

__all__ = ["conv_currents", "conv_grads"]

_CHUNK_ELEMENTS = 1 << 22  # im2col entries per chunk, about 32 MB of float64


@numba.njit(cache=True)
def _im2col(x: NDArray[np.float64], kh: int, kw: int, sh: int, sw: int, ph: int, pw: int, ho: int, wo: int,
            out: NDArray[np.float64]) -> None:
    """out[(c·kh + i)·kw + j, (n·ho + p)·wo + q] = x[n, c, p·sh - ph + i, q·sw - pw + j] (0 outside): the
    im2col rows as columns, so that the product with the kernel is one wide BLAS matmul."""
    n_img, c_in, h, w = x.shape
    for c in range(c_in):
        for i in range(kh):
            for j in range(kw):
                col = (c * kh + i) * kw + j
                for n in range(n_img):
                    for p in range(ho):
                        y = p * sh - ph + i
                        base = (n * ho + p) * wo
                        if y < 0 or y >= h:
                            for q in range(wo):
                                out[col, base + q] = 0.0
                            continue
                        for q in range(wo):
                            z = q * sw - pw + j
                            out[col, base + q] = x[n, c, y, z] if 0 <= z < w else 0.0


@numba.njit(cache=True)
def _col2im(cols: NDArray[np.float64], kh: int, kw: int, sh: int, sw: int, ph: int, pw: int, ho: int, wo: int,
            out: NDArray[np.float64]) -> None:
    """The transpose of :func:`_im2col`: out[n, c, y, z] = Σ of the entries of ``cols`` that read (y, z)."""
    n_img, c_in, h, w = out.shape
    out[:] = 0.0
    for c in range(c_in):
        for i in range(kh):
            for j in range(kw):
                col = (c * kh + i) * kw + j
                for n in range(n_img):
                    for p in range(ho):
                        y = p * sh - ph + i
                        if y < 0 or y >= h:
                            continue
                        base = (n * ho + p) * wo
                        for q in range(wo):
                            z = q * sw - pw + j
                            if 0 <= z < w:
                                out[n, c, y, z] += cols[col, base + q]


def _chunk(n_img: int, layer: ConvLayer) -> int:
    """Images per im2col chunk."""
    rows = layer.out_shape[1] * layer.out_shape[2]
    cols = layer.in_shape[0] * layer.kernel[0] * layer.kernel[1]
    return max(1, min(n_img, _CHUNK_ELEMENTS // max(1, rows * cols)))


def _cols(images: NDArray[np.float64], layer: ConvLayer) -> NDArray[np.float64]:
    """R^T: (C_in·k_eff², n·H_o·W_o)."""
    _, ho, wo = layer.out_shape
    out = np.empty((layer.in_shape[0] * layer.kernel[0] * layer.kernel[1], images.shape[0] * ho * wo))
    _im2col(images, *layer.kernel, *layer.stride, *layer.padding, ho, wo, out)
    return out


def conv_currents(inp: NDArray[np.float64], kernel_eff: NDArray[np.float64], layer: ConvLayer) -> NDArray[np.float64]:
    """Input currents (steps, batch, C_out·H_o·W_o) of the layer's neurons (C order) for input spikes
    ``inp`` (steps, batch, C_in·H·W)."""
    steps, batch, _ = inp.shape
    c_out, ho, wo = layer.out_shape
    images = np.ascontiguousarray(inp, dtype=np.float64).reshape(steps * batch, *layer.in_shape)
    k_mat = np.ascontiguousarray(kernel_eff.reshape(c_out, -1))  # (C_out, C_in·k_eff²)
    out = np.empty((steps * batch, c_out, ho * wo))
    step = _chunk(images.shape[0], layer)
    for start in range(0, images.shape[0], step):
        stop = min(start + step, images.shape[0])
        cur = k_mat @ _cols(images[start:stop], layer)  # (C_out, n·ho·wo)
        out[start:stop] = cur.reshape(c_out, stop - start, ho * wo).transpose(1, 0, 2)
    return out.reshape(steps, batch, c_out * ho * wo)


def conv_grads(inp: NDArray[np.float64], d_current: NDArray[np.float64], kernel_eff: NDArray[np.float64],
               layer: ConvLayer, below: bool) -> tuple[NDArray[np.float64], NDArray[np.float64] | None]:
    """dK_eff and, when ``below``, the gradient (steps, batch, C_in·H·W) reaching the input spikes, from
    the gradient ``d_current`` (steps, batch, C_out·H_o·W_o) of the layer's input currents."""
    steps, batch, _ = inp.shape
    c_out, ho, wo = layer.out_shape
    images = np.ascontiguousarray(inp, dtype=np.float64).reshape(steps * batch, *layer.in_shape)
    d = d_current.reshape(steps * batch, c_out, ho * wo)
    k_mat = np.ascontiguousarray(kernel_eff.reshape(c_out, -1))  # (C_out, C_in·k_eff²)
    d_k = np.zeros_like(k_mat)
    d_in = np.empty_like(images) if below else None
    step = _chunk(images.shape[0], layer)
    for start in range(0, images.shape[0], step):
        stop = min(start + step, images.shape[0])
        d_t = np.ascontiguousarray(d[start:stop].transpose(1, 0, 2)).reshape(c_out, -1)  # (C_out, n·ho·wo)
        d_k += d_t @ _cols(images[start:stop], layer).T
        if d_in is not None:
            _col2im(k_mat.T @ d_t, *layer.kernel, *layer.stride, *layer.padding, ho, wo, d_in[start:stop])
    return d_k.reshape(kernel_eff.shape), None if d_in is None else d_in.reshape(steps, batch, -1)
