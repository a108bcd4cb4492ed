"""Plain-numpy transcription of each framework's neuron rule, run from the framework's own NIR file.

Needs numpy and nir only (no torch).  ``python tests/data/frameworks/check_transcription.py`` loads every
case in ``cases/``, reads its ``.nir`` file, walks the graph from Input to Output and runs it step by step
in float32 with the rule of the framework that made it (the rules README.md documents, with file:line in
each framework's source).  What a NIR file does not hold is taken from the case's ``.npz`` (see README:
snnTorch's reset kind; Norse's dt; Rockpool's dt and its LIF bias; sinabs' spike function, reset and
min_v_mem).  Two parameter sources are checked:

* ``exact``: the neuron parameters as the framework held them (``param_*`` in the .npz, e.g. snnTorch's
  beta, Norse's tau_mem_inv, Rockpool's alpha/beta as torch computed them) with the weights from the NIR
  file.  This has to reproduce every recorded spike (and the recorded membrane potentials to float32
  rounding).
* ``nir``: the neuron parameters recovered from the NIR file alone plus the missing conventions.  Any
  difference against ``exact`` comes from the rounding of the parameter conversion (e.g. beta -> tau ->
  beta) and is reported, not failed.

Weighted sums are computed in float64 and rounded to float32 once; torch's float32 GEMMs/convolutions
accumulate in another order, so a membrane potential can differ from the recorded one in its last bits
(``--tol``); a spike flip from that would show as a failure.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
F32 = np.float32


# ------------------------------------------------------------ graph walking --
def chain(graph) -> list[tuple[str, object]]:  # type: ignore[no-untyped-def]
    """Nodes from Input to Output (every recorded graph is a chain)."""
    succ: dict[str, list[str]] = {}
    for a, b in graph.edges:
        succ.setdefault(a, []).append(b)
    kind = {k: type(v).__name__ for k, v in graph.nodes.items()}
    node = next(k for k, t in kind.items() if t == "Input")
    out = []
    while kind[node] != "Output":
        (node,) = succ[node]
        if kind[node] != "Output":
            out.append((node, graph.nodes[node]))
    return out


def _pair(v) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    a = np.asarray(v).reshape(-1)
    return (int(a[0]), int(a[0])) if a.size == 1 else (int(a[0]), int(a[1]))


def conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride, padding) -> np.ndarray:  # type: ignore[no-untyped-def]
    (sh, sw), (ph, pw) = _pair(stride), _pair(padding)
    xp = np.pad(x.astype(np.float64), ((0, 0), (ph, ph), (pw, pw)))
    o, c, kh, kw = w.shape
    hh = (xp.shape[1] - kh) // sh + 1
    ww = (xp.shape[2] - kw) // sw + 1
    cols = np.empty((c, kh, kw, hh, ww))
    for i in range(kh):
        for j in range(kw):
            cols[:, i, j] = xp[:, i:i + sh * hh:sh, j:j + sw * ww:sw]
    y = np.tensordot(w.astype(np.float64), cols, axes=([1, 2, 3], [0, 1, 2]))
    return (y + b.astype(np.float64)[:, None, None]).astype(F32)


def pool2d(x: np.ndarray, kernel, stride, mean: bool) -> np.ndarray:  # type: ignore[no-untyped-def]
    (kh, kw), (sh, sw) = _pair(kernel), _pair(stride)
    c, h, w = x.shape
    hh, ww = (h - kh) // sh + 1, (w - kw) // sw + 1
    y = np.zeros((c, hh, ww), np.float64)
    for i in range(kh):
        for j in range(kw):
            y += x[:, i:i + sh * hh:sh, j:j + sw * ww:sw]
    return (y / (kh * kw) if mean else y).astype(F32)


def apply_op(node, x: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    t = type(node).__name__
    if t in ("Affine", "Linear"):
        w = np.asarray(node.weight, np.float64)
        y = w @ x.astype(np.float64).reshape(-1)
        if t == "Affine":
            y = y + np.asarray(node.bias, np.float64)
        return y.astype(F32)
    if t == "Conv2d":
        return conv2d(x, np.asarray(node.weight), np.asarray(node.bias), node.stride, node.padding)
    if t in ("AvgPool2d", "SumPool2d"):
        return pool2d(x, node.kernel_size, node.stride, mean=t == "AvgPool2d")
    if t == "Flatten":
        return x.reshape(-1)
    raise ValueError(f"unexpected NIR node {t}")


# ------------------------------------------------------------- neuron rules --
class Neuron:
    """One neuron layer: ``step(I) -> (output, recorded mem, recorded syn or None)``, all float32."""

    def step(self, i: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        raise NotImplementedError


class SnnTorchLeaky(Neuron):
    # snntorch/_neurons/leaky.py:209-220 (forward), :238-247 (_base_state_function/_base_sub/_base_zero),
    # neurons.py:73-85 (fire), :102-107 (mem_reset); surrogate.py:186-191 (ATan forward: x > 0)
    def __init__(self, beta, thr, reset, shape):  # type: ignore[no-untyped-def]
        self.beta = np.clip(beta, 0, 1).astype(F32)
        self.thr = np.asarray(thr, F32)
        self.reset = reset
        self.mem = np.zeros(shape, F32)

    def step(self, i):  # type: ignore[no-untyped-def]
        r = (self.mem - self.thr > 0).astype(F32)           # reset from the previous step's mem
        if self.reset == "subtract":
            self.mem = (self.beta * self.mem + i) - r * self.thr
        else:                                                # zero: input of this step kept
            self.mem = self.beta * ((F32(1) - r) * self.mem) + i
        spk = (self.mem - self.thr > 0).astype(F32)
        return spk, self.mem, None


class SnnTorchSynaptic(Neuron):
    # snntorch/_neurons/synaptic.py:235-257 (forward), :266-286 (state functions)
    def __init__(self, alpha, beta, thr, reset, shape):  # type: ignore[no-untyped-def]
        self.alpha = np.clip(alpha, 0, 1).astype(F32)
        self.beta = np.clip(beta, 0, 1).astype(F32)
        self.thr = np.asarray(thr, F32)
        self.reset = reset
        self.mem = np.zeros(shape, F32)
        self.syn = np.zeros(shape, F32)

    def step(self, i):  # type: ignore[no-untyped-def]
        r = (self.mem - self.thr > 0).astype(F32)
        self.syn = self.alpha * self.syn + i
        mem = self.beta * self.mem + self.syn
        self.mem = mem - r * self.thr if self.reset == "subtract" else mem - mem * r  # zero: whole new mem lost
        spk = (self.mem - self.thr > 0).astype(F32)
        return spk, self.mem, self.syn


class NorseLIF(Neuron):
    # norse/torch/functional/lif.py:334-347 (lif_feed_forward_step); module/lif.py:90-100 (initial_state)
    def __init__(self, tau_syn_inv, tau_mem_inv, v_leak, v_th, v_reset, dt):  # type: ignore[no-untyped-def]
        self.a_mem = F32(dt) * np.asarray(tau_mem_inv, F32)
        self.a_syn = F32(-dt) * np.asarray(tau_syn_inv, F32)
        self.v_leak, self.v_th, self.v_reset = (np.asarray(v, F32) for v in (v_leak, v_th, v_reset))
        self.v = self.v_leak.copy()
        self.i = np.zeros_like(self.v_leak)

    def step(self, x):  # type: ignore[no-untyped-def]
        i_new = self.i + x
        v_dec = self.v + self.a_mem * ((self.v_leak - self.v) + i_new)
        self.i = i_new + self.a_syn * i_new
        z = (v_dec - self.v_th > 0).astype(F32)
        self.v = (F32(1) - z) * v_dec + z * self.v_reset
        return z, self.v, self.i


class NorseLIFBox(Neuron):
    # norse/torch/functional/lif_box.py:94-103 (lif_box_feed_forward_step), reset.py:13-19 (reset_value)
    def __init__(self, tau_mem_inv, v_leak, v_th, v_reset, dt):  # type: ignore[no-untyped-def]
        self.a_mem = F32(dt) * np.asarray(tau_mem_inv, F32)
        self.v_leak, self.v_th, self.v_reset = (np.asarray(v, F32) for v in (v_leak, v_th, v_reset))
        self.v = self.v_leak.copy()

    def step(self, x):  # type: ignore[no-untyped-def]
        v_dec = self.v + self.a_mem * ((x + self.v_leak) - self.v)
        z = (v_dec - self.v_th > 0).astype(F32)
        self.v = (F32(1) - z) * v_dec + z * self.v_reset
        return z, self.v, None


class NorseLIBox(Neuron):
    # norse/torch/functional/leaky_integrator_box.py:82-92 (li_box_feed_forward_step)
    def __init__(self, tau_mem_inv, v_leak, dt):  # type: ignore[no-untyped-def]
        self.a_mem = F32(dt) * np.asarray(tau_mem_inv, F32)
        self.v_leak = np.asarray(v_leak, F32)
        self.v = self.v_leak.copy()

    def step(self, x):  # type: ignore[no-untyped-def]
        self.v = self.v + self.a_mem * ((self.v_leak - self.v) + x)
        return self.v, self.v, None


class RockpoolLIF(Neuron):
    # rockpool/nn/modules/torch/lif_torch.py:676-705 (LIFTorch.forward loop), :28-46 (StepPWL)
    def __init__(self, alpha, beta, thr, bias, max_spikes):  # type: ignore[no-untyped-def]
        self.alpha, self.beta, self.thr, self.bias = (np.asarray(v, F32) for v in (alpha, beta, thr, bias))
        self.max_spikes = F32(max_spikes)
        self.v = np.zeros_like(self.thr)
        self.isyn = np.zeros_like(self.thr)

    def step(self, x):  # type: ignore[no-untyped-def]
        self.isyn = self.isyn + x
        self.v = self.v * self.alpha
        self.isyn = self.isyn * self.beta
        self.v = (self.v + self.isyn) + self.bias
        s = (self.v >= self.thr) * np.floor(self.v / self.thr)
        s = np.minimum(s, self.max_spikes).astype(F32)
        self.v = self.v - s * self.thr
        return s, self.v, self.isyn


class SinabsIAF(Neuron):
    # sinabs/layers/functional/lif.py:6-45 (lif_forward_single, alpha_mem = 1), activation/
    # spike_generation.py:39-41 (MultiSpike), :122 (SingleSpike), reset_mechanism.py (MembraneReset/Subtract)
    def __init__(self, thr, vmin, spike_fn, reset, shape):  # type: ignore[no-untyped-def]
        self.thr = F32(thr)
        self.vmin = None if np.isnan(vmin) else F32(vmin)
        self.spike_fn, self.reset = spike_fn, reset
        self.v = np.zeros(shape, F32)

    def step(self, x):  # type: ignore[no-untyped-def]
        self.v = F32(1) * self.v + x
        if self.spike_fn == "MultiSpike":
            s = ((self.v > 0) * np.trunc(self.v / self.thr)).astype(F32)
        else:
            s = (self.v - self.thr >= 0).astype(F32)
        self.v = self.v - s * self.thr if self.reset == "subtract" else self.v * (s == 0).astype(F32) + F32(0)
        if self.vmin is not None:
            self.v = np.maximum(self.v - self.vmin, F32(0)) + self.vmin
        return s, self.v, None


def make_neuron(case: dict, k: int, name: str, node, source: str) -> Neuron:  # type: ignore[no-untyped-def]
    """Layer k's rule; parameters from the framework (``exact``) or from the NIR node (``nir``)."""
    fw = str(case["framework"])
    kind = str(case["layer_kinds"][k])

    def p(field: str) -> np.ndarray:
        return case[f"param_{name}_{field}"]

    if fw == "snntorch":
        shape = np.asarray(node.v_threshold).shape
        dt = float(case["export_dt"])                      # snntorch/export_nir.py: dt = 1e-4
        if kind == "Leaky":
            beta = p("beta") if source == "exact" else F32(1) - F32(dt) / np.asarray(node.tau, F32)
            return SnnTorchLeaky(beta, node.v_threshold, str(case["reset"]), shape)
        if source == "exact":
            alpha, beta = p("alpha"), p("beta")
        else:
            alpha = F32(1) - F32(dt) / np.asarray(node.tau_syn, F32)
            beta = F32(1) - F32(dt) / np.asarray(node.tau_mem, F32)
        return SnnTorchSynaptic(alpha, beta, node.v_threshold, str(case["reset"]), shape)
    if fw == "norse":
        dt = float(case["dt"])
        # to_nir wrote tau = dt / tau_mem_inv: the true time constant is 1/tau_mem_inv = tau / dt
        if kind == "LIFCell":
            if source == "exact":
                tsi, tmi = p("tau_syn_inv"), p("tau_mem_inv")
            else:
                tsi, tmi = F32(dt) / np.asarray(node.tau_syn, F32), F32(dt) / np.asarray(node.tau_mem, F32)
            return NorseLIF(tsi, tmi, node.v_leak, node.v_threshold, p("v_reset"), dt)
        if kind == "LIFBoxCell":
            tmi = p("tau_mem_inv") if source == "exact" else F32(dt) / np.asarray(node.tau, F32)
            return NorseLIFBox(tmi, node.v_leak, node.v_threshold, p("v_reset"), dt)
        tmi = p("tau_mem_inv") if source == "exact" else F32(dt) / np.asarray(node.tau, F32)
        return NorseLIBox(tmi, node.v_leak, dt)
    if fw == "rockpool":
        dt = float(case["dt"])
        if source == "exact":
            alpha, beta = p("alpha"), p("beta")
        else:
            alpha = np.exp(-F32(dt) / np.asarray(node.tau_mem, F32)).astype(F32)
            beta = np.exp(-F32(dt) / np.asarray(node.tau_syn, F32)).astype(F32)
        # the LIF bias is not in the file (to_nir writes v_leak = 0): take it from the .npz
        return RockpoolLIF(alpha, beta, node.v_threshold, p("bias"), p("max_spikes_per_dt"))
    if fw == "sinabs":
        thr = np.asarray(node.v_threshold, F32).reshape(-1)
        assert np.all(thr == thr[0])
        return SinabsIAF(thr[0], float(case["min_v_mem"][k]), str(case["spike_fn"]), str(case["reset"]),
                         np.asarray(node.v_threshold).shape)
    raise ValueError(fw)


def simulate(case: dict, graph, source: str) -> dict[str, np.ndarray]:  # type: ignore[no-untyped-def]
    nodes = chain(graph)
    layer_of = {str(n): k for k, n in enumerate(case["layer_nodes"])}
    neurons = {name: make_neuron(case, layer_of[name], name, node, source)
               for name, node in nodes if name in layer_of}
    rec: dict[str, list[np.ndarray]] = {}
    for t in range(int(case["n_steps"])):
        h = case["x"][t].astype(F32)
        for name, node in nodes:
            if name in neurons:
                k = layer_of[name]
                h = h.reshape(neurons[name].v.shape if hasattr(neurons[name], "v")
                              else neurons[name].mem.shape)  # type: ignore[attr-defined]
                out, mem, syn = neurons[name].step(h)
                is_li = str(case["layer_kinds"][k]) == "LIBoxCell"
                rec.setdefault(f"{'out' if is_li else 'spk'}{k}", []).append(out.copy())
                rec.setdefault(f"mem{k}", []).append(mem.copy())
                if syn is not None:
                    rec.setdefault(f"syn{k}", []).append(syn.copy())
                h = out
            else:
                h = apply_op(node, h)
    return {k: np.stack(v) for k, v in rec.items()}


def neurobench_reference(case: dict, graph) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """NeuroBench 2.3.0's workload metrics recomputed from the recorded traces and the NIR weights.

    ActivationSparsity (metrics/workload/activation_sparsity.py): 1 - nonzero/total over every neuron layer's
    output at every step.  SynapticOperations (metrics/workload/synaptic_operations.py, utils/layers/macs.py,
    input.py): for each Linear/Conv input and step, the input and the weights are binarised (x != 0) and the
    binarised layer is applied without bias: effective ops = sum of its outputs; the step counts as ACs if every
    input value is 0, 1 or -1, else as MACs; Dense = the same with all-ones inputs and weights (zero padding
    still counts nothing).  MembraneUpdates on snnTorch layers: N + sum_{t>=2} #(mem_t != mem_{t-1}).
    """
    nodes = chain(graph)
    layer_of = {str(n): k for k, n in enumerate(case["layer_nodes"])}
    n_layers = int(case["n_layers"])
    outs = [case[f"out{k}"] if f"out{k}" in case else case[f"spk{k}"] for k in range(n_layers)]
    nnz = sum(int(np.count_nonzero(o)) for o in outs)
    size = sum(int(o.size) for o in outs)
    mac = ac = dense = 0
    for t in range(int(case["n_steps"])):
        h = case["x"][t].astype(F32)
        for name, node in nodes:
            if name in layer_of:
                h = outs[layer_of[name]][t]
                continue
            kind = type(node).__name__
            if kind in ("Affine", "Linear", "Conv2d"):
                w = (np.asarray(node.weight) != 0).astype(np.float64)
                xb = (h != 0).astype(np.float64)
                if kind == "Conv2d":
                    zero = np.zeros(w.shape[0])
                    eff = conv2d(xb, w, zero, node.stride, node.padding).sum()
                    tot = conv2d(np.ones_like(xb), np.ones_like(w), zero, node.stride, node.padding).sum()
                else:
                    eff, tot = (w @ xb.reshape(-1)).sum(), w.size
                spiking = bool(np.all(np.isin(h, (0.0, 1.0, -1.0))))
                ac, mac = (ac + int(eff), mac) if spiking else (ac, mac + int(eff))
                dense += int(tot)
            h = apply_op(node, h)
    mu = sum(int(case[f"mem{k}"][0].size) + int(np.count_nonzero(case[f"mem{k}"][1:] != case[f"mem{k}"][:-1]))
             for k in range(n_layers))
    return {"ActivationSparsity": (size - nnz) / size, "Effective_ACs": ac, "Effective_MACs": mac,
            "Dense": dense, "membrane_updates_formula": mu}


def neurobench_compare(case: dict, graph, recorded: dict) -> list[str]:  # type: ignore[no-untyped-def]
    """Differences between neurobench_reference and what NeuroBench itself gave (cases/neurobench.json)."""
    ref = neurobench_reference(case, graph)
    got = {"ActivationSparsity": recorded["ActivationSparsity"],
           "membrane_updates_formula": recorded["membrane_updates_formula"],
           **{k: recorded["SynapticOperations"][k] for k in ("Effective_ACs", "Effective_MACs", "Dense")}}
    if str(case["framework"]) == "snntorch":
        got["MembraneUpdates"] = recorded["MembraneUpdates"]
        ref["MembraneUpdates"] = ref["membrane_updates_formula"]
    return [f"{k}: reference {ref[k]} neurobench {got[k]}" for k in ref if not np.isclose(ref[k], got[k], atol=1e-12)]


def compare(case: dict, sim: dict[str, np.ndarray], tol: float) -> tuple[bool, dict[str, object]]:
    ok, info = True, {}
    for key in sim:
        ref = case[key].reshape(sim[key].shape)
        if key.startswith("spk"):
            diff = int(np.count_nonzero(ref != sim[key]))
            info[key] = f"{diff} of {ref.size} differ" if diff else "same"
            ok &= diff == 0
        else:
            scale = max(1.0, float(np.abs(ref).max()))
            err = float(np.abs(ref - sim[key]).max())
            info[key] = f"max|diff| {err:.2e}"
            ok &= err <= tol * scale
    return ok, info


def main() -> int:
    import nir

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tol", type=float, default=2e-5, help="relative tolerance on mem/syn/LI output")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    files = sorted((HERE / "cases").glob("*.npz"))
    if not files:
        print("no cases found")
        return 1
    nb_path = HERE / "cases" / "neurobench.json"
    nb = json.loads(nb_path.read_text()) if nb_path.exists() else {}
    bad = 0
    for f in files:
        with np.load(f) as z:
            case = {k: z[k] for k in z.files}
        graph = nir.read(HERE / "cases" / str(case["nir_file"]), type_check=False)
        ok, info = compare(case, simulate(case, graph, "exact"), args.tol)
        _ok2, info2 = compare(case, simulate(case, graph, "nir"), args.tol)
        nb_diff = neurobench_compare(case, graph, nb[str(case["case"])]) if str(case["case"]) in nb else []
        if nb_diff:
            ok = False
            print(f"FAIL {case['case']}: NeuroBench metrics {nb_diff}")
        if not ok:
            bad += 1
        if not ok or args.verbose:
            print(f"{'ok  ' if ok else 'FAIL'} {case['case']}: exact {json.dumps(info)}")
            print(f"     {case['case']}: from NIR alone {json.dumps(info2)}")
    print(f"{len(files) - bad} passed, {bad} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
