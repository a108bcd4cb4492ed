"""The loop every snnas trainer shares: shuffled mini-batches, Adam, validation after each epoch, early
stopping that keeps the best parameters, and a progress bar.

A trainer gives :func:`fit` its parameter arrays (updated in place; ``None`` entries are placeholders),
a ``batch`` function that returns the loss and the gradients for the samples it is given (computed with
the current parameters), and a ``validate`` function. Adam (Kingma & Ba 2015), per array θ with gradient g
at update t:

    m ← β1 m + (1 − β1) g,   v ← β2 v + (1 − β2) g²,   θ ← θ − lr · (m / (1 − β1^t)) / (√(v / (1 − β2^t)) + ε)

with β1 = 0.9, β2 = 0.999, ε = 1e-8.

Pause and resume. :class:`FitState` is everything the loop carries from one epoch to the next (the
parameters, Adam's moments and step count, the generator's state, the learning curve, the best parameters
and the early-stopping count). ``fit(..., resume=state)`` continues from it, so training for E₁ epochs,
then resuming for E₂ > E₁, gives bit for bit the parameters of training E₂ epochs at once: what lets a
multi-fidelity search promote a candidate without training it again (``snnas.train.checkpoint``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from snnas.errors import SnnasError
from snnas.threads import blas_threads

__all__ = ["Adam", "Fit", "FitState", "TrainError", "fit"]

Params = list[NDArray[np.float64] | None]


class TrainError(SnnasError, ValueError):
    """Bad training configuration or data, or a training that diverged."""


class Adam:
    """Adam over a list of arrays, updated in place (see the module docstring); ``None`` entries are skipped."""

    def __init__(self, params: Sequence[NDArray[np.float64] | None], lr: float, b1: float = 0.9, b2: float = 0.999,
                 eps: float = 1e-8) -> None:
        self.params, self.lr, self.b1, self.b2, self.eps = params, lr, b1, b2, eps
        self.m = [None if p is None else np.zeros_like(p) for p in params]
        self.v = [None if p is None else np.zeros_like(p) for p in params]
        self.t = 0

    def step(self, grads: Sequence[NDArray[np.float64] | None]) -> None:
        self.t += 1
        c1, c2 = 1 - self.b1**self.t, 1 - self.b2**self.t
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            if p is None or g is None or m is None or v is None:
                continue
            m *= self.b1
            m += (1 - self.b1) * g
            v *= self.b2
            v += (1 - self.b2) * g * g
            p -= self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)


@dataclass
class FitState:
    """The loop's state after ``epoch`` epochs (module docstring); ``stopped``: early stopping ended it."""

    epoch: int
    params: Params
    m: Params
    v: Params
    t: int
    rng: dict[str, Any]
    history: list[dict[str, float]]
    best: Params
    best_val: float
    waited: int
    seen: int
    stopped: bool


@dataclass
class Fit:
    """What :func:`fit` returns: the best parameters (copies), the learning curve, time and samples seen,
    and the state to resume from."""

    best: Params
    history: list[dict[str, float]]
    seconds: float
    samples: int
    state: FitState | None = None


def _copy(ps: Params) -> Params:
    return [None if p is None else p.copy() for p in ps]


def fit(params: Params, batch: Callable[[NDArray[np.int64]], tuple[float, Sequence[NDArray[np.float64] | None]]],
        validate: Callable[[], float], n_train: int, rng: np.random.Generator, config: Any,
        resume: FitState | None = None) -> Fit:
    """Train ``params`` in place; ``config`` gives epochs, batch_size, lr, patience and progress.

    BLAS runs on :func:`snnas.threads.blas_budget` threads meanwhile (one unless ``$SNNAS_BLAS_THREADS``
    says), never on as many as it would choose itself.

    Each epoch visits the training samples in a fresh random order in batches; after it, ``validate()``
    scores the current parameters and the best-scoring ones are kept; training stops after ``patience``
    epochs without improvement. A non-finite loss raises TrainError. With ``resume`` (a state of the same
    training after fewer epochs, see the module docstring) the loop goes on from there.
    """
    with blas_threads():
        return _fit(params, batch, validate, n_train, rng, config, resume)


def _fit(params: Params, batch: Callable[[NDArray[np.int64]], tuple[float, Sequence[NDArray[np.float64] | None]]],
         validate: Callable[[], float], n_train: int, rng: np.random.Generator, config: Any,
         resume: FitState | None) -> Fit:
    adam = Adam(params, config.lr)
    history: list[dict[str, float]] = []
    best_val, waited, seen, first, stopped = -1.0, 0, 0, 0, False
    best = _copy(params)
    if resume is not None:
        if len(resume.params) != len(params) or any(
                (a is None) != (b is None) or (a is not None and b is not None and a.shape != b.shape)
                for a, b in zip(resume.params, params)):
            raise TrainError("resume: the saved state's parameters do not have this training's shapes")
        if resume.epoch > config.epochs:
            raise TrainError(f"resume: the saved state is {resume.epoch} epochs in, more than the {config.epochs} "
                             f"asked")
        for p, q in zip(params, resume.params):
            if p is not None and q is not None:
                p[...] = q
        adam.m, adam.v, adam.t = _copy(resume.m), _copy(resume.v), resume.t
        rng.bit_generator.state = resume.rng
        history, best, best_val = [dict(h) for h in resume.history], _copy(resume.best), resume.best_val
        waited, seen, first, stopped = resume.waited, resume.seen, resume.epoch, resume.stopped
    bar = _Progress(config.epochs) if config.progress else None
    start = time.perf_counter()
    try:
        for epoch in range(first, config.epochs if not stopped else first):
            order = rng.permutation(n_train)
            losses = []
            for k in range(0, order.size, config.batch_size):
                idx = order[k:k + config.batch_size]
                loss, grads = batch(idx)
                if not math.isfinite(loss):
                    raise TrainError(f"training diverged at epoch {epoch} (loss {loss})")
                adam.step(grads)
                losses.append(loss)
                seen += idx.size
            val = validate()
            history.append({"epoch": float(epoch), "loss": float(np.mean(losses)), "val_accuracy": val})
            if bar is not None:
                bar.advance(f"loss {np.mean(losses):.3f} val {val:.3f}")
            if val > best_val:
                best_val, waited = val, 0
                best = _copy(params)
            else:
                waited += 1
                if waited >= config.patience:
                    stopped = True
                    break
    finally:
        if bar is not None:
            bar.close()
    done = len(history)
    state = FitState(done, _copy(params), _copy(adam.m), _copy(adam.v), adam.t, dict(rng.bit_generator.state),
                     [dict(h) for h in history], _copy(best), best_val, waited, seen, stopped)
    return Fit(best, history, time.perf_counter() - start, seen, state)


class _Progress:
    """Progress of the epochs on stderr (rich), with the loss and validation accuracy."""

    def __init__(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self._p = Progress(TextColumn("training"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                           TextColumn("{task.fields[info]}"), console=Console(stderr=True), transient=True)
        self._task = self._p.add_task("train", total=total, info="")
        self._p.start()

    def advance(self, info: str) -> None:
        self._p.update(self._task, advance=1, info=info)

    def close(self) -> None:
        self._p.stop()
