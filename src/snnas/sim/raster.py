"""A batch's input raster as the compiled core takes it: samples x steps x inputs whole spike counts,
uint8 where every count fits, else int32 (``PreparedNetwork.run_batch``, ``simulate_fixed_batch``)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from snnas.errors import SimulationInputError

__all__ = ["batch_raster"]


def batch_raster(raster: Any, n_inputs: int) -> NDArray[np.uint8] | NDArray[np.int32]:
    """A raster (samples, steps, inputs) of whole spike counts ≥ 0 as the core takes it: uint8 when every
    count is below 256 (no copy for uint8, nor for int8 viewed as uint8), else int32."""
    try:
        x = np.asarray(raster)
    except (TypeError, ValueError) as exc:
        raise SimulationInputError(f"raster: expected an array of spike counts ({exc})") from None
    if x.ndim != 3 or x.shape[2] != n_inputs:
        raise SimulationInputError(f"raster: expected shape (samples, steps, {n_inputs}), got {x.shape}")
    if x.dtype.kind not in "biuf":
        raise SimulationInputError(f"raster: expected spike counts, got dtype {x.dtype}")
    if x.dtype.kind == "f" and not (np.all(np.isfinite(x)) and np.array_equal(x, np.rint(x))):
        raise SimulationInputError("raster: expected whole, finite spike counts")
    lo, hi = (int(x.min()), int(x.max())) if x.size else (0, 0)
    if lo < 0 or hi > np.iinfo(np.int32).max:
        raise SimulationInputError(f"raster: expected spike counts in [0, 2^31), got values in [{lo}, {hi}]")
    if hi < 256:
        if x.dtype == np.int8 and x.flags.c_contiguous:
            return x.view(np.uint8)
        return np.ascontiguousarray(x, dtype=np.uint8)
    return np.ascontiguousarray(x, dtype=np.int32)
