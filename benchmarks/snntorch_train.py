"""snnTorch's side of bench_train.py, run by a Python that has torch and snntorch (its own environment).

    python benchmarks/snntorch_train.py DATA.npz --epochs 10 --threads 1 --mode eager|compile

Trains the 64-128-10 network of bench_train.py (Leaky neurons, beta = exp(-dt/tau), threshold 1, reset to
zero, fast-sigmoid surrogate, Adam, batch 64, cross-entropy of the output spike counts) on the raster in
DATA.npz (x: samples × steps × 64, y) for ``epochs`` epochs, and prints one JSON line: the seconds of
training (after one warm-up epoch, which also compiles the step under ``--mode compile``), the mode, the
threads, and torch's and snntorch's versions.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--mode", choices=("eager", "compile"), default="eager")
    ap.add_argument("--beta", type=float, required=True)
    ap.add_argument("--slope", type=float, required=True)
    ap.add_argument("--lr", type=float, required=True)
    ap.add_argument("--batch", type=int, default=64)
    args = ap.parse_args()
    import snntorch as snn
    import torch
    from snntorch import surrogate

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    data = np.load(args.data)
    xs = torch.tensor(np.transpose(data["x"], (1, 0, 2)), dtype=torch.float32)  # (steps, samples, 64)
    ys = torch.tensor(data["y"])
    fc1, fc2 = torch.nn.Linear(64, 128, bias=False), torch.nn.Linear(128, 10, bias=False)
    grad = surrogate.fast_sigmoid(slope=args.slope)
    lif1 = snn.Leaky(beta=args.beta, threshold=1.0, spike_grad=grad, reset_mechanism="zero")
    lif2 = snn.Leaky(beta=args.beta, threshold=1.0, spike_grad=grad, reset_mechanism="zero")
    opt = torch.optim.Adam(list(fc1.parameters()) + list(fc2.parameters()), lr=args.lr)
    loss_fn = torch.nn.CrossEntropyLoss()

    def forward(x: torch.Tensor) -> torch.Tensor:
        # the states as plain tensors (init_leaky() keeps them as module buffers, which torch.compile
        # guards on and recompiles for); the same values
        m1, m2 = torch.zeros(x.shape[1], 128), torch.zeros(x.shape[1], 10)
        count = torch.zeros(x.shape[1], 10)
        for t in range(x.shape[0]):
            s1, m1 = lif1(fc1(x[t]), m1)
            s2, m2 = lif2(fc2(s1), m2)
            count = count + s2
        return count

    run = torch.compile(forward) if args.mode == "compile" else forward

    def compiled_step(x: torch.Tensor, y: torch.Tensor) -> None:
        loss = loss_fn(run(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    def epoch() -> None:
        order = torch.randperm(ys.numel())
        for k in range(0, order.numel(), args.batch):
            idx = order[k:k + args.batch]
            compiled_step(xs[:, idx], ys[idx])

    epoch()  # warm-up (compiles)
    start = time.perf_counter()
    for _ in range(args.epochs):
        epoch()
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "mode": args.mode, "threads": torch.get_num_threads(),
                      "torch": torch.__version__, "snntorch": snn.__version__}))


if __name__ == "__main__":
    main()
