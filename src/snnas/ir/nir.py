"""NIR exchange: write any snnas network as a NIR graph, read NIR graphs made by other frameworks.

NIR (Pedersen et al., Nat. Commun. 15:8122, 2024) is continuous-time and has no time step, so reading
takes ``dt`` explicitly: it turns ``Delay`` nodes (seconds) into synaptic delays in steps and is the
step the network is later simulated with. The snnas IR uses NIR's own parameterisation (time constants,
``r``, ``v_leak``, weights into ``r·I``), so parameters and weights cross unchanged in both directions.

Mapping, NIR -> snnas:
    Input -> Input; LIF, CubaLIF, IF, LI, and an I node feeding a Threshold node (an IF neuron) ->
    Population; Output marks its source population as an output. Every path between two of those
    through Affine, Linear, Conv1d, Conv2d, SumPool2d, AvgPool2d, Scale, Flatten, Delay and identity
    nodes becomes one projection (at most one weight-bearing node per path; Scale folds into it).

What NIR cannot hold (subtractive reset, refractory periods, exact sparse synapse lists) travels in
node metadata under ``snnas.*`` keys, which other tools ignore.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import numpy as np

from snnas.errors import NIRError, SnnasError
from snnas.ir.network import Conv, Dense, Input, Network, Pool, Population, Projection, Sparse
from snnas.ir.neurons import CubaLIFParameters, IFParameters, LIFParameters, LIParameters, NeuronParameters

__all__ = ["from_nir", "read_nir", "to_nir", "write_nir"]

_NEURONS = ("LIF", "CubaLIF", "IF", "LI")
_WEIGHTS = ("Affine", "Linear", "Conv1d", "Conv2d", "SumPool2d", "AvgPool2d")
_PASS = ("Flatten", "Identity", "Scale", "Delay")
_SUPPORTED = ("Input", "Output", *_NEURONS, "I", "Threshold", *_WEIGHTS, *_PASS)


def _nir() -> Any:
    try:
        import nir
    except ImportError as exc:  # pragma: no cover - nir is a dependency
        raise NIRError("the 'nir' package is needed for NIR files: pip install nir") from exc
    return nir


# --- export -------------------------------------------------------------------------------------


def _full(value: Any, shape: tuple[int, ...]) -> np.ndarray:
    return np.copy(np.broadcast_to(np.asarray(value, dtype=np.float64), (int(np.prod(shape)),)).reshape(shape))


def _neuron_node(pop: Population, flat: bool) -> Any:
    """NIR neuron node; ``flat`` when dense or sparse projections feed it (NIR's Linear outputs are 1-D)."""
    nir, p = _nir(), pop.neuron
    s = (pop.size,) if flat else pop.shape
    meta: dict[str, Any] = {}
    if s != pop.shape:
        meta["snnas.shape"] = np.array(pop.shape)
    if getattr(p, "reset", "value") == "subtract":
        meta["snnas.reset"] = "subtract"
    t_ref = getattr(p, "t_ref", 0.0)
    if np.any(np.asarray(t_ref) != 0):
        meta["snnas.t_ref"] = _full(t_ref, s)
    if isinstance(p, LIFParameters):
        node = nir.LIF(tau=_full(p.tau_m, s), r=_full(p.r, s), v_leak=_full(p.v_leak, s),
                       v_threshold=_full(p.v_th, s), v_reset=_full(p.v_reset, s))
    elif isinstance(p, CubaLIFParameters):
        node = nir.CubaLIF(tau_syn=_full(p.tau_syn, s), tau_mem=_full(p.tau_m, s), r=_full(p.r, s),
                           v_leak=_full(p.v_leak, s), v_threshold=_full(p.v_th, s), v_reset=_full(p.v_reset, s),
                           w_in=_full(p.w_in, s))
    elif isinstance(p, IFParameters):
        node = nir.IF(r=_full(p.r, s), v_threshold=_full(p.v_th, s), v_reset=_full(p.v_reset, s))
    elif isinstance(p, LIParameters):
        node = nir.LI(tau=_full(p.tau_m, s), r=_full(p.r, s), v_leak=_full(p.v_leak, s))
    else:
        raise NIRError(f"population {pop.name!r}: neuron model {p.model!r} has no NIR primitive")
    node.metadata = meta
    return node


def _weight_node(net: Network, proj: Projection) -> Any:
    nir = _nir()
    src, dst = net.node(proj.source), net.node(proj.target)
    where = f"projection {proj.source}->{proj.target}"
    if isinstance(proj, Dense):
        if proj.bias is None:
            return nir.Linear(weight=np.array(proj.weight))
        return nir.Affine(weight=np.array(proj.weight), bias=np.array(proj.bias))
    if isinstance(proj, Sparse):
        w = np.zeros((dst.size, src.size))
        np.add.at(w, (proj.post, proj.pre), proj.weight)
        node = nir.Linear(weight=w)
        node.metadata = {"snnas.pre": np.array(proj.pre), "snnas.post": np.array(proj.post),
                         "snnas.weight": np.array(proj.weight)}
        return node
    if isinstance(proj, Conv):
        spatial = src.shape[1:]
        bias = np.zeros(proj.weight.shape[0]) if proj.bias is None else np.array(proj.bias)
        stride, padding, dilation = (cast(tuple[int, ...], v) for v in (proj.stride, proj.padding, proj.dilation))
        if len(spatial) == 1:
            node = nir.Conv1d(input_shape=spatial[0], weight=np.array(proj.weight), stride=stride[0],
                              padding=padding[0], dilation=dilation[0], groups=proj.groups, bias=bias)
        else:
            node = nir.Conv2d(input_shape=tuple(spatial), weight=np.array(proj.weight), stride=stride,
                              padding=padding, dilation=dilation, groups=proj.groups, bias=bias)
        node.metadata = {"snnas.bias": proj.bias is not None}
        return node
    kernel = np.atleast_1d(np.asarray(proj.kernel))
    if kernel.size != 2:
        raise NIRError(f"{where}: NIR has no 1-D pooling primitive (only SumPool2d and AvgPool2d)")
    cls = nir.SumPool2d if proj.kind == "sum" else nir.AvgPool2d
    return cls(kernel_size=kernel, stride=np.array(proj.stride), padding=np.array(proj.padding))


def _delays_per_target(net: Network, proj: Projection) -> np.ndarray | None:
    """Delay in steps of each target neuron, or None when the projection has no delay."""
    dst = net.node(proj.target)
    if isinstance(proj, Sparse) and isinstance(proj.delay, np.ndarray):
        per = np.zeros(dst.size, dtype=np.int64)
        seen = np.full(dst.size, -1, dtype=np.int64)
        for post, d in zip(proj.post.tolist(), proj.delay.tolist()):
            if seen[post] not in (-1, d):
                raise NIRError(f"projection {proj.source}->{proj.target}: synapses into target neuron {post} have "
                               f"different delays ({seen[post]} and {d} steps); NIR delays are per target")
            seen[post] = d
            per[post] = d
        return per if per.any() else None
    return np.full(dst.size, proj.delay) if proj.delay else None


def to_nir(net: Network) -> Any:
    """The network as a ``nir.NIRGraph`` (delays in seconds, from ``net.dt``)."""
    nir = _nir()
    nodes: dict[str, Any] = {}
    edges: list[tuple[str, str]] = []
    for n in net.nodes:
        if isinstance(n, Input):
            nodes[n.name] = nir.Input(input_type={"input": np.array(n.shape)})
        else:
            fed_flat = any(isinstance(p, (Dense, Sparse)) and p.target == n.name for p in net.projections)
            nodes[n.name] = _neuron_node(n, flat=fed_flat and len(n.shape) > 1)
    used = set(nodes)

    def fresh(base: str) -> str:
        name, k = base, 1
        while name in used:
            k += 1
            name = f"{base}_{k}"
        used.add(name)
        return name

    order: list[str] = []
    for proj in net.projections:
        src = net.node(proj.source)
        head = proj.source
        if isinstance(proj, (Dense, Sparse)) and len(src.shape) > 1:
            flat = fresh(f"{proj.source}_flatten")
            nodes[flat] = nir.Flatten(input_type={"input": np.array(src.shape)}, start_dim=0, end_dim=-1)
            edges.append((head, flat))
            head = flat
        w = fresh(f"{proj.source}_to_{proj.target}")
        order.append(w)
        nodes[w] = _weight_node(net, proj)
        edges.append((head, w))
        head = w
        delays = _delays_per_target(net, proj)
        if delays is not None:
            d = fresh(f"{w}_delay")
            shape = (delays.size,) if isinstance(proj, (Dense, Sparse)) else net.node(proj.target).shape
            nodes[d] = nir.Delay(delay=(delays * net.dt).reshape(shape))
            edges.append((head, d))
            head = d
        edges.append((head, proj.target))
    for out in net.outputs:
        name = fresh("output" if len(net.outputs) == 1 else f"output_{out}")
        nodes[name] = nir.Output(output_type={"output": np.array(net.node(out).shape)})
        edges.append((out, name))
    meta = {"snnas.dt": net.dt, "snnas.name": net.name, "snnas.order": [n.name for n in net.nodes],
            "snnas.projections": order}
    try:
        return nir.NIRGraph(nodes=nodes, edges=edges, metadata=meta, type_check=False)
    except (ValueError, TypeError, AssertionError) as exc:
        raise NIRError(f"network {net.name!r}: NIR refused the graph: {exc}") from exc


def write_nir(net: Network, path: str | os.PathLike[str]) -> Path:
    """Write ``net`` as a NIR (HDF5) file."""
    nir, p = _nir(), Path(path)
    try:
        nir.write(p, to_nir(net))
    except OSError as exc:
        raise NIRError(f"cannot write NIR file {p}: {exc}") from exc
    return p


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


def _population(name: str, node: Any, threshold: Any | None = None) -> Population:
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
    else:  # an I node feeding a Threshold node: integrate-and-fire, reset to 0
        shape = _shape_of(node, ("r",))
        params = IFParameters(v_th=_param(_arr(threshold, "threshold")), v_reset=0.0, r=_param(_arr(node, "r")))
    if "snnas.shape" in meta:
        shape = tuple(int(x) for x in np.asarray(meta["snnas.shape"]).ravel())
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
        names = ", ".join(n for _, n, _ in weights)
        raise NIRError(f"{where}: weight nodes {names} follow each other with no neuron between them")
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


def _ints(value: Any, n: int) -> tuple[int, ...]:
    a = np.asarray(value).ravel()
    vals = [int(a[0])] * n if a.size == 1 else [int(x) for x in a]
    if len(vals) != n:
        raise NIRError(f"expected {n} integer(s), got {value!r}")
    return tuple(vals)


def from_nir(graph: Any, dt: float, name: str | None = None) -> Network:
    """Read a NIR graph (or a path to a NIR file) as a snnas network simulated with step ``dt`` seconds.

    Raises:
        NIRError: a node type that does not map (the message names the node and its type), or a
            composition of nodes that has no snnas equivalent.
    """
    if isinstance(graph, (str, os.PathLike)):
        return read_nir(graph, dt, name)
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
            net_nodes[n] = _population(n, node)
        elif k == "I":
            nxt = succ.get(n, [])
            if len(nxt) != 1 or _op_kind(nodes[nxt[0]]) != "Threshold":
                raise NIRError(f"node {n!r} of type I maps only when it feeds one Threshold node (together an IF "
                               "neuron)")
            net_nodes[n] = _population(n, node, threshold=nodes[nxt[0]])
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
    try:
        user_meta = {k: v for k, v in meta.items() if not str(k).startswith("snnas.")}
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


def read_nir(path: str | os.PathLike[str], dt: float, name: str | None = None) -> Network:
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
        return from_nir(graph, dt, name or p.stem)
    except NIRError as exc:
        raise NIRError(f"{p}: {exc}") from None
