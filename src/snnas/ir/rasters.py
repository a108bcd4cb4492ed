"""Per-node values over time (input values, spike counts), checked against the node they belong to."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from snnas.errors import SnnasError
from snnas.ir.network import Input, Population

__all__ = ["node_values"]


def node_values(node: Input | Population, value: Any, where: str, error: type[SnnasError]) -> NDArray[np.float64]:
    """``value`` as (steps, node.size) float64: given as (steps, size) or (steps, *node.shape), finite.

    Raises:
        error: not numbers, the wrong shape (naming the expected one), or NaN/infinity (naming the step);
            each message starts with ``where``.
    """
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise error(f"{where}: expected an array of numbers") from None
    if a.ndim < 1 or a.size != a.shape[0] * node.size:
        raise error(f"{where}: expected shape (steps, {node.size}) or (steps, *{node.shape}), got {a.shape}")
    if not np.all(np.isfinite(a)):
        raise error(f"{where}: NaN or infinity at step {int(np.argwhere(~np.isfinite(a))[0][0])}")
    return a.reshape(a.shape[0], node.size)
