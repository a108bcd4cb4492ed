"""Record sinabs' DYNAP-CNN/Speck IAF outputs and discretisation as test data.

Run inside a venv with torch 2.13.0 (CPU) and sinabs 3.1.3 (see README.md):

    python tests/data/sinabs/record_sinabs.py

It (re)writes every case in ``tests/data/sinabs/cases/`` plus
``cases/summary.csv``.  Each case is a small sinabs network of
``nn.Linear``/``nn.Conv2d`` + ``sinabs.layers.IAFSqueeze`` layers with float
parameters, which ``sinabs.backend.dynapcnn.DynapcnnNetwork(discretize=True)``
turns into DynapcnnLayers holding the chip's integer weights, biases,
thresholds, lower bounds and initial states.  The DynapcnnNetwork is then run
in torch (float32, as sinabs runs it) on integer spike-count rasters, and the
per-step spike counts and membrane potentials of every layer are saved.  Each
layer is also re-run on its own in float64 and must give the same numbers.

samna (the chip driver sinabs imports at module level) is only needed to talk
to hardware.  The PyPI ``samna`` is a placeholder that pip-installs the real
package from another index when it is imported, so when the installed samna is
that placeholder (or absent) a stub is put in ``sys.modules`` instead; nothing
here calls it.  Output is deterministic: seeds are fixed and the .npz zip
members carry a fixed timestamp, so a rerun gives identical bytes.
"""

import copy
import csv
import pathlib
import sys

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
CASE_DIR = HERE / "cases"
EXACT_LIMIT = 2 ** 24          # every recorded value must stay below this (float32-exact)
INT16_MAX = 2 ** 15 - 1
SINABS_COMMITS = {"3.1.3": "git tag v3.1.3 = commit d84078e0af1bc40f716b61de199880bd8713bd2d"}
sys.path.insert(0, str(HERE.parents[2]))  # the repository root, for tests.data.recording
from tests.data import recording  # noqa: E402

# ------------------------------------------------------------- samna stub --
SAMNA = recording.samna_status("stub (no real samna; see README)")

import sinabs  # noqa: E402
import sinabs.layers as sl  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
from sinabs.activation import MembraneReset, MembraneSubtract, MultiSpike, SingleSpike  # noqa: E402
from sinabs.backend.dynapcnn import DynapcnnNetwork  # noqa: E402
from sinabs.backend.dynapcnn.chips.dynapcnn import DynapcnnConfigBuilder  # noqa: E402
from sinabs.backend.dynapcnn.discretize import determine_discretization_scale  # noqa: E402

SPIKE_FNS = {"MultiSpike": MultiSpike, "SingleSpike": SingleSpike}


def version_string():
    ver = sinabs.__version__
    where = SINABS_COMMITS.get(ver, "commit unknown")
    return f"sinabs {ver} (PyPI wheel; {where}); torch {torch.__version__}; {SAMNA}"


# ------------------------------------------------------------------ cases --
def f32(x):
    return np.asarray(x, dtype=np.float32)


def draw_layer(rng, ltype, fan_in_shape, n_out, neuron_shape, style="random", **geo):
    """Float parameters of one layer (weights as torch holds them: Linear (out, in), Conv (out, in, k, k))."""
    if ltype == "linear":
        wshape = (n_out, int(np.prod(fan_in_shape)))
    else:
        wshape = (n_out, fan_in_shape[0], geo["kernel"], geo["kernel"])
    mag = float(rng.choice([0.02, 0.5, 1.0, 3.0, 40.0]))
    lo = rng.uniform(-1.0, -0.2)
    if style == "strong":          # mostly excitatory, low threshold: multi-spikes
        lo, thr_frac = rng.uniform(-0.5, -0.1), rng.uniform(0.08, 0.35)
    else:
        thr_frac = float(np.exp(rng.uniform(np.log(0.15), np.log(4.0))))
    w = rng.uniform(lo, 1.0, wshape) * mag
    w = np.where(rng.random(wshape) < rng.uniform(0.5, 1.0), w, 0.0)
    w.flat[0] = mag                # never all zero
    m = float(np.abs(w).max())
    layer = dict(
        type=ltype, n_out=n_out, neuron_shape=tuple(neuron_shape),
        kernel=geo.get("kernel"), stride=geo.get("stride", 1), padding=geo.get("padding", 0),
        pool=geo.get("pool", 1),
        w=f32(w), thr=f32(m * thr_frac),
        spike_fn=str(rng.choice(["MultiSpike", "SingleSpike"], p=[0.7, 0.3])),
        reset=str(rng.choice(["subtract", "zero"], p=[0.7, 0.3])), reset_value=0,
        b=None, vmin=f32(-m * thr_frac * rng.uniform(0.3, 4.0)), v0=None,
    )
    if style == "strong":
        layer["spike_fn"] = "MultiSpike"
    if style == "bound":           # strong negative drive: the lower bound is reached
        layer["b"] = f32(-rng.uniform(0.1, 0.6, n_out) * m)
        layer["vmin"] = f32(-m * thr_frac * rng.uniform(0.3, 1.5))
    elif rng.random() < 0.5:
        layer["b"] = f32(rng.uniform(-0.4, 0.25, n_out) * m * rng.uniform(0.05, 1.0))
    if rng.random() < 0.25:
        lo_v = float(layer["vmin"])
        layer["v0"] = f32(rng.uniform(lo_v, float(layer["thr"]), (n_out,) + tuple(neuron_shape[1:])))
    return layer


def input_raster(rng, n_steps, shape, max_count=4):
    rates = rng.uniform(0.05, 1.2, shape[0])
    lam = rates[:, None, None] * np.ones(shape)
    return np.minimum(rng.poisson(lam, (n_steps,) + tuple(shape)), max_count).astype(np.int64)


def conv_out(h, k, s, p):
    return (h + 2 * p - k) // s + 1


def dense_case(name, seed, n_layers, style="random"):
    rng = np.random.default_rng(seed)
    n_in = int(rng.integers(3, 17))
    sizes = [int(rng.integers(3, 13)) for _ in range(n_layers - 1)] + [int(rng.integers(3, 17))]
    T = int(rng.integers(20, 51))
    layers, fan_in = [], (n_in, 1, 1)
    for k, n_out in enumerate(sizes):
        st = style if (style != "bound" or k == n_layers - 1) else "random"
        layers.append(draw_layer(rng, "linear", fan_in, n_out, (n_out, 1, 1), st))
        fan_in = (n_out, 1, 1)
    x = input_raster(rng, T, (n_in, 1, 1))
    return dict(name=name, kind=f"dense{n_layers}", input_shape=(n_in, 1, 1), layers=layers,
                n_steps=T, x=x)


def conv_case(name, seed, n_layers):
    rng = np.random.default_rng(seed)
    c_in = int(rng.integers(1, 3))
    hw = int(rng.integers(6, 9)) if n_layers == 1 else int(rng.integers(8, 11))
    T = int(rng.integers(12, 26))
    layers, shape = [], (c_in, hw, hw)
    for k in range(n_layers):
        c_out = int(rng.integers(2, 4))
        stride = int(rng.choice([1, 2])) if k == 0 and n_layers == 1 else 1
        padding = int(rng.integers(0, 2))
        pool = 2 if k < n_layers - 1 else 1
        h = conv_out(shape[1], 3, stride, padding)
        layer = draw_layer(rng, "conv", shape, c_out, (c_out, h, h),
                           kernel=3, stride=stride, padding=padding, pool=pool)
        if layer["v0"] is not None:
            layer["v0"] = f32(rng.uniform(float(layer["vmin"]), float(layer["thr"]), (c_out, h, h)))
        layers.append(layer)
        shape = (c_out, h // pool, h // pool)
    x = input_raster(rng, T, (c_in, hw, hw), max_count=3)
    return dict(name=name, kind=f"conv{n_layers}", input_shape=(c_in, hw, hw), layers=layers,
                n_steps=T, x=x)


def special_cases():
    """Hand-made cases for the corners of the discretisation and the dynamics."""
    out = []

    # 0: min_v_mem=None -> thresholds (-2**15, thr): scale <= 1; half-integer floats -> round half to even
    c = dense_case("special_00", 4000, 1)
    rng = np.random.default_rng(4100)
    lyr = c["layers"][0]
    lyr["w"] = f32(rng.integers(-41, 42, lyr["w"].shape) / 2.0)
    lyr["b"] = f32(rng.integers(-9, 10, lyr["n_out"]) / 2.0)
    lyr.update(thr=f32(6.5), vmin=None, v0=None, spike_fn="MultiSpike", reset="subtract")
    out.append(c)

    # 1: sinabs defaults (threshold 1.0, min_v_mem None) with weights in [-1, 1]: w becomes -1/0/1
    c = dense_case("special_01", 4001, 1)
    lyr = c["layers"][0]
    lyr["w"] = f32(np.random.default_rng(4101).uniform(-1, 1, lyr["w"].shape))
    lyr.update(thr=f32(1.0), vmin=None, b=None, v0=None, spike_fn="MultiSpike", reset="subtract")
    out.append(c)

    # 2: MembraneReset(reset_value=3): sinabs adds reset_value to EVERY neuron, every step
    c = dense_case("special_02", 4002, 1)
    c["layers"][0].update(reset="zero", reset_value=3, spike_fn="MultiSpike")
    out.append(c)

    # 3: SingleSpike + subtract under heavy input: v climbs past the 16-bit state range
    c = dense_case("special_03", 4003, 1, style="strong")
    c["layers"][0].update(spike_fn="SingleSpike", reset="subtract", b=None)
    c["x"] = np.minimum(c["x"] + 2, 4)
    out.append(c)

    # 4: threshold so large that the 16-bit threshold range sets the scale (thr -> 32767)
    c = dense_case("special_04", 4004, 1)
    lyr = c["layers"][0]
    m = float(np.abs(lyr["w"]).max())
    lyr.update(w=f32(np.abs(lyr["w"])), thr=f32(280 * m), vmin=f32(-50 * m), spike_fn="MultiSpike",
               b=None, v0=None)
    c["x"] = np.minimum(c["x"] * 4, 16)
    out.append(c)

    # 5: bias larger than every weight: the 8-bit bias range sets the scale
    c = dense_case("special_05", 4005, 1)
    lyr = c["layers"][0]
    m = float(np.abs(lyr["w"]).max())
    b = np.random.default_rng(4105).uniform(-3, 2, lyr["n_out"]) * m
    lyr.update(b=f32(b), v0=None)
    out.append(c)

    # 6: large initial state: the 16-bit state range sets the scale
    c = dense_case("special_06", 4006, 1)
    lyr = c["layers"][0]
    m = float(np.abs(lyr["w"]).max())
    v0 = np.random.default_rng(4106).uniform(-1000, 1000, lyr["n_out"]) * m
    lyr.update(v0=f32(v0), vmin=f32(-100 * m))
    out.append(c)

    # 7: most negative weight dominates (|min| > |max| * 128/127): weights reach -128
    c = dense_case("special_07", 4007, 2)
    for lyr in c["layers"]:
        w = lyr["w"].copy()
        w.flat[0] = -1.5 * np.abs(w).max()
        lyr["w"] = f32(w)
    out.append(c)

    # 8: positive min_v_mem: the bound, applied after the reset, lifts v even after a spike
    c = dense_case("special_08", 4008, 2)
    for lyr, reset in zip(c["layers"], ("subtract", "zero")):
        lyr.update(vmin=f32(0.3 * lyr["thr"]), reset=reset, spike_fn="MultiSpike", v0=None)
    out.append(c)
    return out


def all_cases():
    cases = []
    for i in range(14):
        style = {10: "strong", 11: "strong", 12: "bound", 13: "bound"}.get(i, "random")
        cases.append(dense_case(f"dense1_{i:02d}", 3000 + i, 1, style))
    for i in range(10):
        style = {8: "strong", 9: "bound"}.get(i, "random")
        cases.append(dense_case(f"dense2_{i:02d}", 3100 + i, 2, style))
    for i in range(4):
        cases.append(conv_case(f"conv1_{i:02d}", 3200 + i, 1))
    for i in range(4):
        cases.append(conv_case(f"conv2_{i:02d}", 3300 + i, 2))
    return cases + special_cases()


# --------------------------------------------------------------- sinabs ---
def build_snn(c):
    mods = [nn.Flatten()] if c["layers"][0]["type"] == "linear" else []
    fan_in = c["input_shape"]
    for lyr in c["layers"]:
        w = torch.from_numpy(lyr["w"].copy())
        if lyr["type"] == "linear":
            conn = nn.Linear(w.shape[1], w.shape[0], bias=lyr["b"] is not None)
        else:
            conn = nn.Conv2d(fan_in[0], lyr["n_out"], lyr["kernel"], stride=lyr["stride"],
                             padding=lyr["padding"], bias=lyr["b"] is not None)
        conn.weight.data = w
        if lyr["b"] is not None:
            conn.bias.data = torch.from_numpy(lyr["b"].copy())
        reset = (MembraneSubtract() if lyr["reset"] == "subtract"
                 else MembraneReset(reset_value=float(lyr["reset_value"])))
        spk = sl.IAFSqueeze(
            batch_size=1, spike_threshold=torch.tensor(lyr["thr"]),
            min_v_mem=None if lyr["vmin"] is None else torch.tensor(lyr["vmin"]),
            spike_fn=SPIKE_FNS[lyr["spike_fn"]], reset_fn=reset,
        )
        if lyr["v0"] is not None:
            v0 = torch.from_numpy(lyr["v0"].copy())
            spk.v_mem = v0.reshape(1, -1) if lyr["type"] == "linear" else v0[None]
        mods += [conn, spk]
        if lyr["pool"] > 1:
            mods.append(sl.SumPool2d(lyr["pool"]))
        c_out, h, w_ = lyr["neuron_shape"]
        fan_in = (c_out, h // lyr["pool"], w_ // lyr["pool"])
    return nn.Sequential(*mods)


def scale_terms(lyr):
    """Which term sets the common scale, by sinabs' own determine_discretization_scale."""
    w = torch.from_numpy(lyr["w"].copy())
    b = torch.zeros(lyr["n_out"]) if lyr["b"] is None else torch.from_numpy(lyr["b"].copy())
    vmin = -(2 ** 15) if lyr["vmin"] is None else torch.tensor(lyr["vmin"])
    terms = {"w": determine_discretization_scale(w, 8), "b": determine_discretization_scale(b, 8),
             "thr": determine_discretization_scale(torch.tensor((vmin, torch.tensor(lyr["thr"]))), 16)}
    if lyr["v0"] is not None:
        terms["vinit"] = determine_discretization_scale(torch.from_numpy(lyr["v0"].copy()), 16)
    best = min(terms, key=lambda k: float(terms[k]))
    return best, float(terms[best])


def as_int(t, name):
    a = t.detach().cpu().numpy().astype(np.float64)
    assert np.array_equal(a, np.rint(a)), f"{name} not integral"
    assert np.abs(a).max(initial=0) < EXACT_LIMIT, f"{name} too large to be float32-exact"
    return np.rint(a).astype(np.int64)


def run_sinabs(c):
    snn = build_snn(c)
    net = DynapcnnNetwork(snn, input_shape=tuple(c["input_shape"]), discretize=True)
    dmap = net.layer_destination_map
    n = len(c["layers"])
    assert sorted(net.dynapcnn_layers) == list(range(n)), net.dynapcnn_layers.keys()
    assert all(dmap[k] == [k + 1 if k + 1 < n else -1] for k in range(n)), dmap
    layers = [net.dynapcnn_layers[k] for k in range(n)]
    rec = {}
    core_map = {k: k for k in range(n)}
    for k, (lyr, dl) in enumerate(zip(c["layers"], layers)):
        assert float(dl.rescale_weights) == 1.0 and [list(p) for p in dl.pool] == [[lyr["pool"]] * 2]
        spk = dl.spk
        rec[f"w{k}"] = as_int(dl.conv.weight, "w")
        rec[f"b{k}"] = (as_int(dl.conv.bias, "b") if dl.conv.bias is not None
                        else np.zeros(lyr["n_out"], np.int64))
        rec[f"thr{k}"] = as_int(spk.spike_threshold, "thr").reshape(())
        rec[f"vmin{k}"] = as_int(spk.min_v_mem, "vmin").reshape(())
        shape = lyr["neuron_shape"]
        rec[f"vinit{k}"] = (as_int(spk.v_mem, "v0").reshape(shape) if spk.is_state_initialised()
                         else np.zeros(shape, np.int64))
        cfg = DynapcnnConfigBuilder.get_dynapcnn_layer_config_dict(dl, core_map, dmap[k])
        assert np.array_equal(np.array(cfg["weights"]), rec[f"w{k}"].transpose(0, 1, 3, 2))
        assert np.array_equal(np.array(cfg["biases"]), rec[f"b{k}"])
        assert np.array_equal(np.array(cfg["neurons_initial_value"]), rec[f"vinit{k}"].transpose(0, 2, 1))
        rec[f"cfg{k}_threshold_high"] = np.array(cfg["threshold_high"])
        rec[f"cfg{k}_threshold_low"] = np.array(cfg["threshold_low"])
        rec[f"cfg{k}_return_to_zero"] = np.array(bool(cfg["return_to_zero"]))
        rec[f"cfg{k}_leak_enable"] = np.array(bool(cfg["leak_enable"]))
    singles = [copy.deepcopy(dl) for dl in layers]      # for the float64 re-run

    spikes = {}
    for k, dl in enumerate(layers):
        dl.spk.record_states = True
        dl.spk.register_forward_hook(lambda mod, inp, out, k=k: spikes.__setitem__(k, out.detach()))
    x = torch.from_numpy(c["x"].astype(np.float32))
    with torch.no_grad():
        outs = net(x, return_complete=True)
    layer_in = [x] + [outs[k][k + 1] for k in range(n - 1)]
    for k, dl in enumerate(layers):
        rec[f"s{k}"] = as_int(spikes[k], f"s{k}").reshape((c["n_steps"],) + lyr_shape(c, k))
        rec[f"v{k}"] = as_int(dl.spk.recordings["v_mem"][0], f"v{k}").reshape(rec[f"s{k}"].shape)

    f64_same = True
    for k, dl in enumerate(singles):        # each layer alone in float64, same inputs
        dl = dl.double()
        dl.spk.record_states = True
        got = []
        dl.spk.register_forward_hook(lambda mod, inp, out, got=got: got.append(out.detach()))
        with torch.no_grad():
            dl(layer_in[k].double())
        s = as_int(got[0], "s64").reshape(rec[f"s{k}"].shape)
        v = as_int(dl.spk.recordings["v_mem"][0], "v64").reshape(rec[f"s{k}"].shape)
        f64_same &= np.array_equal(s, rec[f"s{k}"]) and np.array_equal(v, rec[f"v{k}"])
    rec["f64_same"] = np.array(bool(f64_same))
    return rec


def lyr_shape(c, k):
    return tuple(c["layers"][k]["neuron_shape"])


# ------------------------------------------------------------------ write --
def record(c, version, rows, tr):
    rec = run_sinabs(c)
    n = len(c["layers"])
    arrays = dict(kind=np.array(c["kind"]), n_layers=np.array(n), n_steps=np.array(c["n_steps"]),
                  input_shape=np.array(c["input_shape"], np.int64), x=c["x"].astype(np.int64))
    chip_ok = True
    for k, lyr in enumerate(c["layers"]):
        g = str(k)
        shape = lyr["neuron_shape"]
        arrays.update({
            "layer_type" + g: np.array(lyr["type"]),
            "w" + g + "_float": lyr["w"],
            "has_bias" + g: np.array(lyr["b"] is not None),
            "b" + g + "_float": f32(np.zeros(lyr["n_out"]) if lyr["b"] is None else lyr["b"]),
            "thr" + g + "_float": f32(lyr["thr"]),
            "has_vmin" + g: np.array(lyr["vmin"] is not None),
            "vmin" + g + "_float": f32(np.nan if lyr["vmin"] is None else lyr["vmin"]),
            "has_vinit" + g: np.array(lyr["v0"] is not None),
            "vinit" + g + "_float": f32(np.zeros(shape) if lyr["v0"] is None
                                     else lyr["v0"].reshape(shape)),
            "stride" + g: np.array([lyr["stride"]] * 2, np.int64),
            "padding" + g: np.array([lyr["padding"]] * 2, np.int64),
            "pool" + g: np.array(lyr["pool"]),
            "spike_fn" + g: np.array(lyr["spike_fn"]),
            "reset" + g: np.array(lyr["reset"]),
            "reset_value" + g: np.array(lyr["reset_value"]),
        })
        for key in ("w", "b", "thr", "vmin", "vinit", "s", "v"):
            arrays[key + g] = rec[key + g]
        for key in ("threshold_high", "threshold_low", "return_to_zero", "leak_enable"):
            arrays[f"cfg{g}_{key}"] = rec[f"cfg{g}_{key}"]
        chip_ok &= lyr["reset_value"] == 0
    S, V, VPRE = tr.simulate(arrays, return_prebound=True)
    n_bound = sum(int((VPRE[k] < int(arrays[f"vmin{k}"])).sum()) for k in range(n))
    max_abs_v = max(int(np.abs(np.stack([VPRE[k], rec[f"v{k}"]])).max()) for k in range(n))
    n_multi = sum(int((rec[f"s{k}"] > 1).sum()) for k in range(n))
    arrays.update(
        sinabs_version=np.array(version), samna=np.array(SAMNA),
        f64_same=rec["f64_same"], chip_representable=np.array(bool(chip_ok)),
        n_multi=np.array(n_multi), n_bound=np.array(n_bound), max_abs_v=np.array(max_abs_v),
        exceeds_int16=np.array(max_abs_v > INT16_MAX),
    )
    for k, lyr in enumerate(c["layers"]):
        arrays[f"scale{k}"] = np.array(scale_terms(lyr)[1], np.float32)
    recording.save_npz(CASE_DIR / f"{c['name']}.npz", arrays)
    fire = [rec[f"s{k}"] for k in range(n)]
    row = dict(
        case=c["name"], kind=c["kind"], input_shape="x".join(map(str, c["input_shape"])),
        neurons="+".join("x".join(map(str, lyr["neuron_shape"])) for lyr in c["layers"]),
        n_steps=c["n_steps"],
        spike_fn="+".join(lyr["spike_fn"] for lyr in c["layers"]),
        reset="+".join(lyr["reset"] + (f"({lyr['reset_value']})" if lyr["reset_value"] else "")
                       for lyr in c["layers"]),
        thr="+".join(str(int(arrays[f"thr{k}"])) for k in range(n)),
        vmin="+".join(str(int(arrays[f"vmin{k}"])) + ("" if lyr["vmin"] is not None else "(None)")
                      for k, lyr in enumerate(c["layers"])),
        w_range="+".join(f"{arrays[f'w{k}'].min()}..{arrays[f'w{k}'].max()}" for k in range(n)),
        bias="+".join("yes" if lyr["b"] is not None else "no" for lyr in c["layers"]),
        vinit="+".join("yes" if lyr["v0"] is not None else "no" for lyr in c["layers"]),
        scale_by="+".join(scale_terms(lyr)[0] for lyr in c["layers"]),
        fire_frac="+".join(f"{(s > 0).mean():.3f}" for s in fire),
        max_spikes=max(int(s.max()) for s in fire), n_multi=n_multi, n_bound=n_bound,
        max_abs_v=max_abs_v, exceeds_int16=int(max_abs_v > INT16_MAX),
        f64_same=int(bool(rec["f64_same"])), chip_representable=int(chip_ok),
    )
    rows.append(row)
    if not bool(rec["f64_same"]):
        print(f"WARNING {c['name']}: float64 re-run differs from float32", flush=True)
    if not all(np.array_equal(S[k], rec[f"s{k}"]) and np.array_equal(V[k], rec[f"v{k}"])
               for k in range(n)):
        print(f"WARNING {c['name']}: transcription differs (run check_transcription.py)", flush=True)
    print(" ".join(f"{k}={v}" for k, v in row.items()), flush=True)


def main():
    sys.path.insert(0, str(HERE))
    import check_transcription as tr

    torch.set_num_threads(1)
    version = version_string()
    print(version)
    CASE_DIR.mkdir(exist_ok=True)
    for old in CASE_DIR.glob("*.npz"):
        old.unlink()
    rows = []
    for c in all_cases():
        record(c, version, rows, tr)
    with open(CASE_DIR / "summary.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} cases to {CASE_DIR}")


if __name__ == "__main__":
    main()
