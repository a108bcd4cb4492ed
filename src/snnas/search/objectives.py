"""What a search minimises, read off a :class:`snnas.evaluate.score.Score`.

Objectives by name (all minimised):

    accuracy  −accuracy_chip          (the accuracy as the chip computes it; 0 = chance or worse)
    energy    energy_j per inference [J]
    latency   latency_s per inference [s]
    spikes    spikes per inference

Feasibility is a constraint, not an objective: the violation of a result is the number of violated chip
limits (0 = fits); a failed evaluation has violation +inf. A scalar objective exists only when the user
gives weights: f = Σ_k w_k · g_k with g = −accuracy, log10(energy), log10(latency), log10(spikes), so
that "one decade less energy" weighs like w_energy points of accuracy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from snnas.errors import SnnasError

__all__ = ["OBJECTIVES", "ObjectiveError", "Objectives"]

OBJECTIVES = ("accuracy", "energy", "latency", "spikes")


class ObjectiveError(SnnasError, ValueError):
    """An unknown objective or a bad weight."""


def _field(name: str, score: Mapping[str, object]) -> float | None:
    key = {"accuracy": "accuracy_chip", "energy": "energy_j", "latency": "latency_s",
           "spikes": "spikes_per_inference"}[name]
    v = score.get(key)
    return None if v is None else float(v)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Objectives:
    """The objectives of a run, and optional scalarisation weights (same order as ``names``)."""

    names: tuple[str, ...] = ("accuracy", "energy")
    weights: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        bad = [n for n in self.names if n not in OBJECTIVES]
        if bad or not self.names or len(set(self.names)) != len(self.names):
            raise ObjectiveError(f"objectives must be distinct names from {', '.join(OBJECTIVES)}; got "
                                 f"{', '.join(self.names) or 'none'}")
        if self.weights is not None and (len(self.weights) != len(self.names)
                                         or not all(math.isfinite(w) for w in self.weights)):
            raise ObjectiveError(f"weights: expected {len(self.names)} finite numbers (one per objective "
                                 f"{', '.join(self.names)}), got {self.weights}")

    @classmethod
    def parse(cls, text: str, weights: str | None = None) -> Objectives:
        """From 'accuracy,energy' and optionally '1,0.1'."""
        names = tuple(t.strip() for t in text.split(",") if t.strip())
        if weights is None:
            return cls(names)
        try:
            w = tuple(float(t) for t in weights.split(","))
        except ValueError as exc:
            raise ObjectiveError(f"weights: expected comma-separated numbers, got {weights!r}") from exc
        return cls(names, w)

    @property
    def scalar(self) -> bool:
        return self.weights is not None

    def vector(self, score: Mapping[str, object] | None) -> tuple[float, ...]:
        """Minimised objective values (inf where the score has no such measurement)."""
        out = []
        for n in self.names:
            v = None if score is None else _field(n, score)
            out.append(math.inf if v is None or not math.isfinite(v) else (-v if n == "accuracy" else v))
        return tuple(out)

    def fitness(self, score: Mapping[str, object] | None) -> tuple[float, ...]:
        """What strategies compare: the vector, or the one weighted sum when weights are given."""
        vec = self.vector(score)
        if self.weights is None:
            return vec
        total = 0.0
        for n, w, v in zip(self.names, self.weights, vec):
            if not math.isfinite(v):
                return (math.inf,)
            g = v if n == "accuracy" else math.log10(max(v, 1e-300))
            total += w * g
        return (total,)

    @staticmethod
    def violation(status: str, score: Mapping[str, object] | None) -> float:
        """0 for a result that fits, the number of violated limits for one that does not, inf on failure."""
        if status == "failed" or score is None:
            return math.inf
        if score.get("feasible"):
            return 0.0
        return float(max(1, len(score.get("violations") or ())))  # type: ignore[arg-type]

    def reference(self, points: Sequence[Sequence[float]]) -> tuple[float, ...]:
        """A hypervolume reference point: accuracy 0, else 1.1 × the worst finite value seen."""
        ref = []
        for k, n in enumerate(self.names):
            if n == "accuracy":
                ref.append(0.0)
                continue
            vals = [p[k] for p in points if math.isfinite(p[k])]
            ref.append(1.1 * max(vals) if vals else 1.0)
        return tuple(ref)
