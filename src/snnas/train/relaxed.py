"""The cell space's continuous relaxation, trained by surrogate gradients in a bilevel loop, with the chip's
expected energy in the architecture's loss (differentiable search: DARTS, Liu et al., ICLR 2019; in SNNs
SpikeDHS, Che et al., NeurIPS 2022, and LitE-SNN, Liu et al., IJCAI 2024; the hard straight-through
variant is GDAS, Dong & Yang, CVPR 2019).

Every pair (i, j), i < j, of the cell (:mod:`snnas.space.cell`) carries a set of *options* o = (op,
direction): ``zero``, and every non-zero operation in every direction the space allows; the pair
(0, V − 1) only its forward non-zero operations, as the space's repair demands. Architecture parameters
α_ij (one per option) give the pair's coefficients

    c_ij = softmax(α_ij / τ)                                          relaxation "softmax" (DARTS)
    c_ij = onehot(argmax(α_ij + g)),  g ~ Gumbel(0, 1),               relaxation "gumbel" (GDAS; the
           its gradient taken through y_ij = softmax((α_ij + g) / τ)   forward pass runs one sampled op)

The relaxed cell is a graph network (:mod:`snnas.train.graph`, the simulators' step): the four nodes of
C neurons, the stem ``in → n0`` and readout ``n3 → out`` (dense, trained), and for every pair and
direction one edge (forward i → j, delay 0; backward j → i, delay 1) whose weight mixes the options of
that direction,

    W^e = Σ_{o ∈ e} c_o (M_o ⊙ W_o)          M_o the op's mask (dense 1, band |k − l| ≤ 1, skip I), the
                                              pool op's W_o fixed at θ/(2a) on the band.

With G_e = ∂L/∂W^e = Σ_n s_src(n − d_e)^T dI_dst(n) from the graph's backward pass,

    ∂L/∂W_o = c_o M_o ⊙ G_e,          ∂L/∂c_o = Σ_kl (M_o ⊙ W_o ⊙ G_e)_kl,

and ∂L/∂α_ij = J_ij^T ∂L/∂c_ij with J the softmax's Jacobian (divided by τ). The expected energy of one
inference on the chip [J] is

    E(c) = Σ_e S_e Σ_{o ∈ e} c_o (f_o e_syn + e_pkt)

with S_e the mean spikes per inference of the edge's source (held fixed over one step, as FBNet holds
its latency table), f_o the op's synaptic operations per spike (dense C, band and pool (3C − 2)/C, skip
1), e_syn the chip's energy per synaptic operation (``e_syn_op``, else its whole-chip
``e_total_per_syn_event``, else Horowitz's 0.9 pJ accumulate) and e_pkt its energy per spike sent
(``e_spike_out`` + one ``e_hop_x``; unknown figures count 0). ∂E/∂c_o = S_e (f_o e_syn + e_pkt).

With ``relax_width`` (and the width not fixed), the width is relaxed too, after FBNetV2 (Wan et al., CVPR
2020): the nodes hold C = max w_k neurons, and every edge leaving a node (the readout included) has its rows
scaled by the mask m_j = Σ_k β_k [j < w_k], β = softmax(γ) over the space's widths w_k, so that neuron j's
spikes count m_j: W^e = diag(m) X_e, ∂L/∂X_e = diag(m) G_e, ∂L/∂m_j = Σ_l (G_e ⊙ X_e)_jl, ∂L/∂β_k =
Σ_{j < w_k} ∂L/∂m_j. At a one-hot β the relaxed cell of width w is the discrete one with the leading w × w
blocks of its weights; the derived width is the largest β.

Bilevel optimisation, first order (DARTS' first-order approximation): per mini-batch of the training split
one Adam step of the weights at the current coefficients; then, past ``warmup`` epochs, one Adam step of α
on a mini-batch of the validation split, minimising L_val + λ E / E_0 (E_0 the expected energy at the
first architecture step, so λ is in units of "the loss one would give for the whole starting energy").
:func:`derive` discretises: per pair the option of largest α (zero included), then the space's repair:
a genome of the (chip-restricted) space.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from snnas.chip.horowitz import E_AC
from snnas.data.datasets import Dataset, Split
from snnas.space.base import Genome
from snnas.space.cell import OPS, CellSpace
from snnas.train.config import TrainConfig, decay, encode
from snnas.train.fit import Adam, TrainError
from snnas.train.graph import GraphConfig, GraphEdge, _backward, _mask, check_graph, edge_synapses, graph_forward
from snnas.train.layers import _softmax_grad, hit_rate

if TYPE_CHECKING:
    from snnas.chip import Chip

__all__ = ["RELAXATIONS", "SETTINGS", "Option", "RelaxedCell", "derive", "expected_energy", "relax",
           "search_cell"]

RELAXATIONS = ("softmax", "gumbel")
SETTINGS = ("width", "neuron", "n_steps", "encoder", "weight_bits")  # held fixed while the cell is searched
V = 4


@dataclass(frozen=True)
class Option:
    """One choice of a pair: an operation index into :data:`snnas.space.cell.OPS` and a direction."""

    op: int
    direction: str = "fwd"

    @property
    def name(self) -> str:
        return OPS[self.op] if self.op == 0 else f"{OPS[self.op]}-{self.direction}"


@dataclass
class RelaxedCell:
    """The relaxed cell (module docstring): its graph, options, architecture parameters and weights.

    ``weights[k][m]`` is the weight of option m of pair k (masked; None for zero), ``stem`` and ``readout``
    the dense edges around the cell; ``history`` one record per epoch (losses, validation accuracy of the
    relaxed cell, the derived cell's matrix, the coefficients' mean entropy [nats]).
    """

    space: CellSpace
    settings: dict[str, Any]
    train: TrainConfig
    graph: GraphConfig
    options: list[tuple[Option, ...]]
    alpha: list[NDArray[np.float64]]
    weights: list[list[NDArray[np.float64] | None]]
    stem: NDArray[np.float64]
    readout: NDArray[np.float64]
    edge_of: dict[tuple[int, str], int]  # (pair index, direction) -> index into graph.edges
    relaxation: str = "softmax"
    penalty: float = 0.0
    history: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    energy0: float | None = None
    widths: tuple[int, ...] = ()  # the widths relaxed (empty: the width is fixed), ascending
    gamma: NDArray[np.float64] | None = None  # their parameters (one per width)

    @property
    def width(self) -> int:
        return int(self.settings["width"])

    def probabilities(self) -> list[NDArray[np.float64]]:
        """softmax(α) per pair: how strongly each option is preferred."""
        return [_softmax(a) for a in self.alpha]

    def width_probabilities(self) -> NDArray[np.float64] | None:
        """β = softmax(γ) over ``widths`` (None when the width is fixed)."""
        return None if self.gamma is None else _softmax(self.gamma)

    def mask(self) -> NDArray[np.float64] | None:
        """The neurons' output gains m_j = Σ_k β_k [j < w_k] of a relaxed width (None when it is fixed)."""
        beta = self.width_probabilities()
        if beta is None:
            return None
        out: NDArray[np.float64] = beta @ self._below()
        return out

    def _below(self) -> NDArray[np.float64]:
        """[j < w_k] as a (widths, C) array."""
        return (np.arange(self.width)[None, :] < np.array(self.widths)[:, None]).astype(np.float64)


def _softmax(a: NDArray[np.float64]) -> NDArray[np.float64]:
    z = np.exp(a - a.max())
    out: NDArray[np.float64] = z / z.sum()
    return out


def _options(space: CellSpace, k: int) -> tuple[Option, ...]:
    i, j = space.pairs[k]
    dirs = space.decision(f"dir_{i}{j}").choices
    ops = range(1, len(OPS))
    if (i, j) == (0, V - 1):
        return tuple(Option(op, "fwd") for op in ops)
    return (Option(0), *(Option(op, d) for d in dirs for op in ops))


def settings_of(space: CellSpace, given: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The non-cell decisions the relaxation holds fixed: ``given`` where set, else the widest width, the most
    steps, the most weight bits, the first neuron and the first encoder of the space; TrainError naming a
    setting that is not one of the space's choices."""
    given = dict(given or {})
    unknown = sorted(set(given) - set(SETTINGS))
    if unknown:
        raise TrainError(f"relaxed cell: unknown settings {unknown}; choose from {', '.join(SETTINGS)}")
    out = {}
    for name in SETTINGS:
        choices = space.decision(name).choices
        default = max(choices) if name in ("width", "n_steps", "weight_bits") else choices[0]
        v = given.get(name, default)
        if v not in choices:
            raise TrainError(f"relaxed cell: {name}={v!r} is not one of the space's choices {list(choices)}")
        out[name] = v
    return out


def relax(space: CellSpace, data: Dataset, settings: Mapping[str, Any] | None = None, seed: int = 0,
          relaxation: str = "softmax", penalty: float = 0.0, relax_width: bool = False,
          **budget: Any) -> RelaxedCell:
    """The relaxed cell of ``space`` for ``data`` with uniform α and weights drawn as the graph trainer draws
    them (N(0, 2θ/√(fan-in · pairs into the node)) for dense and band options, 1.25 θ/a one-to-one for skip,
    θ/(2a) for the fixed pool), ``budget`` the training settings (epochs, batch_size, lr, ...)."""
    if not isinstance(space, CellSpace):
        raise TrainError(f"relaxed cell: expected a CellSpace, got {type(space).__name__}")
    if relaxation not in RELAXATIONS:
        raise TrainError(f"relaxed cell: relaxation must be one of {', '.join(RELAXATIONS)}, got {relaxation!r}")
    if not (isinstance(penalty, (int, float)) and math.isfinite(penalty) and penalty >= 0):
        raise TrainError(f"relaxed cell: penalty must be a finite number >= 0, got {penalty!r}")
    fixed = settings_of(space, settings)
    widths: tuple[int, ...] = ()
    if relax_width and "width" not in (settings or {}) and len(space.decision("width").choices) > 1:
        widths = tuple(sorted(int(w) for w in space.decision("width").choices))
        fixed["width"] = widths[-1]
    from snnas.train.candidate import config_of

    probe = space.from_matrix("0001 0000 0000 0000", **fixed)  # any cell: only its training settings are read
    gc = config_of(space.candidate(probe, seed=seed, **budget))
    if not isinstance(gc, GraphConfig):
        raise TrainError("relaxed cell: the cell space gives graph networks only")
    c = fixed["width"]
    edges = [GraphEdge("in", "n0")]
    edge_of = {}
    for k, (i, j) in enumerate(space.pairs):
        for d in sorted({o.direction for o in _options(space, k) if o.op}, key=("fwd", "bwd").index):
            edge_of[(k, d)] = len(edges)
            edges.append(GraphEdge(f"n{i}", f"n{j}") if d == "fwd" else GraphEdge(f"n{j}", f"n{i}", delay=1))
    edges.append(GraphEdge(f"n{V - 1}", "out"))
    graph = GraphConfig(tuple((f"n{k}", c) for k in range(V)), tuple(edges), gc.train)
    check_graph(graph, data.n_inputs, data.n_classes)
    rng = np.random.default_rng(seed)
    t = gc.train
    a = decay(t)
    fan = {f"n{p}": sum(1 for pair in space.pairs if p in pair) + (p == 0) for p in range(V)}
    fan["out"] = 1

    def draw(n_in: int, n_out: int, dst: str, local: bool = False) -> NDArray[np.float64]:
        w = rng.normal(0.0, 1.0 / math.sqrt(3 if local else n_in), size=(n_in, n_out))
        out: NDArray[np.float64] = w * (2.0 * t.threshold / math.sqrt(fan[dst]))
        return out

    options = [_options(space, k) for k in range(len(space.pairs))]
    weights: list[list[NDArray[np.float64] | None]] = []
    for k, opts in enumerate(options):
        i, j = space.pairs[k]
        row: list[NDArray[np.float64] | None] = []
        for o in opts:
            dst = f"n{j}" if o.direction == "fwd" else f"n{i}"
            kind = OPS[o.op]
            if kind == "zero":
                row.append(None)
                continue
            if kind == "pool":
                w = np.full((c, c), t.threshold / (2 * a))
            elif kind == "skip":
                w = np.full((c, c), 1.25 * t.threshold / a)
            else:
                w = draw(c, c, dst, local=kind == "band")
            m = _mask("band" if kind == "pool" else kind, c, c)
            row.append(w if m is None else w * m)
        weights.append(row)
    stem, readout = draw(data.n_inputs, c, "n0"), draw(c, data.n_classes, "out")
    alpha = [np.zeros(len(o)) for o in options]
    return RelaxedCell(space, fixed, t, graph, options, alpha, weights, stem, readout, edge_of, relaxation,
                       float(penalty), widths=widths, gamma=np.zeros(len(widths)) if widths else None)


def _fan_out(op: int, c: int) -> float:
    """Synaptic operations per spike of an option (module docstring: f_o): its edge's synapses per source."""
    return 0.0 if op == 0 else edge_synapses(OPS[op], c, c) / c


def chip_energies(chip: Chip | None) -> tuple[float, float]:
    """(e_syn, e_pkt) [J] of the module docstring's energy model for ``chip`` (None: Horowitz's AC, no packets)."""
    if chip is None:
        return E_AC, 0.0
    e = chip.energy
    syn = e.e_syn_op if e.e_syn_op is not None else e.e_total_per_syn_event
    pkt = (e.e_spike_out or 0.0) + (e.e_hop_x or 0.0)
    return float(syn if syn is not None else E_AC), float(pkt)


def expected_energy(cell: RelaxedCell, coefficients: list[NDArray[np.float64]], spikes: Mapping[str, Any],
                    energies: tuple[float, float]
                    ) -> tuple[float, list[NDArray[np.float64]], NDArray[np.float64] | None]:
    """E(c) [J per inference], ∂E/∂c per pair and, for a relaxed width, ∂E/∂β (module docstring);
    ``spikes[p]`` the mean spikes per inference of population p, a number or one per neuron.

    With a relaxed width the source's spikes count by the mask, S_e = Σ_j m_j s_j, and a dense op's fan-out
    is the expected width Σ_k β_k w_k, so ∂E/∂β_k = Σ_e [Σ_{j < w_k} s_j] Σ_o c_o (f_o e_syn + e_pkt)
    + Σ_e S_e Σ_{o dense} c_o w_k e_syn."""
    e_syn, e_pkt = energies
    beta, mask = cell.width_probabilities(), cell.mask()
    below = cell._below() if beta is not None else None
    width = float(beta @ np.array(cell.widths)) if beta is not None else float(cell.width)
    total, grads = 0.0, []
    g_beta = np.zeros(len(cell.widths)) if beta is not None else None
    for k, opts in enumerate(cell.options):
        i, j = cell.space.pairs[k]
        per_op = np.zeros(len(opts))
        for m, o in enumerate(opts):
            s_src = np.atleast_1d(np.asarray(spikes[f"n{i}" if o.direction == "fwd" else f"n{j}"], dtype=np.float64))
            s_e = float(mask @ s_src) if mask is not None and s_src.size == mask.size else float(s_src.sum())
            fan = width if OPS[o.op] == "dense" else _fan_out(o.op, cell.width)
            unit = fan * e_syn + (e_pkt if o.op else 0.0)
            per_op[m] = s_e * unit
            if g_beta is not None and below is not None and o.op:
                c = coefficients[k][m]
                g_beta += c * unit * (below @ s_src if s_src.size == cell.width else 0.0)
                if OPS[o.op] == "dense":
                    g_beta += c * s_e * np.array(cell.widths, dtype=np.float64) * e_syn
        total += float(coefficients[k] @ per_op)
        grads.append(per_op)
    return total, grads, g_beta


def _coefficients(cell: RelaxedCell, tau: float, rng: np.random.Generator
                  ) -> tuple[list[NDArray[np.float64]], list[NDArray[np.float64]]]:
    """(c used in the forward pass, y whose Jacobian carries the gradient) per pair."""
    if cell.relaxation == "softmax":
        soft = [_softmax(a / tau) for a in cell.alpha]
        return soft, soft
    ys: list[NDArray[np.float64]] = []
    cs: list[NDArray[np.float64]] = []
    for a in cell.alpha:
        g = -np.log(-np.log(rng.uniform(1e-12, 1.0, size=a.shape)))
        y = _softmax((a + g) / tau)
        c = np.zeros_like(y)
        c[int(np.argmax(y))] = 1.0
        ys.append(y)
        cs.append(c)
    return cs, ys


def _mixtures(cell: RelaxedCell, coefficients: list[NDArray[np.float64]]) -> list[NDArray[np.float64]]:
    """Σ_{o ∈ e} c_o (M_o ⊙ W_o) per edge (the stem and readout as they are), before any width mask."""
    out: list[NDArray[np.float64]] = [np.empty(0)] * len(cell.graph.edges)
    out[0], out[-1] = cell.stem, cell.readout
    for (k, d), e in cell.edge_of.items():
        w = np.zeros((cell.width, cell.width))
        for m, o in enumerate(cell.options[k]):
            wo = cell.weights[k][m]
            if o.op and o.direction == d and wo is not None and coefficients[k][m] != 0.0:
                w += coefficients[k][m] * wo
        out[e] = w
    return out


def effective_weights(cell: RelaxedCell, coefficients: list[NDArray[np.float64]],
                      mask: NDArray[np.float64] | None = None) -> list[NDArray[np.float64]]:
    """W^e per edge of ``cell.graph`` (module docstring) at the coefficients given; with a width ``mask``
    (:meth:`RelaxedCell.mask`, or any gains per neuron), the rows of every edge leaving a cell node (the
    readout included) scaled by it: diag(m) W^e, so neuron j's spikes count m_j."""
    return _masked(cell, _mixtures(cell, coefficients), mask)


def _masked(cell: RelaxedCell, mixed: list[NDArray[np.float64]], mask: NDArray[np.float64] | None
            ) -> list[NDArray[np.float64]]:
    if mask is None:
        return mixed
    return [w if e.src == "in" else mask[:, None] * w for w, e in zip(mixed, cell.graph.edges)]


def _step(cell: RelaxedCell, x: NDArray[np.float64], y: NDArray[np.int64], c: list[NDArray[np.float64]]
          ) -> tuple[float, list[NDArray[np.float64]], list[list[NDArray[np.float64] | None]],
                     list[NDArray[np.float64]], dict[str, NDArray[np.float64]], NDArray[np.float64] | None]:
    """Loss, ∂L/∂(trained weight) per edge (the stem's and readout's are their weights'), ∂L/∂W_o per
    option, ∂L/∂c per pair, mean spikes per inference of every neuron per population, and ∂L/∂m per
    neuron for a relaxed width (else None): with W^e = diag(m) X_e, ∂L/∂X_e = diag(m) G_e and
    ∂L/∂m_j = Σ_e Σ_l (G_e ⊙ X_e)_jl over the edges leaving cell nodes."""
    mask = cell.mask()
    mixed = _mixtures(cell, c)
    eff = _masked(cell, mixed, mask)
    counts, saved = graph_forward(cell.graph, eff, x, keep=True)
    loss, d_counts = _softmax_grad(counts, y)
    g_eff = _backward(cell.graph, eff, saved, d_counts)
    g_mask = None
    g_edges = g_eff
    if mask is not None:
        g_mask = np.zeros(cell.width)
        g_edges = []
        for g, w, e in zip(g_eff, mixed, cell.graph.edges):
            if e.src == "in":
                g_edges.append(g)
                continue
            g_mask += (g * w).sum(axis=1)
            g_edges.append(mask[:, None] * g)
    g_w: list[list[NDArray[np.float64] | None]] = []
    g_c: list[NDArray[np.float64]] = []
    for k, opts in enumerate(cell.options):
        row: list[NDArray[np.float64] | None] = []
        gc = np.zeros(len(opts))
        for m, o in enumerate(opts):
            wo = cell.weights[k][m]
            if not o.op or wo is None:
                row.append(None)
                continue
            g = g_edges[cell.edge_of[(k, o.direction)]]
            gc[m] = float(np.sum(wo * g))  # wo is masked already
            kind = OPS[o.op]
            mask = None if kind == "dense" else _mask(kind, *wo.shape)
            row.append(None if kind == "pool" else (c[k][m] * g if mask is None else c[k][m] * g * mask))
        g_w.append(row)
        g_c.append(gc)
    batch = x.shape[0]
    spikes = {p: saved[p][1].sum(axis=(0, 1)) / batch for p in saved if p != "in"}
    return loss, g_edges, g_w, g_c, spikes, g_mask


def _softmax_back(y: NDArray[np.float64], dc: NDArray[np.float64], tau: float) -> NDArray[np.float64]:
    out: NDArray[np.float64] = y * (dc - float(y @ dc)) / tau
    return out


def _evaluated(cell: RelaxedCell) -> list[NDArray[np.float64]]:
    """The coefficients the relaxed cell is judged at: softmax(α) for the softmax relaxation (the mixture it
    trains), the one-hot argmax for gumbel (the derived cell with its inherited weights, as it runs)."""
    if cell.relaxation == "softmax":
        return cell.probabilities()
    return [np.eye(a.size)[int(np.argmax(a))] for a in cell.alpha]


def derive(cell: RelaxedCell) -> Genome:
    """The discrete cell: per pair the option of largest α (zero included), the fixed settings, repaired."""
    values: dict[str, Any] = dict(cell.settings)
    if cell.gamma is not None:
        values["width"] = cell.widths[int(np.argmax(cell.gamma))]
    for k, (i, j) in enumerate(cell.space.pairs):
        o = cell.options[k][int(np.argmax(cell.alpha[k]))]
        values[f"op_{i}{j}"] = o.op
        values[f"dir_{i}{j}"] = o.direction if o.op else cell.space.decision(f"dir_{i}{j}").choices[0]
    return cell.space.genome(values)


def alternatives(cell: RelaxedCell) -> list[Genome]:
    """Cells one option away from :func:`derive`'s: per pair its runner-up option, the pairs taken in order
    of the smallest margin α_best − α_second (the cells the relaxation was least sure it beat)."""
    best = derive(cell)
    ranked = []
    for k, (i, j) in enumerate(cell.space.pairs):
        order = np.argsort(-cell.alpha[k])
        if order.size < 2:
            continue
        o = cell.options[k][int(order[1])]
        values = dict(best.values)
        values[f"op_{i}{j}"] = o.op
        values[f"dir_{i}{j}"] = o.direction if o.op else cell.space.decision(f"dir_{i}{j}").choices[0]
        ranked.append((float(cell.alpha[k][order[0]] - cell.alpha[k][order[1]]), k, cell.space.genome(values)))
    if cell.gamma is not None and len(cell.widths) > 1:  # the runner-up width
        order = np.argsort(-cell.gamma)
        values = {**best.values, "width": cell.widths[int(order[1])]}
        ranked.append((float(cell.gamma[order[0]] - cell.gamma[order[1]]), -1, cell.space.genome(values)))
    out, seen = [], {best.key}
    for _, _, g in sorted(ranked, key=lambda r: (r[0], r[1])):
        if g.key not in seen:
            seen.add(g.key)
            out.append(g)
    return out


def _entropy(cell: RelaxedCell) -> float:
    return float(np.mean([-(p * np.log(p + 1e-300)).sum() for p in cell.probabilities()]))


def search_cell(space: CellSpace, data: Dataset, split: Split, settings: Mapping[str, Any] | None = None,
                epochs: int = 20, warmup: int = 5, relaxation: str = "softmax", penalty: float = 0.0,
                chip: Chip | None = None, arch_lr: float = 0.03, temperature: tuple[float, float] | None = None,
                batch_size: int = 64, lr: float = 2e-3, seed: int = 0, relax_width: bool = False,
                on_epoch: Callable[[int, dict[str, Any]], None] | None = None) -> RelaxedCell:
    """Search the cell of ``space`` by the bilevel loop of the module docstring: ``epochs`` passes over
    ``split.train``, α updated on ``split.val`` after the first ``warmup`` passes; the temperature goes
    geometrically from ``temperature[0]`` to ``temperature[1]`` over the passes (default 1 → 1 for softmax,
    5 → 0.5 for gumbel). ``on_epoch(epoch, record)`` after each pass (progress). Returns the relaxed cell
    (:func:`derive` for its genome)."""
    for name, v, low in (("epochs", epochs, 1), ("warmup", warmup, 0), ("batch_size", batch_size, 1)):
        if isinstance(v, bool) or not isinstance(v, int) or v < low:
            raise TrainError(f"cell search: {name} must be an integer >= {low}, got {v!r}")
    if warmup >= epochs:
        raise TrainError(f"cell search: warmup ({warmup}) must be less than epochs ({epochs}): α is never trained")
    for name, f in (("arch_lr", arch_lr), ("lr", lr)):
        if not (isinstance(f, (int, float)) and math.isfinite(f) and f > 0):
            raise TrainError(f"cell search: {name} must be a positive number, got {f!r}")
    if temperature is None:
        temperature = (1.0, 1.0) if relaxation == "softmax" else (5.0, 0.5)
    if len(temperature) != 2 or not all(isinstance(t, (int, float)) and math.isfinite(t) and t > 0
                                        for t in temperature):
        raise TrainError(f"cell search: temperature must be two positive numbers, got {temperature!r}")
    cell = relax(space, data, settings, seed, relaxation, penalty, relax_width, batch_size=batch_size, lr=lr)
    if len(split.val) == 0:
        raise TrainError("cell search: the validation split is empty; α is trained on it")
    rng = np.random.default_rng(seed)
    x_train, y_train = encode(data, split.train, cell.train), data.labels[split.train]
    x_val, y_val = encode(data, split.val, cell.train), data.labels[split.val]
    trainable = [cell.stem, cell.readout, *[w for row in cell.weights for w in row]]
    adam_w = Adam(trainable, lr)
    adam_a = Adam([*cell.alpha, cell.gamma], arch_lr)  # γ is None (skipped) for a fixed width
    energies = chip_energies(chip)
    start = time.perf_counter()
    t0, t1 = temperature
    for epoch in range(epochs):
        tau = t0 * (t1 / t0) ** (epoch / max(1, epochs - 1))
        order = rng.permutation(y_train.size)
        losses, val_losses, energy = [], [], []
        for b in range(0, order.size, batch_size):
            idx = order[b:b + batch_size]
            c, _ = _coefficients(cell, tau, rng)
            loss, g_edges, g_w, _, _, _ = _step(cell, x_train[idx], y_train[idx], c)
            if not math.isfinite(loss):
                raise TrainError(f"cell search: training diverged at epoch {epoch} (loss {loss})")
            adam_w.step([g_edges[0], g_edges[-1], *[g for row in g_w for g in row]])
            losses.append(loss)
            if epoch < warmup:
                continue
            vidx = rng.choice(y_val.size, size=min(batch_size, y_val.size), replace=False)
            c, ys = _coefficients(cell, tau, rng)
            v_loss, _, _, g_c, spikes, g_mask = _step(cell, x_val[vidx], y_val[vidx], c)
            beta = cell.width_probabilities()
            g_beta = None if beta is None or g_mask is None else cell._below() @ g_mask
            if penalty > 0:
                e, g_e, g_eb = expected_energy(cell, c, spikes, energies)
                if cell.energy0 is None:
                    cell.energy0 = max(e, 1e-30)
                g_c = [gc + penalty * ge / cell.energy0 for gc, ge in zip(g_c, g_e)]
                if g_beta is not None and g_eb is not None:
                    g_beta = g_beta + penalty * g_eb / cell.energy0
                energy.append(e)
            steps = [_softmax_back(y, gc, tau) for y, gc in zip(ys, g_c)]
            adam_a.step([*steps, None if beta is None or g_beta is None else _softmax_back(beta, g_beta, 1.0)])
            val_losses.append(v_loss)
        counts, _ = graph_forward(cell.graph, effective_weights(cell, _evaluated(cell), cell.mask()), x_val)
        now = derive(cell)
        record = {"epoch": epoch, "loss": float(np.mean(losses)), "tau": tau,
                  "val_loss": float(np.mean(val_losses)) if val_losses else None,
                  "val_accuracy": hit_rate(counts, y_val), "entropy": _entropy(cell),
                  "energy_j": float(np.mean(energy)) if energy else None,
                  "cell": space.matrix_text(space.matrix(now)), "width": now["width"],
                  "width_probabilities": None if (wp := cell.width_probabilities()) is None else wp.tolist()}
        cell.history.append(record)
        if on_epoch is not None:
            on_epoch(epoch, record)
    cell.seconds = time.perf_counter() - start
    return cell
