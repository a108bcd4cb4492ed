"""SpiNNaker's LIF (sPyNNaker's IF_curr_delta) from its chip file's numerics, against a transcription of its C.

sPyNNaker (neural_modelling/src/neuron @001e4d93) runs each neuron on an ARM core in s16.15 ``accum``
arithmetic; per timestep (``timer_callback``): the ring-buffer slot of the step is converted to input (the
slot's 16-bit sum per synapse type, shifted left by the type's ``ring_buffer_to_input_left_shift``), then
per neuron ``neuron_model_state_update``: outside the refractory period

    input = exc - inh + I_offset
    alpha = MULT_ROUND_NEAREST_ACCUM(input, R_membrane) + V_rest
    V     = alpha - MULT_ROUND_NEAREST_ACCUM(exp_TC, alpha - V)

(inside it the timer counts down and V is held), then ``V >= V_thresh`` fires (``V <- V_reset``, timer <-
T_refract) and the delta synapses' buffers are cleared. A spike of step t with delay d >= 1 lands in the
ring-buffer slot of step t + d. ``MULT_ROUND_NEAREST_ACCUM`` of two s16.15 values is spinn_common's
``__stdfix_smul_k_round_nearest``: the 64-bit product, plus bit 14 (``__stdfix_round_s64``), shifted right 15,
saturated to 32 bits; ``+`` and ``-`` of ``accum`` wrap at 32 bits. The transcription below is that C on
Python integers (the bit patterns of the accums); the engine runs the rule the chip file gives.
"""

from __future__ import annotations

import numpy as np
import pytest

from snnas.chip import load_chip
from snnas.quantize.numerics import rule_fields
from snnas.sim.fixed import FixedSimNetwork, simulate_fixed

ONE = 1 << 15  # 1.0 as an s16.15 accum


def wrap32(x: int) -> int:
    """An accum + or - (32-bit two's complement)."""
    return (x + 2**31) % 2**32 - 2**31


def sat32(x: int) -> int:
    return min(max(x, -(2**31)), 2**31 - 1)


def smul_k_round_nearest(x: int, y: int) -> int:
    """spinn_common round.h ``__stdfix_smul_k_round_nearest`` on the bit patterns of two s16.15 accums."""
    if x == -(2**31) and y == -(2**31):
        return 2**31 - 1
    p = x * y
    rounded = ((p >> 15) + ((p >> 14) & 1)) << 15  # __stdfix_round_s64(p, 15)
    return sat32(rounded >> 15)


def spynnaker(v0: list[int], v_th: list[int], v_reset: list[int], exp_tc: list[int], t_refract: list[int],
              i_offset: list[int], rows: list[list[tuple[int, int, int, int]]], shifts: tuple[int, int],
              external: list[list[tuple[int, int, int]]], steps: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Spikes and V per step, (steps, neurons) each, and the ring-buffer saturations; ``rows[i]`` the
    synapses (target, 16-bit weight, type 0 = excitatory / 1 = inhibitory, delay >= 1) of neuron i,
    ``external[t]`` the (target, weight, type) arriving in step t's slot."""
    n = len(v0)
    v, timer = list(v0), [0] * n
    ring: dict[tuple[int, int, int], int] = {}  # (step, type, neuron) -> the slot's 16-bit sum
    saturations = 0

    def land(step: int, kind: int, target: int, w: int) -> None:
        nonlocal saturations
        total = ring.get((step, kind, target), 0) + w
        if total > 0xFFFF:  # synapses.c: a ring-buffer entry saturates at 16 bits
            total, saturations = 0xFFFF, saturations + 1
        ring[(step, kind, target)] = total

    for t, arrivals in enumerate(external):
        for target, w, kind in arrivals:
            land(t, kind, target, w)
    spikes = np.zeros((steps, n), np.int64)
    trace = np.zeros((steps, n), np.int64)
    for t in range(steps):
        buffers = [[ring.pop((t, kind, i), 0) << shifts[kind] for kind in (0, 1)] for i in range(n)]
        fired = []
        for i in range(n):
            if timer[i] <= 0:
                exc, inh = buffers[i]
                current = wrap32(wrap32(exc - inh) + i_offset[i])
                alpha = wrap32(smul_k_round_nearest(current, ONE) + 0)  # R_membrane = 1.0, V_rest = 0
                v[i] = wrap32(alpha - smul_k_round_nearest(exp_tc[i], wrap32(alpha - v[i])))
            else:
                timer[i] -= 1
            if v[i] >= v_th[i]:  # threshold_type_static, tested in every step
                v[i], timer[i] = v_reset[i], t_refract[i]
                fired.append(i)
        for i in fired:
            spikes[t, i] = 1
            for target, w, kind, delay in rows[i]:
                land(t + delay, kind, target, w)
        trace[t] = v
    return spikes, trace, saturations


@pytest.mark.parametrize("seed", range(16))
@pytest.mark.parametrize("backend", ["engine", "numba"])
def test_spinnaker_rule_matches_spynnakers_lif_step_by_step(seed: int, backend: str) -> None:
    rng = np.random.default_rng(seed)
    n, steps = int(rng.integers(2, 30)), int(rng.integers(10, 80))
    shifts = (int(rng.integers(0, 6)), int(rng.integers(0, 6)))
    v_th = [int(x) for x in rng.integers(ONE, 40 * ONE, size=n)]  # 1 to 40 mV
    v_reset = [int(rng.integers(-10 * ONE, th)) for th in v_th]
    v0 = [int(x) for x in rng.integers(-10 * ONE, 20 * ONE, size=n)]
    tau = rng.uniform(1.0, 50.0, size=n)
    exp_tc = [int(round(np.exp(-1.0 / x) * ONE)) for x in tau]  # expk(-dt / tau_m), dt = 1 ms
    exp_tc[0] = ONE if seed % 4 == 0 else exp_tc[0]  # a neuron that never leaks (and ignores its input)
    t_refract = [int(x) for x in rng.integers(0, 4, size=n)]
    i_offset = [int(x) * (rng.random() < 0.3) for x in rng.integers(-ONE // 4, 2 * ONE, size=n)]
    conn = rng.random((n, n)) < min(1.0, 6.0 / n)
    rows = [[(int(j), int(rng.integers(0, 1 << 12)), int(rng.random() < 0.3), int(rng.integers(1, 5)))
             for j in np.nonzero(conn[i])[0]] for i in range(n)]
    external = [[(int(rng.integers(0, n)), int(rng.integers(0, 1 << 12)), int(rng.random() < 0.2))
                 for _ in range(int(rng.integers(0, 2 * n)) if t else 0)] for t in range(steps)]
    want_s, want_v, saturated = spynnaker(v0, v_th, v_reset, exp_tc, t_refract, i_offset, rows, shifts, external,
                                          steps)
    assert saturated == 0  # the transcription agrees with snnas's exact sums only below the ring's 16 bits
    rule = load_chip("spinnaker").numerics_of("lif")
    assert rule is not None and rule.decay_rounding == "closed_form_nearest"
    flat = [(i, *syn) for i in range(n) for syn in rows[i]]
    row_ptr = np.searchsorted([s[0] for s in flat], np.arange(n + 1)).astype(np.int64)
    net = FixedSimNetwork(
        row_ptr=row_ptr, target=np.array([s[1] for s in flat], np.int32),
        weight=np.array([(w << shifts[k]) * (-1 if k else 1) for _, _, w, k, _ in flat], np.int32),
        delay=np.array([d - 1 for *_, d in flat], np.int32),  # sPyNNaker's delay 1 is the engine's next step
        model="lif", state_bits=rule.membrane.bits, v_th=v_th, v_reset=v_reset,
        decay_m=[ONE - e for e in exp_tc], t_ref=t_refract, reset=rule.reset, **dict(rule_fields(rule)))
    # The slot of step t holds what the engine delivers in step t - 1 (it enters step t's update); step 0's
    # slot is empty (the engine has no step -1).
    arrivals = [(t - 1, i, (w << shifts[k]) * (-1 if k else 1)) for t, step in enumerate(external) for i, w, k in step]
    result = simulate_fixed(
        net, steps, v0=v0, i_ext=np.array(i_offset, np.int32), probe=np.arange(n), backend=backend,
        ext_spikes=(np.array([a[0] for a in arrivals], np.int64), np.array([a[1] for a in arrivals], np.int32),
                    np.array([a[2] for a in arrivals], np.int32)))
    got = np.zeros((steps, n), np.int64)
    np.add.at(got, (result.spike_steps, result.spike_ids), 1)
    assert np.array_equal(got, want_s)
    assert np.array_equal(result.probes["v"], want_v)
    assert want_s.sum() > 0 or seed % 4 == 0


def test_a_spinnaker_input_moves_v_by_its_share_of_the_step() -> None:
    """v0 = 0, one input a, exp_TC = e: V = a - rnd(e * a), the closed form's (1 - e) share of a."""
    rule = load_chip("spinnaker").numerics_of("lif")
    assert rule is not None
    e, a = 31_175, 100 * ONE  # about exp(-1/20): 1 ms steps, tau_m = 20 ms; a = 100 (nA with R = 1)
    net = FixedSimNetwork(row_ptr=np.zeros(2, np.int64), target=np.zeros(0, np.int32), weight=np.zeros(0, np.int32),
                          delay=np.zeros(0, np.int32), model="lif", state_bits=32, v_th=2**31 - 1,
                          decay_m=ONE - e, reset=rule.reset, **dict(rule_fields(rule)))
    result = simulate_fixed(net, 2, i_ext=np.array([[a], [0]], np.int32), probe=[0])
    v1 = a - smul_k_round_nearest(e, a)
    assert result.probes["v"][:, 0].tolist() == [v1, -smul_k_round_nearest(e, -v1)]
    assert abs(v1 - a * (ONE - e) / ONE) <= 1
