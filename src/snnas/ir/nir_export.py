"""NIR export: any snnas network as a NIR graph (see :mod:`snnas.ir.nir` for the mapping both ways).

A chain is written stage by stage (e.g. ``SumPool2d -> Conv2d``), a Dense stage or projection reading a
multi-axis map behind a ``Flatten`` node; what NIR cannot hold travels in ``snnas.*`` metadata. With a
``target``, the graph is rewritten for that framework's own importer (:mod:`snnas.ir.nir_targets`).
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any, cast

import numpy as np

from snnas.errors import NIRError
from snnas.ir.network import Chain, Conv, Dense, Input, Network, Population, Projection, Sparse
from snnas.ir.neurons import CubaLIFParameters, CubaLIParameters, IFParameters, LIFParameters, LIParameters
from snnas.ir.nir_targets import check_target, retarget, strip_for_reader

__all__ = ["to_nir", "write_nir"]


def _nir() -> Any:
    try:
        import nir
    except ImportError as exc:  # pragma: no cover - nir is a dependency
        raise NIRError("the 'nir' package is needed for NIR files: pip install nir") from exc
    return nir


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
    elif isinstance(p, CubaLIParameters):
        node = nir.CubaLI(tau_syn=_full(p.tau_syn, s), tau_mem=_full(p.tau_m, s), r=_full(p.r, s),
                          v_leak=_full(p.v_leak, s), w_in=_full(p.w_in, s))
    else:
        raise NIRError(f"population {pop.name!r}: neuron model {p.model!r} has no NIR primitive")
    node.metadata = meta
    return node


def _weight_node(proj: Projection, src_shape: tuple[int, ...], dst_shape: tuple[int, ...]) -> Any:
    """The NIR weight node of a single (non-chain) projection from a map of ``src_shape`` to ``dst_shape``."""
    nir = _nir()
    src_size, dst_size = int(np.prod(src_shape)), int(np.prod(dst_shape))
    where = f"projection {proj.source}->{proj.target}"
    if isinstance(proj, Chain):
        raise NIRError(f"{where}: a chain is written stage by stage")
    if isinstance(proj, Dense):
        if proj.bias is None:
            return nir.Linear(weight=np.array(proj.weight))
        return nir.Affine(weight=np.array(proj.weight), bias=np.array(proj.bias))
    if isinstance(proj, Sparse):
        w = np.zeros((dst_size, src_size))
        np.add.at(w, (proj.post, proj.pre), proj.weight)
        node = nir.Linear(weight=w)
        node.metadata = {"snnas.pre": np.array(proj.pre), "snnas.post": np.array(proj.post),
                         "snnas.weight": np.array(proj.weight)}
        return node
    if isinstance(proj, Conv):
        spatial = src_shape[1:]
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


def to_nir(net: Network, target: str | None = None) -> Any:
    """The network as a ``nir.NIRGraph`` (delays in seconds, from ``net.dt``).

    ``target`` (``"snntorch"``, ``"norse"`` or ``"sinabs"``): written in what that framework's own NIR
    importer reads as snnas' dynamics (the rules are in :mod:`snnas.ir.nir_targets`); None: NIR's
    continuous-time meaning, which :func:`snnas.ir.read_nir` reads back exactly.

    Raises:
        NIRTargetError: an unknown target, or a network the target's importer cannot run as snnas does.
    """
    check_target(target)
    nir = _nir()
    nodes: dict[str, Any] = {}
    edges: list[tuple[str, str]] = []
    for n in net.nodes:
        if isinstance(n, Input):
            nodes[n.name] = nir.Input(input_type={"input": np.array(n.shape)})
        else:
            fed_flat = any(isinstance(p.stages[-1] if isinstance(p, Chain) else p, (Dense, Sparse))
                           and p.target == n.name for p in net.projections)
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
        head = proj.source
        if isinstance(proj, Chain):
            shapes = net.stage_shapes(proj)
            steps: list[tuple[Projection, tuple[int, ...], tuple[int, ...]]] = [
                (st, shapes[i], shapes[i + 1]) for i, st in enumerate(proj.stages)]
        else:
            steps = [(proj, net.node(proj.source).shape, net.node(proj.target).shape)]
        for i, (st, in_shape, out_shape) in enumerate(steps):
            if isinstance(st, (Dense, Sparse)) and len(in_shape) > 1:
                flat = fresh(f"{st.source}_flatten")
                nodes[flat] = nir.Flatten(input_type={"input": np.array(in_shape)}, start_dim=0, end_dim=-1)
                edges.append((head, flat))
                head = flat
            w = fresh(f"{proj.source}_to_{proj.target}" + ("" if i == len(steps) - 1 else f"_stage{i}"))
            if i == 0:
                order.append(w)  # a projection is known by its first weight node
            nodes[w] = _weight_node(st, in_shape, out_shape)
            edges.append((head, w))
            head = w
        delays = _delays_per_target(net, proj)
        if delays is not None:
            d = fresh(f"{w}_delay")
            last = proj.stages[-1] if isinstance(proj, Chain) else proj
            shape = (delays.size,) if isinstance(last, (Dense, Sparse)) else net.node(proj.target).shape
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
    rule = net.metadata.get("semantics")
    if rule is not None:  # the step rule the network follows (read_nir's semantics=), read back as it was
        meta["snnas.semantics"] = json.dumps(dataclasses.asdict(rule))
    try:
        graph = nir.NIRGraph(nodes=nodes, edges=edges, metadata=meta, type_check=False)
    except (ValueError, TypeError, AssertionError) as exc:
        raise NIRError(f"network {net.name!r}: NIR refused the graph: {exc}") from exc
    return graph if target is None else retarget(graph, net, target)


def write_nir(net: Network, path: str | os.PathLike[str], target: str | None = None) -> Path:
    """Write ``net`` as a NIR (HDF5) file, for ``target``'s importer when given (see :func:`to_nir`)."""
    graph = to_nir(net, target)
    nir, p = _nir(), Path(path)
    try:
        nir.write(p, graph)
        strip_for_reader(p, target)
    except OSError as exc:
        raise NIRError(f"cannot write NIR file {p}: {exc}") from exc
    return p
