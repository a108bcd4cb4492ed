"""Record Intel Lava's bit-accurate LIF/Dense outputs as test data.

Run inside a venv with lava-nc 0.10.0 (see README.md):

    python tests/data/lava/record_lava.py

or, to run ONE case in Lava without touching the recorded data (used by the
live test in tests/sim/test_lava.py, which calls this script in Lava's own
interpreter):

    python tests/data/lava/record_lava.py --one cuba 5 --out /tmp/cuba_05.npz

The default mode (re)writes every case in ``tests/data/lava/cases/`` (``lif_NN.npz`` with
du = 4095, ``cuba_NN.npz`` with du < 4095) plus ``cases/summary.csv``.
Each case is a RingBuffer spike source -> Dense/DelayDense -> LIF, with a
recurrent Dense/DelayDense LIF -> LIF, run with
``Loihi1SimCfg(select_tag="fixed_pt")`` (checked to pick PyLifModelBitAcc,
PyDenseModelBitAcc / PyDelayDenseModelBitAcc) and probed every step with
Monitors (u, v, s_out).  Output is deterministic: seeds are fixed and the
.npz zip members carry a fixed timestamp, so a rerun gives identical bytes.

The plain-numpy transcription in check_transcription.py is used only to
pick thresholds (so that neurons fire often but not always) and to solve the
initial u of the boundary case; the recorded s, u, v are Lava's.
"""

import argparse
import csv
import importlib.metadata
import pathlib
import sys

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[2]))  # the repository root, for tests.data.recording
import check_transcription as tr  # noqa: E402
from lava.magma.core.run_conditions import RunSteps  # noqa: E402
from lava.magma.core.run_configs import Loihi1SimCfg  # noqa: E402
from lava.proc.dense.models import PyDelayDenseModelBitAcc, PyDenseModelBitAcc  # noqa: E402
from lava.proc.dense.process import DelayDense, Dense  # noqa: E402
from lava.proc.io.source import PySendModelFixed, RingBuffer  # noqa: E402
from lava.proc.lif.models import PyLifModelBitAcc  # noqa: E402
from lava.proc.lif.process import LIF  # noqa: E402
from lava.proc.monitor.process import Monitor  # noqa: E402
from lava.utils.weightutils import determine_sign_mode  # noqa: E402

from tests.data import recording  # noqa: E402

CASE_DIR = HERE / "cases"
N_REGULAR = 24          # random cases per kind (indices 0..23)
HARD = range(18, 24)    # of those, the ones driven into saturation/wrap
UV_MAX = tr.UV_MAX
V_LIM = tr.V_LIM
LAVA_COMMITS = {"0.10.0": "git tag v0.10.0 = commit "
                          "223307ecfad126442e59bedf36322401a38adf3b"}


def lava_version_string():
    ver = importlib.metadata.version("lava-nc")
    where = LAVA_COMMITS.get(ver, "commit unknown")
    return f"lava-nc {ver} (PyPI wheel; {where})"


# ---------------------------------------------------------------- weights --
def mixed_grid(rng, shape, density):
    """Even mantissas in [-256, 254]: unchanged by Lava's MIXED clip+truncate."""
    w = 2 * rng.integers(-128, 128, shape)
    return np.where(rng.random(shape) < density, w, 0)


def exc_grid(rng, shape, density, low=0):
    w = rng.integers(low, 256, shape)
    return np.where(rng.random(shape) < density, w, 0)


def input_weights(rng, mode, shape, density, low=0):
    if mode == "exc":
        return exc_grid(rng, shape, density, low)
    if mode == "inh":
        return -exc_grid(rng, shape, density, low)
    return mixed_grid(rng, shape, density)


def lava_weight_rule(w):
    """What PyDenseModelBitAcc does to the weights (clip, then truncate)."""
    w = np.asarray(w, dtype=np.int64)
    mode = determine_sign_mode(w).name
    if mode == "MIXED":
        return (np.clip(w, -256, 255) >> 1) << 1
    if mode == "INHIBITORY":
        return -np.clip(-w, 0, 255)
    return np.clip(w, 0, 255)


# ------------------------------------------------------------------ cases --
def base_case(kind, idx):
    """Draw the parameters of one case (everything but vth)."""
    rng = np.random.default_rng((1000 if kind == "lif" else 2000) + idx)
    hard = idx in HARD
    n = int(rng.integers(5, 41))
    n_in = int(rng.integers(3, 21))
    T = int(rng.integers(30, 101))
    if kind == "lif":
        du = 4095
    elif hard:
        du = int(rng.integers(0, 41))
    else:
        du = {0: 0, 1: 4094}.get(idx, int(rng.integers(0, 4095)))
    dv = {3: 0, 5: 4095}.get(idx, int(rng.integers(0, 4096) if rng.random() < .5
                                      else rng.integers(0, 257)))
    if hard and kind == "lif":
        dv = int(rng.integers(0, 9))
    use_delays = idx % 3 == 2
    zero_bias = idx % 4 == 0 and not hard
    rand_init = idx % 2 == 1

    if zero_bias:
        bias_mant = np.zeros(n, np.int64)
        bias_exp = np.zeros(n, np.int64)
    else:
        bias_mant = rng.integers(-4096, 4096, n)
        bias_exp = rng.integers(0, 8, n)
        if not hard and rng.random() < 0.5:      # milder biases half the time
            bias_mant = rng.integers(-512, 513, n)
    if hard and kind == "lif":       # ~half into the -v clip, rest driven up
        neg = rng.random(n) < 0.5
        bias_mant = np.where(neg, rng.integers(-4096, -2047, n),
                             rng.integers(0, 4096, n))
        bias_exp = np.where(neg, rng.integers(6, 8, n), rng.integers(3, 8, n))

    if rand_init:
        scale = int(rng.choice([2 ** 12, 2 ** 16, 2 ** 20, UV_MAX]))
        u0 = rng.integers(-scale + 1, scale + 1, n)
        vs = min(scale, V_LIM)
        v0 = rng.integers(-vs, vs + 1, n)
    else:
        u0 = np.zeros(n, np.int64)
        v0 = np.zeros(n, np.int64)

    if hard:
        rates = rng.uniform(0.5, 0.95, n_in)
        in_mode = "exc" if kind == "cuba" else "mixed"
        w_in = input_weights(rng, in_mode, (n, n_in), rng.uniform(0.6, 1.0),
                             low=100)
        w_in_exp = 3 if kind == "cuba" else int(rng.integers(2, 4))
    else:
        rates = rng.uniform(0.05, 0.6, n_in)
        in_mode = str(rng.choice(["exc", "mixed", "inh"], p=[.55, .35, .10]))
        if zero_bias and in_mode == "inh":     # else nothing could ever fire
            in_mode = "mixed"
        w_in = input_weights(rng, in_mode, (n, n_in), rng.uniform(0.3, 1.0))
        w_in_exp = int(rng.integers(0, 4))
    in_spikes = rng.random((T, n_in)) < rates
    w_rec = mixed_grid(rng, (n, n), rng.uniform(0.2, 0.8))
    w_rec_exp = int(rng.integers(0, 4))
    if use_delays:
        delay_in = rng.integers(0, 6, (n, n_in))
        delay_rec = rng.integers(0, 6, (n, n))
    else:
        delay_in = np.zeros((n, n_in), np.int64)
        delay_rec = np.zeros((n, n), np.int64)

    return dict(
        n_steps=T, du=du, dv=dv, bias_mant=bias_mant, bias_exp=bias_exp,
        u0=u0, v0=v0, in_spikes=in_spikes,
        w_in=w_in, w_in_exp=w_in_exp, delay_in=delay_in,
        w_rec=w_rec, w_rec_exp=w_rec_exp, delay_rec=delay_rec,
        use_delays=use_delays, rng=rng,
    )


def off_grid_case(kind):
    """Case 24: raw weights off Lava's grid (odd, out of range).

    cuba_24 also drives |a_in| past the int16 range (all 20 inputs, w = 255
    after clipping, weight_exp 3) to show that nothing narrows a_in to int16.
    """
    c = base_case(kind, 24 if kind == "lif" else 25)
    rng = c["rng"]
    n, n_in = c["w_in"].shape
    if kind == "lif":
        c["w_in"] = rng.integers(-300, 301, (n, n_in))
    else:
        c["w_in"] = rng.integers(150, 320, (n, n_in))
        c["w_in_exp"] = 3
        c["in_spikes"] = rng.random(c["in_spikes"].shape) < 0.9
    c["w_rec"] = rng.integers(-300, 301, (n, n))
    return c


def extreme_init_case():
    """lif_25: initial u, v at their extremes (and v0 across threshold)."""
    c = base_case("lif", 7)
    n = c["u0"].shape[0]
    c["u0"] = np.resize(np.array([UV_MAX, -UV_MAX + 1, 0, 12345]), n)
    c["v0"] = np.resize(np.array([V_LIM, -V_LIM, 0, -1]), n)
    return c


def boundary_case():
    """cuba_25: u hits exactly +2**23 (kept) and pre-wrap -2**23 (-> +2**23)."""
    rng = np.random.default_rng(2025)
    n, n_in, T = 6, 3, 40
    w_in = np.zeros((n, n_in), np.int64)
    w_in[0, 0], w_in[1, 0] = 200, -200             # MIXED (even) input weights
    w_in[2:, 1:] = 2 * rng.integers(-128, 128, (n - 2, n_in - 1))
    in_spikes = rng.random((T, n_in)) < 0.3
    in_spikes[0, 0] = True                         # arrives at step 2
    return dict(
        n_steps=T, du=0, dv=int(rng.integers(0, 4096)),
        bias_mant=np.zeros(n, np.int64), bias_exp=np.zeros(n, np.int64),
        u0=np.zeros(n, np.int64), v0=np.zeros(n, np.int64),
        in_spikes=in_spikes, w_in=w_in, w_in_exp=0,
        delay_in=np.zeros((n, n_in), np.int64),
        w_rec=mixed_grid(rng, (n, n), 0.3), w_rec_exp=0,
        delay_rec=np.zeros((n, n), np.int64), use_delays=False, rng=rng,
    )


def solve_boundary_u0(c):
    """Pick u0[0], u0[1] so that at step 2 the pre-wrap u is +2**23 / -2**23."""
    f = 4096 - (c["du"] + 1)
    for j, target in ((0, UV_MAX), (1, -UV_MAX)):
        for _ in range(5):
            _, _, _, A = tr.simulate(c, return_a=True)
            need = target - (int(A[1, j]) << 6)     # = trunc(trunc(u0*f)*f)
            guess = int(round(need * (4096 / f) ** 2))
            for cand in sorted(range(guess - 40, guess + 41),
                               key=lambda x: abs(x - guess)):
                if -UV_MAX < cand <= UV_MAX and \
                        tr.trunc_decay(tr.trunc_decay(cand, f), f) == need:
                    c["u0"][j] = cand
                    break
        _, U, _, A = tr.simulate(c, return_a=True)
        pre = tr.trunc_decay(tr.trunc_decay(c["u0"][j], f), f) + (int(A[1, j]) << 6)
        assert pre == target, (j, pre, target)
        assert U[1, j] == UV_MAX


def choose_vth(c):
    """Threshold so that the population fires often but not always."""
    target = c["rng"].uniform(0.08, 0.35)
    trial = dict(c, w_in=lava_weight_rule(c["w_in"]),
                 w_rec=lava_weight_rule(c["w_rec"]))
    best = None
    for vth in np.unique(np.round(np.geomspace(1, 131071, 80)).astype(int)):
        trial["vth"] = int(vth)
        s, _, _ = tr.simulate(trial)
        frac = s.mean()
        if frac == 0 or frac > 0.9:
            continue
        score = abs(frac - target)
        if best is None or score < best[0]:
            best = (score, int(vth))
    c["vth"] = best[1] if best else 131071


# -------------------------------------------------------------------- run --
def run_lava(c):
    """Build the network in Lava, run it, return recorded arrays."""
    T = c["n_steps"]
    n = c["u0"].shape[0]
    src = RingBuffer(data=c["in_spikes"].T.astype(np.int32))  # (n_in, T)
    if c["use_delays"]:
        d_in = DelayDense(weights=c["w_in"], delays=c["delay_in"].astype(int),
                          weight_exp=c["w_in_exp"])
        d_rec = DelayDense(weights=c["w_rec"], delays=c["delay_rec"].astype(int),
                           weight_exp=c["w_rec_exp"])
    else:
        d_in = Dense(weights=c["w_in"], weight_exp=c["w_in_exp"])
        d_rec = Dense(weights=c["w_rec"], weight_exp=c["w_rec_exp"])
    lif = LIF(shape=(n,), u=c["u0"], v=c["v0"], du=c["du"], dv=c["dv"],
              vth=c["vth"], bias_mant=c["bias_mant"], bias_exp=c["bias_exp"])
    src.s_out.connect(d_in.s_in)
    d_in.a_out.connect(lif.a_in)
    lif.s_out.connect(d_rec.s_in)
    d_rec.a_out.connect(lif.a_in)
    mons = {}
    for name, target in (("u", lif.u), ("v", lif.v), ("s", lif.s_out)):
        mons[name] = Monitor()
        mons[name].probe(target, T)
    try:
        lif.run(condition=RunSteps(num_steps=T),
                run_cfg=Loihi1SimCfg(select_tag="fixed_pt"))
        want = {lif: PyLifModelBitAcc, src: PySendModelFixed,
                d_in: PyDelayDenseModelBitAcc if c["use_delays"]
                else PyDenseModelBitAcc}
        want[d_rec] = want[d_in]
        for proc, cls in want.items():
            assert proc.model_class is cls, (proc, proc.model_class, cls)
        models = ",".join(sorted({p.model_class.__name__ for p in want}))
        rec = {}
        for name, mon in mons.items():
            data = mon.get_data()
            (pname,) = data.keys()
            (arr,) = data[pname].values()
            rec[name] = np.asarray(arr)
        w_in_used = np.rint(d_in.weights.get()).astype(np.int64)
        w_rec_used = np.rint(d_rec.weights.get()).astype(np.int64)
    finally:
        lif.stop()
    for name in ("u", "v"):
        assert np.array_equal(rec[name], np.rint(rec[name]))
    return dict(
        s=rec["s"] > 0.5, u=np.rint(rec["u"]).astype(np.int64),
        v=np.rint(rec["v"]).astype(np.int64),
        w_in=w_in_used, w_rec=w_rec_used, models=models,
    )


def max_input_bound(c):
    """Upper bound of |a << 6| over all steps (for the wrap criterion)."""
    b_in = (np.abs(c["w_in"]).sum(axis=1) << c["w_in_exp"]).max()
    b_rec = (np.abs(c["w_rec"]).sum(axis=1) << c["w_rec_exp"]).max()
    return int(b_in + b_rec) << 6


def record(kind, idx, c, version, rows, path=None):
    """Run case ``c`` in Lava and write its .npz to ``path`` (default: cases/)."""
    name = f"{kind}_{idx:02d}"
    w_in_raw, w_rec_raw = c["w_in"].copy(), c["w_rec"].copy()
    out = run_lava(c)
    assert np.array_equal(out["w_in"], lava_weight_rule(w_in_raw)), name
    assert np.array_equal(out["w_rec"], lava_weight_rule(w_rec_raw)), name
    c["w_in"], c["w_rec"] = out["w_in"], out["w_rec"]
    assert max_input_bound(c) < UV_MAX, name
    wraps = tr.wrap_events(c["u0"], out["u"], c["du"])
    sat = np.abs(out["v"]) == V_LIM
    _, _, _, A, VPRE = tr.simulate(c, return_a=True, return_prereset=True)
    arrays = dict(
        n_steps=np.array(c["n_steps"]), du=np.array(c["du"]),
        dv=np.array(c["dv"]), vth=np.array(c["vth"]),
        bias_mant=c["bias_mant"].astype(np.int64),
        bias_exp=c["bias_exp"].astype(np.int64),
        u0=c["u0"].astype(np.int64), v0=c["v0"].astype(np.int64),
        in_spikes=c["in_spikes"].astype(bool),
        w_in=out["w_in"], w_in_exp=np.array(c["w_in_exp"]),
        delay_in=c["delay_in"].astype(np.int64),
        w_rec=out["w_rec"], w_rec_exp=np.array(c["w_rec_exp"]),
        delay_rec=c["delay_rec"].astype(np.int64),
        s=out["s"], u=out["u"], v=out["v"],
        saturated=np.array(bool(sat.any())), wrapped=np.array(bool(wraps.any())),
        lava_version=np.array(version),
        # extras
        w_in_raw=w_in_raw.astype(np.int64), w_rec_raw=w_rec_raw.astype(np.int64),
        w_in_sign_mode=np.array(determine_sign_mode(w_in_raw).name),
        w_rec_sign_mode=np.array(determine_sign_mode(w_rec_raw).name),
        n_saturated=np.array(int(sat.sum())), n_wrapped=np.array(int(wraps.sum())),
        model_classes=np.array(out["models"]),
    )
    recording.save_npz(CASE_DIR / f"{name}.npz" if path is None else path, arrays)
    n, n_in = c["w_in"].shape
    rows.append(dict(
        case=name, n=n, n_in=n_in, n_steps=c["n_steps"], du=c["du"],
        dv=c["dv"], vth=c["vth"], delays=int(c["use_delays"]),
        bias="zero" if not c["bias_mant"].any() else "yes",
        init="zero" if not (c["u0"].any() or c["v0"].any()) else "random",
        w_in_mode=str(arrays["w_in_sign_mode"]), w_in_exp=c["w_in_exp"],
        w_rec_exp=c["w_rec_exp"], fire_frac=f"{out['s'].mean():.3f}",
        saturated=int(sat.any()), wrapped=int(wraps.any()),
        n_saturated=int(sat.sum()), n_wrapped=int(wraps.sum()),
        max_abs_a=int(np.abs(A).max()),
        n_vclip_pos_prereset=int((VPRE == V_LIM).sum()),
        u_min=int(out["u"].min()), u_max=int(out["u"].max()),
    ))
    print(" ".join(f"{k}={v}" for k, v in rows[-1].items()), flush=True)


def build_case(kind, idx):
    """The inputs of case ``kind``_``idx``, with vth chosen (and cuba_25's u0 solved).

    Each case draws from its own seeded generator, so building one alone gives
    the same case as building all of them in order.
    """
    if kind not in ("lif", "cuba") or not 0 <= idx <= N_REGULAR + 1:
        raise ValueError(f"no case {kind}_{idx}: kinds lif, cuba; indices 0..{N_REGULAR + 1}")
    if idx < N_REGULAR:
        c = base_case(kind, idx)
    elif idx == 24:
        c = off_grid_case(kind)
    else:
        c = extreme_init_case() if kind == "lif" else boundary_case()
    choose_vth(c)
    if kind == "cuba" and idx == 25:
        solve_boundary_u0(c)
    return c


def record_all():
    version = lava_version_string()
    CASE_DIR.mkdir(exist_ok=True)
    for old in CASE_DIR.glob("*.npz"):
        old.unlink()
    rows = []
    for kind in ("lif", "cuba"):
        for idx in range(N_REGULAR + 2):
            record(kind, idx, build_case(kind, idx), version, rows)
    with open(CASE_DIR / "summary.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} cases to {CASE_DIR}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--one", nargs=2, metavar=("KIND", "IDX"),
                    help="run only case KIND_IDX (KIND lif or cuba, IDX 0..25) "
                         "and write it to --out; cases/ is not touched")
    ap.add_argument("--out", type=pathlib.Path,
                    help="where --one writes its .npz (same keys as cases/*.npz)")
    args = ap.parse_args(argv)
    if args.one is None:
        if args.out is not None:
            ap.error("--out needs --one")
        record_all()
        return
    if args.out is None:
        ap.error("--one needs --out")
    kind, idx = args.one[0], int(args.one[1])
    try:
        c = build_case(kind, idx)
    except ValueError as err:
        ap.error(str(err))
    record(kind, idx, c, lava_version_string(), [], path=args.out)
    print(f"wrote {kind}_{idx:02d} to {args.out}")


if __name__ == "__main__":
    main()
