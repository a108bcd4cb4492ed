"""A chip's encodings (weights, thresholds, biases, decays) as the quantiser applies them."""

from __future__ import annotations

import numpy as np

from snnas.chip import load_chip
from snnas.chip.numerics import Encoding
from snnas.quantize.numerics import (
    THRESHOLD_LEVELS,
    chip_bias,
    chip_decay,
    chip_thresholds,
    exponent_for,
    rule_fields,
    weight_grid,
)

LOIHI = load_chip("loihi").numerics_of("lif")
assert LOIHI is not None


def test_weight_grids_follow_lavas_sign_modes() -> None:
    assert weight_grid(LOIHI.weight, mixed_sign=True) == weight_grid(LOIHI.weight, True, 8)
    g = weight_grid(LOIHI.weight, mixed_sign=True)
    assert (g.levels, g.step, g.signed) == (127, 2, True)  # even mantissas in [-254, 254]
    g = weight_grid(LOIHI.weight, mixed_sign=False)
    assert (g.levels, g.step) == (255, 1)
    g = weight_grid(LOIHI.weight, mixed_sign=True, bits=4)  # Lava's num_weight_bits = 4: 5 low bits dropped
    assert (g.levels, g.step) == (7, 32)
    assert weight_grid(Encoding(mantissa_bits=3, signed="unsigned"), True).levels == 7


def test_the_exponent_resolves_the_threshold_and_leaves_headroom() -> None:
    g = weight_grid(LOIHI.weight, True)
    # max|W| = 1 V at level 127: s_k = 1/127 V per level; theta = 1 V
    e = exponent_for(LOIHI.weight, LOIHI.threshold, g, 1 / 127, [1.0])
    s = (1 / 127) / (g.step * 2 ** (e + LOIHI.weight.shift))
    mantissa = round(1.0 / (s * 64))
    assert mantissa >= THRESHOLD_LEVELS and (e == 0 or round(1.0 / (2 * s * 64)) < THRESHOLD_LEVELS)
    # a threshold far above the weights: the smallest exponent, whose mantissa still fits 17 bits
    assert exponent_for(LOIHI.weight, LOIHI.threshold, g, 1 / 127, [300.0]) == 0


def test_thresholds_biases_and_decays_land_on_the_chips_grids() -> None:
    th = chip_thresholds([1.0, 1e9], [1e-4, 1e-4], LOIHI.threshold)
    assert th[0] == round(1.0 / 1e-4 / 64) * 64 and th[1] == (2**17 - 1) * 64  # the second is clipped
    assert LOIHI.bias is not None
    b = chip_bias(np.array([100.4, -5000.0, 1e9, 0.0]), LOIHI.bias)
    assert b[0] == 100 and b[1] == -5000 and b[3] == 0  # -5000 = -2500 << 1: 13-bit mantissa
    assert b[2] == 4095 << 7  # clipped at the largest mantissa and exponent
    assert chip_decay(4096, 0, 12) == 4095 and chip_decay(0, 1, 12) == 1 and chip_decay(4096, 1, 12) == 4096


def test_rule_fields_are_the_engines() -> None:
    fields = dict(rule_fields(LOIHI))
    assert fields == {"order": "decay_input_threshold_reset", "decay_rounding": "keep_toward_zero",
                      "threshold_test": ">", "v_overflow": "saturate_symmetric", "i_overflow": "wrap",
                      "current_bits": 24, "max_spikes": 1, "integration": "summed",
                      "decay_bits": 12}
