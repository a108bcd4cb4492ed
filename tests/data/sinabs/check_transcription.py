"""Plain-numpy transcription of sinabs' DYNAP-CNN/Speck IAF rule and its discretisation.

Needs only numpy.  ``python tests/data/sinabs/check_transcription.py`` loads
every recorded case in ``cases/`` and checks that the rules written in
``README.md`` reproduce what sinabs produced: the discretised integer
parameters, and the per-step spike counts and membrane potentials.

Discretisation (sinabs 3.1.3, ``backend/dynapcnn/discretize.py``), per
DynapcnnLayer, in float32 (the dtype of the layer's parameters):

    sc(x, bits) = |(2**(bits-1) - 1) / max(x)|   if |min(x)| <= |max(x)| * (128/127 or 32768/32767)
                  |-(2**(bits-1)) / min(x)|      otherwise         (x all 0 -> inf)
    scale = min(sc(W, 8), sc(b, 8), sc([vmin, thr], 16) [, sc(v0, 16)])
            (b = 0 without bias; vmin = -2**15 when min_v_mem is None;
             the v0 term only if the layer has an initial state)
    q(x)  = round_half_even(float32(x * scale))  for W, b, thr, vmin, v0

Time step t = 1..n_steps, for each layer in order (integers, int64):

    I     = conv2d(x[t], W, stride, padding) + b      (x[t]: spike counts into the layer)
    v     = v + I                                      (no leak)
    s     = MultiSpike:  v // thr if v > 0 else 0      (= floor(v/thr), >= 1 iff v >= thr)
            SingleSpike: 1 if v >= thr else 0
    v     = MembraneSubtract: v - s * thr
            MembraneReset:    (v if s == 0 else 0) + reset_value  (reset_value added to EVERY neuron)
    v     = max(v, vmin)
    x'[t] = sum_pool(s[t], pool)                       (input of the next layer)
"""

import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3]))  # the repository root
from tests.data import recording  # noqa: E402

WEIGHT_BITS = 8   # DYNAPCNN_WEIGHT_PRECISION_BITS (used for weights and biases)
STATE_BITS = 16   # DYNAPCNN_STATE_PRECISION_BITS (thresholds, min_v_mem, state)


# ---------------------------------------------------------- discretisation --
def discretization_scale(x, bits):
    """sinabs' determine_discretization_scale, in float32 like the torch tensors it sees."""
    x = np.asarray(x, dtype=np.float32)
    lo = np.float32(-(2 ** (bits - 1)))
    hi = np.float32(2 ** (bits - 1) - 1)
    ratio = np.float32(abs(-(2 ** (bits - 1)) / (2 ** (bits - 1) - 1)))
    mn, mx = x.min(), x.max()
    with np.errstate(divide="ignore"):
        if abs(mn) <= abs(mx) * ratio:
            return abs(hi / mx)
        return abs(lo / mn)


def discretize_layer(w, b, thr, vmin, v0):
    """Integer W, b, thr, vmin, v0 of one layer; b / vmin / v0 may be None."""
    w = np.asarray(w, dtype=np.float32)
    n_out = w.shape[0]
    b = np.zeros(n_out, np.float32) if b is None else np.asarray(b, dtype=np.float32)
    vmin = np.float32(-(2 ** 15)) if vmin is None else np.float32(vmin)
    thresholds = np.array([vmin, thr], dtype=np.float32)
    scales = [discretization_scale(w, WEIGHT_BITS), discretization_scale(b, WEIGHT_BITS),
              discretization_scale(thresholds, STATE_BITS)]
    if v0 is not None:
        scales.append(discretization_scale(v0, STATE_BITS))
    scale = min(scales)

    def q(x):
        return np.round(np.asarray(x, dtype=np.float32) * scale).astype(np.int64)

    vmin_q, thr_q = q(thresholds)
    return dict(w=q(w), b=q(b), thr=int(thr_q), vmin=int(vmin_q),
                v0=None if v0 is None else q(v0), scale=np.float32(scale))


# --------------------------------------------------------------- dynamics --
def conv2d(x, w, stride, padding):
    """Integer cross-correlation like torch.nn.functional.conv2d; x (C,H,W), w (O,C,kh,kw)."""
    x = np.asarray(x, dtype=np.int64)
    w = np.asarray(w, dtype=np.int64)
    (sh, sw), (ph, pw) = stride, padding
    xp = np.pad(x, ((0, 0), (ph, ph), (pw, pw)))
    n_out, _, kh, kw = w.shape
    ho = (xp.shape[1] - kh) // sh + 1
    wo = (xp.shape[2] - kw) // sw + 1
    out = np.zeros((n_out, ho, wo), dtype=np.int64)
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, i:i + sh * (ho - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw]
            out += np.einsum("oc,chw->ohw", w[:, :, i, j], patch)
    return out


def sum_pool(s, k):
    """Non-overlapping k x k sum pooling (stride k, no padding, remainder dropped)."""
    if k == 1:
        return s
    c, h, w = s.shape
    h2, w2 = h // k, w // k
    return s[:, :h2 * k, :w2 * k].reshape(c, h2, k, w2, k).sum(axis=(2, 4))


def iaf_step(v, current, thr, vmin, spike_fn, reset, reset_value=0):
    """One sinabs IAF step; returns (spikes, v after reset and lower bound, v before the bound)."""
    v = v + current
    if spike_fn == "MultiSpike":
        s = np.where(v > 0, v // thr, 0)
    elif spike_fn == "SingleSpike":
        s = (v >= thr).astype(np.int64)
    else:
        raise ValueError(spike_fn)
    if reset == "subtract":
        v = v - s * thr
    elif reset == "zero":
        v = np.where(s == 0, v, 0) + reset_value
    else:
        raise ValueError(reset)
    return s, np.maximum(v, vmin), v


def layer_params(case, layer):
    """The integer parameters of one layer, as recorded (sinabs' discretised values)."""
    g = f"{layer}"
    return dict(
        w=case["w" + g], b=case["b" + g], thr=int(case["thr" + g]), vmin=int(case["vmin" + g]),
        v0=case["vinit" + g], stride=tuple(case["stride" + g]), padding=tuple(case["padding" + g]),
        pool=int(case["pool" + g]), spike_fn=str(case["spike_fn" + g]), reset=str(case["reset" + g]),
        reset_value=int(case["reset_value" + g]),
    )


def simulate(case, return_prebound=False):
    """Run the transcribed rule; returns lists (per layer) of s and v, each (n_steps, C, H, W)."""
    n_steps, n_layers = int(case["n_steps"]), int(case["n_layers"])
    params = [layer_params(case, k) for k in range(n_layers)]
    state = [np.asarray(p["v0"], dtype=np.int64).copy() for p in params]
    S = [np.zeros((n_steps,) + st.shape, np.int64) for st in state]
    V = [np.zeros((n_steps,) + st.shape, np.int64) for st in state]
    VPRE = [np.zeros((n_steps,) + st.shape, np.int64) for st in state]
    for t in range(n_steps):
        x = np.asarray(case["x"][t], dtype=np.int64)
        for k, p in enumerate(params):
            current = conv2d(x, p["w"], p["stride"], p["padding"]) + p["b"][:, None, None]
            s, state[k], VPRE[k][t] = iaf_step(state[k], current, p["thr"], p["vmin"],
                                               p["spike_fn"], p["reset"], p["reset_value"])
            S[k][t], V[k][t] = s, state[k]
            x = sum_pool(s, p["pool"])
    if return_prebound:
        return S, V, VPRE
    return S, V


# ------------------------------------------------------------------ check --
def check_discretization(case, layer):
    """Names of the discretised quantities that the transcription gets wrong (empty: all match)."""
    g = f"{layer}"
    d = discretize_layer(
        case["w" + g + "_float"],
        case["b" + g + "_float"] if bool(case["has_bias" + g]) else None,
        case["thr" + g + "_float"],
        case["vmin" + g + "_float"] if bool(case["has_vmin" + g]) else None,
        case["vinit" + g + "_float"] if bool(case["has_vinit" + g]) else None,
    )
    bad = []
    w_rec = case["w" + g]
    if not np.array_equal(d["w"].reshape(w_rec.shape), w_rec):
        bad.append("w")
    if not np.array_equal(d["b"], case["b" + g]):
        bad.append("b")
    for name in ("thr", "vmin"):
        if d[name] != int(case[name + g]):
            bad.append(name)
    if bool(case["has_vinit" + g]):
        if not np.array_equal(d["v0"].reshape(case["vinit" + g].shape), case["vinit" + g]):
            bad.append("vinit")
    elif np.any(case["vinit" + g]):
        bad.append("vinit")
    return bad


def main():
    case_dir = pathlib.Path(__file__).resolve().parent / "cases"
    found = list(recording.cases(case_dir))
    if not found:
        print("no cases found in", case_dir)
        return 1
    bad = 0
    for f, case in found:
        n_layers = int(case["n_layers"])
        problems = []
        for k in range(n_layers):
            problems += [f"{name}{k}" for name in check_discretization(case, k)]
        S, V = simulate(case)
        for k in range(n_layers):
            for name, mine, rec in ((f"s{k}", S[k], case[f"s{k}"]), (f"v{k}", V[k], case[f"v{k}"])):
                if np.array_equal(mine, rec):
                    continue
                problems.append(name)
                idx = tuple(np.argwhere(mine != rec)[0])
                print(f"  {f.name}: first {name} diff at step {idx[0] + 1}, neuron {idx[1:]}: "
                      f"transcription {mine[idx]} sinabs {rec[idx]}")
        if problems:
            bad += 1
            print(f"MISMATCH {f.name}: {', '.join(problems)}")
    print(f"{len(found) - bad} passed, {bad} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
