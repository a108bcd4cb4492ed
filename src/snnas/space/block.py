"""The block-wise space: a sequence of 1..max_blocks blocks, each an op from a vocabulary and a width,
with network-wide choices of neuron model, time steps, encoding and weight bits (after EMO-SNAS's
variable-length block sequences; its ADD/REMOVE, CHANNEL and EXPAND mutations are this space's
mutations of ``n_blocks``, a block's ``width`` and ``n_steps``).

Vocabulary (each block expands into hidden LIF layers; w is the block's width):

    single      [w]
    double      [w, w]
    bottleneck  [max(4, w // 4), w]      (a narrow layer first: fewer synapses, fewer events)
    expand      [2 w, w]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from snnas.chip import Chip
from snnas.space.base import Candidate, Decision, Genome, SearchSpace, SpaceError
from snnas.space.chipfit import fit_to_chip

__all__ = ["BLOCKS", "BlockSpace"]

BLOCKS: dict[str, Any] = {
    "single": lambda w: [w],
    "double": lambda w: [w, w],
    "bottleneck": lambda w: [max(4, w // 4), w],
    "expand": lambda w: [2 * w, w],
}


class BlockSpace(SearchSpace):
    """Variable-length sequences of blocks (see the module docstring)."""

    name = "block"

    def __init__(self, max_blocks: int = 3, ops: tuple[str, ...] = tuple(BLOCKS),
                 widths: tuple[int, ...] = (16, 32, 64, 128),
                 neurons: tuple[str, ...] = ("lif", "if", "cuba_lif", "adaptive_lif"),
                 n_steps: tuple[int, ...] = (8, 16, 24),
                 encoders: tuple[str, ...] = ("rate", "ttfs"), weight_bits: tuple[int, ...] = (2, 4, 8),
                 recurrent: tuple[bool, ...] = (False, True)) -> None:
        unknown = [o for o in ops if o not in BLOCKS]
        if unknown or max_blocks < 1:
            raise SpaceError(f"block space: unknown ops {unknown} (vocabulary: {list(BLOCKS)}) or max_blocks "
                             f"{max_blocks} < 1")
        self.max_blocks = max_blocks
        blocks = [d for i in range(1, max_blocks + 1)
                  for d in (Decision(f"op_{i}", tuple(ops)), Decision(f"width_{i}", tuple(widths)))]
        super().__init__([Decision("n_blocks", tuple(range(1, max_blocks + 1))), *blocks,
                          Decision("neuron", tuple(neurons)), Decision("recurrent", tuple(recurrent)),
                          Decision("n_steps", tuple(n_steps)), Decision("encoder", tuple(encoders)),
                          Decision("weight_bits", tuple(weight_bits))])

    def _unused(self, n: int) -> set[str]:
        return {f"{k}_{i}" for i in range(n + 1, self.max_blocks + 1) for k in ("op", "width")}

    def repair(self, values: dict[str, Any]) -> dict[str, Any]:
        out = dict(values)
        for name in self._unused(values["n_blocks"]):
            out[name] = self._by_name[name].choices[0]
        return out

    def active(self, g: Genome) -> list[str]:
        unused = self._unused(g["n_blocks"])
        return [d.name for d in self.decisions if d.name not in unused]

    def _on_change(self, old: Genome, values: dict[str, Any], changed: str,
                   rng: np.random.Generator) -> dict[str, Any]:
        if changed == "n_blocks":  # ADD: the new blocks get random ops and widths, not the canonical ones
            for name in sorted(self._unused(old["n_blocks"]) - self._unused(values["n_blocks"])):
                choices = self._by_name[name].choices
                values[name] = choices[int(rng.integers(len(choices)))]
        return values

    def hidden(self, g: Genome) -> tuple[int, ...]:
        return tuple(int(w) for i in range(1, g["n_blocks"] + 1) for w in BLOCKS[g[f"op_{i}"]](g[f"width_{i}"]))

    def candidate(self, g: Genome, **budget: Any) -> Candidate:
        g = self.check(g)
        arch = {"hidden": self.hidden(g), "neuron": g["neuron"], "recurrent": bool(g["recurrent"])}
        settings = {"n_steps": int(g["n_steps"]), "encoder": g["encoder"], **budget}
        return Candidate.of("layers", arch, settings, int(g["weight_bits"]), self.describe(g))

    def describe(self, g: Genome) -> str:
        blocks = " > ".join(f"{g[f'op_{i}']}({g[f'width_{i}']})" for i in range(1, g["n_blocks"] + 1))
        rec = " rec" if g["recurrent"] else ""
        return f"{blocks} {g['neuron']}{rec} T={g['n_steps']} {g['encoder']} w{g['weight_bits']}"

    def restrict(self, chip: Chip) -> BlockSpace:
        c = {d.name: d.choices for d in self.decisions}
        neurons, rec, bits = fit_to_chip(self.name, chip, c["neuron"], c["recurrent"], c["weight_bits"])
        return BlockSpace(self.max_blocks, c["op_1"], c["width_1"], neurons, c["n_steps"], c["encoder"], bits, rec)
