"""Trinary weights for chips whose neurons hold one weight per axon type (TrueNorth).

On TrueNorth (Merolla et al. 2014, Science, §S1) the weight of a synapse is w_ij = c_ij · S_j[G_i]: a crossbar
bit c_ij ∈ {0, 1}, the type G_i ∈ {0, 1, 2, 3} of axon i, and neuron j's signed 9-bit weight for that type.
The mapping used here is the standard one of the TrueNorth literature (Esser et al. 2015, NIPS, and 2016,
PNAS): every source reaches a core on two axons, type 0 carrying S_j[0] = +s_j and type 1 carrying
S_j[1] = −s_j, and the crossbar connects neuron j to the one with the sign of its weight, or to neither.
A neuron's weights are therefore trinary with one scale per neuron,

    w_ij = t_ij · s_j,   t_ij ∈ {−1, 0, +1},   s_j ∈ [1, L]   (L = 2^(b−1) − 1 = 255 at 9 bits).

The price is paid in the mapping (:mod:`snnas.mapping.axons`): two axons per source and core, so a core
takes 128 sources, and one neuron copy per axon a neuron drives (a TrueNorth neuron targets one axon).
Types 2 and 3 stay unused. Using all four for five levels {−2, −1, 0, 1, 2}·s_j (four axons per source,
a core taking 64) was measured too (``benchmarks/bench_truenorth.py --alternatives``, digits 64-128-10,
4 seeds): 92% on the chip as trained against trinary's 85%, but after fine-tuning 95.7-95.9% against
93.2-94.8% (float 96%), at three times the cores (6-7 against 2; 1,400-1,700 axons against 375, ~530
copies against ~120), so it is not the default.

Quantisation of a dense layer with float weights W (inputs × neurons), per neuron j (column w_j):

- t_j, α_j: the L2-best trinary approximation α_j · t_j of w_j. Keeping the k largest |w_ij| (sign kept,
  the rest 0), the best α is their mean and the error ‖w_j‖² − k·α²; k maximises (Σ_{top k} |w_ij|)² / k
  (exact; the TWN rule Δ = 0.7 · mean|w| of Li & Liu 2016 approximates it);
- one unit per layer u = max_j α_j / L, s_j = clip(round(α_j / u), 1, L), W_int = t · s (per column), and
  the layer's threshold θ_int = round(θ / u) as on every chip (:mod:`snnas.quantize.layers`).

Trinary weights lose accuracy that quantisation alone does not recover; fine-tuning with this quantiser
in the loop (straight-through, :func:`snnas.quantize.layers.fine_tune`) does.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from snnas.chip import Chip

__all__ = ["NEGATIVE_TYPE", "POSITIVE_TYPE", "trinary", "trinary_float", "trinary_integer", "weight_per_axon_type"]

POSITIVE_TYPE = 0  # the axon type whose per-neuron weight is +s_j
NEGATIVE_TYPE = 1  # the axon type whose per-neuron weight is -s_j


def weight_per_axon_type(chip: Chip) -> bool:
    """Whether a neuron of ``chip`` holds one weight per axon type, so that this module's mapping applies.

    True when the (homogeneous) chip's file gives ``synapse_types`` >= 2, ``weight_values_per_neuron`` no
    more than that (one value per type: TrueNorth's 4 and 4) and signed weights. DYNAP-SE2 (16 values from 4
    per-core base currents) and chips without axon types are not such chips.
    """
    if chip.heterogeneous:
        return False
    lim = chip.core_limits(0)
    types, values = lim.synapse_types, lim.weight_values_per_neuron
    return (types is not None and values is not None and types >= 2 and values <= types
            and chip.precision.weight_signed is not False)


def trinary(w: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The L2-best trinary approximation of every column of ``w`` (inputs × neurons): (t, α) with t in
    {-1, 0, 1} of ``w``'s shape and α >= 0 per column, minimising ‖w_j − α_j t_j‖² (module docstring).

    A column of zeros gets t = 0 and α = 0.
    """
    w = np.asarray(w, dtype=np.float64)
    mag = np.abs(w)
    top = -np.sort(-mag, axis=0)  # each column's magnitudes, largest first
    csum = np.cumsum(top, axis=0)
    kept = np.arange(1, w.shape[0] + 1, dtype=np.float64)[:, None]
    k = np.argmax(csum**2 / kept, axis=0)  # per column: the index of the smallest magnitude kept
    cut = top[k, np.arange(w.shape[1])]
    t = np.where((mag >= cut[None, :]) & (mag > 0), np.sign(w), 0.0)
    # magnitudes tied with the cut are all kept; α is the L2-best scale of the kept set, their mean
    alpha = (mag * (t != 0)).sum(axis=0) / np.maximum((t != 0).sum(axis=0), 1)
    return t, alpha


def trinary_integer(w: NDArray[np.float64], levels: int) -> tuple[NDArray[np.int64], float]:
    """The chip's integer weights t · s_j (s_j in [1, ``levels``] per neuron) and the layer's unit u
    (float weight per integer step): W ≈ u · W_int."""
    t, alpha = trinary(w)
    peak = float(alpha.max()) if alpha.size else 0.0
    unit = peak / levels if peak > 0 else 1.0
    s = np.clip(np.rint(alpha / unit), 1, levels).astype(np.int64)
    return (t.astype(np.int64) * s[None, :]).astype(np.int64), unit


def trinary_float(w: NDArray[np.float64], levels: int) -> NDArray[np.float64]:
    """The weights the chip holds for ``w``, in float scale (u · W_int): the projection fine-tuning trains
    through."""
    w_int, unit = trinary_integer(w, levels)
    return w_int.astype(np.float64) * unit
