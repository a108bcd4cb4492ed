"""The cell-based space, after SNASNet (Kim et al., ECCV 2022): one DAG cell of V = 4 nodes with forward
and backward (temporal) edges, in SNASNet's matrix encoding, with its validity repair.

Every pair of nodes i < j carries one operation and one direction. Operations (SNASNet's five, in the
dense world of snnas' populations; a node is a population of C LIF neurons):

    0 zero    no connection
    1 skip    one-to-one (trainable gain per neuron)
    2 dense   all-to-all, trainable             (SNASNet: LIF → 1×1 conv)
    3 band    3-tap local connection, trainable (SNASNet: LIF → 3×3 conv)
    4 pool    fixed 3-tap average               (SNASNet: 3×3 average pooling)

A *forward* edge i → j delivers node i's spikes of step n at step n; a *backward* edge j → i delivers
node j's spikes of step n − 1 at step n (a delay of one step), SNASNet's temporal feedback. Matrix
encoding: a V×V integer matrix, forward ops above the diagonal (row i, column j), backward ops below
(row j, column i); written as V strings, e.g. ``0302 0030 3003 0000``.

Validity repair (as SNASNet's): a node that no forward path from node 0 reaches, or from which no forward
path leads to node V − 1, is cut out (its edges set to zero); the direct edge 0 → V−1 must be non-zero
(a zero one becomes skip). Around the cell: the input feeds node 0 through a dense stem, node V − 1
feeds the output layer (one neuron per class) through a dense readout.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np

from snnas.chip import Chip
from snnas.space.base import Candidate, Decision, Genome, SearchSpace, SpaceError
from snnas.space.chipfit import fit_to_chip

__all__ = ["OPS", "CellSpace"]

OPS = ("zero", "skip", "dense", "band", "pool")
V = 4


class CellSpace(SearchSpace):
    """SNASNet-style cells (see the module docstring). ``backward``: whether temporal edges may be chosen."""

    name = "cell"

    def __init__(self, widths: tuple[int, ...] = (16, 32, 64), neurons: tuple[str, ...] = ("lif", "if"),
                 n_steps: tuple[int, ...] = (8, 16), encoders: tuple[str, ...] = ("rate", "ttfs"),
                 weight_bits: tuple[int, ...] = (2, 4, 8), backward: tuple[bool, ...] = (False, True)) -> None:
        self.pairs = list(combinations(range(V), 2))
        dirs = tuple("bwd" if b else "fwd" for b in backward)
        if not dirs:
            raise SpaceError("cell space: backward must allow at least one direction")
        super().__init__([
            *[Decision(f"op_{i}{j}", tuple(range(len(OPS))), ordered=False) for i, j in self.pairs],
            *[Decision(f"dir_{i}{j}", tuple(sorted(set(dirs), key=("fwd", "bwd").index))) for i, j in self.pairs],
            Decision("width", tuple(widths)), Decision("neuron", tuple(neurons)), Decision("n_steps", tuple(n_steps)),
            Decision("encoder", tuple(encoders)), Decision("weight_bits", tuple(weight_bits)),
        ])

    # -- matrix encoding ---------------------------------------------------------------------------
    def matrix(self, g: Genome) -> np.ndarray:
        """SNASNet's V×V matrix: forward ops above the diagonal, backward ops below."""
        m = np.zeros((V, V), dtype=np.int64)
        for i, j in self.pairs:
            op = g[f"op_{i}{j}"]
            if g[f"dir_{i}{j}"] == "fwd":
                m[i, j] = op
            else:
                m[j, i] = op
        return m

    def from_matrix(self, text: str, **others: Any) -> Genome:
        """A genome from SNASNet's strings ('0302 0030 3003 0000'); other decisions from ``others`` or
        their first choices."""
        rows = text.split()
        if len(rows) != V or any(len(r) != V or not r.isdigit() for r in rows):
            raise SpaceError(f"cell matrix: expected {V} strings of {V} digits, got {text!r}")
        m = np.array([[int(ch) for ch in r] for r in rows])
        if np.any(m >= len(OPS)) or np.any(np.diag(m)):
            raise SpaceError(f"cell matrix {text!r}: ops are 0..{len(OPS) - 1} and the diagonal is 0")
        values: dict[str, Any] = {d.name: d.choices[0] for d in self.decisions}
        values.update(others)
        for i, j in self.pairs:
            if m[i, j] and m[j, i]:
                raise SpaceError(f"cell matrix {text!r}: pair {i},{j} has both a forward and a backward op")
            values[f"op_{i}{j}"] = int(m[i, j] or m[j, i])
            values[f"dir_{i}{j}"] = "bwd" if m[j, i] else "fwd"
        return self.genome(values)

    @staticmethod
    def matrix_text(m: np.ndarray) -> str:
        return " ".join("".join(str(int(x)) for x in row) for row in m)

    # -- validity ----------------------------------------------------------------------------------
    def repair(self, values: dict[str, Any]) -> dict[str, Any]:
        out = dict(values)
        if out["op_03"] == 0 or out["dir_03"] != "fwd":  # the direct input -> output edge must exist
            out["op_03"], out["dir_03"] = 1, "fwd"
        fwd = {(i, j) for i, j in self.pairs if out[f"op_{i}{j}"] and out[f"dir_{i}{j}"] == "fwd"}
        reach = {0}
        for i, j in sorted(fwd):  # pairs are in topological order
            if i in reach:
                reach.add(j)
        leads = {V - 1}
        for i, j in sorted(fwd, reverse=True):
            if j in leads:
                leads.add(i)
        alive = reach & leads
        for i, j in self.pairs:
            if i not in alive or j not in alive:
                out[f"op_{i}{j}"] = 0
            if out[f"op_{i}{j}"] == 0:
                out[f"dir_{i}{j}"] = self._by_name[f"dir_{i}{j}"].choices[0]
        return out

    def active(self, g: Genome) -> list[str]:
        return [d.name for d in self.decisions if not (d.name.startswith("dir_") and g[f"op_{d.name[4:]}"] == 0)]

    # -- evaluation --------------------------------------------------------------------------------
    def graph(self, g: Genome) -> dict[str, Any]:
        """The cell's populations ``nodes`` ((name, size), ...) and ``edges`` ((source, target, kind, delay),
        ...): an input edge into n0, the cell's operations (backward edges with delay 1), n3 into the output."""
        c = int(g["width"])
        alive = sorted({n for i, j in self.pairs if g[f"op_{i}{j}"] for n in (i, j)} | {0, V - 1})
        nodes = tuple((f"n{k}", c) for k in alive)
        edges = [("in", "n0", "dense", 0)]
        for i, j in self.pairs:
            op = g[f"op_{i}{j}"]
            if op:
                fwd = g[f"dir_{i}{j}"] == "fwd"
                src, dst = (f"n{i}", f"n{j}") if fwd else (f"n{j}", f"n{i}")
                edges.append((src, dst, OPS[op], 0 if fwd else 1))
        edges.append((f"n{V - 1}", "out", "dense", 0))
        return {"nodes": nodes, "edges": tuple(edges)}

    def candidate(self, g: Genome, **budget: Any) -> Candidate:
        g = self.check(g)
        arch = {**self.graph(g), "neuron": g["neuron"]}
        settings = {"n_steps": int(g["n_steps"]), "encoder": g["encoder"], **budget}
        return Candidate.of("graph", arch, settings, int(g["weight_bits"]), self.describe(g))

    def describe(self, g: Genome) -> str:
        return (f"cell {self.matrix_text(self.matrix(g))} C={g['width']} {g['neuron']} T={g['n_steps']} "
                f"{g['encoder']} w{g['weight_bits']}")

    def restrict(self, chip: Chip) -> CellSpace:
        c = {d.name: d.choices for d in self.decisions}
        wanted = (False, True) if "bwd" in c["dir_01"] else (False,)  # temporal feedback is recurrence
        neurons, backward, bits = fit_to_chip(self.name, chip, c["neuron"], wanted, c["weight_bits"])
        return CellSpace(c["width"], neurons, c["n_steps"], c["encoder"], bits, backward)
