"""Temporal tasks generated offline, where time steps, memory and the neuron model decide accuracy.

:func:`delayed_xor`: two cues separated by a silent delay; the class is the XOR of the two. Inputs are two
groups of ``n_inputs / 2`` channels; cue A (value a ∈ {0, 1}) drives the first or second half of group A
during steps [0, cue), cue B (value b) the first or second half of group B during steps
[cue + delay, 2·cue + delay), each driven channel spiking with probability ``rate`` per step; every channel
also fires background noise with probability ``noise`` per step. The label is a XOR b. Summed over time the
four cue patterns are present in every class in the same proportions, so no count of input spikes tells the
class: a network must hold cue A through the delay (a leak-free IF membrane, a long time constant,
recurrence or adaptation) and see cue B (enough time steps: the sequence lasts 2·cue + delay steps).
"""

from __future__ import annotations

import math

import numpy as np

from snnas.data.datasets import Dataset, DatasetError

__all__ = ["delayed_xor"]


def delayed_xor(n_inputs: int = 20, cue: int = 4, delay: int = 10, rate: float = 0.5, noise: float = 0.01,
                samples_per_class: int = 200, dt: float = 1e-3, seed: int = 0) -> Dataset:
    """The delayed-XOR task (module docstring); ``samples_per_class`` of each label, steps of ``dt`` [s]."""
    for name, v, low in (("n_inputs", n_inputs, 4), ("cue", cue, 1), ("delay", delay, 0),
                         ("samples_per_class", samples_per_class, 1)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
            raise DatasetError(f"delayed_xor: {name} must be an integer >= {low}, got {v!r}")
    if n_inputs % 4:
        raise DatasetError(f"delayed_xor: n_inputs must be a multiple of 4 (two cues, two halves each), got {n_inputs}")
    for name, prob in (("rate", rate), ("noise", noise)):
        if isinstance(prob, bool) or not isinstance(prob, (int, float)) or not 0.0 <= prob <= 1.0:
            raise DatasetError(f"delayed_xor: {name} must be a probability in [0, 1], got {prob!r}")
    if not (isinstance(dt, (int, float)) and math.isfinite(dt) and dt > 0):
        raise DatasetError(f"delayed_xor: dt must be a positive number of seconds, got {dt!r}")
    rng = np.random.default_rng(seed)
    steps = 2 * cue + delay
    half, quarter = n_inputs // 2, n_inputs // 4
    n = 2 * samples_per_class
    a = rng.integers(0, 2, size=n)
    b = np.concatenate([a[:samples_per_class], 1 - a[samples_per_class:]])  # first half: label 0, then 1
    labels = (a ^ b).astype(np.int64)
    p = np.full((n, steps, n_inputs), float(noise))
    for i in range(n):
        ca = slice(a[i] * quarter, (a[i] + 1) * quarter)
        cb = slice(half + b[i] * quarter, half + (b[i] + 1) * quarter)
        p[i, :cue, ca] = max(rate, noise)
        p[i, cue + delay:, cb] = max(rate, noise)
    spikes = rng.random(p.shape) < p
    order = rng.permutation(n)
    spikes, labels = spikes[order], labels[order]
    sample, step, unit = np.nonzero(spikes)
    counts = np.bincount(sample, minlength=n)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    times = (step + 0.5) * dt  # mid-step: binning at dt puts each spike in its own step
    return Dataset(f"delayed_xor(cue={cue}, delay={delay})", labels, n_inputs, 2, offsets=offsets,
                   times=times.astype(np.float64), units=unit.astype(np.int64), duration=steps * dt)
