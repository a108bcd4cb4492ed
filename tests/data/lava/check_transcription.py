"""Plain-numpy transcription of Lava's bit-accurate LIF/Dense/DelayDense rule.

Needs only numpy.  ``python tests/data/lava/check_transcription.py`` loads
every recorded case in ``cases/`` and checks that the rule written in
``README.md`` reproduces Lava's recorded spikes, u and v exactly.

The rule (lava-nc 0.10.0; see README.md for file/line references), per Lava
time step t = 1..n_steps, for one LIF population fed by an input Dense and a
recurrent Dense (each possibly a DelayDense):

    a[t]  = sum_d ((W_in  * [D_in  == d]) @ x[t-1-d]) << e_in
          + sum_d ((W_rec * [D_rec == d]) @ s[t-1-d]) << e_rec
            (x[k] = source spikes emitted at step k, s[k] = LIF spikes at
             step k; terms with k < 1 are 0)
    u'    = trunc0(u[t-1] * (4096 - (du + 1)) / 4096) + (a[t] << 6)
    u[t]  = u' - 2**24 if u' >  2**23
            u' + 2**24 if u' <= -2**23       -> u in (-2**23, 2**23]
            u'          otherwise
    v'    = trunc0(v[t-1] * (4096 - dv) / 4096) + u[t] + (bias_mant << bias_exp)
    v''   = clip(v', -(2**23 - 1), 2**23 - 1)
    s[t]  = v'' > (vth << 6)
    v[t]  = 0 where s[t] else v''

trunc0(p / 4096) is sign(p) * (|p| >> 12): division truncated toward zero.
"""

import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3]))  # the repository root
from tests.data import recording  # noqa: E402

UV_MAX = 2 ** 23           # Lava's max_uv_val (24-bit state variables)
V_LIM = UV_MAX - 1         # v is clipped to [-V_LIM, V_LIM]


def trunc_decay(x, factor):
    """sign(x*factor) * (|x*factor| >> 12), all in int64."""
    p = np.asarray(x, dtype=np.int64) * np.int64(factor)
    return np.sign(p) * (np.abs(p) >> 12)


def wrap_u(x):
    """Lava's one-step wrap of u: (2**23, ...) -> -2**24, (..., -2**23] -> +2**24."""
    x = np.asarray(x, dtype=np.int64)
    return np.where(x > UV_MAX, x - 2 * UV_MAX,
                    np.where(x <= -UV_MAX, x + 2 * UV_MAX, x))


def synaptic_input(w, delay, w_exp, spikes_hist, t):
    """Activation that a (Delay)Dense delivers to LIF at step t.

    spikes_hist[k - 1] holds the presynaptic spikes of step k (k = 1..).
    A spike at step k over a synapse of delay d arrives at step k + 1 + d.
    The weight exponent shifts the accumulated sum of each delay slot.
    """
    w = np.asarray(w, dtype=np.int64)
    delay = np.asarray(delay, dtype=np.int64)
    total = np.zeros(w.shape[0], dtype=np.int64)
    for d in np.unique(delay):
        k = t - 1 - int(d)            # presynaptic step whose spikes arrive now
        if k < 1 or k > len(spikes_hist):
            continue
        x = np.asarray(spikes_hist[k - 1], dtype=bool)
        acc = np.where(delay == d, w, 0)[:, x].sum(axis=1)
        total += (acc << w_exp) if w_exp > 0 else (acc >> -w_exp)
    return total


def simulate(case, return_a=False, return_prereset=False):
    """Run the transcribed rule on one case dict; returns s, u, v (n_steps, n)."""
    n_steps = int(case["n_steps"])
    du, dv, vth = int(case["du"]), int(case["dv"]), int(case["vth"])
    bias = (np.asarray(case["bias_mant"], dtype=np.int64)
            << np.asarray(case["bias_exp"], dtype=np.int64))
    u = np.asarray(case["u0"], dtype=np.int64).copy()
    v = np.asarray(case["v0"], dtype=np.int64).copy()
    in_spikes = np.asarray(case["in_spikes"], dtype=bool)
    n = u.shape[0]
    f_u = 4096 - (du + 1)          # ds_offset = 1
    f_v = 4096 - (dv + 0)          # dm_offset = 0
    vth_eff = vth << 6
    S = np.zeros((n_steps, n), dtype=bool)
    U = np.zeros((n_steps, n), dtype=np.int64)
    V = np.zeros((n_steps, n), dtype=np.int64)
    A = np.zeros((n_steps, n), dtype=np.int64)
    VPRE = np.zeros((n_steps, n), dtype=np.int64)
    for t in range(1, n_steps + 1):
        a = (synaptic_input(case["w_in"], case["delay_in"], int(case["w_in_exp"]),
                            in_spikes, t)
             + synaptic_input(case["w_rec"], case["delay_rec"],
                              int(case["w_rec_exp"]), S[:t - 1], t))
        u = wrap_u(trunc_decay(u, f_u) + (a << 6))
        v = np.clip(trunc_decay(v, f_v) + u + bias, -V_LIM, V_LIM)
        VPRE[t - 1] = v
        s = v > vth_eff
        v = np.where(s, 0, v)
        S[t - 1], U[t - 1], V[t - 1], A[t - 1] = s, u, v, a
    out = (S, U, V)
    if return_a:
        out = out + (A,)
    if return_prereset:
        out = out + (VPRE,)
    return out


def wrap_events(u0, u, du):
    """Steps at which u wrapped, judged from recorded states only.

    Without a wrap u[t] - trunc_decay(u[t-1]) = a << 6, whose magnitude stays
    below 2**23 for these networks (checked by record_lava.py); a wrap moves
    it by 2**24, so |difference| > 2**23 marks a wrap.
    """
    prev = np.vstack([np.asarray(u0, dtype=np.int64)[None, :], u[:-1]])
    jump = u - trunc_decay(prev, 4096 - (int(du) + 1))
    return np.abs(jump) > UV_MAX


def main():
    case_dir = pathlib.Path(__file__).resolve().parent / "cases"
    found = list(recording.cases(case_dir))
    if not found:
        print("no cases found in", case_dir)
        return 1
    bad = 0
    for f, case in found:
        s, u, v = simulate(case)
        ok_s = np.array_equal(s, case["s"])
        ok_u = np.array_equal(u, case["u"])
        ok_v = np.array_equal(v, case["v"])
        wrapped = bool(wrap_events(case["u0"], case["u"], case["du"]).any())
        saturated = bool((np.abs(case["v"]) == V_LIM).any())
        ok_flags = (wrapped == bool(case["wrapped"])
                    and saturated == bool(case["saturated"]))
        if ok_s and ok_u and ok_v and ok_flags:
            continue
        bad += 1
        print(f"MISMATCH {f.name}: s={ok_s} u={ok_u} v={ok_v} flags={ok_flags}")
        for name, mine, lava in (("s", s, case["s"]), ("u", u, case["u"]),
                                 ("v", v, case["v"])):
            diff = np.argwhere(mine != lava)
            if len(diff):
                t, i = diff[0]
                print(f"  first {name} diff at step {t + 1}, neuron {i}: "
                      f"transcription {mine[t, i]} lava {lava[t, i]}")
    print(f"{len(found) - bad} passed, {bad} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
