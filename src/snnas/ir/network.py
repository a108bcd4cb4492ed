"""The spiking-network IR: inputs, populations, projections; validated when built.

A :class:`Network` is plain frozen dataclasses over numpy arrays, in NIR's continuous-time terms
(neuron parameters in seconds and volts, weights scaled by each target's ``r``), plus the simulation
step ``dt`` and integer synaptic delays in steps. It converts to a population-level networkx graph and
to the neuron-level CSR the simulators take (:meth:`Network.to_csr`), convolutions expanded exactly.

Neuron indices: nodes are laid out in the order given, each node's neurons in C order of its shape;
node k owns global indices ``offset[k] .. offset[k] + size[k] - 1``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np
from numpy.typing import NDArray

from snnas.errors import NetworkError
from snnas.ir.connectivity import (
    Synapses,
    compose_synapses,
    conv_output_shape,
    conv_synapses,
    dense_synapses,
    pool_synapses,
)
from snnas.ir.neurons import NeuronParameters

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["Chain", "Conv", "Dense", "Input", "Network", "NeuronCSR", "Pool", "Population", "Projection", "Sparse",
           "Stage", "stage_output", "stage_synapses"]


def _shape(value: Any, where: str) -> tuple[int, ...]:
    try:
        shape = tuple(int(v) for v in (value if isinstance(value, Iterable) else (value,)))
    except (TypeError, ValueError):
        raise NetworkError(f"{where}: expected a shape (positive integers), got {value!r}") from None
    if not shape or any(s <= 0 for s in shape):
        raise NetworkError(f"{where}: expected a shape of positive integers, got {value!r}")
    return shape


def _array(value: Any, where: str, ndim: int | None = None, dtype: Any = np.float64) -> NDArray[Any]:
    try:
        arr = np.array(value, dtype=dtype)
    except (TypeError, ValueError, OverflowError):
        raise NetworkError(f"{where}: expected an array of numbers, got {type(value).__name__}") from None
    if ndim is not None and arr.ndim != ndim:
        raise NetworkError(f"{where}: expected {ndim} dimensions, got shape {arr.shape}")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise NetworkError(f"{where}: NaN or infinity at index {tuple(int(b) for b in bad)}")
    arr.setflags(write=False)
    return arr


def _tuple(value: Any, n: int, where: str, lo: int) -> tuple[int, ...]:
    vals = (value,) * n if isinstance(value, (int, np.integer)) else tuple(value)
    if len(vals) != n or any(not isinstance(v, (int, np.integer)) or v < lo for v in vals):
        raise NetworkError(f"{where}: expected {n} integer(s) >= {lo}, got {value!r}")
    return tuple(int(v) for v in vals)


@dataclass(frozen=True, eq=False)
class Input:
    """External spike sources of a given shape (no state; the data drives them)."""

    name: str
    shape: tuple[int, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "shape", _shape(self.shape, f"input {self.name!r}: shape"))

    @property
    def size(self) -> int:
        return math.prod(self.shape)


@dataclass(frozen=True, eq=False)
class Population:
    """Spiking (or integrating) neurons of one model; parameters scalar or one per neuron."""

    name: str
    shape: tuple[int, ...]
    neuron: NeuronParameters

    def __post_init__(self) -> None:
        object.__setattr__(self, "shape", _shape(self.shape, f"population {self.name!r}: shape"))
        if not isinstance(self.neuron, NeuronParameters):
            raise NetworkError(f"population {self.name!r}: neuron must be a NeuronParameters (e.g. LIFParameters), "
                               f"got {type(self.neuron).__name__}")
        self.neuron.check_size(self.size, f"population {self.name!r}")

    @property
    def size(self) -> int:
        return math.prod(self.shape)


Node = Input | Population


@dataclass(frozen=True, eq=False)
class Dense:
    """All-to-all weights ``weight[j, i]`` from source neuron i to target neuron j, plus a bias per target.

    ``source == target`` makes it a recurrent projection.
    """

    source: str
    target: str
    weight: NDArray[np.float64]
    bias: NDArray[np.float64] | None = None
    delay: int = 0  # steps

    def __post_init__(self) -> None:
        where = f"projection {self.source}->{self.target}"
        object.__setattr__(self, "weight", _array(self.weight, f"{where}: weight", ndim=2))
        if self.bias is not None:
            object.__setattr__(self, "bias", _array(self.bias, f"{where}: bias", ndim=1))
        object.__setattr__(self, "delay", _tuple(self.delay, 1, f"{where}: delay", 0)[0])

    @property
    def recurrent(self) -> bool:
        return self.source == self.target


@dataclass(frozen=True, eq=False)
class Sparse:
    """Listed synapses ``pre[k] -> post[k]`` with ``weight[k]`` and ``delay[k]`` steps."""

    source: str
    target: str
    pre: NDArray[np.int64]
    post: NDArray[np.int64]
    weight: NDArray[np.float64]
    delay: NDArray[np.int64] | int = 0

    def __post_init__(self) -> None:
        where = f"projection {self.source}->{self.target}"
        pre = _array(self.pre, f"{where}: pre", ndim=1, dtype=np.int64)
        post = _array(self.post, f"{where}: post", ndim=1, dtype=np.int64)
        w = _array(self.weight, f"{where}: weight", ndim=1)
        if not pre.shape == post.shape == w.shape:
            raise NetworkError(f"{where}: pre, post and weight need equal lengths, got {pre.size}, {post.size}, "
                               f"{w.size}")
        if isinstance(self.delay, (int, np.integer)):
            delay: NDArray[np.int64] | int = _tuple(self.delay, 1, f"{where}: delay", 0)[0]
        else:
            delay = _array(self.delay, f"{where}: delay", ndim=1, dtype=np.int64)
            if delay.shape != pre.shape or (delay.size and delay.min() < 0):
                raise NetworkError(f"{where}: delay must be >= 0 with one entry per synapse")
        for name, value in (("pre", pre), ("post", post), ("weight", w), ("delay", delay)):
            object.__setattr__(self, name, value)

    @property
    def recurrent(self) -> bool:
        return self.source == self.target


@dataclass(frozen=True, eq=False)
class Conv:
    """1-D or 2-D convolution (cross-correlation), weight (C_out, C_in/groups, *kernel), bias per channel."""

    source: str
    target: str
    weight: NDArray[np.float64]
    stride: tuple[int, ...] | int = 1
    padding: tuple[int, ...] | int = 0
    dilation: tuple[int, ...] | int = 1
    groups: int = 1
    bias: NDArray[np.float64] | None = None
    delay: int = 0

    def __post_init__(self) -> None:
        where = f"projection {self.source}->{self.target}"
        w = _array(self.weight, f"{where}: weight")
        if w.ndim not in (3, 4):
            raise NetworkError(f"{where}: conv weight must be (C_out, C_in/groups, *kernel) with 1 or 2 spatial "
                               f"axes, got shape {w.shape}")
        n = w.ndim - 2
        object.__setattr__(self, "weight", w)
        object.__setattr__(self, "stride", _tuple(self.stride, n, f"{where}: stride", 1))
        object.__setattr__(self, "padding", _tuple(self.padding, n, f"{where}: padding", 0))
        object.__setattr__(self, "dilation", _tuple(self.dilation, n, f"{where}: dilation", 1))
        object.__setattr__(self, "groups", _tuple(self.groups, 1, f"{where}: groups", 1)[0])
        if w.shape[0] % self.groups:
            raise NetworkError(f"{where}: {w.shape[0]} output channels not divisible by groups = {self.groups}")
        if self.bias is not None:
            b = _array(self.bias, f"{where}: bias", ndim=1)
            if b.shape != (w.shape[0],):
                raise NetworkError(f"{where}: bias needs one entry per output channel ({w.shape[0]}), got {b.size}")
            object.__setattr__(self, "bias", b)
        object.__setattr__(self, "delay", _tuple(self.delay, 1, f"{where}: delay", 0)[0])

    @property
    def kernel(self) -> tuple[int, ...]:
        return tuple(self.weight.shape[2:])


@dataclass(frozen=True, eq=False)
class Pool:
    """Sum or average pooling per channel over a (C, *spatial) source."""

    source: str
    target: str
    kind: Literal["sum", "avg"]
    kernel: tuple[int, ...] | int  # an int means a square 2-D window; give (k,) for 1-D pooling
    stride: tuple[int, ...] | int | None = None  # default: the kernel
    padding: tuple[int, ...] | int = 0
    delay: int = 0

    def __post_init__(self) -> None:
        where = f"projection {self.source}->{self.target}"
        if self.kind not in ("sum", "avg"):
            raise NetworkError(f"{where}: pooling kind must be 'sum' or 'avg', got {self.kind!r}")
        k = (self.kernel,) * 2 if isinstance(self.kernel, (int, np.integer)) else tuple(self.kernel)
        n = len(k)
        if n not in (1, 2):
            raise NetworkError(f"{where}: pooling kernel needs 1 or 2 sizes, got {self.kernel!r}")
        object.__setattr__(self, "kernel", _tuple(k, n, f"{where}: kernel", 1))
        stride = self.kernel if self.stride is None else self.stride
        object.__setattr__(self, "stride", _tuple(stride, n, f"{where}: stride", 1))
        object.__setattr__(self, "padding", _tuple(self.padding, n, f"{where}: padding", 0))
        object.__setattr__(self, "delay", _tuple(self.delay, 1, f"{where}: delay", 0)[0])


Stage = Dense | Conv | Pool


@dataclass(frozen=True, eq=False)
class Chain:
    """Linear stages applied one after the other between two nodes, with no neuron between them.

    ``stages[0]`` reads ``source``, ``stages[-1]`` writes ``target`` and each stage's target names the
    next stage's source: an intermediate map that holds no neurons (its name must not be a node's). A
    Dense stage reads its input map flattened in C order (NIR's ``Flatten``). Pooling is linear, so the
    chain is one linear map M = M_1 · M_2 · ... · M_k (neuron-level synapse weights, composed exactly by
    :meth:`Network.synapses_of`), and a stage's bias b_i reaches the target as b_i · M_(i+1) · ... · M_k.
    Sum pooling of spikes then a convolution (sinabs' and Speck's ``SumPool2d -> Conv2d``) is exactly each
    spike entering the convolution at its pooled position.

    Examples: ``Chain("a", "b", (Pool("a", "a/pool", "sum", 2), Conv("a/pool", "b", w)))``; average pooling,
    then a flatten and a dense layer, as snnTorch exports ``AvgPool2d -> Flatten -> Linear``.
    """

    source: str
    target: str
    stages: tuple[Stage, ...]
    delay: int = 0  # steps, of the whole chain

    def __post_init__(self) -> None:
        where = f"projection {self.source}->{self.target}"
        stages = tuple(self.stages) if isinstance(self.stages, Iterable) else ()
        if len(stages) < 2:
            raise NetworkError(f"{where}: a chain needs at least two stages (Dense, Conv or Pool), got "
                               f"{self.stages!r}")
        for i, st in enumerate(stages):
            if not isinstance(st, (Dense, Conv, Pool)):
                raise NetworkError(f"{where}: stage {i} must be Dense, Conv or Pool, got {type(st).__name__}")
            if st.delay:
                raise NetworkError(f"{where}: stage {i} has delay {st.delay}; give the chain's delay instead")
        links = [self.source] + [st.target for st in stages[:-1]]
        for i, (st, name) in enumerate(zip(stages, links)):
            if st.source != name:
                raise NetworkError(f"{where}: stage {i} reads {st.source!r}, expected {name!r} (the "
                                   f"{'source' if i == 0 else 'previous stage'}'s output)")
        if stages[-1].target != self.target:
            raise NetworkError(f"{where}: the last stage writes {stages[-1].target!r}, expected {self.target!r}")
        object.__setattr__(self, "stages", stages)
        object.__setattr__(self, "delay", _tuple(self.delay, 1, f"{where}: delay", 0)[0])

    @property
    def intermediates(self) -> tuple[str, ...]:
        """Names of the maps between the stages."""
        return tuple(st.target for st in self.stages[:-1])


Projection = Dense | Sparse | Conv | Pool | Chain


def stage_output(p: Stage, where: str, src: tuple[int, ...], dst: tuple[int, ...] | None) -> tuple[int, ...]:
    """The shape ``p`` produces from an input map of shape ``src``, checked against ``dst`` when given.

    A Dense stage's output is ``dst`` when given (any shape of that size), else flat.
    """
    n_src = math.prod(src)
    if isinstance(p, Dense):
        n_dst = p.weight.shape[0] if dst is None else math.prod(dst)
        if p.weight.shape != (n_dst, n_src):
            raise NetworkError(f"{where}: weight shape {p.weight.shape}, expected (target size, source size) = "
                               f"({n_dst}, {n_src})")
        if p.bias is not None and p.bias.shape != (n_dst,):
            raise NetworkError(f"{where}: bias has {p.bias.size} entries, expected {n_dst}")
        return dst if dst is not None else (n_dst,)
    kernel = cast(tuple[int, ...], p.kernel)
    n_sp = len(kernel)
    if len(src) != n_sp + 1:
        raise NetworkError(f"{where}: source shape {src} must be (channels, *{n_sp} spatial axes)")
    if isinstance(p, Conv):
        c_in, c_out = p.weight.shape[1] * p.groups, p.weight.shape[0]
        dil = p.dilation
    else:
        c_in = c_out = src[0]
        dil = tuple(1 for _ in kernel)
    if src[0] != c_in:
        raise NetworkError(f"{where}: source has {src[0]} channels, the kernel expects {c_in}")
    out = (c_out, *conv_output_shape(src[1:], kernel, p.stride, p.padding, dil))  # type: ignore[arg-type]
    if any(s <= 0 for s in out):
        raise NetworkError(f"{where}: kernel {kernel} does not fit the input {src}")
    if dst is not None and dst != out:
        raise NetworkError(f"{where}: target shape {dst}, but the {type(p).__name__.lower()} produces {out}")
    return out


def stage_synapses(p: Projection, src: tuple[int, ...]) -> Synapses:
    """Neuron-level synapses of a single (non-chain) projection reading a map of shape ``src``."""
    if isinstance(p, Dense):
        return dense_synapses(p.weight)
    if isinstance(p, Sparse):
        return p.pre, p.post, p.weight
    if isinstance(p, Conv):
        return conv_synapses(p.weight, src, p.stride, p.padding, p.dilation, p.groups)  # type: ignore[arg-type]
    if isinstance(p, Pool):
        return pool_synapses(p.kind, src[0], src[1:], p.kernel, p.stride, p.padding)  # type: ignore[arg-type]
    raise NetworkError(f"projection {p.source}->{p.target}: a chain cannot be a stage")


def _stage_bias(p: Stage, out: tuple[int, ...]) -> NDArray[np.float64] | None:
    """A stage's constant output per neuron of its output map ``out`` (None: no bias)."""
    if isinstance(p, Pool) or p.bias is None:
        return None
    if isinstance(p, Conv):
        return np.repeat(np.asarray(p.bias, dtype=np.float64), math.prod(out[1:]))
    return np.asarray(p.bias, dtype=np.float64)


@dataclass(frozen=True)
class NeuronCSR:
    """Neuron-level synapses, CSR rows per presynaptic neuron (the simulators' input).

    Attributes:
        num_neurons: all neurons, inputs included (inputs occupy the indices of their nodes).
        row_ptr: ``num_neurons + 1`` offsets; neuron i's synapses are ``row_ptr[i]:row_ptr[i+1]``.
        target, weight, delay: per synapse (int32 target, float64 weight, int32 delay in steps).
        projection: per synapse, the index of the projection it came from.
        offsets: first global index of each node, by name.
    """

    num_neurons: int
    row_ptr: NDArray[np.int64]
    target: NDArray[np.int32]
    weight: NDArray[np.float64]
    delay: NDArray[np.int32]
    projection: NDArray[np.int32]
    offsets: dict[str, int]

    @property
    def num_synapses(self) -> int:
        return int(self.target.size)


@dataclass(frozen=True, eq=False)
class Network:
    """A spiking network: nodes (inputs and populations), projections between them, and its outputs.

    Args:
        nodes: inputs and populations, names unique.
        projections: connections between nodes (a projection may not target an input).
        outputs: names of the populations read out (default: the last population).
        dt: simulation step [s].
        name: a label.
        metadata: free-form, carried through NIR.
    """

    nodes: tuple[Node, ...]
    projections: tuple[Projection, ...]
    outputs: tuple[str, ...] = ()
    dt: float = 1e-3
    name: str = "network"
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "nodes", tuple(self.nodes))
        object.__setattr__(self, "projections", tuple(self.projections))
        if not isinstance(self.dt, (int, float)) or not math.isfinite(self.dt) or self.dt <= 0:
            raise NetworkError(f"network {self.name!r}: dt must be a positive number of seconds, got {self.dt!r}")
        object.__setattr__(self, "dt", float(self.dt))
        names = [n.name for n in self.nodes]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise NetworkError(f"network {self.name!r}: node names must be unique, repeated: {sorted(dup)}")
        for n in self.nodes:
            if not isinstance(n, (Input, Population)):
                raise NetworkError(f"network {self.name!r}: nodes must be Input or Population, got {type(n).__name__}")
        pops = [n.name for n in self.nodes if isinstance(n, Population)]
        if not pops:
            raise NetworkError(f"network {self.name!r}: needs at least one Population")
        outputs = tuple(self.outputs) or (pops[-1],)
        for o in outputs:
            if o not in pops:
                raise NetworkError(f"network {self.name!r}: output {o!r} is not a population (have: {pops})")
        object.__setattr__(self, "outputs", outputs)
        by_name = {n.name: n for n in self.nodes}
        for p in self.projections:
            self._check_projection(p, by_name)

    def _check_projection(self, p: Projection, by_name: dict[str, Node]) -> None:
        where = f"projection {p.source}->{p.target}"
        if not isinstance(p, (Dense, Sparse, Conv, Pool, Chain)):
            raise NetworkError(f"network {self.name!r}: projections must be Dense, Sparse, Conv, Pool or Chain, got "
                               f"{type(p).__name__}")
        for end in (p.source, p.target):
            if end not in by_name:
                raise NetworkError(f"{where}: no node named {end!r} (nodes: {sorted(by_name)})")
        src, dst = by_name[p.source], by_name[p.target]
        if isinstance(dst, Input):
            raise NetworkError(f"{where}: target {dst.name!r} is an Input; inputs receive no synapses")
        if isinstance(p, Sparse):
            for name, arr, size in (("pre", p.pre, src.size), ("post", p.post, dst.size)):
                if arr.size and (arr.min() < 0 or arr.max() >= size):
                    bad = int(arr[(arr < 0) | (arr >= size)][0])
                    raise NetworkError(f"{where}: {name} index {bad} out of range [0, {size})")
            return
        if isinstance(p, Chain):
            clash = sorted(set(p.intermediates) & set(by_name))
            if clash:
                raise NetworkError(f"{where}: intermediate map {clash[0]!r} has a node's name; name it apart")
            shape = src.shape
            for i, st in enumerate(p.stages):
                last = i == len(p.stages) - 1
                shape = stage_output(st, f"{where}, stage {i} ({type(st).__name__.lower()})", shape,
                                      dst.shape if last else None)
            return
        stage_output(p, where, src.shape, dst.shape)

    # --- access ---------------------------------------------------------------------------------

    def node(self, name: str) -> Node:
        for n in self.nodes:
            if n.name == name:
                return n
        raise NetworkError(f"network {self.name!r}: no node named {name!r}")

    @property
    def inputs(self) -> tuple[Input, ...]:
        return tuple(n for n in self.nodes if isinstance(n, Input))

    @property
    def populations(self) -> tuple[Population, ...]:
        return tuple(n for n in self.nodes if isinstance(n, Population))

    @property
    def num_neurons(self) -> int:
        """Neurons of all populations (inputs excluded)."""
        return sum(p.size for p in self.populations)

    def offsets(self) -> dict[str, int]:
        out, start = {}, 0
        for n in self.nodes:
            out[n.name] = start
            start += n.size
        return out

    # --- conversions ----------------------------------------------------------------------------

    def to_graph(self) -> nx.MultiDiGraph:
        """Population-level graph: a node per input/population, an edge per projection (kind, synapses)."""
        import networkx as nx  # here: its import costs a quarter second that most uses of a network never need

        g = nx.MultiDiGraph(name=self.name, dt=self.dt)
        for n in self.nodes:
            g.add_node(n.name, kind="input" if isinstance(n, Input) else "population", size=n.size, shape=n.shape,
                       model=None if isinstance(n, Input) else n.neuron.model)
        for i, p in enumerate(self.projections):
            g.add_edge(p.source, p.target, key=i, kind=type(p).__name__.lower(), delay=p.delay,
                       recurrent=p.source == p.target)
        return g

    def synapses_of(self, p: Projection) -> Synapses:
        """Neuron-level ``(pre, post, weight)`` of one projection, indices local to its source and target.

        A chain's synapses are its stages' composed exactly (:func:`~snnas.ir.connectivity.compose_synapses`):
        one synapse per connected (pre, post) pair, its weight the sum over the paths between them.
        """
        src = self.node(p.source)
        if isinstance(p, Chain):
            shapes = self.stage_shapes(p)
            syn = stage_synapses(p.stages[0], shapes[0])
            for st, shape in zip(p.stages[1:], shapes[1:]):
                syn = compose_synapses(syn, stage_synapses(st, shape), math.prod(shape))
            return syn
        return stage_synapses(p, src.shape)

    def stage_shapes(self, chain: Chain) -> tuple[tuple[int, ...], ...]:
        """The input map's shape of each stage of ``chain``, then the target's shape."""
        shapes = [self.node(chain.source).shape]
        for st in chain.stages[:-1]:
            shapes.append(stage_output(st, "", shapes[-1], None))
        return (*shapes, self.node(chain.target).shape)

    def to_csr(self, keep_zeros: bool = False) -> NeuronCSR:
        """Expand every projection to neuron level and sort synapses into CSR rows by presynaptic neuron.

        Synapses of weight exactly 0 are dropped unless ``keep_zeros``. Within a row, synapses keep
        projection order, then the expansion's order.
        """
        offsets = self.offsets()
        total = sum(n.size for n in self.nodes)
        if total >= 2**31:
            raise NetworkError(f"network {self.name!r}: {total} neurons exceed the simulator's int32 indices")
        pres, posts, ws, ds, ps = [], [], [], [], []
        for k, p in enumerate(self.projections):
            pre, post, w = self.synapses_of(p)
            d = p.delay if isinstance(p.delay, np.ndarray) else np.full(pre.size, p.delay, dtype=np.int64)
            if not keep_zeros:
                nz = w != 0
                pre, post, w, d = pre[nz], post[nz], w[nz], d[nz]
            pres.append(pre + offsets[p.source])
            posts.append(post + offsets[p.target])
            ws.append(w)
            ds.append(d)
            ps.append(np.full(pre.size, k, dtype=np.int32))
        if pres:
            pre = np.concatenate(pres)
            order = np.argsort(pre, kind="stable")
            pre = pre[order]
            target = np.concatenate(posts)[order].astype(np.int32)
            weight = np.concatenate(ws)[order].astype(np.float64)
            delay = np.concatenate(ds)[order].astype(np.int32)
            proj = np.concatenate(ps)[order]
        else:
            pre = np.zeros(0, np.int64)
            target, weight = np.zeros(0, np.int32), np.zeros(0)
            delay, proj = np.zeros(0, np.int32), np.zeros(0, np.int32)
        row_ptr = np.zeros(total + 1, dtype=np.int64)
        np.cumsum(np.bincount(pre, minlength=total), out=row_ptr[1:])
        return NeuronCSR(total, row_ptr, target, weight, delay, proj, offsets)

    def bias(self) -> NDArray[np.float64]:
        """Constant input per neuron (sum of the projections' biases), over all global indices.

        A chain's stage biases pass through the stages after them (a conv bias before an average pool is
        pooled, zero padding included).
        """
        offsets = self.offsets()
        out = np.zeros(sum(n.size for n in self.nodes))
        for p in self.projections:
            dst = self.node(p.target)
            if isinstance(p, Chain):
                b = self.chain_bias(p)
            elif isinstance(p, (Dense, Conv)):
                b = _stage_bias(p, dst.shape)
            else:
                b = None
            if b is not None:
                out[offsets[p.target]:offsets[p.target] + dst.size] += b
        return out

    def chain_bias(self, chain: Chain) -> NDArray[np.float64] | None:
        """The constant drive the stages' biases give each target neuron of ``chain`` (None: no bias)."""
        shapes = self.stage_shapes(chain)
        b: NDArray[np.float64] | None = None
        for i, st in enumerate(chain.stages):
            if b is not None:  # carry the drive so far through this stage
                pre, post, w = stage_synapses(st, shapes[i])
                b = np.bincount(post, weights=w * b[pre], minlength=math.prod(shapes[i + 1])).astype(np.float64)
            own = _stage_bias(st, shapes[i + 1])
            if own is not None:
                b = own.copy() if b is None else b + own
        return b
