"""Write ``snntorch_mlp.nir``: a small spiking MLP exported by snnTorch's own NIR exporter.

This file is how the committed NIR file was made; snnas itself never needs torch. To regenerate:

    python -m venv /tmp/vtorch && /tmp/vtorch/bin/pip install torch==2.13.0 snntorch nir nirtorch
    /tmp/vtorch/bin/python tests/data/nir/make_snntorch_nir.py

Network: 16 inputs -> Linear(16, 24) -> Leaky (LIF) -> Linear(24, 4) -> Leaky, fixed seed, weights
scaled so the hidden layer fires on the test inputs. The exact versions used are written into the
graph's metadata.
"""

from __future__ import annotations

from pathlib import Path

import nir
import snntorch as snn
import torch
from snntorch.export_nir import export_to_nir

HERE = Path(__file__).parent


class MLP(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = torch.nn.Linear(16, 24)
        # Per-neuron beta and threshold: snnTorch's exporter needs tensors of the layer's size to give
        # NIR parameter arrays of the right shape.
        self.lif1 = snn.Leaky(beta=torch.full((24,), 0.9), threshold=torch.ones(24), init_hidden=True)
        self.fc2 = torch.nn.Linear(24, 4)
        self.lif2 = snn.Leaky(beta=torch.full((4,), 0.8), threshold=torch.ones(4), init_hidden=True, output=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        spk = self.lif1(self.fc1(x))
        spk_out, _mem = self.lif2(self.fc2(spk))
        return spk_out


def main() -> None:
    torch.manual_seed(7)
    net = MLP()
    with torch.no_grad():
        net.fc1.weight.mul_(3.0)
        net.fc2.weight.mul_(3.0)
    graph = export_to_nir(net, torch.zeros(16))
    graph.metadata = {"producer": f"snntorch {snn.__version__}, torch {torch.__version__}, nir {nir.version}"}
    path = HERE / "snntorch_mlp.nir"
    nir.write(path, graph)
    print(f"wrote {path}: nodes {sorted(graph.nodes)}")
    for name, node in graph.nodes.items():
        print(f"  {name}: {type(node).__name__}")
    print("edges:", graph.edges)


if __name__ == "__main__":
    main()
