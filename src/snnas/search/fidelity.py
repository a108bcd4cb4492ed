"""Fidelity: evaluating a candidate on a share of its full training budget (multi-fidelity search).

A proposal's fidelity f ∈ (0, 1] is turned into a cheaper evaluation by one of four rules (the run's
``fidelity`` setting):

    epochs      train for E_f = max(1, round(f · E)) epochs            cost = E_f / E
    data        train on a stratified share f of the training set       cost = n_f / n  (per class: ⌈f · n_c⌉)
    steps       simulate T_f = max(2, round(f · T)) time steps          cost = T_f / T
    curriculum  an easier task: the first K_f = max(2, ⌈c · C⌉) classes  cost = c · d · T_f / T
                only (train, validation and test), a stratified share
                d of their training samples and T_f = max(2, round(c · T))
                time steps, with c = d = f^(1/3)

(E: the run's epochs; T: the genome's time steps; n: training samples; C: the data's classes.) The cost,
in full trainings, is what a proposal takes from its chip's budget, so a multi-fidelity strategy given a
budget of 60 spends the training time of 60 full trainings (the curriculum's class share c stands for its
share of the samples, which it is on a balanced dataset). Test accuracy, energy and latency are measured
on the full test set, but for ``curriculum``, which tests on its K_f classes; with ``steps`` and
``curriculum`` they are measured at T_f steps (a network that decides in fewer steps costs less on the
chip). With ``curriculum``, successive halving, Hyperband and ASHA become curriculum searches: every rung
a harder version of the task (at η = 3 and 1/9: 5 of 10 classes, half the samples, half the steps; then
7 of 10, 69%, 69%; then the task itself), the survivors of each carried to the next.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from snnas.errors import SnnasError
from snnas.space.base import Candidate, Genome, SearchSpace

__all__ = ["FIDELITIES", "Budgeted", "FidelityError", "at_fidelity", "class_subset", "fidelity_cost", "train_subset"]

FIDELITIES = ("epochs", "data", "steps", "curriculum")


class FidelityError(SnnasError, ValueError):
    """An unknown fidelity rule or a fidelity outside (0, 1]."""


@dataclass(frozen=True)
class Budgeted:
    """A candidate at a fidelity: what to train, on which share of the training data, and its cost."""

    candidate: Candidate
    train_fraction: float
    cost: float
    class_fraction: float = 1.0  # curriculum: keep the first max(2, ⌈class_fraction · C⌉) classes


def _check(fidelity: float, kind: str) -> None:
    if kind not in FIDELITIES:
        raise FidelityError(f"fidelity rule must be one of {', '.join(FIDELITIES)}, got {kind!r}")
    if not (isinstance(fidelity, float | int) and 0.0 < fidelity <= 1.0):
        raise FidelityError(f"fidelity must be in (0, 1], got {fidelity!r}")


def _epochs_at(fidelity: float, epochs: int) -> int:
    return max(1, round(fidelity * epochs))


def at_fidelity(space: SearchSpace, genome: Genome, fidelity: float, kind: str, epochs: int, patience: int,
                seed: int) -> Budgeted:
    """The candidate of ``genome`` evaluated at ``fidelity`` by rule ``kind`` (see the module docstring)."""
    _check(fidelity, kind)
    budget: dict[str, Any] = {"epochs": epochs, "patience": patience, "seed": seed}
    if fidelity == 1.0:
        return Budgeted(space.candidate(genome, **budget), 1.0, 1.0)
    if kind == "epochs":
        e = _epochs_at(fidelity, epochs)
        return Budgeted(space.candidate(genome, **{**budget, "epochs": e}), 1.0, e / epochs)
    if kind == "data":
        return Budgeted(space.candidate(genome, **budget), float(fidelity), float(fidelity))
    full = int(space.candidate(genome, **budget).setting("n_steps"))
    if kind == "curriculum":
        c = float(fidelity) ** (1.0 / 3.0)
        t = max(2, round(c * full))
        return Budgeted(space.candidate(genome, **{**budget, "n_steps": t}), c, c * c * t / full, class_fraction=c)
    t = max(2, round(fidelity * full))
    return Budgeted(space.candidate(genome, **{**budget, "n_steps": t}), 1.0, t / full)


def fidelity_cost(space: SearchSpace, genome: Genome, fidelity: float, kind: str, epochs: int, patience: int,
                  seed: int) -> float:
    """``at_fidelity(...).cost`` without building the candidate (but for ``steps`` below 1, whose cost
    depends on the genome's time steps): all a resumed search needs of an evaluation it replays."""
    _check(fidelity, kind)
    if fidelity == 1.0:
        return 1.0
    if kind == "epochs":
        return _epochs_at(fidelity, epochs) / epochs
    if kind == "data":
        return float(fidelity)
    return at_fidelity(space, genome, fidelity, kind, epochs, patience, seed).cost


def train_subset(train: NDArray[np.int64], labels: NDArray[np.int64], fraction: float) -> NDArray[np.int64]:
    """A stratified share of the training indices: the first ⌈fraction · n_c⌉ of every class, in the
    split's (seeded) order; the whole set when ``fraction`` is 1."""
    if fraction >= 1.0:
        return train
    keep = np.zeros(len(train), dtype=bool)
    y = labels[train]
    for c in np.unique(y):
        pos = np.flatnonzero(y == c)
        keep[pos[: max(1, math.ceil(fraction * len(pos)))]] = True
    return train[keep]


def class_subset(indices: NDArray[np.int64], labels: NDArray[np.int64], fraction: float,
                 n_classes: int) -> NDArray[np.int64]:
    """The indices whose label is one of the first ``max(2, ⌈fraction · n_classes⌉)`` classes (the
    curriculum's easier task); all of them when ``fraction`` is 1."""
    if fraction >= 1.0:
        return indices
    k = min(n_classes, max(2, math.ceil(fraction * n_classes)))
    return indices[labels[indices] < k]
