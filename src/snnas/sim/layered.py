"""Run a network with its source framework's step rule: :func:`simulate_semantics`.

A network imported from snnTorch, Norse, Rockpool or sinabs (:func:`snnas.ir.nir.read_nir`) reproduces that
framework's recorded spikes when run here with the framework's :class:`~snnas.ir.semantics.Semantics`
(``tests/data/frameworks/README.md`` holds the recorded cases and every rule). The simulator is stepped
(every neuron every step) and float32; the populations run in topological order over the zero-delay
projections, so a population sees the spikes of the populations before it in the same step, as in every
framework. A zero-delay projection from a population to itself reads the previous step's spikes (the
frameworks' recurrent convention, e.g. Rockpool's ``w_rec``); any other zero-delay cycle is an error.

Backends: ``"engine"`` (``snnas._core.simulate_layered``, ``cpp/layered.hpp``) and ``"numba"``
(:mod:`snnas.sim.reference.layered`), bit-identical.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from snnas import codes
from snnas.errors import SimulationInputError
from snnas.ir.network import Network, Population
from snnas.ir.rasters import node_values
from snnas.ir.semantics import SEMANTICS, Semantics, SemanticsError, SemanticsWarning
from snnas.sim.layered_factors import StepFactors, step_factors

__all__ = ["LayeredResult", "layered_arguments", "population_order", "simulate_semantics"]

SemanticsLike = Semantics | str
_BACKENDS = ("engine", "numba")


@dataclass(frozen=True)
class LayeredResult:
    """What :func:`simulate_semantics` returns.

    Attributes:
        spikes: population -> spike counts per step, (n_steps, *shape) int32 (0/1, or counts for multi-spike).
        v: population -> membrane potential after each step [V], (n_steps, *shape) float32 (after the reset,
            except with snnTorch's delayed resets: before it, as snnTorch records ``mem``).
        i: CubaLIF population -> synaptic current after each step, (n_steps, *shape) float32.
        order: the populations in the order they run within a step.
        semantics: population -> the semantics it ran with.
    """

    spikes: dict[str, NDArray[np.int32]]
    v: dict[str, NDArray[np.float32]]
    i: dict[str, NDArray[np.float32]]
    order: tuple[str, ...]
    semantics: dict[str, Semantics]


def population_order(net: Network) -> tuple[str, ...]:
    """The populations in topological order over the zero-delay projections (ties: the network's order).

    Raises:
        SimulationInputError: a cycle of zero-delay projections between different populations.
    """
    pops = [p.name for p in net.populations]
    deps: dict[str, set[str]] = {p: set() for p in pops}
    for proj in net.projections:
        zero = np.all(np.asarray(proj.delay) == 0)
        if zero and proj.source != proj.target and proj.source in deps:
            deps[proj.target].add(proj.source)
    order: list[str] = []
    while len(order) < len(pops):
        ready = [p for p in pops if p not in order and deps[p] <= set(order)]
        if not ready:
            stuck = [p for p in pops if p not in order]
            raise SimulationInputError(f"network {net.name!r}: populations {stuck} form a cycle of zero-delay "
                                       "projections; give one of them a delay >= 1 step")
        order.append(ready[0])
    return tuple(order)


def _semantics_of(net: Network, semantics: SemanticsLike | None,
                  per_population: Mapping[str, SemanticsLike] | None) -> dict[str, Semantics]:
    if semantics is None:  # what the importer recorded (read_nir's semantics=, or snnas' own files)
        semantics = net.metadata.get("semantics")
        if not isinstance(semantics, Semantics):
            raise SemanticsError(f"network {net.name!r} does not say which framework's step rule it follows: pass "
                                 f"semantics= (one of {', '.join(map(repr, SEMANTICS))}) here or to read_nir")
    base = Semantics.get(semantics)
    out = {p.name: base for p in net.populations}
    for name, sem in (per_population or {}).items():
        if name not in out:
            raise SimulationInputError(f"per_population: {name!r} is not a population of network {net.name!r} "
                                       f"(populations: {sorted(out)})")
        out[name] = Semantics.get(sem)
    return out


def _inputs(net: Network, inputs: NDArray[Any] | Mapping[str, NDArray[Any]] | None,
            n_steps: int | None) -> NDArray[np.float32]:
    """The input values as (n_steps, all input neurons) float32, in the order of ``net.inputs``."""
    nodes = net.inputs
    if inputs is None:
        if nodes:
            raise SimulationInputError(f"inputs: network {net.name!r} has inputs {[n.name for n in nodes]}; give "
                                       "their values")
        if isinstance(n_steps, bool) or not isinstance(n_steps, int) or n_steps < 0:
            raise SimulationInputError(f"n_steps: a network without inputs needs n_steps >= 0, got {n_steps!r}")
        return np.zeros((n_steps, 0), np.float32)
    if not isinstance(inputs, Mapping):
        if len(nodes) != 1:
            raise SimulationInputError(f"inputs: network {net.name!r} has {len(nodes)} input nodes; give a mapping "
                                       "from each input's name to its values")
        inputs = {nodes[0].name: inputs}
    unknown = sorted(set(inputs) - {n.name for n in nodes})
    missing = [n.name for n in nodes if n.name not in inputs]
    if unknown or missing:
        raise SimulationInputError(f"inputs: expected values for {[n.name for n in nodes]}; unknown {unknown}, "
                                   f"missing {missing}")
    cols, steps = [], set()
    for node in nodes:
        a = node_values(node, inputs[node.name], f"inputs[{node.name!r}]", SimulationInputError)
        steps.add(a.shape[0])
        cols.append(a)
    if len(steps) != 1:
        raise SimulationInputError(f"inputs: every input needs the same number of steps, got {sorted(steps)}")
    return np.ascontiguousarray(np.concatenate(cols, axis=1), dtype=np.float32)


def _names(value: Iterable[str] | None, net: Network, what: str) -> set[str]:
    pops = {p.name for p in net.populations}
    if value is None:
        return pops
    names = {value} if isinstance(value, str) else set(value)
    bad = sorted(names - pops)
    if bad:
        raise SimulationInputError(f"{what}: {bad} are not populations of network {net.name!r} (have {sorted(pops)})")
    return names


def _rule_row(f: StepFactors, sem: Semantics) -> list[int]:
    t = codes.core().LAYERED
    row = [0] * len(t["column"])
    values = {"model": t["model"][f.model], "decay": t["decay"][sem.decay], "current": t["current"][sem.current],
              "order": t["order"][sem.order], "threshold": t["threshold"][sem.threshold], "max_spikes": f.max_spikes,
              "reset": t["reset"][f.reset], "bounded": int(f.bounded)}
    for name, col in t["column"].items():
        row[col] = values[name]
    return row


def _warn_lost_bias(net: Network, sems: dict[str, Semantics], pops: list[Population]) -> None:
    lost = [p.name for p in pops if sems[p.name].v_leak == "bias" and p.neuron.model in ("lif", "cuba_lif")
            and np.all(np.asarray(getattr(p.neuron, "v_leak", 0.0)) == 0)]
    if lost:
        warnings.warn(f"network {net.name!r}: populations {lost} have v_leak = 0, which Rockpool's to_nir writes "
                      "whatever the LIF bias (rockpool nn/modules/torch/nir.py:271-272). If those LIFTorch layers "
                      "had a bias, the file lost it: set each population's v_leak to it (Rockpool's importer reads "
                      "v_leak as the bias)", SemanticsWarning, stacklevel=4)


def layered_arguments(net: Network, inputs: NDArray[Any] | Mapping[str, NDArray[Any]] | None,
                      semantics: SemanticsLike | None, *, per_population: Mapping[str, SemanticsLike] | None = None,
                      record: Iterable[str] | None = None, probes: Iterable[str] | None = None,
                      n_steps: int | None = None) -> tuple[dict[str, Any], tuple[str, ...], dict[str, Semantics]]:
    """The keyword arguments of ``snnas._core.simulate_layered``, the population order and each population's
    semantics (the arguments of :func:`simulate_semantics`)."""
    sems = _semantics_of(net, semantics, per_population)
    order = population_order(net)
    by_name = {p.name: p for p in net.populations}
    pops = [by_name[name] for name in order]
    _warn_lost_bias(net, sems, pops)
    rec, prb = _names(record, net, "record"), _names(probes, net, "probes")
    x = _inputs(net, inputs, n_steps)
    offsets = net.offsets()
    total = sum(n.size for n in net.nodes)
    n_in = sum(n.size for n in net.inputs)
    kmap = np.full(total, -1, np.int64)  # the network's global index -> the kernel's
    pos = 0
    for node in net.inputs:
        kmap[offsets[node.name]:offsets[node.name] + node.size] = np.arange(pos, pos + node.size)
        pos += node.size
    pop_ptr = [0]
    for p in pops:
        kmap[offsets[p.name]:offsets[p.name] + p.size] = np.arange(pos, pos + p.size)
        pos += p.size
        pop_ptr.append(pop_ptr[-1] + p.size)
    factors = [step_factors(p, sems[p.name], net.dt) for p in pops]
    csr = net.to_csr()
    pre = np.repeat(np.arange(total, dtype=np.int64), np.diff(csr.row_ptr))
    self_loop = np.array([pr.source == pr.target for pr in net.projections], dtype=bool)
    delay = csr.delay.astype(np.int64)
    if self_loop.size:
        delay = np.where((delay == 0) & self_loop[csr.projection], 1, delay)
    post = kmap[csr.target.astype(np.int64)] - n_in
    by_target = np.argsort(post, kind="stable")  # within a target: presynaptic index, then projection order
    n = pop_ptr[-1]
    in_ptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(post, minlength=n), out=in_ptr[1:])
    pop_idx = kmap >= n_in
    bias = np.zeros(n)
    bias[kmap[pop_idx] - n_in] = net.bias()[pop_idx]

    def cat(name: str) -> NDArray[np.float32]:
        return np.ascontiguousarray(np.concatenate([getattr(f, name) for f in factors]), dtype=np.float32)

    args: dict[str, Any] = {
        "n_inputs": n_in,
        "pop_ptr": np.asarray(pop_ptr, np.int64),
        "rules": np.asarray([_rule_row(f, sems[p.name]) for f, p in zip(factors, pops)], np.int32),
        "record": np.asarray([2 if p.name in prb else 1 if p.name in rec else 0 for p in pops], np.int32),
        **{k: cat(k) for k in ("f_m", "f_s", "gain", "v_th", "v_reset", "v_leak", "leak", "v_min", "v0", "i0")},
        "bias": bias,
        "in_ptr": in_ptr,
        "source": np.ascontiguousarray(kmap[pre][by_target], dtype=np.int32),
        "weight": np.ascontiguousarray(csr.weight[by_target], dtype=np.float64),
        "delay": np.ascontiguousarray(delay[by_target], dtype=np.int32),
        "inputs": x,
    }
    return args, order, sems


def simulate_semantics(net: Network, inputs: NDArray[Any] | Mapping[str, NDArray[Any]] | None,
                       semantics: SemanticsLike | None = None, *,
                       per_population: Mapping[str, SemanticsLike] | None = None,
                       record: Iterable[str] | None = None, probes: Iterable[str] | None = None,
                       n_steps: int | None = None, backend: str = "engine") -> LayeredResult:
    """Run ``net`` with a framework's step rule.

    Args:
        net: the network (e.g. from :func:`snnas.ir.nir.read_nir`).
        inputs: the values of the single input node, (n_steps, *input shape) (spikes, counts or currents; each
            value multiplies its synapses' weights; rounded to float32), or a mapping input name -> values.
            ``None`` for a network without inputs (then ``n_steps``).
        semantics: a :class:`Semantics` or a preset name of :data:`snnas.ir.semantics.SEMANTICS`; by default
            the network's own (``net.metadata["semantics"]``, which :func:`~snnas.ir.nir.read_nir` sets).
        per_population: population -> semantics for those that differ (e.g. a per-layer ``v_min``).
        record: populations whose spikes are returned (default all).
        probes: populations whose v and i are returned (default all).
        n_steps: the number of steps of a network without inputs.
        backend: ``"engine"`` (C++) or ``"numba"`` (the reference; bit-identical).

    Raises:
        SimulationInputError: bad inputs, names, a neuron model without a rule, a zero-delay cycle.
        SemanticsError: a bad semantics.
    """
    if backend not in _BACKENDS:
        raise SimulationInputError(f"backend: expected one of {', '.join(map(repr, _BACKENDS))}, got {backend!r}")
    args, order, sems = layered_arguments(net, inputs, semantics, per_population=per_population, record=record,
                                          probes=probes, n_steps=n_steps)
    if backend == "engine":
        out = codes.core().simulate_layered(**args)
    else:
        from snnas.sim.reference.layered import run_layered_reference

        out = run_layered_reference(args)
    by_name = {p.name: p for p in net.populations}
    steps = args["inputs"].shape[0]
    spikes: dict[str, NDArray[np.int32]] = {}
    v: dict[str, NDArray[np.float32]] = {}
    i: dict[str, NDArray[np.float32]] = {}
    s_col = v_col = 0
    for name, code in zip(order, args["record"].tolist()):
        pop = by_name[name]
        shape = (steps, *pop.shape)
        if code >= 1:
            spikes[name] = out["spikes"][:, s_col:s_col + pop.size].reshape(shape)
            s_col += pop.size
        if code == 2:
            v[name] = out["v"][:, v_col:v_col + pop.size].reshape(shape)
            if pop.neuron.model == "cuba_lif":
                i[name] = out["i"][:, v_col:v_col + pop.size].reshape(shape)
            v_col += pop.size
    return LayeredResult(spikes, v, i, order, sems)
