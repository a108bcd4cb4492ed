"""NIR exchange: write any snnas network as a NIR graph, read NIR graphs made by other frameworks.

NIR (Pedersen et al., Nat. Commun. 15:8122, 2024) is continuous-time and has no time step, so reading
takes ``dt`` explicitly: it turns ``Delay`` nodes (seconds) into synaptic delays in steps and is the
step the network is later simulated with. The snnas IR uses NIR's own parameterisation (time constants,
``r``, ``v_leak``, weights into ``r·I``), so parameters and weights cross unchanged in both directions.

Mapping, NIR -> snnas:
    Input -> Input; LIF, CubaLIF, IF, LI, CubaLI, and an I node feeding a Threshold node (an IF neuron) ->
    Population; Output marks its source population as an output. Every path between two of those
    through Affine, Linear, Conv1d, Conv2d, SumPool2d, AvgPool2d, Scale, Flatten, Delay and identity
    nodes becomes one projection: a path with one weight node its Dense, Conv or Pool (Scale folds into
    it), a path with several (SumPool2d -> Conv2d, AvgPool2d -> Flatten -> Affine) a :class:`Chain` of them,
    composed exactly. Neuron parameters given as 0-d arrays take the population's size from the weight
    node next to them. Writing: :mod:`snnas.ir.nir_export`.

What NIR cannot hold (subtractive reset, refractory periods, exact sparse synapse lists) travels in
node metadata under ``snnas.*`` keys, which other tools ignore.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import numpy as np

from snnas.errors import NIRError, SnnasError
from snnas.ir.connectivity import conv_output_shape
from snnas.ir.network import (
    Chain,
    Conv,
    Dense,
    Input,
    Network,
    Pool,
    Population,
    Projection,
    Sparse,
    Stage,
    stage_output,
)
from snnas.ir.neurons import (
    CubaLIFParameters,
    CubaLIParameters,
    IFParameters,
    LIFParameters,
    LIParameters,
    NeuronParameters,
)
from snnas.ir.nir_export import _nir, to_nir, write_nir
from snnas.ir.semantics import SEMANTICS, Semantics

__all__ = ["from_nir", "read_nir", "to_nir", "write_nir"]

_NEURONS = ("LIF", "CubaLIF", "IF", "LI", "CubaLI")
_WEIGHTS = ("Affine", "Linear", "Conv1d", "Conv2d", "SumPool2d", "AvgPool2d")
_PASS = ("Flatten", "Identity", "Scale", "Delay")
_SUPPORTED = ("Input", "Output", *_NEURONS, "I", "Threshold", *_WEIGHTS, *_PASS)

# --- import -------------------------------------------------------------------------------------


def _kind(node: Any) -> str:
    return type(node).__name__


def _flatten_graph(graph: Any, prefix: str = "") -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Inline nested NIRGraphs; their own Input/Output nodes become identity pass-throughs."""
    nodes: dict[str, Any] = {}
    edges: list[tuple[str, str]] = []
    entry: dict[str, list[str]] = {}
    exit_: dict[str, list[str]] = {}
    for name, node in graph.nodes.items():
        full = f"{prefix}{name}"
        if _kind(node) == "NIRGraph":
            sub_nodes, sub_edges = _flatten_graph(node, prefix=f"{full}.")
            for sname, snode in sub_nodes.items():
                nodes[sname] = ("Identity", snode) if _kind(snode) in ("Input", "Output") else snode
            edges.extend(sub_edges)
            entry[full] = [f"{full}.{n}" for n, v in node.nodes.items() if _kind(v) == "Input"]
            exit_[full] = [f"{full}.{n}" for n, v in node.nodes.items() if _kind(v) == "Output"]
        else:
            nodes[full] = node
    for a, b in graph.edges:
        a_full, b_full = f"{prefix}{a}", f"{prefix}{b}"
        srcs = exit_.get(a_full, [a_full])
        dsts = entry.get(b_full, [b_full])
        edges.extend((s, d) for s in srcs for d in dsts)
    return nodes, edges


def _arr(node: Any, field: str) -> np.ndarray:
    return np.asarray(getattr(node, field), dtype=np.float64)


def _param(a: np.ndarray) -> Any:
    """A uniform array becomes a scalar; otherwise the flattened per-neuron array."""
    flat = a.ravel()
    return float(flat[0]) if flat.size and np.all(flat == flat[0]) else flat


def _shape_of(node: Any, fields: tuple[str, ...]) -> tuple[int, ...]:
    for f in fields:
        a = np.asarray(getattr(node, f))
        if a.ndim >= 1:
            return tuple(int(x) for x in a.shape)
    t = node.input_type.get("input") if isinstance(getattr(node, "input_type", None), dict) else None
    return tuple(int(x) for x in np.asarray(t).ravel()) if t is not None else (1,)


def _scalar_only(node: Any, threshold: Any | None) -> bool:
    """True when every parameter of a neuron node is 0-d (one value for a population of unstated size)."""
    arrays = [np.asarray(v) for k, v in vars(node).items() if k not in ("metadata", "input_type", "output_type")
              and isinstance(v, (np.ndarray, float, int))]
    if threshold is not None:
        arrays.append(np.asarray(threshold.threshold))
    return bool(arrays) and all(a.ndim == 0 for a in arrays)


def _shape_hint(name: str, nodes: dict[str, Any], succ: dict[str, list[str]],
                pred: dict[str, list[str]]) -> tuple[int, ...] | None:
    """The shape of a neuron node from the nearest weight node before it (its output) or after it (its input),
    through pass-through nodes; None when neither says."""
    def walk(start: str, links: dict[str, list[str]]) -> Any:
        stack, seen = list(links.get(start, [])), set()
        while stack:
            m = stack.pop(0)
            if m in seen:
                continue
            seen.add(m)
            k = _op_kind(nodes[m])
            if k in _WEIGHTS:
                return nodes[m]
            if k in _PASS and k != "Flatten":
                stack.extend(links.get(m, []))
        return None

    before, after = walk(name, pred), walk(name, succ)
    if before is not None and _kind(before) in ("Affine", "Linear"):
        return (int(np.asarray(before.weight).shape[0]),)
    conv = before is not None and _kind(before) in ("Conv1d", "Conv2d")
    if conv and getattr(before, "input_shape", None) is not None:
        w = np.asarray(before.weight)
        nd = w.ndim - 2
        try:
            spatial = conv_output_shape(_ints(before.input_shape, nd), tuple(w.shape[2:]), _ints(before.stride, nd),
                                        _ints(before.padding, nd), _ints(before.dilation, nd))
        except (NIRError, TypeError, ValueError):
            return None
        return (int(w.shape[0]), *spatial)
    if after is not None and _kind(after) in ("Affine", "Linear"):
        return (int(np.asarray(after.weight).shape[1]),)
    return None


def _population(name: str, node: Any, threshold: Any | None = None, hint: tuple[int, ...] | None = None) -> Population:
    kind = _kind(node)
    meta = dict(getattr(node, "metadata", {}) or {})
    reset = str(meta.get("snnas.reset", "value"))
    t_ref = _param(np.asarray(meta["snnas.t_ref"], dtype=np.float64)) if "snnas.t_ref" in meta else 0.0
    params: NeuronParameters
    if kind == "LIF":
        shape = _shape_of(node, ("tau", "v_threshold"))
        params = LIFParameters(tau_m=_param(_arr(node, "tau")), v_th=_param(_arr(node, "v_threshold")),
                               v_leak=_param(_arr(node, "v_leak")), v_reset=_param(_arr(node, "v_reset")),
                               r=_param(_arr(node, "r")), t_ref=t_ref, reset=reset)  # type: ignore[arg-type]
    elif kind == "CubaLIF":
        shape = _shape_of(node, ("tau_mem", "v_threshold"))
        params = CubaLIFParameters(tau_m=_param(_arr(node, "tau_mem")), tau_syn=_param(_arr(node, "tau_syn")),
                                   v_th=_param(_arr(node, "v_threshold")), v_leak=_param(_arr(node, "v_leak")),
                                   v_reset=_param(_arr(node, "v_reset")), r=_param(_arr(node, "r")),
                                   w_in=_param(_arr(node, "w_in")), t_ref=t_ref, reset=reset)  # type: ignore[arg-type]
    elif kind == "IF":
        shape = _shape_of(node, ("r", "v_threshold"))
        params = IFParameters(v_th=_param(_arr(node, "v_threshold")), v_reset=_param(_arr(node, "v_reset")),
                              r=_param(_arr(node, "r")), t_ref=t_ref, reset=reset)  # type: ignore[arg-type]
    elif kind == "LI":
        shape = _shape_of(node, ("tau",))
        params = LIParameters(tau_m=_param(_arr(node, "tau")), r=_param(_arr(node, "r")),
                              v_leak=_param(_arr(node, "v_leak")))
    elif kind == "CubaLI":
        shape = _shape_of(node, ("tau_mem", "tau_syn"))
        params = CubaLIParameters(tau_m=_param(_arr(node, "tau_mem")), tau_syn=_param(_arr(node, "tau_syn")),
                                  v_leak=_param(_arr(node, "v_leak")), r=_param(_arr(node, "r")),
                                  w_in=_param(_arr(node, "w_in")))
    else:  # an I node feeding a Threshold node: integrate-and-fire, reset to 0
        shape = _shape_of(node, ("r",))
        params = IFParameters(v_th=_param(_arr(threshold, "threshold")), v_reset=0.0, r=_param(_arr(node, "r")))
    if "snnas.shape" in meta:
        shape = tuple(int(x) for x in np.asarray(meta["snnas.shape"]).ravel())
    elif _scalar_only(node, threshold):  # 0-d parameters: the size comes from the weights around the node
        if hint is None:
            raise NIRError(f"node {name!r} of type {kind}: every parameter is 0-d and no Affine, Linear or Conv node "
                           "next to it gives the population's size")
        shape = hint
    elif len(shape) > 1 and shape[0] == 1:  # NIR exporters sometimes keep a batch axis
        shape = shape[1:]
    return Population(name, shape, params)


def _paths(start: str, succ: dict[str, list[str]], nodes: dict[str, Any], ends: set[str]) -> Iterator[list[str]]:
    """Every path from ``start`` through pass-through and weight nodes to a node in ``ends``."""
    stack: list[tuple[str, list[str]]] = [(n, []) for n in succ.get(start, [])]
    while stack:
        name, path = stack.pop()
        if name in ends:
            yield [*path, name]
            continue
        if name in path or len(path) > 64:
            raise NIRError(f"node {name!r}: a cycle without a neuron node in it cannot be a projection")
        stack.extend((n, [*path, name]) for n in succ.get(name, []))


def _op_kind(node: Any) -> str:
    return node[0] if isinstance(node, tuple) else _kind(node)


def _projection(src: str, dst: str, ops: list[tuple[str, Any]], net_nodes: dict[str, Input | Population],
                dt: float) -> Projection:
    where = f"NIR path {src} -> {' -> '.join(n for n, _ in ops)} -> {dst}"
    weights = [(i, n, node) for i, (n, node) in enumerate(ops) if _op_kind(node) in _WEIGHTS]
    if len(weights) > 1:
        return _chain(src, dst, ops, [i for i, _, _ in weights], net_nodes, dt, where)
    src_size, dst_size = net_nodes[src].size, net_nodes[dst].size
    row_scale = np.ones(dst_size)
    col_scale = np.ones(src_size)
    delay = np.zeros(dst_size)
    w_index = weights[0][0] if weights else len(ops)
    for i, (name, node) in enumerate(ops):
        k = _op_kind(node)
        if k == "Scale":
            s = np.asarray(node.scale, dtype=np.float64).ravel()
            size = dst_size if i > w_index else src_size
            if s.size not in (1, size):
                raise NIRError(f"{where}: Scale node {name!r} has {s.size} entries, expected {size}")
            if i > w_index:
                row_scale = row_scale * s
            else:
                col_scale = col_scale * s
        elif k == "Delay":
            d = np.asarray(node.delay, dtype=np.float64).ravel()
            if i < w_index and d.size > 1 and not np.all(d == d[0]):
                raise NIRError(f"{where}: Delay node {name!r} varies per source neuron; only per-target delays map")
            delay = delay + (d if d.size == dst_size else d[0])
    steps = delay / dt
    if np.any(np.abs(steps - np.rint(steps)) > 1e-6) or np.any(steps < 0):
        raise NIRError(f"{where}: delay {delay.max():g} s is not a whole number of steps of dt = {dt:g} s")
    steps_i = np.rint(steps).astype(np.int64)
    if not weights:  # neuron -> neuron directly: one-to-one synapses
        if src_size != dst_size:
            raise NIRError(f"{where}: one-to-one connection between {src_size} and {dst_size} neurons")
        idx = np.arange(src_size)
        return Sparse(src, dst, idx, idx, row_scale * col_scale, steps_i)
    _, wname, node = weights[0]
    k = _kind(node)
    meta = dict(getattr(node, "metadata", {}) or {})
    uniform = int(steps_i[0]) if np.all(steps_i == steps_i[0]) else None
    scaled = not (np.all(row_scale == 1) and np.all(col_scale == 1))
    if k in ("Affine", "Linear"):
        w = np.asarray(node.weight, dtype=np.float64)
        if w.shape != (dst_size, src_size):
            raise NIRError(f"{where}: {k} node {wname!r} has weight shape {w.shape}, expected ({dst_size}, {src_size})")
        bias = np.asarray(node.bias, dtype=np.float64).ravel() * row_scale if k == "Affine" else None
        if "snnas.pre" in meta and not scaled:
            pre, post = np.asarray(meta["snnas.pre"]), np.asarray(meta["snnas.post"])
            return Sparse(src, dst, pre, post, np.asarray(meta["snnas.weight"]),
                          uniform if uniform is not None else steps_i[post])
        w = w * row_scale[:, None] * col_scale[None, :]
        if uniform is None:
            post, pre = np.nonzero(np.ones_like(w, dtype=bool))
            if bias is not None and np.any(bias):
                raise NIRError(f"{where}: per-target delays with a bias are not supported")
            return Sparse(src, dst, pre, post, w[post, pre], steps_i[post])
        return Dense(src, dst, w, bias=bias, delay=uniform)
    if uniform is None:
        raise NIRError(f"{where}: per-neuron delays after {k} node {wname!r} are not supported")
    if scaled and not (np.all(col_scale == 1) and np.all(row_scale == row_scale[0])):
        raise NIRError(f"{where}: a per-neuron Scale around {k} node {wname!r} cannot fold into a shared kernel")
    gain = float(row_scale[0])
    if k in ("Conv1d", "Conv2d"):
        w = np.asarray(node.weight, dtype=np.float64) * gain
        nd = w.ndim - 2
        pad = node.padding
        if isinstance(pad, (str, bytes)):
            pad = pad.decode() if isinstance(pad, bytes) else pad
            if pad == "valid":
                pad = 0
            else:
                eff = [int(np.ravel(node.dilation)[min(a, np.size(node.dilation) - 1)]) * (w.shape[2 + a] - 1)
                       for a in range(nd)]
                if any(e % 2 for e in eff) or np.any(np.asarray(node.stride) != 1):
                    raise NIRError(f"{where}: padding 'same' of {k} node {wname!r} needs stride 1 and odd kernels")
                pad = tuple(e // 2 for e in eff)
        has_bias = bool(meta.get("snnas.bias", True))
        bias = np.asarray(node.bias, dtype=np.float64).ravel() * gain if has_bias else None
        return Conv(src, dst, w, stride=_ints(node.stride, nd), padding=_ints(pad, nd),
                    dilation=_ints(node.dilation, nd), groups=int(node.groups), bias=bias, delay=uniform)
    if gain != 1.0 and k == "SumPool2d":
        raise NIRError(f"{where}: a Scale around SumPool2d node {wname!r} is not a sum or average pool")
    kind = "sum" if k == "SumPool2d" else "avg"
    return Pool(src, dst, kind, _ints(node.kernel_size, 2), stride=_ints(node.stride, 2),  # type: ignore[arg-type]
                padding=_ints(node.padding, 2), delay=uniform)


def _chain(src: str, dst: str, ops: list[tuple[str, Any]], at: list[int], net_nodes: dict[str, Input | Population],
           dt: float, where: str) -> Chain:
    """Several weight nodes in a row (e.g. SumPool2d -> Conv2d, AvgPool2d -> Flatten -> Affine): one
    :class:`Chain` whose stages are the weight nodes, each with the pass-through nodes after it (the first
    also with those before it); the intermediate maps take the weight nodes' names."""
    stages: list[Stage] = []
    delay = 0
    nodes: dict[str, Input | Population] = dict(net_nodes)
    head, shape = src, net_nodes[src].shape
    for k, w in enumerate(at):
        last = k == len(at) - 1
        seg = ops[(at[k - 1] + 1 if k else 0):(len(ops) if last else w + 1)]
        mid = dst if last else ops[w][0]
        if not last:
            node = ops[w][1]
            if _op_kind(node) in ("Affine", "Linear"):
                out: tuple[int, ...] = (int(np.asarray(node.weight).shape[0]),)
            else:  # a conv or pool map's shape follows from its input: build the stage once to find it
                nodes[mid] = Input(mid, (1,))
                try:
                    out = stage_output(cast(Stage, _projection(head, mid, seg, nodes, dt)), where, shape, None)
                except SnnasError as exc:
                    raise NIRError(f"{where}: {exc}") from None
            nodes[mid] = Input(mid, out)
        st = _projection(head, mid, seg, nodes, dt)
        if isinstance(st, (Sparse, Chain)):
            raise NIRError(f"{where}: per-neuron delays or sparse synapses inside a chain of weight nodes are not "
                           "supported")
        delay += st.delay
        stages.append(replace(st, delay=0))
        head, shape = mid, nodes[mid].shape
    try:
        return Chain(src, dst, tuple(stages), delay=delay)
    except SnnasError as exc:
        raise NIRError(f"{where}: {exc}") from None


def _ints(value: Any, n: int) -> tuple[int, ...]:
    a = np.asarray(value).ravel()
    vals = [int(a[0])] * n if a.size == 1 else [int(x) for x in a]
    if len(vals) != n:
        raise NIRError(f"expected {n} integer(s), got {value!r}")
    return tuple(vals)


def _semantics(meta: dict[str, Any], semantics: str | Semantics | None) -> Semantics | None:
    """The step rule the network follows: the one asked for, else the one snnas wrote into the file, else
    snnas' own for a file snnas wrote without one; None when the file does not say (other frameworks'
    exporters write nothing of it: name it with ``semantics=``)."""
    if semantics is not None:
        return Semantics.get(semantics)
    if "snnas.semantics" in meta:
        raw = meta["snnas.semantics"]
        try:
            fields = json.loads(raw.decode() if isinstance(raw, bytes) else str(raw))
            return Semantics(**fields)
        except (ValueError, TypeError, SnnasError) as exc:
            raise NIRError(f"metadata snnas.semantics: not a step rule snnas reads ({exc})") from None
    return SEMANTICS["snnas"] if "snnas.dt" in meta else None


def from_nir(graph: Any, dt: float, name: str | None = None, semantics: str | Semantics | None = None) -> Network:
    """Read a NIR graph (or a path to a NIR file) as a snnas network simulated with step ``dt`` seconds.

    ``semantics`` names the step rule of the framework the graph comes from (a preset of
    :data:`snnas.ir.semantics.SEMANTICS` or a :class:`~snnas.ir.semantics.Semantics`); it is kept in
    ``metadata["semantics"]``, where :func:`snnas.sim.layered.simulate_semantics` finds it. Without it, a file
    snnas wrote gives its own; a file from another framework gives none (NIR does not say).

    Raises:
        NIRError: a node type that does not map (the message names the node and its type), or a
            composition of nodes that has no snnas equivalent.
    """
    if isinstance(graph, (str, os.PathLike)):
        return read_nir(graph, dt, name, semantics=semantics)
    if not isinstance(dt, (int, float)) or not np.isfinite(dt) or dt <= 0:
        raise NIRError(f"dt must be a positive number of seconds, got {dt!r}")
    nodes, edges = _flatten_graph(graph)
    for n, node in nodes.items():
        k = _op_kind(node)
        if k not in _SUPPORTED:
            raise NIRError(f"node {n!r} of type {k} has no snnas equivalent (supported: {', '.join(_SUPPORTED)})")
    succ: dict[str, list[str]] = {}
    pred: dict[str, list[str]] = {}
    for a, b in edges:
        if a not in nodes or b not in nodes:
            raise NIRError(f"edge {a!r} -> {b!r} names a node the graph does not have")
        succ.setdefault(a, []).append(b)
        pred.setdefault(b, []).append(a)
    net_nodes: dict[str, Input | Population] = {}
    thresholds: dict[str, str] = {}  # Threshold node -> the I node it completes
    for n, node in nodes.items():
        k = _op_kind(node)
        if k == "Input":
            shape = tuple(int(x) for x in np.asarray(node.input_type["input"]).ravel())
            net_nodes[n] = Input(n, shape)
        elif k in _NEURONS:
            net_nodes[n] = _population(n, node, hint=_shape_hint(n, nodes, succ, pred))
        elif k == "I":
            nxt = succ.get(n, [])
            if len(nxt) != 1 or _op_kind(nodes[nxt[0]]) != "Threshold":
                raise NIRError(f"node {n!r} of type I maps only when it feeds one Threshold node (together an IF "
                               "neuron)")
            net_nodes[n] = _population(n, node, threshold=nodes[nxt[0]], hint=_shape_hint(n, nodes, succ, pred))
            thresholds[nxt[0]] = n
        elif k == "Threshold" and not any(_op_kind(nodes[p]) == "I" for p in pred.get(n, [])):
            raise NIRError(f"node {n!r} of type Threshold maps only after an I node (together an IF neuron)")
    # A Threshold node continues its I node: its successors are the population's successors.
    for t, i_node in thresholds.items():
        succ[i_node] = succ.get(t, [])
    ends = set(net_nodes)
    projections: list[tuple[str, Projection]] = []  # (name of its weight node, projection)
    outputs: list[str] = []
    for start in net_nodes:
        for path in _paths(start, succ, nodes, ends | {n for n, v in nodes.items() if _op_kind(v) == "Output"}):
            end = path[-1]
            if end not in net_nodes:  # an Output node
                if isinstance(net_nodes[start], Population) and start not in outputs:
                    outputs.append(start)
                continue
            if isinstance(net_nodes[end], Input):
                raise NIRError(f"edge into Input node {end!r}: inputs receive no synapses")
            ops = [(n, nodes[n]) for n in path[:-1]]
            weight_node = next((n for n, v in ops if _op_kind(v) in _WEIGHTS), path[0])
            projections.append((weight_node, _projection(start, end, ops, net_nodes, float(dt))))
    meta = dict(getattr(graph, "metadata", {}) or {})
    label = name or str(meta.get("snnas.name", "nir_network"))
    order = _node_order(net_nodes, succ, _names(meta.get("snnas.order")))
    saved = _names(meta.get("snnas.projections"))
    rank = {n: i for i, n in enumerate(saved)}
    projections.sort(key=lambda wp: rank.get(wp[0], len(rank)))  # stable: file order otherwise
    rule = _semantics(meta, semantics)  # a bad name raises SemanticsError, naming the presets
    try:
        user_meta = {k: v for k, v in meta.items() if not str(k).startswith("snnas.")}
        if rule is not None:
            user_meta["semantics"] = rule
        return Network(tuple(net_nodes[n] for n in order), tuple(p for _, p in projections), tuple(outputs),
                       dt=float(dt), name=label, metadata=user_meta)
    except SnnasError as exc:
        raise NIRError(f"the NIR graph does not form a valid network: {exc}") from exc


def _names(value: Any) -> list[str]:
    """A list of names from metadata (HDF5 returns them as bytes)."""
    if value is None:
        return []
    return [x.decode() if isinstance(x, bytes) else str(x) for x in np.asarray(value).ravel()]


def _node_order(net_nodes: dict[str, Input | Population], succ: dict[str, list[str]],
                saved: list[str]) -> list[str]:
    """The order snnas wrote (when present), else inputs first, then breadth-first from them."""
    if sorted(saved) == sorted(net_nodes):
        return saved
    order = [n for n, v in net_nodes.items() if isinstance(v, Input)]
    queue = list(order)
    while queue:
        frontier = []
        for n in queue:
            stack = list(succ.get(n, []))
            seen: set[str] = set()
            while stack:  # walk through weight and pass-through nodes to the next neurons
                m = stack.pop(0)
                if m in seen:
                    continue
                seen.add(m)
                if m in net_nodes:
                    if m not in order:
                        order.append(m)
                        frontier.append(m)
                else:
                    stack.extend(succ.get(m, []))
        queue = frontier
    return order + [n for n in net_nodes if n not in order]


def read_nir(path: str | os.PathLike[str], dt: float, name: str | None = None,
             semantics: str | Semantics | None = None) -> Network:
    """Read a NIR file (HDF5) as a network; see :func:`from_nir`."""
    nir, p = _nir(), Path(path)
    if not p.is_file():
        raise NIRError(f"no NIR file at {str(p)!r}")
    try:
        # snnas checks every shape itself; NIR's type inference rejects legal mixes of 1-D and N-D nodes.
        graph = nir.read(p, type_check=False)
    except Exception as exc:  # h5py and nir raise many kinds on a malformed file
        raise NIRError(f"{p}: not a readable NIR file ({type(exc).__name__}: {exc})") from None
    try:
        return from_nir(graph, dt, name or p.stem, semantics=semantics)
    except NIRError as exc:
        raise NIRError(f"{p}: {exc}") from None
