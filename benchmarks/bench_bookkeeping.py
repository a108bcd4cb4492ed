"""Strategy bookkeeping: what each strategy's ask/tell costs in a 200-budget search, against the search.

    python benchmarks/bench_bookkeeping.py [--budget 200] [--objectives accuracy,energy] [--eval-samples 3]

Every strategy of ``snnas.search.STRATEGIES`` (gp only where PyTorch is installed) is driven the way the
search loop drives it (one worker: each result told before the next ask; a strategy that waits is told
the next outstanding result), for ``budget`` full-fidelity evaluations of the global space, answered by a
synthetic landscape that costs nothing (accuracy rising with size and with five hyper-parameters set
right, energy with the synapse count, two layers of 256 not fitting; lower fidelities scale accuracy by
0.7 + 0.3 f). Only the time inside ``propose()`` and ``tell()`` is counted: that is the strategy's
bookkeeping. The zero-shot ranker's proxies run its pool of real networks on real data (an evaluation
without training, ``ZeroShotRanker._measure``): their time is printed in its own column and not counted as
bookkeeping.

The search it is compared with: the README's main evaluation (digits on Loihi, 6 epochs, one candidate
trained, quantised, mapped, simulated and costed inline), timed on ``--eval-samples`` random candidates;
a 200-budget search costs about budget x that median (Hyperband's rungs cost their share), so the printed
share is bookkeeping / (bookkeeping + budget x evaluation). Issue 18's target: at most 1%.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine  # noqa: E402

from snnas.search import STRATEGIES, Objectives, Proposal, Result, SearchContext, make_strategy  # noqa: E402
from snnas.search.executors import InlineExecutor  # noqa: E402
from snnas.search.loop import SearchConfig, run_search  # noqa: E402
from snnas.search.store import Store  # noqa: E402
from snnas.search.tasks import DatasetSpec  # noqa: E402
from snnas.space import Genome, GlobalSpace  # noqa: E402

RIGHT = {"encoder": "ttfs", "neuron": "cuba_lif", "tau_m": 0.02, "reset": "subtract", "n_steps": 16}


def landscape(space: GlobalSpace, p: Proposal) -> Result:
    """The synthetic evaluation of a proposal (see the module docstring)."""
    g: Genome = p.genome
    h = space.hidden(g)
    syn = sum(a * b for a, b in zip((64, *h), (*h, 10)))
    if h.count(256) >= 2:
        return Result((math.inf, math.inf), 2.0, "infeasible", None, p.fidelity)
    acc = min(0.5, 0.3 + 0.05 * math.log2(syn / 1000)) + 0.09 * sum(g[k] == v for k, v in RIGHT.items())
    acc = min(acc, 0.99) * (0.7 + 0.3 * p.fidelity)
    return Result((-acc, syn * 1e-9 * (1 + g["n_steps"] / 16)), 0.0, "ok", {"accuracy_chip": acc}, p.fidelity)


def bookkeeping(name: str, budget: int, objectives: Objectives, seed: int = 0) -> tuple[float, int, float]:
    """Seconds spent in propose() and tell() over a run of ``budget`` full-fidelity evaluations (less the
    zero-shot proxies), the number of proposals made and the seconds of zero-shot proxies."""
    space = GlobalSpace()
    ctx = SearchContext(objectives, None, DatasetSpec("digits", max_samples=300), budget=budget, epochs=6)
    strategy = make_strategy(name, space, seed, ctx)
    proxies = 0.0
    measure = getattr(strategy, "_measure", None)
    if measure is not None:
        def timed(*args: object) -> None:
            nonlocal proxies
            t0 = time.perf_counter()
            measure(*args)
            proxies += time.perf_counter() - t0
        strategy._measure = timed  # type: ignore[attr-defined]
    asked: list[Proposal] = []
    told = 0
    spent = 0.0
    cost = 0.0  # full trainings used (a proposal at fidelity f costs f)

    def tell_next() -> None:
        nonlocal told, spent
        p = asked[told]
        r = landscape(space, p)
        t0 = time.perf_counter()
        strategy.tell(p.genome, r)
        spent += time.perf_counter() - t0
        told += 1

    while cost < budget:
        while told < len(asked):
            tell_next()
        t0 = time.perf_counter()
        p = strategy.propose()
        spent += time.perf_counter() - t0
        if p is None:
            break
        asked.append(p)
        cost += p.fidelity
    while told < len(asked):
        tell_next()
    return spent - proxies, len(asked), proxies


def evaluation_seconds(samples: int) -> list[float]:
    """Wall time of ``samples`` real evaluations (random search, digits on Loihi, 6 epochs, inline)."""
    with tempfile.TemporaryDirectory() as tmp:
        cfg = SearchConfig(strategy="random", targets=("loihi",), budget=samples, epochs=6, seed=1)
        with Store(Path(tmp) / "eval.db") as st:
            run_search(cfg, st, InlineExecutor())
            return [r.seconds for r in st.rows() if r.status != "duplicate" and r.seconds]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--budget", type=int, default=200)
    parser.add_argument("--objectives", default="accuracy,energy")
    parser.add_argument("--eval-samples", type=int, default=3)
    ns = parser.parse_args()
    print(f"machine: {machine()}")
    objectives = Objectives.parse(ns.objectives)
    evals = evaluation_seconds(ns.eval_samples)
    t_eval = statistics.median(evals)
    print(f"one evaluation (digits on Loihi, 6 epochs, inline): median {t_eval:.2f} s of {len(evals)} "
          f"({', '.join(f'{s:.2f}' for s in evals)}); a {ns.budget}-budget search ~ {ns.budget * t_eval:.0f} s")
    print(f"\nbookkeeping over {ns.budget} full evaluations, objectives {', '.join(objectives.names)}, one worker:")
    print(f"    {'strategy':10s} {'asks':>5s} {'seconds':>9s} {'ms/ask':>8s} {'share of the search':>20s}"
          f"   {'proxies (evaluation)':>22s}")
    names = [n for n in sorted(STRATEGIES) if n != "gp" or importlib.util.find_spec("torch") is not None]
    for name in names:
        spent, asks, proxies = bookkeeping(name, ns.budget, objectives)
        share = spent / (spent + proxies + ns.budget * t_eval)
        flag = "" if share <= 0.01 else "  > 1%"
        whole = spent + proxies + ns.budget * t_eval
        extra = f"   {proxies:9.2f} s = {100 * proxies / whole:5.2f}%" if proxies else ""
        print(f"    {name:10s} {asks:5d} {spent:9.3f} {1e3 * spent / max(asks, 1):8.2f} {100 * share:19.3f}%"
              f"{extra}{flag}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
