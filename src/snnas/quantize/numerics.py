"""A chip's integer encodings applied to a quantised layer (its ``numerics`` entry, :mod:`snnas.chip.numerics`).

The layer quantiser first finds integer weights k in [-L, L] and a float scale s_k per layer (volts per
level, :mod:`snnas.quantize.layers`). On a chip with a published rule the weight the chip holds, in the
state's units, is w = m · 2^(e + shift) with m the mantissa; here the mantissa grid is k · step (Loihi's
mixed-sign projections keep even mantissas only: step 2, L = 2^(b-1) - 1; one-sign projections step 1,
L = 2^b - 1), so

    w_int = k · q,    q = step · 2^(e + shift),    s = s_k / q  (volts per state unit),

and every other integer of the layer (thresholds θ/s, biases I/s, the state) is in those state units. The
exponent e (shared by the projection) is the smallest of the chip's range that makes every threshold
mantissa θ/(s · 2^shift_θ) at least THRESHOLD_LEVELS steps and within its bits (:func:`exponent_for`).
Thresholds are then rounded to multiples of 2^shift_θ, biases to m · 2^e_b with the smallest per-neuron
exponent e_b that fits the bias mantissa, decays clipped to what the chip's registers reach (register +
offset).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from snnas.chip.numerics import Encoding, NeuronNumerics

logger = logging.getLogger(__name__)

THRESHOLD_LEVELS = 256  # a threshold is resolved to at least this many mantissa steps when the chip allows

__all__ = ["WeightGrid", "chip_bias", "chip_decay", "chip_thresholds", "exponent_for", "rule_fields",
           "weight_grid"]


@dataclass(frozen=True)
class WeightGrid:
    """Levels L of the integer weights k and the mantissa step (``step`` · k is the chip's mantissa)."""

    levels: int
    step: int
    signed: bool


def weight_grid(code: Encoding, mixed_sign: bool, bits: int | None = None) -> WeightGrid:
    """The weight levels of a projection whose weights have both signs (``mixed_sign``) or one; ``bits`` fewer
    than the mantissa's drop its low bits, as Lava's ``num_weight_bits`` truncates them (the step grows)."""
    lo, hi, step = code.mantissa_range(mixed_sign)
    drop = 2 ** max(code.mantissa_bits - bits, 0) if bits is not None else 1
    if code.signed == "unsigned":
        return WeightGrid(hi // drop, drop, False)
    return WeightGrid(min(-lo, hi) // (step * drop), step * drop, True)


def exponent_for(code: Encoding, theta_code: Encoding, grid: WeightGrid, scale_k: float,
                 thresholds: list[float]) -> int:
    """The exponent e of ``code`` for a layer: the smallest e >= 0 of the chip's range (Lava shifts the summed
    input right for e < 0, which is not a per-synapse weight) at which the threshold θ resolves to at least
    ``THRESHOLD_LEVELS`` mantissa steps, θ / (s · 2^shift_θ) with s = s_k / (step · 2^(e + shift)), and at
    most its mantissa's top. The smallest such e leaves the state the most headroom above the threshold
    (2^(m-1) / θ_int), which a membrane read out or driven far past threshold needs."""
    top = theta_code.mantissa_range(False)[1]
    peak = max((abs(t) for t in thresholds), default=0.0)
    lowest = max(code.exponent_min, 0)
    best = lowest
    for e in range(lowest, max(code.exponent_max, lowest) + 1):
        s = scale_k / (grid.step * 2.0 ** (e + code.shift))
        m = round(peak / (s * 2.0**theta_code.shift))
        if m > top:
            break
        best = e
        if m >= THRESHOLD_LEVELS:
            break
    return best


def chip_thresholds(thresholds: list[float], scales: list[float], code: Encoding) -> list[int]:
    """θ_int = round(θ / (s · 2^shift)) · 2^shift, the mantissa clipped to [1, top] (a clipped one is logged)."""
    top = code.mantissa_range(False)[1]
    unit = 2**code.shift
    out = []
    for theta, s in zip(thresholds, scales):
        ideal = round(theta / (s * unit))
        m = int(min(max(1, ideal), top))
        if m != ideal:
            logger.info("threshold mantissa %d is clipped to %d (the chip's range is [1, %d])", ideal, m, top)
        out.append(m * unit)
    return out


def chip_bias(ideal: NDArray[np.float64], code: Encoding) -> NDArray[np.int64]:
    """Per neuron the integer bias m · 2^(e_b + shift) nearest ``ideal`` (state units): e_b the smallest
    exponent in the chip's range whose mantissa range holds round(ideal / 2^(e_b + shift)); clipped at the top."""
    lo, hi, _ = code.mantissa_range(True)
    out = np.zeros(ideal.shape, dtype=np.int64)
    for k, x in enumerate(ideal):
        for e in range(code.exponent_min, code.exponent_max + 1):
            unit = 2.0 ** (e + code.shift)
            m = round(x / unit)
            if lo <= m <= hi or e == code.exponent_max:
                out[k] = int(min(max(m, lo), hi) * unit)
                break
    return out


def chip_decay(nominal: int, offset: int, bits: int) -> int:
    """The factor the chip applies nearest ``nominal`` (fractions of 2^bits): register r in [0, 2^bits - 1] plus
    the chip's offset."""
    return int(min(max(nominal, offset), 2**bits - 1 + offset))


def rule_fields(rule: NeuronNumerics) -> tuple[tuple[str, object], ...]:
    """The :class:`snnas.sim.fixed.FixedSimNetwork` fields that run ``rule`` in the fixed-point engine."""
    fields: list[tuple[str, object]] = [
        ("order", rule.order), ("decay_rounding", rule.decay_rounding), ("threshold_test", rule.threshold_test),
        ("v_overflow", rule.membrane.overflow), ("max_spikes", rule.spikes_per_step),
        ("integration", rule.integration), ("decay_bits", rule.decay_bits)]
    if rule.current is not None:
        fields += [("i_overflow", rule.current.overflow), ("current_bits", rule.current.bits)]
    return tuple(fields)

