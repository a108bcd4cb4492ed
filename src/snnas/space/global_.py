"""The global (layer-wise) space: depth, a width per layer, the neuron model and its time constant,
recurrence, time steps, input encoding and chip weight bits.

A genome of depth L uses ``width_1 .. width_L``; deeper widths (and ``tau_m`` of IF neurons, which do not
leak) are canonicalised to the first choice, so two genomes that build the same network hash alike. Every
hidden layer shares the neuron model and, when ``recurrent`` is set, has all-to-all recurrent weights (the
layer trainer's recurrence, :mod:`snnas.train.layers`).
"""

from __future__ import annotations

from typing import Any

from snnas.chip import Chip
from snnas.space.base import Candidate, Decision, Genome, SearchSpace, SpaceError
from snnas.space.chipfit import fit_to_chip

__all__ = ["GlobalSpace"]


class GlobalSpace(SearchSpace):
    """Layer-wise space over dense LIF-family networks.

    Args:
        max_depth: most hidden layers; widths: choices of each layer's width; neurons: neuron models;
        tau_m: membrane time constants [s]; n_steps: time steps per sample; encoders: input codes
        (snnas.data.encoding); weight_bits: chip weight widths; recurrent: whether recurrence may be chosen.
    """

    name = "global"

    def __init__(self, max_depth: int = 3, widths: tuple[int, ...] = (16, 32, 64, 128, 256),
                 neurons: tuple[str, ...] = ("lif", "if", "cuba_lif", "adaptive_lif"),
                 tau_m: tuple[float, ...] = (5e-3, 10e-3, 20e-3), resets: tuple[str, ...] = ("zero", "subtract"),
                 n_steps: tuple[int, ...] = (8, 16, 24), encoders: tuple[str, ...] = ("rate", "ttfs", "phase", "burst"),
                 weight_bits: tuple[int, ...] = (2, 4, 8), recurrent: tuple[bool, ...] = (False, True)) -> None:
        if max_depth < 1:
            raise SpaceError(f"global space: max_depth must be >= 1, got {max_depth}")
        if any(not isinstance(w, int) or w < 1 for w in widths):
            raise SpaceError(f"global space: widths must be positive integers, got {widths}")
        self.max_depth = max_depth
        super().__init__([
            Decision("depth", tuple(range(1, max_depth + 1))),
            *[Decision(f"width_{i}", tuple(widths)) for i in range(1, max_depth + 1)],
            Decision("neuron", tuple(neurons)),
            Decision("tau_m", tuple(tau_m)),
            Decision("reset", tuple(resets)),
            Decision("recurrent", tuple(recurrent)),
            Decision("n_steps", tuple(n_steps)),
            Decision("encoder", tuple(encoders)),
            Decision("weight_bits", tuple(weight_bits)),
        ])

    def _unused(self, values: Any) -> set[str]:
        unused = {f"width_{i}" for i in range(values["depth"] + 1, self.max_depth + 1)}
        if values["neuron"] == "if":  # no leak: the time constant does not exist
            unused.add("tau_m")
        return unused

    def repair(self, values: dict[str, Any]) -> dict[str, Any]:
        out = dict(values)
        for name in self._unused(values):
            out[name] = self._by_name[name].choices[0]
        return out

    def active(self, g: Genome) -> list[str]:
        unused = self._unused(g)
        return [d.name for d in self.decisions if d.name not in unused]

    def hidden(self, g: Genome) -> tuple[int, ...]:
        return tuple(int(g[f"width_{i}"]) for i in range(1, g["depth"] + 1))

    def candidate(self, g: Genome, **budget: Any) -> Candidate:
        g = self.check(g)
        arch = {"hidden": self.hidden(g), "recurrent": bool(g["recurrent"]), "neuron": g["neuron"],
                "tau_m": float(g["tau_m"]), "reset": g["reset"]}
        settings = {"n_steps": int(g["n_steps"]), "encoder": g["encoder"], **budget}
        return Candidate.of("layers", arch, settings, int(g["weight_bits"]), self.describe(g))

    def describe(self, g: Genome) -> str:
        rec = " rec" if g["recurrent"] else ""
        tau = "" if g["neuron"] == "if" else f" tau={g['tau_m'] * 1e3:g}ms"
        return (f"{'-'.join(map(str, self.hidden(g)))} {g['neuron']}{rec}{tau} "
                f"{g['reset']} T={g['n_steps']} {g['encoder']} w{g['weight_bits']}")

    def restrict(self, chip: Chip) -> GlobalSpace:
        c = {d.name: d.choices for d in self.decisions}
        neurons, rec, bits = fit_to_chip(self.name, chip, c["neuron"], c["recurrent"], c["weight_bits"])
        return GlobalSpace(self.max_depth, c["width_1"], neurons, c["tau_m"], c["reset"], c["n_steps"], c["encoder"],
                           bits, rec)
