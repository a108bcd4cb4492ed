"""ODIN's LIF neuron (leak off) from its chip file's numerics, against a transcription of its RTL.

``lif_neuron_state.v`` (ChFrenkel/ODIN @17819318) updates an 8-bit unsigned membrane once per AER event:
excitatory ``v <- min(v + w, 255)``, inhibitory ``v <- max(v - w, 0)``, then a spike when the new v reaches the
threshold (``>=``) and ``v <- 0``; a time-reference event (leak off) leaves v and only tests it. A step is one
all-neurons time-reference event followed by the step's AER events, as the host paces ODIN. The transcription
below is that Verilog, event by event; the engine runs the rule the chip file gives (``integration:
per_event``, 9-bit saturating state with the floor 0, the update of a step being its time-reference event).
"""

from __future__ import annotations

import numpy as np
import pytest

from snnas.chip import load_chip
from snnas.quantize.numerics import rule_fields
from snnas.sim.fixed import FixedSimNetwork, simulate_fixed


def rtl(v0: np.ndarray, thr: np.ndarray, events: list[list[tuple[int, int]]]) -> tuple[np.ndarray, np.ndarray]:
    """lif_neuron_state.v per event: spike counts and v per step, (steps, neurons) each."""
    v = v0.astype(np.int64).copy()
    spikes = np.zeros((len(events), v.size), np.int64)
    trace = np.zeros((len(events), v.size), np.int64)
    for t, step in enumerate(events):
        for neuron in range(v.size):  # the step's time-reference event: leak off, v tested as it is
            if v[neuron] >= thr[neuron]:
                spikes[t, neuron] += 1
                v[neuron] = 0
        for neuron, w in step:
            v[neuron] = min(v[neuron] + w, 255) if w >= 0 else max(v[neuron] + w, 0)
            if v[neuron] >= thr[neuron]:
                spikes[t, neuron] += 1
                v[neuron] = 0
        trace[t] = v
    return spikes, trace


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("backend", ["engine", "numba"])
def test_odin_rule_matches_its_rtl_event_by_event(seed: int, backend: str) -> None:
    rng = np.random.default_rng(seed)
    n, steps = int(rng.integers(1, 12)), int(rng.integers(5, 40))
    thr = rng.integers(1, 256, size=n)
    v0 = rng.integers(0, 256, size=n)
    sign = np.where(rng.random(8) < 0.3, -1, 1)  # one sign per source (ODIN's SYN_SIGN)
    events: list[list[tuple[int, int]]] = []
    for _ in range(steps):
        k = int(rng.integers(0, 4 * n + 1))
        src = np.sort(rng.integers(0, 8, size=k))  # sources in AER order
        events.append([(int(rng.integers(0, n)), int(sign[s] * rng.integers(0, 8))) for s in src])
    want_s, want_v = rtl(v0, thr, events)
    rule = load_chip("odin").numerics_of("if")
    assert rule is not None and rule.integration == "per_event"
    net = FixedSimNetwork(row_ptr=np.zeros(n + 1, np.int64), target=np.zeros(0, np.int32),
                          weight=np.zeros(0, np.int32), delay=np.zeros(0, np.int32), model="if",
                          state_bits=rule.membrane.bits, v_th=thr, v_reset=rule.reset_value or 0,
                          v_min=rule.lower_bound_value, reset=rule.reset, **dict(rule_fields(rule)))
    ext = ([t for t, step in enumerate(events) for _ in step], [i for step in events for i, _ in step],
           [w for step in events for _, w in step])
    out = simulate_fixed(net, steps, v0=v0, ext_spikes=ext, probe=np.arange(n), backend=backend)
    counts = np.zeros((steps, n), np.int64)
    np.add.at(counts, (out.spike_steps, out.spike_ids), 1)
    assert np.array_equal(counts, want_s) and np.array_equal(out.probes["v"], want_v)
    assert want_s.sum() > 0 or seed % 3  # most cases fire


def test_summing_the_events_would_differ_from_the_rtl() -> None:
    """Why the rule is per event: three +8 events against a threshold of 10 leave 8 on ODIN, 0 when summed."""
    s, v = rtl(np.array([0]), np.array([10]), [[(0, 8), (0, 8), (0, 8)]])
    assert s.sum() == 1 and v[0, 0] == 8
