"""Record how snnTorch, Norse and sinabs run a digits network that snnas trained and exported to NIR.

Issue 15, deliverable 3: a network trained in snnas and written by ``snnas.ir.write_nir(net, path,
target=...)`` must score within 1 point of snnas' own accuracy when each framework imports it with its own
NIR importer. One phase per venv, run by hand in this order (see README.md, "Export"):

    PYTHONPATH=src .venv/bin/python tests/data/frameworks/record_export.py snnas        # ~30 s, trains
    OMP_NUM_THREADS=1 /work/venvs/fw/bin/python tests/data/frameworks/record_export.py snntorch
    OMP_NUM_THREADS=1 /work/venvs/fw/bin/python tests/data/frameworks/record_export.py norse
    OMP_NUM_THREADS=1 /work/venvs/sinabs/bin/python tests/data/frameworks/record_export.py sinabs

``snnas`` trains the 64-128-10 LIF network on the digits (split seed 0, TrainConfig(epochs=40, patience=40,
seed=0)), writes it as NIR without a target (``export_digits/snnas.nir``, kept), reads that file back and
writes it for each target (``export_digits/nir/<target>.nir``, not kept: 3 × 128 kB would break the 300 kB
budget; ``export_digits/targets.npz`` keeps every node field of each, as float32, the precision all three
importers convert to), stores the test split's rate raster (16 steps of 1 ms, seed 0, exactly what snnas
trains and scores on; bit-packed in ``export_digits/input.npz``) and runs the re-read network in snnas'
engine. Each framework phase reads only ``input.npz`` and its own ``.nir`` file (checked against
``targets.npz`` first),
imports it with the framework's own importer, feeds the same raster (all samples as one batch, one step
per call, from rest) and records its predictions. The prediction of every run is the output neuron with the
most spikes over the 16 steps (ties: the lowest index), snnas' readout. Everything goes into
``cases/export_digits.json``, one section per phase.
"""

from __future__ import annotations

import json
import sys
import warnings
from typing import Any

import _common as C
import numpy as np

OUT = C.CASE_DIR / "export_digits"
SCRATCH = OUT / "nir"  # the target files, git-ignored
JSON = C.CASE_DIR / "export_digits.json"
TARGETS = ("snntorch", "norse", "sinabs")
N_STEPS, DT, RASTER_SEED, SPLIT_SEED, TRAIN_SEED = 16, 1e-3, 0, 0, 0


def load_input() -> tuple[np.ndarray, np.ndarray]:
    """The recorded raster (samples, steps, 64) float32 of 0/1 and the labels."""
    with np.load(OUT / "input.npz") as z:
        shape = tuple(int(v) for v in z["shape"])
        x = np.unpackbits(z["bits"])[: int(np.prod(shape))].reshape(shape).astype(np.float32)
        return x, z["labels"].astype(np.int64)


def section(name: str, counts: np.ndarray, labels: np.ndarray, extra: dict[str, Any]) -> None:
    """Write phase ``name``'s predictions (argmax of ``counts`` (samples, classes)) into the JSON."""
    pred = np.argmax(counts, axis=1)
    doc = json.loads(JSON.read_text()) if JSON.exists() and name != "snnas" else {}  # snnas starts afresh
    doc[name] = {"accuracy": float((pred == labels).mean()), "predictions": pred.tolist(),
                 "output_spikes": int(counts.sum()), **extra}
    if name != "snnas" and "snnas" in doc:
        doc[name]["agreement_with_snnas"] = float((pred == np.asarray(doc["snnas"]["predictions"])).mean())
    JSON.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    print(name, doc[name]["accuracy"], {k: v for k, v in doc[name].items() if k not in ("predictions",)})


def phase_snnas() -> None:
    import nir

    from snnas.data.datasets import digits, split
    from snnas.evaluate.onchip import run_network
    from snnas.ir import read_nir, write_nir
    from snnas.ir.nir_targets import DROPPED_FIELDS
    from snnas.train.config import TrainConfig
    from snnas.train.layers import accuracy, train

    d = digits()
    sp = split(d, seed=SPLIT_SEED)
    cfg = TrainConfig(epochs=40, patience=40, progress=False, seed=TRAIN_SEED)
    res = train(d, sp, cfg)
    x = np.asarray(d.raster(sp.test, N_STEPS, DT, "rate", seed=RASTER_SEED))
    labels = d.labels[sp.test].astype(np.int64)
    OUT.mkdir(parents=True, exist_ok=True)
    path = write_nir(res.to_network("digits"), OUT / "snnas.nir")
    net = read_nir(path, dt=DT)  # the file is the network; every target is written from it
    SCRATCH.mkdir(exist_ok=True)
    (SCRATCH / ".gitignore").write_text("*\n")
    params: dict[str, np.ndarray] = {}
    for t in TARGETS:
        graph = nir.read(write_nir(net, SCRATCH / f"{t}.nir", target=t))
        dropped = DROPPED_FIELDS.get(t, ())  # not in the file: nir 1.0.8 reads them back as its defaults
        params.update({f"{t}/{k}": v for k, v in C.node_params(graph).items() if k.split("/")[-1] not in dropped})
    C.save_npz(OUT / "targets.npz", params)
    C.save_npz(OUT / "input.npz", {"bits": np.packbits(x.astype(np.uint8).ravel()), "shape": np.array(x.shape),
                                   "labels": labels, "test_indices": np.asarray(sp.test)})
    run = run_network(net, x.astype(np.int8))
    out = net.node(net.outputs[0])
    off = net.to_csr().offsets[out.name]
    keep = (run.spike_ids >= off) & (run.spike_ids < off + out.size)
    counts = np.zeros((x.shape[0], out.size))
    np.add.at(counts, (run.spike_steps[keep] // x.shape[1], run.spike_ids[keep] - off), 1)
    section("snnas", counts, labels, {
        "trainer_accuracy": accuracy(res.weights, x.astype(float), labels, res.config),
        "config": {"hidden": list(cfg.hidden), "epochs": cfg.epochs, "patience": cfg.patience, "seed": cfg.seed,
                   "n_steps": cfg.n_steps, "dt": cfg.dt, "tau_m": cfg.tau_m, "threshold": cfg.threshold,
                   "reset": cfg.reset, "encoder": cfg.encoder, "split_seed": SPLIT_SEED, "raster_seed": RASTER_SEED},
        "versions": C.versions("snnas", "nir", "numpy")})


def _steps(net: Any, x: np.ndarray, state_in: bool) -> np.ndarray:
    """Output spike counts (samples, classes) of ``net`` called once per step on the whole batch."""
    import torch

    counts, state = None, None
    with torch.no_grad():
        for t in range(x.shape[1]):
            xt = torch.from_numpy(np.ascontiguousarray(x[:, t]))
            y = net(xt, state) if state_in else net(xt)
            if isinstance(y, tuple):
                y, state = y[0], y[1]
            c = y.detach().numpy().astype(np.float64)
            counts = c if counts is None else counts + c
    assert counts is not None
    return counts


def phase_framework(name: str) -> None:
    import nir
    import torch

    torch.set_num_threads(1)
    x, labels = load_input()
    graph = nir.read(SCRATCH / f"{name}.nir")
    with np.load(OUT / "targets.npz") as z:
        kept = {k.split("/", 1)[1]: z[k] for k in z.files if k.startswith(f"{name}/")}
    now = C.node_params(graph)
    assert kept.keys() == now.keys() and all(np.array_equal(kept[k], now[k]) for k in kept), "stale file"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if name == "snntorch":
            from snntorch.import_nir import import_from_nir

            counts = _steps(import_from_nir(graph), x, state_in=False)  # Leaky(init_hidden=True) keeps its state
        elif name == "norse":
            import norse.torch as norse

            counts = _steps(norse.from_nir(graph), x, state_in=True)  # from_nir's own default dt (1e-3)
        else:
            import sinabs

            net = sinabs.from_nir(graph, batch_size=x.shape[0], num_timesteps=x.shape[1])
            with torch.no_grad():  # the Squeeze layers take (batch * time, features), batch-major
                y = net(torch.from_numpy(x.reshape(-1, x.shape[2])))
            y = y[0] if isinstance(y, tuple) else y
            counts = y.detach().numpy().astype(np.float64).reshape(x.shape[0], x.shape[1], -1).sum(axis=1)
    section(name, counts, labels, {"versions": C.versions(name, "torch", "nir", "nirtorch", "numpy")})


if __name__ == "__main__":
    phase = sys.argv[1] if len(sys.argv) > 1 else ""
    if phase == "snnas":
        phase_snnas()
    elif phase in TARGETS:
        if phase == "sinabs":
            C.samna_status()  # installs the samna stub before sinabs is imported
        phase_framework(phase)
    else:
        sys.exit(f"usage: record_export.py snnas|{'|'.join(TARGETS)}")
