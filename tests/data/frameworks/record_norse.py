"""Record Norse networks, their own NIR export and their per-step outputs as CI test data.

Run by hand in the framework venv (torch 2.13.0 CPU + norse; see README.md):

    OMP_NUM_THREADS=1 /work/venvs/fw/bin/python tests/data/frameworks/record_norse.py

Each case is a ``norse.torch.SequentialState`` MLP of ``torch.nn.Linear`` and Norse cells (``LIFCell``,
``LIFBoxCell``, ``LIBoxCell``), run one step per call with its state passed back in.  It writes
``cases/<case>.nir`` (written by ``norse.torch.to_nir`` and ``nir.write``, untouched) and
``cases/<case>.npz`` (input, every cell's output and state per step, the parameters as Norse held them,
versions and conventions), then reads the file back with Norse's own ``norse.torch.from_nir`` and
records what that gives.  Seeds are fixed.
"""

from __future__ import annotations

import sys
import warnings

import _common as C
import nir
import norse.torch as norse
import numpy as np
import torch
from norse.torch.module.snn import SNNCell

DT = 1e-3  # Norse's default dt, used both to run the cells and by to_nir (its default too)


def _u(rng: np.random.Generator, n: int, lo: float, hi: float) -> torch.Tensor:
    return torch.from_numpy(rng.uniform(lo, hi, n).astype(np.float32))


def lif_cell(rng: np.random.Generator, n: int) -> torch.nn.Module:
    p = norse.LIFParameters(tau_syn_inv=_u(rng, n, 150.0, 300.0), tau_mem_inv=_u(rng, n, 80.0, 150.0),
                            v_leak=torch.zeros(n), v_th=_u(rng, n, 0.8, 1.2), v_reset=torch.zeros(n))
    return norse.LIFCell(p, dt=DT)


def lif_box_cell(rng: np.random.Generator, n: int, v_leak: float = 0.0) -> torch.nn.Module:
    p = norse.LIFBoxParameters(tau_mem_inv=_u(rng, n, 80.0, 150.0), v_leak=torch.full((n,), v_leak),
                               v_th=_u(rng, n, 0.8, 1.2), v_reset=torch.zeros(n))
    return norse.LIFBoxCell(p, dt=DT)


def li_box_cell(rng: np.random.Generator, n: int) -> torch.nn.Module:
    p = norse.LIBoxParameters(tau_mem_inv=_u(rng, n, 50.0, 100.0), v_leak=torch.zeros(n))
    return norse.LIBoxCell(p, dt=DT)


def mlp(seed: int, cells: tuple[str, str], gain: tuple[float, float], shift: float, bias2: bool = True
        ) -> torch.nn.Module:
    """16 -> 24 -> 4; torch's default init times ``gain`` plus ``shift * gain`` (mostly excitatory, as trained)."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    fc1, fc2 = torch.nn.Linear(16, 24), torch.nn.Linear(24, 4, bias=bias2)
    with torch.no_grad():
        fc1.weight.mul_(gain[0]).add_(shift * gain[0])
        fc1.bias.mul_(0.5)
        fc2.weight.mul_(gain[1]).add_(shift * gain[1])
    make = {"LIFCell": lif_cell, "LIFBoxCell": lif_box_cell, "LIBoxCell": li_box_cell,
            "LIFBoxCell_vleak": lambda r, n: lif_box_cell(r, n, v_leak=0.3)}
    return norse.SequentialState(fc1, make[cells[0]](rng, 24), fc2, make[cells[1]](rng, 4))


def cases() -> list[dict]:
    out = []
    specs = [
        ("norse_lif", ("LIFCell", "LIFCell"), (2.0, 4.0), 0.05, True),
        ("norse_lifbox", ("LIFBoxCell", "LIFBoxCell"), (4.0, 8.0), 0.1, False),
        ("norse_lifbox_vleak", ("LIFBoxCell_vleak", "LIFBoxCell"), (4.0, 8.0), 0.1, True),
        ("norse_lifbox_li", ("LIFBoxCell", "LIBoxCell"), (4.0, 4.0), 0.1, True),
    ]
    for i, (name, cells, gain, shift, bias2) in enumerate(specs):
        rng = np.random.default_rng(6100 + i)
        out.append(dict(name=name, cells=cells,
                        net=lambda c=cells, g=gain, s=shift, b=bias2, i=i: mlp(61 + i, c, g, s, b),
                        x=C.raster(rng, 80, (16,), 0.1, 0.5), input_kind="spikes", input_shape=(16,)))
    return out


def cell_modules(net: torch.nn.Module) -> list[tuple[str, torch.nn.Module]]:
    return [(n, m) for n, m in net.named_children() if isinstance(m, SNNCell)]


def run(net: torch.nn.Module, x: np.ndarray) -> dict[str, np.ndarray]:
    """Step the network (batch 1) with its state passed back in; record each cell's output and state."""
    rec: dict[str, list[np.ndarray]] = {}
    hooks = []
    for k, (_n, m) in enumerate(cell_modules(net)):
        def hook(mod, inp, out, k=k):
            y, st = out
            is_li = isinstance(mod, norse.LIBoxCell)
            rec.setdefault(f"{'out' if is_li else 'spk'}{k}", []).append(y.detach().numpy()[0].copy())
            rec.setdefault(f"mem{k}", []).append(st.v.detach().numpy()[0].copy())
            if hasattr(st, "i"):
                rec.setdefault(f"syn{k}", []).append(st.i.detach().numpy()[0].copy())
        hooks.append(m.register_forward_hook(hook))
    state = None
    with torch.no_grad():
        for t in range(x.shape[0]):
            _y, state = net(torch.from_numpy(x[t][None]), state)
    for h in hooks:
        h.remove()
    return {k: np.stack(v).astype(np.float32) for k, v in rec.items()}


def params(net: torch.nn.Module) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for name, m in net.named_children():
        if isinstance(m, torch.nn.Linear):
            out[f"param_{name}_weight"] = m.weight.detach().numpy().astype(np.float32)
            if m.bias is not None:
                out[f"param_{name}_bias"] = m.bias.detach().numpy().astype(np.float32)
        elif isinstance(m, SNNCell):
            for field in ("tau_syn_inv", "tau_mem_inv", "v_leak", "v_th", "v_reset"):
                if hasattr(m.p, field):
                    out[f"param_{name}_{field}"] = torch.as_tensor(getattr(m.p, field)).detach().numpy().astype(
                        np.float32)
    return out


def roundtrip(path, x: np.ndarray, n_out: tuple[int, ...]) -> dict[str, object]:
    """Read the exported file back with Norse's own from_nir (same dt) and run it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            net2 = norse.from_nir(nir.read(path), dt=DT)
            outs, state = [], None
            with torch.no_grad():
                for t in range(x.shape[0]):
                    y, state = net2(torch.from_numpy(x[t][None]), state)
                    outs.append(y.detach().numpy().reshape(-1).copy())
        return {"roundtrip_spk": np.stack(outs).astype(np.float32).reshape((x.shape[0],) + n_out),
                "roundtrip_error": ""}
    except Exception as exc:  # recorded, not fatal: the importer's own limits
        return {"roundtrip_error": f"{type(exc).__name__}: {exc}"[:400]}


SEMANTICS = {
    "LIFCell": ("functional/lif.py lif_feed_forward_step: i_new = i + I_t; "
                "v_dec = v + dt*tau_mem_inv*((v_leak - v) + i_new); i_dec = i_new - dt*tau_syn_inv*i_new; "
                "z = H(v_dec - v_th) (strict >); v = (1 - z)*v_dec + z*v_reset; state (v, i_dec)"),
    "LIFBoxCell": ("functional/lif_box.py lif_box_feed_forward_step: v_dec = v + dt*tau_mem_inv*(I_t + v_leak - v); "
                   "z = H(v_dec - v_th) (strict >); v = reset_value: (1 - z)*v_dec + z*v_reset"),
    "LIBoxCell": ("functional/leaky_integrator_box.py li_box_feed_forward_step: "
                  "v = v + dt*tau_mem_inv*((v_leak - v) + I_t); output v"),
}


def record(c: dict, vers: dict[str, str], rows: list[dict]) -> None:
    net = c["net"]()
    x = c["x"]
    rec = C.reproducible_run(run, net, x)
    mods = cell_modules(net)
    kinds = [type(m).__name__ for _n, m in mods]
    n_layers = len(mods)
    path = C.CASE_DIR / f"{c['name']}.nir"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        graph = norse.to_nir(net, torch.zeros(tuple(c["input_shape"])))  # default dt = 0.001 = DT
    nir.write(path, graph)
    graph = nir.read(path)
    assert all(n in graph.nodes for n, _m in mods), (list(graph.nodes), [n for n, _m in mods])
    last_key = ("out" if kinds[-1] == "LIBoxCell" else "spk") + str(n_layers - 1)
    last = rec[last_key]
    rt = roundtrip(path, x, last.shape[1:])
    arrays: dict[str, object] = dict(
        framework="norse", case=c["name"], nir_file=path.name, versions=C.jstr(vers),
        x=x, input_kind=c["input_kind"], n_steps=x.shape[0], n_layers=n_layers,
        layer_nodes=np.array([n for n, _m in mods]), layer_kinds=np.array(kinds),
        dt=DT, export_dt=DT,
        semantics=C.jstr({"cells": {k: SEMANTICS[k] for k in set(kinds)},
                          "state_init": "v = v_leak, i = 0 (LIFCell.initial_state / LIFBoxCell.initial_state)",
                          "recorded_mem": "v after the step's reset (the state Norse returns); syn = i_dec",
                          "export": ("to_nir(dt=0.001): tau = dt/tau_mem_inv (true tau = 1/tau_mem_inv: written "
                                     "tau is dt times too small), r = 1, v_reset not written (NIR default 0), "
                                     "Linear always as Affine (zero bias added)"),
                          "spike": "0/1", "float": "float32", "batch": 1}),
        **rec, **params(net),
    )
    arrays.update(rt)
    if "roundtrip_spk" in rt:
        arrays["roundtrip_same"] = bool(np.array_equal(rt["roundtrip_spk"], last))
        arrays["roundtrip_agree"] = float(np.isclose(rt["roundtrip_spk"], last, rtol=0, atol=1e-6).mean())
    C.save_npz(C.CASE_DIR / f"{c['name']}.npz", arrays)
    row = dict(case=c["name"], framework="norse", neuron="+".join(kinds), input=c["input_kind"],
               input_shape="x".join(map(str, c["input_shape"])), n_steps=x.shape[0],
               nodes=" ".join(f"{k}:{type(v).__name__}" for k, v in sorted(graph.nodes.items())),
               fire="+".join(f"{rec[f'spk{k}'].mean():.3f}" for k in range(n_layers) if f"spk{k}" in rec),
               spikes="+".join(str(int(rec[f"spk{k}"].sum())) for k in range(n_layers) if f"spk{k}" in rec),
               roundtrip=("error: " + str(rt["roundtrip_error"])[:60] if rt.get("roundtrip_error") else
                          f"same={arrays['roundtrip_same']} agree={arrays['roundtrip_agree']:.4f}"))
    rows.append(row)
    print(" ".join(f"{k}={v}" for k, v in row.items()), flush=True)


def main() -> int:
    C.record_all("norse", cases(), record)
    return 0


if __name__ == "__main__":
    sys.exit(main())
