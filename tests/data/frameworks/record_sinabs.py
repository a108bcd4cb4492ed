"""Record sinabs IAF CNNs, their own NIR export, their per-step outputs and sinabs' Speck core mapping.

Run by hand in the sinabs venv (torch 2.13.0 CPU + sinabs 3.1.3, whose nir pin is nir<=1.0.4; see README.md):

    OMP_NUM_THREADS=1 /work/venvs/sinabs/bin/python tests/data/frameworks/record_sinabs.py

Part 1, dynamics: float sinabs networks ``Conv2d -> IAFSqueeze -> SumPool2d -> Conv2d -> IAFSqueeze -> Flatten
-> Linear -> IAFSqueeze`` are run in sinabs (float32, batch 1, the time steps as IAFSqueeze's batch*time axis)
and exported with ``sinabs.to_nir``; ``cases/<case>.nir`` is that file (untouched) and ``cases/<case>.npz``
holds the input, each IAF layer's spike counts and v_mem per step, the parameters, versions and
conventions, and what sinabs' own ``from_nir`` makes of the file.

Part 2, Speck mapping: for 8 pooled CNNs, ``DynapcnnNetwork(...)`` groups the layers into DynapcnnLayers
and ``ChipFactory("speck2fmodule").get_config_builder().map_layers_to_cores`` (= ``get_valid_mapping``
with the Speck 2f core memories) assigns cores, exactly as ``DynapcnnNetwork.make_config(layer2core_map=
"auto")`` does; ``cases/speck_mapping.json`` records per network the sinabs layer groups, each group's
``memory_summary()`` (kernel/neuron/bias words), the layer->core map, the number of cores and whether it
fits, and ``cases/speck_<net>.nir`` is the network as sinabs exports it (so snnas can map the same graph).
samna is stubbed (nothing here calls it), as in tests/data/sinabs/record_sinabs.py.
"""

from __future__ import annotations

import json
import sys
import warnings

import _common as C
import numpy as np

SAMNA = C.samna_status()

# samna must be stubbed before sinabs is imported, hence the late imports
import nir  # noqa: E402
import sinabs  # noqa: E402
import sinabs.layers as sl  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
from sinabs.activation import MembraneReset, MembraneSubtract, MultiSpike, SingleSpike  # noqa: E402
from sinabs.backend.dynapcnn import DynapcnnNetwork  # noqa: E402
from sinabs.backend.dynapcnn.chip_factory import ChipFactory  # noqa: E402

DEVICE = "speck2fmodule"

# ------------------------------------------------------------------ part 1 --


def iaf(thr: float, vmin: float | None, spike_fn: str, reset: str) -> sl.IAFSqueeze:
    return sl.IAFSqueeze(batch_size=1, spike_threshold=torch.tensor(thr),
                         min_v_mem=None if vmin is None else torch.tensor(vmin),
                         spike_fn={"MultiSpike": MultiSpike, "SingleSpike": SingleSpike}[spike_fn],
                         reset_fn=MembraneSubtract() if reset == "subtract" else MembraneReset())


def cnn(seed: int, gains: tuple[float, float, float], bias: bool, neuron: dict) -> nn.Sequential:
    """(2,12,12) -> Conv2d(2,4,3,p1) -> IAF -> SumPool2d(2) -> Conv2d(4,8,3) -> IAF -> Flatten -> Linear -> IAF."""
    torch.manual_seed(seed)
    c1 = nn.Conv2d(2, 4, 3, padding=1, bias=bias)
    c2 = nn.Conv2d(4, 8, 3, bias=bias)
    fc = nn.Linear(128, 10, bias=bias)
    with torch.no_grad():
        for m, g in zip((c1, c2, fc), gains):
            m.weight.add_(0.3 * float(m.weight.std())).mul_(g)  # mostly excitatory, as trained
            if bias:
                m.bias.mul_(0.1)
    thr, vmin, spike_fn, reset = neuron["thr"], neuron["vmin"], neuron["spike_fn"], neuron["reset"]
    return nn.Sequential(
        c1, iaf(thr[0], vmin[0], spike_fn, reset), sl.SumPool2d(2),
        c2, iaf(thr[1], vmin[1], spike_fn, reset), nn.Flatten(),
        fc, iaf(thr[2], vmin[2], spike_fn, reset),
    )


DEFAULTS = dict(thr=(1.0, 1.0, 1.0), vmin=(None, None, None), spike_fn="MultiSpike", reset="subtract")
BOUNDED = dict(thr=(0.8, 1.2, 1.0), vmin=(-0.8, -1.2, -1.0), spike_fn="SingleSpike", reset="zero")


def dyn_cases() -> list[dict]:
    out = []
    specs = [
        # sinabs' IAF defaults: MultiSpike, MembraneSubtract, min_v_mem None, threshold 1; biases
        ("sinabs_cnn", 81, (1.2, 0.6, 0.4), True, DEFAULTS),
        # no bias (sinabs exports Affine/Conv2d with a zero bias), min_v_mem = -thr (what sinabs' from_nir
        # assumes), SingleSpike, MembraneReset
        ("sinabs_cnn_bounded", 82, (1.5, 0.7, 0.45), False, BOUNDED),
    ]
    for i, (name, seed, gains, bias, neuron) in enumerate(specs):
        rng = np.random.default_rng(8100 + i)
        out.append(dict(name=name, net=lambda s=seed, g=gains, b=bias, n=neuron: cnn(s, g, b, n), neuron=neuron,
                        bias=bias, x=C.raster(rng, 40, (2, 12, 12), 0.05, 0.25), input_shape=(2, 12, 12)))
    return out


def iaf_modules(net: nn.Module) -> list[tuple[str, nn.Module]]:
    return [(n, m) for n, m in net.named_children() if isinstance(m, sl.IAFSqueeze)]


def run(net: nn.Module, x: np.ndarray) -> dict[str, np.ndarray]:
    for _n, m in iaf_modules(net):
        m.reset_states()
        m.record_states = True
    spikes: dict[int, torch.Tensor] = {}
    hooks = [m.register_forward_hook(lambda mod, inp, out, k=k: spikes.__setitem__(k, out.detach()))
             for k, (_n, m) in enumerate(iaf_modules(net))]
    with torch.no_grad():
        net(torch.from_numpy(x))
    for h in hooks:
        h.remove()
    rec = {}
    for k, (_n, m) in enumerate(iaf_modules(net)):
        rec[f"spk{k}"] = spikes[k].numpy().astype(np.float32)
        rec[f"mem{k}"] = m.recordings["v_mem"][0].detach().numpy().astype(np.float32).reshape(rec[f"spk{k}"].shape)
        m.record_states = False
    return rec


def params(net: nn.Module) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for name, m in net.named_children():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            out[f"param_{name}_weight"] = m.weight.detach().numpy().astype(np.float32)
            if m.bias is not None:
                out[f"param_{name}_bias"] = m.bias.detach().numpy().astype(np.float32)
        elif isinstance(m, sl.IAFSqueeze):
            out[f"param_{name}_threshold"] = np.float32(m.spike_threshold)
            out[f"param_{name}_min_v_mem"] = np.float32(np.nan if m.min_v_mem is None else m.min_v_mem)
    return out


def roundtrip(path, x: np.ndarray) -> dict[str, object]:
    """sinabs' own from_nir (batch 1) on the exported file, run on the same input."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            net2 = sinabs.from_nir(nir.read(path), batch_size=1)
            with torch.no_grad():
                y = net2(torch.from_numpy(x))
        y = y[0] if isinstance(y, tuple) else y  # nirtorch's GraphExecutor returns (output, state)
        return {"roundtrip_spk": y.detach().numpy().astype(np.float32).reshape(x.shape[0], -1), "roundtrip_error": ""}
    except Exception as exc:  # recorded, not fatal: the importer's own limits
        return {"roundtrip_error": f"{type(exc).__name__}: {exc}"[:400]}


SEMANTICS = {
    "step": ("layers/functional/lif.py lif_forward_single with alpha = 1 (IAF = LIF(tau_mem=inf)): v = v + I_t "
             "(I_t = conv/linear of this step's input counts, bias included every step); "
             "MultiSpike: s = floor(v/thr) if v >= thr (counts); SingleSpike: s = (v >= thr); "
             "MembraneSubtract: v = v - s*thr; MembraneReset: v = v*(1 - (s > 0)) + reset_value(0); "
             "then v = max(v, min_v_mem) when min_v_mem is set"),
    "threshold_test": "v >= thr (not strict), after this step's input",
    "recorded_mem": "v_mem after spike, reset and the min_v_mem bound (sinabs' recordings)",
    "timebase": "no dt: one step per frame; IAFSqueeze sees (batch*time, C, H, W)",
    "state_init": "zeros",
    "export": ("sinabs.to_nir: IAF -> IF(r = 1, v_threshold); nothing about spike_fn, reset_fn or min_v_mem; "
               "Linear -> Affine (zero bias if none), Conv2d (zero bias if none), SumPool2d(kernel, stride, "
               "padding 0), Flatten (start_dim - 1 for the dropped batch axis)"),
    "float": "float32", "batch": 1, "pool": "SumPool2d = lp_pool2d(norm_type=1): sums of spike counts",
}


def record_dyn(c: dict, vers: dict[str, str], rows: list[dict]) -> None:
    net = c["net"]()
    x = c["x"]
    rec = run(net, x)
    again = run(net, x)
    assert all(np.array_equal(rec[k], again[k]) for k in rec)
    mods = iaf_modules(net)
    n_layers = len(mods)
    path = C.CASE_DIR / f"{c['name']}.nir"
    export_net = c["net"]()  # a fresh copy: the export runs the network on its sample data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        graph = sinabs.to_nir(export_net, torch.zeros((1,) + tuple(c["input_shape"])))
    # nir 1.0.4's write fails on the Conv2d/SumPool2d/Flatten types sinabs leaves undefined (None) unless
    # they are inferred first (snnTorch's exporter calls this itself)
    graph.infer_types()
    nir.write(path, graph)
    graph = nir.read(path)
    assert all(n in graph.nodes for n, _m in mods), (list(graph.nodes), [n for n, _m in mods])
    last = rec[f"spk{n_layers - 1}"]
    rt = roundtrip(path, x)
    nrn = c["neuron"]
    arrays: dict[str, object] = dict(
        framework="sinabs", case=c["name"], nir_file=path.name, versions=C.jstr(vers),
        x=x, input_kind="spikes", n_steps=x.shape[0], n_layers=n_layers,
        layer_nodes=np.array([n for n, _m in mods]), layer_kinds=np.array(["IAFSqueeze"] * n_layers),
        dt=np.nan, export_dt=np.nan, spike_fn=nrn["spike_fn"], reset=nrn["reset"],
        min_v_mem=np.array([np.nan if v is None else v for v in nrn["vmin"]], np.float32),
        threshold=np.array(nrn["thr"], np.float32),
        semantics=C.jstr(SEMANTICS), **rec, **params(net),
    )
    arrays.update(rt)
    if "roundtrip_spk" in rt:
        arrays["roundtrip_same"] = bool(np.array_equal(rt["roundtrip_spk"], last))
        arrays["roundtrip_agree"] = float((rt["roundtrip_spk"] == last).mean())
    C.save_npz(C.CASE_DIR / f"{c['name']}.npz", arrays)
    row = dict(case=c["name"], framework="sinabs", neuron="IAFSqueeze", spike_fn=nrn["spike_fn"], reset=nrn["reset"],
               min_v_mem="/".join(str(v) for v in nrn["vmin"]), bias=c["bias"], input="spikes",
               input_shape="x".join(map(str, c["input_shape"])), n_steps=x.shape[0],
               nodes=" ".join(f"{k}:{type(v).__name__}" for k, v in sorted(graph.nodes.items(), key=lambda kv: kv[0])),
               fire="+".join(f"{(rec[f'spk{k}'] > 0).mean():.3f}" for k in range(n_layers)),
               spikes="+".join(str(int(rec[f"spk{k}"].sum())) for k in range(n_layers)),
               max_spikes=int(max(rec[f"spk{k}"].max() for k in range(n_layers))),
               roundtrip=("error: " + str(rt["roundtrip_error"])[:60] if rt.get("roundtrip_error") else
                          f"same={arrays['roundtrip_same']} agree={arrays['roundtrip_agree']:.4f}"))
    rows.append(row)
    print(" ".join(f"{k}={v}" for k, v in row.items()), flush=True)


# ------------------------------------------------------------------ part 2 --


def _conv(cin: int, cout: int, k: int = 3, p: int = 1, s: int = 1, bias: bool = True) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, k, stride=s, padding=p, bias=bias)


def _iaf() -> sl.IAFSqueeze:
    return sl.IAFSqueeze(batch_size=1, min_v_mem=-1.0)


MAPPING_NETS = {
    # name: (input shape (C,H,W), layers, what it shows)
    "speck_a_conv_pool_conv": ((2, 16, 16), lambda: [
        _conv(2, 4), _iaf(), sl.SumPool2d(2), _conv(4, 8), _iaf()],
        "conv->IAF->pool is one core: 2 DynapcnnLayers, 2 cores"),
    "speck_b_conv_pool_linear": ((2, 12, 12), lambda: [
        _conv(2, 4), _iaf(), sl.SumPool2d(2), _conv(4, 8, p=0), _iaf(), nn.Flatten(),
        nn.Linear(128, 10), _iaf()],
        "the dynamics CNN's shape: Linear after Flatten becomes a conv core; 3 cores"),
    "speck_c_three_pools": ((2, 16, 16), lambda: [
        _conv(2, 8), _iaf(), sl.SumPool2d(2), _conv(8, 16), _iaf(), sl.SumPool2d(2),
        _conv(16, 16), _iaf(), sl.SumPool2d(2), nn.Flatten(), nn.Linear(64, 10), _iaf()],
        "three pooled conv layers + linear readout: 4 cores"),
    "speck_d_constrained": ((1, 33, 33), lambda: [
        _conv(1, 2), _iaf(), _conv(2, 2), _iaf(), _conv(2, 2), _iaf(), _conv(2, 16), _iaf(),
        _conv(16, 8), _iaf(), sl.SumPool2d(3), nn.Flatten(), nn.Linear(968, 4, bias=False), _iaf()],
        "neuron memory is padded to powers of 2: 16x33x33 -> 16*64*64 = 65536 fits cores 0-2 only, "
        "8x33x33 -> 32768 cores 0-4; in layer order the 4th and 5th layers need cores the first three "
        "would take, so the flow assignment must move those"),
    "speck_e_no_bias": ((2, 16, 16), lambda: [
        _conv(2, 8, bias=False), _iaf(), sl.SumPool2d(2), _conv(8, 8, bias=False), _iaf(), sl.SumPool2d(2),
        nn.Flatten(), nn.Linear(128, 4, bias=False), _iaf()],
        "bias-free layers: bias memory per DynapcnnLayer as sinabs counts it"),
    "speck_f_kernel_too_big": ((64, 4, 4), lambda: [
        _conv(64, 65), _iaf(), sl.SumPool2d(2), _conv(65, 8), _iaf()],
        "kernel memory 64*2^(4+7) = 131072 > 65536 on every core: does not fit"),
    "speck_g_ten_layers": ((2, 8, 8), lambda: [
        m for i in range(10) for m in (_conv(2 if i == 0 else 4, 4), _iaf())],
        "10 conv layers for 9 cores: does not fit"),
    "speck_h_pool4_stride2": ((2, 32, 32), lambda: [
        _conv(2, 8, s=2), _iaf(), sl.SumPool2d(4), _conv(8, 16), _iaf(), sl.SumPool2d(2),
        nn.Flatten(), nn.Linear(64, 10), _iaf()],
        "stride-2 conv, 4x4 pooling: 3 cores"),
}


def record_mapping() -> dict[str, dict]:
    builder = ChipFactory(DEVICE).get_config_builder()
    constraints = [dict(kernel_memory=int(c.kernel_memory), neuron_memory=int(c.neuron_memory),
                        bias_memory=int(c.bias_memory)) for c in builder.get_constraints()]
    out: dict[str, dict] = {"_device": {"device": DEVICE, "config_builder": type(builder).__name__,
                                        "core_constraints": constraints}}
    for i, (name, (shape, layers, note)) in enumerate(MAPPING_NETS.items()):
        torch.manual_seed(9000 + i)
        snn = nn.Sequential(*layers())
        with torch.no_grad():
            snn(torch.zeros((1,) + shape))  # sinabs' exporter reads each IAF's v_mem shape
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            graph = sinabs.to_nir(snn, torch.zeros((1,) + shape))
        graph.infer_types()
        nir.write(C.CASE_DIR / f"{name}.nir", graph)
        for m in snn.modules():
            if isinstance(m, sl.IAFSqueeze):
                m.reset_states()
        entry: dict[str, object] = dict(input_shape=list(shape), note=note, nir_file=f"{name}.nir",
                                        torch_layers=[type(m).__name__ for m in snn])
        try:
            dnet = DynapcnnNetwork(snn, input_shape=shape, discretize=True)
        except Exception as exc:
            entry.update(fits=False, n_cores=None, error=f"DynapcnnNetwork: {type(exc).__name__}: {exc}"[:400])
            out[name] = entry
            continue
        groups = {}
        for idx, dl in dnet.dynapcnn_layers.items():
            mem = {k: int(v) for k, v in dl.memory_summary().items()}
            groups[str(idx)] = dict(
                memory=mem, conv_out=list(map(int, dl._get_conv_output_shape())),
                kernel=list(dl.conv_layer.weight.shape), pool=[list(map(int, p)) for p in dl.pool],
                has_bias=dl.conv_layer.bias is not None,
                fits_cores=[j for j, c in enumerate(builder.get_constraints()) if c.fits(dl)],
            )
        entry.update(dynapcnn_layers=groups, destinations={str(k): v for k, v in dnet.layer_destination_map.items()})
        try:
            core_map = builder.map_layers_to_cores(dnet.dynapcnn_layers)
            entry.update(fits=True, layer2core={str(k): int(v) for k, v in core_map.items()},
                         n_cores=len(set(core_map.values())), error="")
        except ValueError as exc:
            entry.update(fits=False, layer2core=None, n_cores=None, error=f"{exc}"[:400])
        out[name] = entry
        print(name, {k: entry[k] for k in ("fits", "n_cores", "layer2core") if k in entry}, flush=True)
    return out


def main() -> int:
    vers = C.record_all("sinabs", dyn_cases(), record_dyn, {"samna": SAMNA})
    mapping = record_mapping()
    mapping["_versions"] = vers
    (C.CASE_DIR / "speck_mapping.json").write_text(json.dumps(mapping, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
