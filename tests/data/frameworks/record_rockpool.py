"""Record Rockpool networks, their own NIR export and their per-step outputs as CI test data.

Run by hand in the framework venv (torch 2.13.0 CPU + rockpool; see README.md):

    OMP_NUM_THREADS=1 /work/venvs/fw/bin/python tests/data/frameworks/record_rockpool.py

Each case is a ``rockpool.nn.combinators.Sequential`` of ``LinearTorch`` and ``LIFTorch`` modules, run on the
whole (batch 1, time, channels) input at once with ``record=True``.  It writes ``cases/<case>.nir``
(written by ``rockpool.nn.modules.to_nir`` and ``nir.write``, untouched) and ``cases/<case>.npz`` (input,
every LIF layer's spikes, vmem and isyn per step, the parameters as Rockpool held them, including the
decays alpha/beta it computed, versions and conventions), then reads the file back with Rockpool's own
``from_nir`` and records what that gives.  Seeds are fixed.
"""

from __future__ import annotations

import sys
import warnings

import _common as C
import nir
import numpy as np
import torch
from rockpool.nn.combinators import Sequential
from rockpool.nn.modules import LIFTorch, LinearTorch, from_nir, to_nir


def _u(rng: np.random.Generator, n: int, lo: float, hi: float) -> torch.Tensor:
    return torch.from_numpy(rng.uniform(lo, hi, n).astype(np.float32))


def mlp(seed: int, dt: float, gain: tuple[float, float], shift: float, bias: bool) -> torch.nn.Module:
    """16 -> 24 -> 4 of LinearTorch + LIFTorch; ``bias``: Linear and LIF biases (which the export drops)."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    lin1 = LinearTorch((16, 24), has_bias=bias)
    lin2 = LinearTorch((24, 4), has_bias=bias)
    with torch.no_grad():
        for lin, g in ((lin1, gain[0]), (lin2, gain[1])):
            lin.weight.mul_(g).add_(shift * g)
            if bias:
                lin.bias.mul_(0.3)
    kw1: dict[str, object] = dict(tau_mem=_u(rng, 24, 0.01, 0.03), tau_syn=_u(rng, 24, 0.003, 0.01),
                                  threshold=_u(rng, 24, 0.8, 1.2), dt=dt)
    kw2: dict[str, object] = dict(tau_mem=_u(rng, 4, 0.01, 0.03), tau_syn=_u(rng, 4, 0.003, 0.01),
                                  threshold=_u(rng, 4, 0.8, 1.2), dt=dt)
    if bias:
        kw1["bias"] = _u(rng, 24, -0.02, 0.03)
        kw2["bias"] = _u(rng, 4, -0.02, 0.03)
    return Sequential(lin1, LIFTorch(24, **kw1), lin2, LIFTorch(4, **kw2))


def cases() -> list[dict]:
    specs = [
        # name, dt, gains, shift, bias, faithful export?
        ("rockpool_lif", 1e-3, (0.08, 0.4), 0.1, False),
        ("rockpool_lif_dt05", 5e-4, (0.08, 0.4), 0.05, False),
        ("rockpool_lif_bias", 1e-3, (0.08, 0.4), 0.05, True),
    ]
    out = []
    for i, (name, dt, gain, shift, bias) in enumerate(specs):
        rng = np.random.default_rng(7100 + i)
        out.append(dict(name=name, dt=dt, bias=bias,
                        net=lambda d=dt, g=gain, s=shift, b=bias, i=i: mlp(71 + i, d, g, s, b),
                        x=C.raster(rng, 80, (16,), 0.1, 0.5), input_kind="spikes", input_shape=(16,)))
    return out


def lif_names(net: torch.nn.Module) -> list[str]:
    return [n for n, m in net.named_children() if isinstance(m, LIFTorch)]


def run(net: torch.nn.Module, x: np.ndarray) -> dict[str, np.ndarray]:
    net.reset_state()
    with torch.no_grad():
        _out, _state, rd = net(torch.from_numpy(x[None]), record=True)
    rec: dict[str, np.ndarray] = {}
    for k, name in enumerate(lif_names(net)):
        rec[f"spk{k}"] = rd[name]["spikes"][0].detach().numpy().astype(np.float32)
        rec[f"mem{k}"] = rd[name]["vmem"][0].detach().numpy().astype(np.float32)
        rec[f"syn{k}"] = rd[name]["isyn"][0, :, :, 0].detach().numpy().astype(np.float32)
    return rec


def params(net: torch.nn.Module) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for name, m in net.named_children():
        if isinstance(m, LinearTorch):
            out[f"param_{name}_weight"] = m.weight.detach().numpy().astype(np.float32)  # (in, out)
            if m.bias is not None:
                out[f"param_{name}_bias"] = m.bias.detach().numpy().astype(np.float32)
        else:
            for field in ("tau_mem", "tau_syn", "threshold", "bias", "alpha", "beta"):
                v = getattr(m, field)
                out[f"param_{name}_{field}"] = torch.as_tensor(v).detach().numpy().astype(np.float32).reshape(-1)
            out[f"param_{name}_dt"] = np.array(float(m.dt))
            out[f"param_{name}_max_spikes_per_dt"] = np.array(float(m.max_spikes_per_dt))
    return out


def roundtrip(path, x: np.ndarray, n_out: int) -> dict[str, object]:
    """Read the exported file back with Rockpool's own from_nir and run it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            net2 = from_nir(nir.read(path, type_check=False))
            with torch.no_grad():
                y = net2(torch.from_numpy(x[None]))
        y = y[0] if isinstance(y, tuple) else y
        return {"roundtrip_spk": y.detach().numpy().astype(np.float32).reshape(x.shape[0], n_out),
                "roundtrip_error": ""}
    except Exception as exc:  # recorded, not fatal: the importer's own limits
        return {"roundtrip_error": f"{type(exc).__name__}: {exc}"[:400]}


SEMANTICS = {
    "step": ("lif_torch.py LIFTorch.forward, per step t: isyn = isyn + I_t (+ w_rec-spikes, zero here); "
             "vmem = vmem*alpha; isyn = isyn*beta; vmem = vmem + isyn + noise(0) + bias; "
             "spikes = floor(vmem/thr) if vmem >= thr else 0 (StepPWL, clamped to max_spikes_per_dt = 2**16); "
             "vmem = vmem - spikes*thr"),
    "decay": "alpha = exp(-dt/tau_mem), beta = exp(-dt/tau_syn) (tau_to_decay), computed by torch in float32",
    "threshold_test": "vmem >= thr (not strict), multi-spike",
    "reset": "subtract spikes*thr (always; no other reset in LIFTorch)",
    "recorded_mem": "vmem after the subtractive reset; syn = isyn after its decay (what entered vmem this step)",
    "state_init": "zeros",
    "export": ("to_nir: CubaLIF(tau_syn, tau_mem, r = tau_mem*exp(-dt/tau_mem)/dt, v_leak = 0 (the LIF bias is "
               "dropped), v_threshold, w_in = 1 (NIR default)), no dt; LinearTorch -> Affine(weight.T, bias) or "
               "Linear(weight.T); graph Input/Output types keep the batch (and time) axes"),
    "float": "float32", "batch": 1,
}


def record(c: dict, vers: dict[str, str], rows: list[dict]) -> None:
    net = c["net"]()
    x = c["x"]
    rec = C.reproducible_run(run, net, x)
    names = lif_names(net)
    n_layers = len(names)
    path = C.CASE_DIR / f"{c['name']}.nir"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        graph = to_nir(net)
    nir.write(path, graph)
    try:
        nir.read(path)
        strict_error = ""
    except Exception as exc:  # nir 1.0.8's type check rejects Rockpool's batch-shaped Input
        strict_error = f"{type(exc).__name__}: {exc}"[:300]
    graph = nir.read(path, type_check=False)
    assert all(n in graph.nodes for n in names), (list(graph.nodes), names)
    last = rec[f"spk{n_layers - 1}"]
    rt = roundtrip(path, x, last.shape[1])
    arrays: dict[str, object] = dict(
        framework="rockpool", case=c["name"], nir_file=path.name, versions=C.jstr(vers),
        x=x, input_kind=c["input_kind"], n_steps=x.shape[0], n_layers=n_layers,
        layer_nodes=np.array(names), layer_kinds=np.array(["LIFTorch"] * n_layers),
        dt=c["dt"], export_dt=np.nan, export_faithful=not c["bias"], nir_read_strict_error=strict_error,
        semantics=C.jstr(SEMANTICS), **rec, **params(net),
    )
    arrays.update(rt)
    if "roundtrip_spk" in rt:
        arrays["roundtrip_same"] = bool(np.array_equal(rt["roundtrip_spk"], last))
        arrays["roundtrip_agree"] = float((rt["roundtrip_spk"] == last).mean())
    C.save_npz(C.CASE_DIR / f"{c['name']}.npz", arrays)
    row = dict(case=c["name"], framework="rockpool", neuron="LIFTorch", dt=c["dt"], input=c["input_kind"],
               input_shape="x".join(map(str, c["input_shape"])), n_steps=x.shape[0],
               nodes=" ".join(f"{k}:{type(v).__name__}" for k, v in sorted(graph.nodes.items())),
               fire="+".join(f"{(rec[f'spk{k}'] > 0).mean():.3f}" for k in range(n_layers)),
               spikes="+".join(str(int(rec[f"spk{k}"].sum())) for k in range(n_layers)),
               max_spikes=int(max(rec[f"spk{k}"].max() for k in range(n_layers))),
               export_faithful=not c["bias"], strict_read="ok" if not strict_error else "fails",
               roundtrip=("error: " + str(rt["roundtrip_error"])[:60] if rt.get("roundtrip_error") else
                          f"same={arrays['roundtrip_same']} agree={arrays['roundtrip_agree']:.4f}"))
    rows.append(row)
    print(" ".join(f"{k}={v}" for k, v in row.items()), flush=True)


def main() -> int:
    C.record_all("rockpool", cases(), record)
    return 0


if __name__ == "__main__":
    sys.exit(main())
