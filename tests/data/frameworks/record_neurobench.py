"""Record NeuroBench's metrics for every recorded framework network on its recorded input.

Run by hand in the framework venv, after the record_<framework>.py scripts (needs torch, neurobench,
snntorch, norse, rockpool and sinabs; sinabs is only used to build its torch modules here):

    OMP_NUM_THREADS=1 /work/venvs/fw/bin/python tests/data/frameworks/record_neurobench.py

Each network is rebuilt by its record script's own builder (same seeds), checked to give exactly the
recorded output again, and handed to ``neurobench.benchmarks.Benchmark`` with a one-sample DataLoader
(batch 1, the recorded input as (1, n_steps, ...)).  Every network is driven one time step per call, as
NeuroBench's own ``SNNTorchModel`` does: snnTorch networks go through ``SNNTorchModel`` itself; Norse,
Rockpool and sinabs networks through a small ``NeuroBenchModel`` that keeps each neuron layer's state
between calls (``StepCell`` below), registered with ``add_activation_module``.  Writes
``cases/neurobench.json``.
"""

from __future__ import annotations

import json
import sys
import warnings

import _common as C
import numpy as np

SAMNA = C.samna_status()

# samna must be stubbed before sinabs (imported by record_sinabs) is, hence the late imports
import record_norse  # noqa: E402
import record_rockpool  # noqa: E402
import record_sinabs  # noqa: E402
import record_snntorch  # noqa: E402
import torch  # noqa: E402
from neurobench.benchmarks import Benchmark  # noqa: E402
from neurobench.metrics.static import ConnectionSparsity, Footprint, ParameterCount  # noqa: E402
from neurobench.metrics.workload import (  # noqa: E402
    ActivationSparsity,
    ActivationSparsityByLayer,
    MembraneUpdates,
    NeuronOperations,
    SynapticOperations,
)
from neurobench.models import NeuroBenchModel, SNNTorchModel  # noqa: E402

STATIC = [Footprint, ParameterCount, ConnectionSparsity]
WORKLOAD = [ActivationSparsity, ActivationSparsityByLayer, SynapticOperations, MembraneUpdates]


class SpkMem(torch.nn.Module):
    """Turns a Synaptic output layer's (spk, syn, mem) into the (spk, mem) SNNTorchModel unpacks."""

    def forward(self, out: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, torch.Tensor]:
        return out[0], out[-1]


class StepCell(torch.nn.Module):
    """One framework neuron layer driven one step per call, its state kept between calls."""

    def __init__(self, cell: torch.nn.Module, framework: str) -> None:
        super().__init__()
        self.cell = cell
        self.framework = framework
        self.state = None

    def reset(self) -> None:
        self.state = None
        if self.framework == "rockpool":
            self.cell.reset_state()
        elif self.framework == "sinabs":
            self.cell.reset_states()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.framework == "norse":
            y, self.state = self.cell(x, self.state)
            return y
        if self.framework == "rockpool":
            y = self.cell(x[:, None, :])  # (batch, time = 1, n); LIFTorch keeps vmem/isyn/spikes itself
            y = y[0] if isinstance(y, tuple) else y
            return y[:, 0]
        return self.cell(x)  # sinabs IAFSqueeze(batch_size=1): one frame, v_mem kept by the layer


class StepModel(NeuroBenchModel):
    def __init__(self, net: torch.nn.Sequential) -> None:
        super().__init__()
        self.net = net
        self.net.eval()
        self.add_activation_module(StepCell)

    def __call__(self, data: torch.Tensor) -> torch.Tensor:
        for m in self.net:
            if isinstance(m, StepCell):
                m.reset()
        outs = [self.net(data[:, t]) for t in range(data.shape[1])]
        return torch.stack(outs, 1)

    def __net__(self) -> torch.nn.Module:
        return self.net


def wrap(framework: str, net: torch.nn.Module) -> tuple[NeuroBenchModel, str]:
    if framework == "snntorch":
        if isinstance(net[-1], record_snntorch.snn.Synaptic):
            # SNNTorchModel does `spk, _ = net(x_t)`, which a Synaptic output layer's 3-tuple breaks
            return (SNNTorchModel(torch.nn.Sequential(*net, SpkMem())),
                    "neurobench.models.SNNTorchModel(Sequential(*net, SpkMem())): SpkMem passes (spk, mem) on")
        return SNNTorchModel(net), "neurobench.models.SNNTorchModel(net) (NeuroBench's own snnTorch wrapper)"
    mods: list[torch.nn.Module] = []
    if framework == "norse":
        for m in net:
            mods.append(StepCell(m, "norse") if isinstance(m, record_norse.SNNCell) else m)
        desc = "StepModel(Sequential(nn.Linear, StepCell(norse cell), ...)): same module objects"
    elif framework == "rockpool":
        for m in net:
            if isinstance(m, record_rockpool.LinearTorch):
                lin = torch.nn.Linear(m.weight.shape[0], m.weight.shape[1], bias=m.bias is not None)
                with torch.no_grad():
                    lin.weight.copy_(m.weight.detach().T)
                    if m.bias is not None:
                        lin.bias.copy_(m.bias.detach())
                mods.append(lin)
            else:
                mods.append(StepCell(m, "rockpool"))
        desc = ("StepModel(Sequential(nn.Linear copy of each LinearTorch (weight.T: NeuroBench only counts "
                "torch.nn Linear/Conv layers), StepCell(LIFTorch) (the module itself), ...))")
    else:
        for m in net:
            mods.append(StepCell(m, "sinabs") if isinstance(m, record_sinabs.sl.IAFSqueeze) else m)
        desc = "StepModel(Sequential(nn.Conv2d, StepCell(IAFSqueeze), SumPool2d, ...)): same module objects"
    return StepModel(torch.nn.Sequential(*mods)), desc


def builders() -> list[tuple[str, str, object]]:
    out: list[tuple[str, str, object]] = []
    out += [("snntorch", c["name"], c["net"]) for c in record_snntorch.cases()]
    out += [("norse", c["name"], c["net"]) for c in record_norse.cases()]
    out += [("rockpool", c["name"], c["net"]) for c in record_rockpool.cases()]
    out += [("sinabs", c["name"], c["net"]) for c in record_sinabs.dyn_cases()]
    return out


def membrane_updates_formula(z: np.lib.npyio.NpzFile) -> int:
    """N + sum_{t>=2} #(mem_t != mem_{t-1}) over every layer: what NeuroBench counts from snnTorch's .mem."""
    total = 0
    for k in range(int(z["n_layers"])):
        m = z[f"mem{k}"]
        total += int(m[0].size) + int(np.count_nonzero(m[1:] != m[:-1]))
    return total


def main() -> int:
    torch.set_num_threads(1)
    vers = C.versions("neurobench", "torch", "snntorch", "norse", "rockpool", "sinabs", "nir", "numpy")
    print(vers)
    results: dict[str, object] = {"_versions": vers, "_notes": {
        "driving": "one time step per call, batch 1, one sample; metrics are per sample",
        "static_before_run": "static metrics are taken on a freshly built network (state buffers empty)",
        "membrane_updates_formula": ("N + sum over steps t>=2 of #(mem_t != mem_{t-1}), from the recorded mem "
                                     "traces; equals NeuroBench's MembraneUpdates on snnTorch networks, where "
                                     "NeuroBench reads layer.mem; NeuroBench gives 0 for other frameworks"),
    }}
    for framework, name, build in builders():
        z = np.load(C.CASE_DIR / f"{name}.npz")
        x = torch.from_numpy(z["x"][None])
        net = build()
        model, desc = wrap(framework, net)
        fresh = {m.__name__: m()(model) for m in STATIC}
        with torch.no_grad():
            y = model(x)
        n_last = int(z["n_layers"]) - 1
        ref = z[f"out{n_last}"] if f"out{n_last}" in z.files else z[f"spk{n_last}"]
        yy = (y[0] if isinstance(y, tuple) else y)[0].detach().numpy().reshape(ref.shape)
        assert np.array_equal(yy, ref), f"{name}: rebuilt network does not reproduce the recorded output"
        workload = list(WORKLOAD) + ([NeuronOperations] if framework == "snntorch" else [])
        loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, torch.zeros(1)), batch_size=1)
        bench = Benchmark(model, loader, [], [], [STATIC, workload])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = bench.run(quiet=True)
        entry = {k: (v if not isinstance(v, (np.floating, np.integer)) else v.item()) for k, v in res.items()}
        entry["Footprint_fresh"] = fresh["Footprint"]
        entry["ParameterCount_fresh"] = fresh["ParameterCount"]
        entry["membrane_updates_formula"] = membrane_updates_formula(z)
        entry["wrapper"] = desc
        results[name] = json.loads(json.dumps(entry, default=float))
        print(name, {k: v for k, v in entry.items() if k != "wrapper"}, flush=True)
    (C.CASE_DIR / "neurobench.json").write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
