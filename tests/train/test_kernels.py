"""The compiled trainer kernels (snnas.train.steps: lif_forward/backward, layer_forward/backward) equal the
step-by-step numpy loops they replace (snnas.train.layers with _STEP_LOOP), for every kind of layer."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import snnas.train.layers as layers
from snnas.train.config import TrainConfig
from snnas.train.layers import _backward_all, _run, _softmax_grad

VARIANTS: list[dict[str, Any]] = [
    {},
    {"neuron": "if"},
    {"reset": "subtract", "surrogate": "arctan"},
    {"spikes": "multi", "reset": "subtract"},
    {"order": "input_first", "surrogate": "triangle"},
    {"loss": "membrane"},
    {"neuron": "cuba_lif"},
    {"neuron": "cuba_lif", "recurrent": True},
    {"neuron": "adaptive_lif"},
    {"neuron": "adaptive_lif", "recurrent": True, "reset": "subtract"},
    {"recurrent": True, "spikes": "multi"},
]


def both(cfg: TrainConfig, ws: list[np.ndarray], rec: list[Any], drives: list[Any] | None, x: np.ndarray,
         y: np.ndarray, loop: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, ...]:
    monkeypatch.setattr(layers, "_STEP_LOOP", loop)
    rec_or_none = rec if any(r is not None for r in rec) else None
    counts, saved, v_mean = _run(ws, x, cfg, keep=True, recurrent=rec_or_none, drives=drives)
    if cfg.loss == "membrane":
        _, d_mem = _softmax_grad(v_mean, y)
        d = np.zeros_like(counts)
    else:
        d_mem = None
        _, d = _softmax_grad(counts, y)
    grads = _backward_all(ws, x, saved, d, cfg, rec_or_none, d_mem, drives)
    return counts, saved, v_mean, grads


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: ",".join(f"{k}={x}" for k, x in v.items()) or "lif")
@pytest.mark.parametrize("with_drive", [False, True])
def test_kernels_equal_the_step_loop(variant: dict[str, Any], with_drive: bool,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    if with_drive and (variant.get("order") == "input_first" or variant.get("neuron") == "cuba_lif"):
        pytest.skip("drives: test-first LIF, IF and adaptive LIF layers only")
    cfg = TrainConfig(hidden=(14, 9), n_steps=10, progress=False, **variant)
    rng = np.random.default_rng(len(str(variant)) + with_drive)
    ws = [rng.normal(0, 0.9, size=s) for s in ((6, 14), (14, 9), (9, 4))]
    rec = [rng.normal(0, 0.5, size=(n, n)) if cfg.recurrent and i < 2 else None for i, n in enumerate((14, 9, 4))]
    drives = [rng.normal(0.02, 0.05, size=n) for n in (14, 9, 4)] if with_drive else None
    x = (rng.random((7, 10, 6)) < 0.5).astype(float) * (rng.integers(1, 3, (7, 10, 6)) if cfg.spikes == "multi" else 1)
    y = rng.integers(0, 4, size=7)
    fast = both(cfg, ws, rec, drives, x, y, False, monkeypatch)
    spec = both(cfg, ws, rec, drives, x, y, True, monkeypatch)
    exact = not cfg.recurrent  # a recurrent sum runs in another order than BLAS's
    check = np.testing.assert_array_equal if exact else (lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-12,
                                                                                                 atol=1e-12))
    check(fast[0], spec[0])
    for (u1, s1), (u2, s2) in zip(fast[1], spec[1]):
        check(u1, u2)
        check(s1, s2)
    check(fast[2], spec[2])
    for got, want in zip(fast[3], spec[3]):
        for a, b in zip(got, want):
            assert (a is None) == (b is None)
            if a is not None:
                np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    assert sum(float(np.abs(g).sum()) for g in fast[3][0]) > 0
