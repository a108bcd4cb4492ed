"""Record snnTorch networks, their own NIR export and their per-step outputs as CI test data.

Run by hand in the framework venv (torch 2.13.0 CPU + snntorch; see README.md):

    OMP_NUM_THREADS=1 /work/venvs/fw/bin/python tests/data/frameworks/record_snntorch.py

For every case it writes ``cases/<case>.nir`` (written by ``snntorch.export_nir.export_to_nir`` and
``nir.write``, untouched) and ``cases/<case>.npz`` (input, every spiking layer's spikes and membrane
potential per step, the parameters as snnTorch held them, versions and conventions), and then reads the
NIR file back with snnTorch's own ``import_from_nir`` and records what that gives.  Seeds are fixed.
"""

from __future__ import annotations

import sys
import warnings

import _common as C
import nir
import numpy as np
import snntorch as snn
import torch
from snntorch import utils as snn_utils
from snntorch.export_nir import export_to_nir

EXPORT_DT = 1e-4  # the dt snntorch/export_nir.py hard-codes (tau = dt / (1 - beta), r = tau / dt)

# ------------------------------------------------------------------ networks --


def _per_neuron(rng: np.random.Generator, shape: tuple[int, ...], lo: float, hi: float) -> torch.Tensor:
    return torch.from_numpy(rng.uniform(lo, hi, shape).astype(np.float32))


def _per_channel(rng: np.random.Generator, shape: tuple[int, ...], lo: float, hi: float) -> torch.Tensor:
    """One value per channel, broadcast to the full neuron shape (snnTorch's exporter needs full shapes)."""
    v = rng.uniform(lo, hi, shape[0]).astype(np.float32).reshape((shape[0],) + (1,) * (len(shape) - 1))
    return torch.from_numpy(np.ascontiguousarray(np.broadcast_to(v, shape)))


def neuron(kind: str, reset: str, shape: tuple[int, ...], rng: np.random.Generator, output: bool,
           per_channel: bool = False) -> torch.nn.Module:
    draw = _per_channel if per_channel else _per_neuron
    beta = draw(rng, shape, 0.75, 0.95)
    # one threshold per layer (held as a full-shape tensor): snnTorch's own importer rejects per-neuron thresholds
    thr = torch.full(shape, float(np.float32(rng.uniform(0.8, 1.2))))
    if kind == "Leaky":
        return snn.Leaky(beta=beta, threshold=thr, reset_mechanism=reset, init_hidden=True, output=output)
    alpha = draw(rng, shape, 0.5, 0.8)
    return snn.Synaptic(alpha=alpha, beta=beta, threshold=thr, reset_mechanism=reset, init_hidden=True,
                        output=output)


def mlp(seed: int, kind: str, reset: str, gain: tuple[float, float]) -> torch.nn.Sequential:
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    fc1, fc2 = torch.nn.Linear(16, 24), torch.nn.Linear(24, 4)
    with torch.no_grad():
        fc1.weight.mul_(gain[0])
        fc1.bias.mul_(0.2)
        fc2.weight.mul_(gain[1])
        fc2.bias.mul_(0.2)
    return torch.nn.Sequential(fc1, neuron(kind, reset, (24,), rng, False), fc2, neuron(kind, reset, (4,), rng, True))


def cnn(seed: int, reset: str) -> torch.nn.Sequential:
    """Conv2d -> Leaky -> AvgPool2d -> Flatten -> Linear -> Leaky on (2, 10, 10) inputs."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    conv = torch.nn.Conv2d(2, 4, 3)
    fc = torch.nn.Linear(64, 10)
    with torch.no_grad():
        conv.weight.mul_(2.5)
        conv.bias.mul_(0.2)
        fc.weight.mul_(4.0)
        fc.bias.mul_(0.2)
    return torch.nn.Sequential(
        conv, neuron("Leaky", reset, (4, 8, 8), rng, False, per_channel=True),
        torch.nn.AvgPool2d((2, 2), (2, 2)), torch.nn.Flatten(),
        fc, neuron("Leaky", reset, (10,), rng, True),
    )


def cases() -> list[dict]:
    out = []
    for kind in ("Leaky", "Synaptic"):
        for reset in ("subtract", "zero"):
            name = f"snntorch_{kind.lower()}_{reset}"
            gain = (3.0, 3.0) if kind == "Leaky" else (1.6, 1.6)
            rng = np.random.default_rng(5100)
            out.append(dict(name=name, kind=kind, reset=reset, net=lambda k=kind, r=reset, g=gain: mlp(51, k, r, g),
                            x=C.raster(rng, 60, (16,), 0.05, 0.35), input_kind="spikes", input_shape=(16,)))
    rng = np.random.default_rng(5200)
    out.append(dict(name="snntorch_leaky_current", kind="Leaky", reset="subtract",
                    net=lambda: mlp(52, "Leaky", "subtract", (3.0, 4.0)),
                    x=rng.uniform(-0.2, 0.6, (50, 16)).astype(np.float32), input_kind="currents", input_shape=(16,)))
    rng = np.random.default_rng(5300)
    out.append(dict(name="snntorch_cnn", kind="Leaky", reset="subtract", net=lambda: cnn(53, "subtract"),
                    x=C.raster(rng, 40, (2, 10, 10), 0.1, 0.3), input_kind="spikes", input_shape=(2, 10, 10)))
    return out


# ------------------------------------------------------------------ running --


def neuron_modules(net: torch.nn.Sequential) -> list[tuple[str, torch.nn.Module]]:
    return [(name, m) for name, m in net.named_children() if isinstance(m, snn.SpikingNeuron)]


def run(net: torch.nn.Sequential, x: np.ndarray) -> dict[str, np.ndarray]:
    """Step the network (batch 1), recording every spiking layer's spk/mem(/syn) after each step."""
    snn_utils.reset(net)
    rec: dict[str, list[np.ndarray]] = {}
    hooks = []
    for k, (_name, m) in enumerate(neuron_modules(net)):
        def hook(mod, inp, out, k=k):
            spk = out[0] if isinstance(out, tuple) else out
            rec.setdefault(f"spk{k}", []).append(spk.detach().numpy()[0].copy())
            rec.setdefault(f"mem{k}", []).append(mod.mem.detach().numpy()[0].copy())
            if isinstance(mod, snn.Synaptic):
                rec.setdefault(f"syn{k}", []).append(mod.syn.detach().numpy()[0].copy())
        hooks.append(m.register_forward_hook(hook))
    with torch.no_grad():
        for t in range(x.shape[0]):
            net(torch.from_numpy(x[t][None]))
    for h in hooks:
        h.remove()
    return {k: np.stack(v).astype(np.float32) for k, v in rec.items()}


def params(net: torch.nn.Sequential) -> dict[str, np.ndarray]:
    """Parameters as snnTorch holds them (Linear/Conv weights in torch layout)."""
    out: dict[str, np.ndarray] = {}
    for name, m in net.named_children():
        for pname in ("weight", "bias", "beta", "alpha", "threshold"):
            t = getattr(m, pname, None)
            if isinstance(t, torch.Tensor):
                out[f"param_{name}_{pname}"] = t.detach().numpy().astype(np.float32)
    return out


def roundtrip(path, x: np.ndarray) -> dict[str, object]:
    """Read the exported file back with snnTorch's own importer and run it."""
    from snntorch.import_nir import import_from_nir

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            net2 = import_from_nir(nir.read(path))
        outs = []
        with torch.no_grad():
            state = None
            for t in range(x.shape[0]):
                y = net2(torch.from_numpy(x[t][None])) if state is None else net2(torch.from_numpy(x[t][None]), state)
                if isinstance(y, tuple):
                    y, state = y
                # reshape(-1): the importer turns NIR Flatten(start_dim=0) into nn.Flatten(start_dim=0), which
                # also flattens the batch axis (batch 1 here, so only the shape differs)
                outs.append(y.detach().numpy().reshape(-1).copy())
        return {"roundtrip_spk": np.stack(outs).astype(np.float32), "roundtrip_error": ""}
    except Exception as exc:  # recorded, not fatal: the importer's own limits
        return {"roundtrip_error": f"{type(exc).__name__}: {exc}"[:400]}


SEMANTICS = {
    "Leaky": {
        "step": ("reset_t = H(mem_{t-1} - thr) [from the previous step, detached]; "
                 "subtract: mem_t = beta*mem_{t-1} + I_t - reset_t*thr; "
                 "zero: mem_t = beta*(1 - reset_t)*mem_{t-1} + I_t (the input of the reset step is kept); "
                 "spk_t = H(mem_t - thr)"),
        "threshold_test": "mem - thr > 0 (strict), on mem after this step's input, before this step's reset",
        "reset_delay": True,
        "recorded_mem": "mem_t as snnTorch stores it after the step: at the threshold test, reset not yet applied",
    },
    "Synaptic": {
        "step": ("reset_t = H(mem_{t-1} - thr); syn_t = alpha*syn_{t-1} + I_t; "
                 "subtract: mem_t = beta*mem_{t-1} + syn_t - reset_t*thr; "
                 "zero: mem_t = (1 - reset_t)*(beta*mem_{t-1} + syn_t) (the whole new mem is zeroed: the input "
                 "of the reset step is lost), syn is not reset; spk_t = H(mem_t - thr)"),
        "threshold_test": "mem - thr > 0 (strict), on mem after this step's input, before this step's reset",
        "reset_delay": True,
        "recorded_mem": "mem_t/syn_t after the step: at the threshold test, reset not yet applied",
    },
}


def record(c: dict, vers: dict[str, str], rows: list[dict]) -> None:
    net = c["net"]()
    net.eval()
    x = c["x"]
    rec = run(net, x)
    n_layers = len(neuron_modules(net))
    path = C.CASE_DIR / f"{c['name']}.nir"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        graph = export_to_nir(net, torch.zeros((1,) + tuple(c["input_shape"])), ignore_dims=[0])
    nir.write(path, graph)
    graph = nir.read(path)
    node_names = [name for name, _m in neuron_modules(net)]
    assert all(n in graph.nodes for n in node_names), (node_names, list(graph.nodes))
    # the same network run a second time must give the same record (determinism of the run itself)
    again = run(net, x)
    assert all(np.array_equal(rec[k], again[k]) for k in rec)
    rt = roundtrip(path, x)
    last = rec[f"spk{n_layers - 1}"]
    if "roundtrip_spk" in rt:
        rt["roundtrip_spk"] = rt["roundtrip_spk"].reshape(last.shape)
    arrays: dict[str, object] = dict(
        framework="snntorch", case=c["name"], nir_file=path.name, versions=C.jstr(vers),
        x=x, input_kind=c["input_kind"], n_steps=x.shape[0], n_layers=n_layers,
        layer_nodes=np.array(node_names), layer_kinds=np.array([c["kind"]] * n_layers),
        reset=c["reset"], dt=np.nan, export_dt=EXPORT_DT,
        semantics=C.jstr({**SEMANTICS[c["kind"]], "reset_mechanism": c["reset"],
                          "nir_reset_written": "nothing: LIF/CubaLIF with v_reset = 0 for subtract and zero alike",
                          "spike": "0/1 (graded_spikes_factor 1)", "state_init": "zeros", "float": "float32",
                          "batch": 1, "timebase": "one step per call; no dt in the dynamics"}),
        **rec, **params(net),
    )
    arrays.update(rt)
    if "roundtrip_spk" in rt:
        arrays["roundtrip_same"] = bool(np.array_equal(rt["roundtrip_spk"], last))
        arrays["roundtrip_agree"] = float((rt["roundtrip_spk"] == last).mean())
    C.save_npz(C.CASE_DIR / f"{c['name']}.npz", arrays)
    row = dict(case=c["name"], framework="snntorch", neuron=c["kind"], reset=c["reset"], input=c["input_kind"],
               input_shape="x".join(map(str, c["input_shape"])), n_steps=x.shape[0],
               nodes=" ".join(f"{k}:{type(v).__name__}" for k, v in sorted(graph.nodes.items())),
               fire="+".join(f"{rec[f'spk{k}'].mean():.3f}" for k in range(n_layers)),
               spikes="+".join(str(int(rec[f"spk{k}"].sum())) for k in range(n_layers)),
               roundtrip=("error" if rt.get("roundtrip_error") else
                          f"same={arrays['roundtrip_same']} agree={arrays['roundtrip_agree']:.4f}"))
    rows.append(row)
    print(" ".join(f"{k}={v}" for k, v in row.items()), flush=True)


def main() -> int:
    C.record_all("snntorch", cases(), record)
    return 0


if __name__ == "__main__":
    sys.exit(main())
