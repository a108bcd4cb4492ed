"""A weight-sharing supernet over the layer-wise (global) space, trained once by path sampling, from
which every sub-network inherits its weights (one-shot search: AutoSNN, Na et al., ICML 2022; single-path
sampling as in Guo et al., ECCV 2020; fair sampling as in FairNAS, Chu et al., ICCV 2021).

The supernet holds, for hidden layer k = 1..D (D the space's largest depth, w the widest width), a weight
matrix W_k of (w_{k−1}, w) (w_0 the inputs), a recurrent matrix R_k of (w, w) and one output matrix W_o of
(w, classes). A sub-network with widths h_1..h_d uses the leading block of each, with the output matrix
read from its last hidden layer:

    W'_1 = W_1[:, :h_1],   W'_k = s_k · W_k[:h_{k−1}, :h_k],   R'_k = R_k[:h_k, :h_k],   W'_o = s_o · W_o[:h_d, :]

with s = √(w / h_{k−1}) (s_o = √(w / h_d)), so that a neuron's summed input keeps the variance it has in the
widest network whatever the width before it (the weights are drawn as the trainer draws them for the
widest network, N(0, 2θ/√fan-in)). Neuron model, time constant, reset, time steps and input code are the
sub-network's own; the weights are shared by all of them.

Training (:func:`train_supernet`): each mini-batch draws one path (a genome of the space) and takes an Adam
step on the blocks it uses, the gradient of a scaled block scaled alike (∂L/∂W_k = s_k ∂L/∂W'_k). Paths are
drawn uniformly over the space's valid genomes (``sampling="uniform"``) or fairly (``"fair"``: every m
consecutive batches, m the most choices of any decision, each decision takes each of its choices in turn,
in a random order per block, so no choice is trained more than another). :func:`inherit` returns a
sub-network with its inherited weights as a :class:`~snnas.train.layers.TrainResult`, ready to be scored on
a chip without training (``snnas.evaluate.score.score(..., trained=...)``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from snnas.data.datasets import Dataset, Split
from snnas.space.base import Genome
from snnas.space.global_ import GlobalSpace
from snnas.train.candidate import config_of
from snnas.train.config import TrainConfig, encode
from snnas.train.fit import Adam, TrainError
from snnas.train.layers import TrainResult, _backward_all, _run, _softmax_grad

__all__ = ["Supernet", "inherit", "train_supernet"]

SAMPLINGS = ("uniform", "fair")


@dataclass
class Supernet:
    """The shared weights (module docstring) and how they were trained."""

    space: GlobalSpace
    n_inputs: int
    n_classes: int
    weights: list[NDArray[np.float64]]  # W_1..W_D, then W_o
    recurrent: list[NDArray[np.float64]]  # R_1..R_D
    epochs: int
    seed: int
    sampling: str
    history: list[dict[str, float]] = field(default_factory=list)
    seconds: float = 0.0
    paths: int = 0  # mini-batches (one path each)

    @property
    def width(self) -> int:
        return int(self.weights[0].shape[1])


def _blocks(net: Supernet, hidden: tuple[int, ...], recurrent: bool
            ) -> tuple[list[tuple[int, int, int, float]], list[int | None]]:
    """Per used weight matrix (supernet index, rows, columns, scale), and per layer the recurrent block size."""
    w = net.width
    out: list[tuple[int, int, int, float]] = []
    prev = net.n_inputs
    for k, h in enumerate(hidden):
        out.append((k, prev, h, 1.0 if k == 0 else math.sqrt(w / prev)))
        prev = h
    out.append((len(net.weights) - 1, prev, net.n_classes, math.sqrt(w / prev)))
    rec: list[int | None] = [h if recurrent else None for h in hidden] + [None]
    return out, rec


def _sub(net: Supernet, hidden: tuple[int, ...], recurrent: bool
         ) -> tuple[list[NDArray[np.float64]], list[NDArray[np.float64] | None]]:
    blocks, rec = _blocks(net, hidden, recurrent)
    ws = [s * net.weights[k][:r, :c] for k, r, c, s in blocks]
    rs = [None if n is None else net.recurrent[i][:n, :n].copy() for i, n in enumerate(rec)]
    return ws, rs


def inherit(net: Supernet, genome: Genome, epochs: int = 1) -> TrainResult:
    """The sub-network of ``genome`` with its inherited weights (a TrainResult of the genome's config)."""
    config = _config(net.space, genome, epochs, net.seed)
    ws, rs = _sub(net, config.hidden, config.recurrent)
    return TrainResult(ws, config, [], 0.0, 0.0, rs, [])


def _config(space: GlobalSpace, g: Genome, epochs: int, seed: int) -> TrainConfig:
    c = config_of(space.candidate(g, epochs=epochs, seed=seed))
    if not isinstance(c, TrainConfig):
        raise TrainError("supernet: the global space gives layer networks only")
    return c


def _fair_paths(space: GlobalSpace, rng: np.random.Generator) -> list[Genome]:
    """One block of fair sampling: m genomes in which every decision takes each choice equally often."""
    m = max(len(d.choices) for d in space.decisions)
    columns = {}
    for d in space.decisions:
        reps = -(-m // len(d.choices))
        col = list(d.choices) * reps
        rng.shuffle(col)
        columns[d.name] = col[:m]
    return [Genome(space.name, space.repair({n: columns[n][i] for n in columns})) for i in range(m)]


def train_supernet(space: GlobalSpace, data: Dataset, split: Split, epochs: int = 50, seed: int = 0,
                   sampling: str = "uniform", batch_size: int = 64, lr: float = 2e-3,
                   on_epoch: Callable[[int, dict[str, float]], None] | None = None) -> Supernet:
    """Train the supernet of ``space`` on ``split.train`` for ``epochs`` passes, one path per mini-batch
    (module docstring); ``on_epoch(epoch, record)`` after each pass (progress). Returns it with its curve
    (mean loss per epoch)."""
    if not isinstance(space, GlobalSpace):
        raise TrainError(f"supernet: expected a GlobalSpace, got {type(space).__name__}")
    if sampling not in SAMPLINGS:
        raise TrainError(f"supernet: sampling must be one of {', '.join(SAMPLINGS)}, got {sampling!r}")
    for name, v in (("epochs", epochs), ("batch_size", batch_size)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise TrainError(f"supernet: {name} must be a positive integer, got {v!r}")
    rng = np.random.default_rng(seed)
    w = max(int(c) for d in space.decisions if d.name.startswith("width_") for c in d.choices)
    depth = space.max_depth
    threshold = TrainConfig().threshold
    n_in, n_cls = data.n_inputs, data.n_classes
    shapes = [(n_in, w)] + [(w, w)] * (depth - 1) + [(w, n_cls)]
    weights = [rng.normal(0.0, 2.0 * threshold / math.sqrt(a), size=(a, b)) for a, b in shapes]
    recurrent = [rng.normal(0.0, threshold / math.sqrt(w), size=(w, w)) for _ in range(depth)]
    net = Supernet(space, n_in, n_cls, weights, recurrent, epochs, seed, sampling)
    adam = Adam([*weights, *recurrent], lr)
    rasters: dict[tuple[Any, ...], NDArray[np.float64]] = {}
    labels = data.labels[split.train]
    queue: list[Genome] = []
    start = time.perf_counter()
    for epoch in range(epochs):
        order = rng.permutation(labels.size)
        losses = []
        for k in range(0, order.size, batch_size):
            if not queue:
                queue = _fair_paths(space, rng) if sampling == "fair" else [space.sample(rng)]
            g = queue.pop(0)
            cfg = _config(space, g, 1, seed)
            key = (cfg.n_steps, cfg.dt, cfg.encoder, repr(sorted(cfg.encoder_options.items())))
            if key not in rasters:
                rasters[key] = np.asarray(encode(data, split.train, cfg), dtype=np.float64)
            idx = order[k:k + batch_size]
            x, y = rasters[key][idx], labels[idx]
            blocks, rec_n = _blocks(net, cfg.hidden, cfg.recurrent)
            ws, rs = _sub(net, cfg.hidden, cfg.recurrent)
            counts, saved, _ = _run(ws, x, cfg, keep=True, recurrent=rs)
            loss, d_counts = _softmax_grad(counts, y)
            if not math.isfinite(loss):
                raise TrainError(f"supernet: training diverged at epoch {epoch} (loss {loss})")
            grads, rec_grads, _ = _backward_all(ws, x, saved, d_counts, cfg, rs)
            full: list[NDArray[np.float64] | None] = [None] * (len(weights) + len(recurrent))
            for (j, r, c, s), gw in zip(blocks, grads):
                g_full = np.zeros_like(weights[j])
                g_full[:r, :c] = s * gw
                full[j] = g_full
            for i, (n, gr) in enumerate(zip(rec_n, rec_grads)):
                if n is not None and gr is not None:
                    g_rec = np.zeros_like(recurrent[i])
                    g_rec[:n, :n] = gr
                    full[len(weights) + i] = g_rec
            adam.step(full)
            losses.append(loss)
            net.paths += 1
        record = {"epoch": float(epoch), "loss": float(np.mean(losses))}
        net.history.append(record)
        if on_epoch is not None:
            on_epoch(epoch, record)
    net.seconds = time.perf_counter() - start
    return net
