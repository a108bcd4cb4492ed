"""NIR export for a framework's own importer: snnTorch 1.0.0, Norse 1.1.0, sinabs 3.1.3.

NIR holds continuous-time parameters, but each importer reads them by its own convention (a fixed dt, r
ignored, tau in steps). :func:`retarget` rewrites a graph written by :func:`snnas.ir.nir_export.to_nir` so
that the importer's network has snnas' per-step dynamics. snnas steps a population (dt the network's step,
for LIF and LI ``a = exp(-dt/tau_m)`` and input gain ``g = r·dt/tau_m``, for IF ``a = 1`` and ``g = r``):

    v <- a·v + c + g·(W s)        c = (1 - a)·(v_leak + r·b) (LIF, LI),  c = r·b (IF)

with ``b`` the summed biases of the projections into the population (snnas drives v towards v_leak + r·b).
Every importer below steps ``m <- A·m + B·(W' s + b') (+ its own leak)``; the rules choose its parameters so
that A = a, m = v - v_reset, the scaled weights ``W' = (g/B)·W`` (per target row) and the bias ``b'`` (a
per-step drive c/B) reproduce that update. Paths are relative to each installed package (file:line at
each rule; the conventions are in ``tests/data/frameworks/README.md``).

* ``"snntorch"`` (``snntorch/import_nir.py``): ``LIF`` -> ``Leaky(beta = 1 - dt/tau, threshold =
  v_threshold / w_scale, reset_mechanism="zero", reset_delay=False)`` with dt = 1e-4 hard-coded and
  ``w_scale = r·dt/tau`` (:241-275); ``v_leak`` must be 0 (:244), one threshold per layer (:245-247,
  :266-268). Written: ``tau = 1e-4/(1 - a)``, ``r = tau/1e-4`` (w_scale = 1), ``v_leak = 0``, B = 1.
  Its ``IF`` becomes ``Leaky(beta=0.9)`` (:226-240), so an IF is written as that LIF with a = 1 (tau = 1e8 s:
  beta rounds to 1 in float32). ``Affine`` and ``Linear`` both import (:183-199).
* ``"norse"`` (``norse/torch/utils/import_nir.py``, ``from_nir(dt=0.001)`` :150-177): ``LIF`` ->
  ``LIFBoxCell(tau_mem_inv = 1/tau, v_th, v_leak)`` (:120-130), r is ignored, v_reset is not read (it stays
  0, ``functional/lif_box.py:35``); LIFBox steps ``v <- v + dt·tau_mem_inv·((I + v_leak) - v)``
  (lif_box.py:95-96). Written: ``tau = 1e-3/(1 - a)`` (B = 1 - a), ``r = 1``, ``v_leak`` kept (Norse also
  starts v there). ``IF`` -> ``IAFCell`` (:93-96), ``v <- v + I`` (``functional/iaf.py:93``), B = 1.
  ``Affine`` and ``Linear`` both import (:63-71, :87-92).
* ``"sinabs"`` (``sinabs/nir.py``): ``LIF`` -> ``LIFSqueeze(tau_mem = tau, norm_input=False)`` (:94-107),
  tau in steps: ``alpha = exp(-1/tau_mem)`` (``layers/lif.py:79-80``), ``v <- alpha·v + I``; ``v_leak`` must
  be 0 (:96-97) and r is ignored. Written: ``tau = -1/ln a = tau_m/dt`` steps, ``r = 1``, ``v_leak = 0``,
  B = 1. ``IF`` -> ``IAFSqueeze(spike_threshold = v_threshold, min_v_mem = -v_threshold)`` (:86-92).
  Only ``Affine`` imports (:28-36, no ``Linear`` branch): every weight node is written as Affine.

What no file can carry: snnTorch's importer resets to zero at once, Norse's to 0 at once (both drop the
input of the spiking step, as snnas' ``reset="value"`` does), sinabs' subtracts the threshold and emits
multi-spikes (MultiSpike, MembraneSubtract); every framework adds the input before the threshold test,
where snnas tests first (so a framework's layer answers one step earlier than snnas'). Only LIF and IF
populations, fed by Linear/Affine (or per-channel-uniform Conv) nodes without delays, are supported.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from snnas.errors import NIRError
from snnas.ir.network import Network, Population
from snnas.ir.neurons import IFParameters, LIFParameters
from snnas.ir.semantics import SemanticsWarning

__all__ = ["IMPORTER_RULES", "TARGETS", "NIRTargetError", "retarget", "strip_for_reader"]

TARGETS = ("snntorch", "norse", "sinabs")
SNNTORCH_DT = 1e-4  # snntorch/import_nir.py:241 (dt = 1e-4 in the LIF branch)
NORSE_DT = 1e-3  # norse/torch/utils/import_nir.py:154 (from_nir's default dt)
# sinabs 3.1.3 pins nir<=1.0.4, whose LIF and IF have no v_reset and whose reader passes every stored field to
# the node's constructor (nir/ir/node.py:40 in nir 1.0.4): a v_reset in the file is a TypeError there.
DROPPED_FIELDS: dict[str, tuple[str, ...]] = {"sinabs": ("v_reset",)}
IF_TAU = 1e8  # [s] snnTorch has no working IF import: a LIF whose beta = 1 - 1e-12 rounds to 1 in float32


class NIRTargetError(NIRError, ValueError):
    """An unknown export target, or a network the target's NIR importer cannot run as snnas does."""


def check_target(target: str | None) -> str | None:
    """``target`` itself, or NIRTargetError naming the value and the choices."""
    if target is None or (isinstance(target, str) and target in TARGETS):
        return target
    raise NIRTargetError(f"target: expected None or one of {', '.join(map(repr, TARGETS))}, got {target!r}")


def _step_terms(pop: Population, bias: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """snnas' per-step (a, g, c) of ``pop`` (module docstring), potentials relative to v_reset, flat."""
    p, n = pop.neuron, pop.size
    r = p.resistance(n)
    if isinstance(p, LIFParameters):
        tau = np.broadcast_to(np.asarray(p.tau_m, dtype=np.float64), (n,))
        a = np.exp(-dt / tau)
        v_leak = np.broadcast_to(np.asarray(p.v_leak, dtype=np.float64), (n,))
        v_reset = np.broadcast_to(np.asarray(p.v_reset, dtype=np.float64), (n,))
        return a, r * dt / tau, (1.0 - a) * (v_leak - v_reset + r * bias)
    if isinstance(p, IFParameters):
        return np.ones(n), r, r * bias
    raise NIRTargetError(f"population {pop.name!r}: neuron model {p.model!r} has no export rule for framework "
                         f"importers (LIF and IF only)")


def _neuron(nir: Any, target: str, pop: Population, a: np.ndarray) -> tuple[Any, np.ndarray, np.ndarray]:
    """The target's neuron node for ``pop``, its input factor B (module docstring) and the per-step drive its
    own v_leak already gives (snnas units), flat shape."""
    p: Any = pop.neuron
    n = pop.size
    full: Callable[[Any], np.ndarray] = lambda v: np.copy(np.broadcast_to(np.asarray(v, np.float64), (n,)))  # noqa: E731
    v_reset = full(p.v_reset)
    v_th = full(p.v_th) - v_reset
    leaky = isinstance(p, LIFParameters)
    if target == "snntorch":
        if np.unique(v_th).size != 1:
            raise NIRTargetError(f"population {pop.name!r}: snnTorch's importer takes one threshold per layer "
                                 f"(import_nir.py:245-247), got {np.unique(v_th).size}")
        tau = SNNTORCH_DT / (1.0 - a) if leaky else np.full(n, IF_TAU)
        return nir.LIF(tau=tau, r=tau / SNNTORCH_DT, v_leak=np.zeros(n), v_threshold=v_th,
                       v_reset=np.zeros(n)), np.ones(n), np.zeros(n)
    if target == "norse":
        if not leaky:
            return nir.IF(r=np.ones(n), v_threshold=v_th, v_reset=np.zeros(n)), np.ones(n), np.zeros(n)
        v_leak = full(p.v_leak) - v_reset
        return nir.LIF(tau=NORSE_DT / (1.0 - a), r=np.ones(n), v_leak=v_leak, v_threshold=v_th,
                       v_reset=np.zeros(n)), 1.0 - a, (1.0 - a) * v_leak
    if not leaky:
        return nir.IF(r=np.ones(n), v_threshold=v_th, v_reset=np.zeros(n)), np.ones(n), np.zeros(n)
    return nir.LIF(tau=-1.0 / np.log(a), r=np.ones(n), v_leak=np.zeros(n), v_threshold=v_th,
                   v_reset=np.zeros(n)), np.ones(n), np.zeros(n)


def _rescale(nir: Any, node: Any, k: np.ndarray, bias: np.ndarray | None, affine: bool, where: str) -> Any:
    """``node`` (Linear, Affine or Conv) with its output rows scaled by ``k`` and the bias ``bias`` (None: 0)."""
    if isinstance(node, (nir.Linear, nir.Affine)):
        w = np.asarray(node.weight, dtype=np.float64) * k[:, None]
        b = np.zeros(w.shape[0]) if bias is None else bias
        return nir.Affine(weight=w, bias=b) if affine or bias is not None else nir.Linear(weight=w)
    if isinstance(node, (nir.Conv1d, nir.Conv2d)):
        c_out = node.weight.shape[0]
        kc, bc = k.reshape(c_out, -1), (np.zeros(k.size) if bias is None else bias).reshape(c_out, -1)
        if np.any(kc != kc[:, :1]) or np.any(bc != bc[:, :1]):
            raise NIRTargetError(f"{where}: a conv node needs one scale and one bias per channel")
        per_channel = kc[:, 0].reshape((-1,) + (1,) * (np.ndim(node.weight) - 1))
        node.weight = np.asarray(node.weight, dtype=np.float64) * per_channel
        node.bias = bc[:, 0].copy()
        return node
    if np.all(k == 1.0) and bias is None:
        return node
    raise NIRTargetError(f"{where}: a {type(node).__name__} node feeds the population, whose input the target "
                         f"needs scaled; only Linear, Affine and Conv nodes can be")


def retarget(graph: Any, net: Network, target: str) -> Any:
    """``graph`` (``to_nir(net)``) rewritten in place for ``target``'s importer (module docstring)."""
    import nir

    check_target(target)
    delays = [k for k, v in graph.nodes.items() if isinstance(v, nir.Delay)]
    if delays:
        raise NIRTargetError(f"network {net.name!r}: {target}'s importer has no Delay node (nodes {delays})")
    for pop in net.populations:
        feeds = [src for src, dst in graph.edges if dst == pop.name]
        bias = np.zeros(pop.size)
        for proj in net.projections:
            b = getattr(proj, "bias", None)
            if proj.target == pop.name and b is not None:
                bias = bias + np.broadcast_to(np.asarray(b, dtype=np.float64).reshape(-1, 1),
                                              (b.size, pop.size // b.size)).ravel()
        a, g, c = _step_terms(pop, bias, net.dt)
        node, gain, leak = _neuron(nir, target, pop, a)
        node.metadata = dict(graph.nodes[pop.name].metadata)
        shape = np.shape(graph.nodes[pop.name].v_threshold)
        for field in ("tau", "r", "v_leak", "v_threshold", "v_reset"):
            if hasattr(node, field):
                setattr(node, field, np.asarray(getattr(node, field)).reshape(shape))
        graph.nodes[pop.name] = node
        drive = (c - leak) / gain
        for i, src in enumerate(feeds):
            b_i = drive if i == 0 and (target == "sinabs" or np.any(drive != 0)) else None
            graph.nodes[src] = _rescale(nir, graph.nodes[src], g / gain, b_i, target == "sinabs",
                                        f"node {src!r} -> population {pop.name!r}")
    # the parameters now follow the importer's reading, not the step rule the network was trained with
    graph.metadata = {**{k: v for k, v in graph.metadata.items() if k != "snnas.semantics"}, "snnas.target": target}
    _warn_rule_mismatch(net, target)
    return graph


# What each importer runs (module docstring): (order, spikes, reset); no NIR field changes it.
IMPORTER_RULES: dict[str, tuple[str, str, str]] = {
    "snntorch": ("input_first", "single", "value"),
    "norse": ("input_first", "single", "value"),
    "sinabs": ("input_first", "multi", "subtract"),
}
_TRAIN_FIX = {"snntorch": 'order="input_first"', "norse": 'order="input_first"',
              "sinabs": 'order="input_first", spikes="multi", reset="subtract"'}


def _warn_rule_mismatch(net: Network, target: str) -> None:
    """SemanticsWarning when ``net``'s step rule (its ``metadata["semantics"]``, else snnas' engine: test
    first, single spikes, each population's reset) is not the one ``target``'s importer runs."""
    rule = net.metadata.get("semantics")
    order = getattr(rule, "order", "test_first")
    spikes = getattr(rule, "spikes", "single")
    want = IMPORTER_RULES[target]
    differ = []
    if order != want[0]:
        differ.append(f"order {order!r} (importer: {want[0]!r})")
    if spikes != want[1]:
        differ.append(f"spikes {spikes!r} (importer: {want[1]!r})")
    own_reset = getattr(rule, "reset", "neuron")
    for pop in net.populations:
        reset = getattr(pop.neuron, "reset", "value") if own_reset == "neuron" else own_reset
        if reset != want[2]:
            differ.append(f"population {pop.name!r} reset {reset!r} (importer: {want[2]!r})")
            break
    if differ:
        warnings.warn(SemanticsWarning(
            f"network {net.name!r}: {target}'s importer runs another step rule than the network's: "
            f"{'; '.join(differ)}. Its spikes will differ from snnas'; "
            f"for the same spikes, train it with TrainConfig({_TRAIN_FIX[target]})"), stacklevel=4)


def strip_for_reader(path: Any, target: str | None) -> None:
    """Delete from the written file ``path`` the node fields that ``target``'s pinned nir cannot read
    (:data:`DROPPED_FIELDS`; sinabs: ``v_reset``, which its rules write as 0, nir's default)."""
    fields = DROPPED_FIELDS.get(target or "", ())
    if not fields:
        return
    import h5py

    with h5py.File(path, "r+") as f:
        for node in f["node/nodes"].values():
            for field in fields:
                if field in node:
                    del node[field]
