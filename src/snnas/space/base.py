"""Genomes and the search-space interface every space implements.

A space is a fixed list of categorical :class:`Decision` s. A :class:`Genome` assigns one choice to each
decision; the space's ``repair`` makes any assignment valid (and canonical: decisions a genome does not
use are set to their first choice, so equal architectures hash equally). On top of that one
representation the base class gives every space:

* ``sample(rng)``: every decision uniformly, then repair;
* ``mutate(g, rng)``: one decision the genome uses changes to another choice (the result differs from g
  whenever the space has another valid genome);
* ``crossover(a, b, rng)``: each decision from either parent (uniform crossover), then repair;
* ``encode(g)``: a fixed-length vector in [0, 1]^D, decision d's choice index k of n mapped to
  k / (n − 1) (0 for a single choice); ``decode(x)`` rounds back to the nearest choice and repairs;
* ``Genome.key``: a stable hash (SHA-256 of the canonical JSON) for de-duplication and the store;
* ``restrict(chip)``: the same space with only the choices the chip can run.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from snnas.errors import SnnasError

__all__ = ["Candidate", "Decision", "Genome", "SearchSpace", "SpaceError"]

logger = logging.getLogger(__name__)


class SpaceError(SnnasError, ValueError):
    """A genome that does not belong to its space, or a space a chip cannot run at all."""


@dataclass(frozen=True)
class Decision:
    """One categorical decision: its name and its choices (JSON scalars), in a fixed order.

    ``ordered`` says whether neighbouring choices are alike (a width, a number of steps), which model-based
    strategies exploit; None lets them guess (numbers in monotone order are taken as ordered).
    """

    name: str
    choices: tuple[Any, ...]
    ordered: bool | None = None

    def __post_init__(self) -> None:
        if not self.choices:
            raise SpaceError(f"decision {self.name!r}: no choices")
        if len(set(map(_canon, self.choices))) != len(self.choices):
            raise SpaceError(f"decision {self.name!r}: repeated choices {self.choices}")


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True, eq=False)
class Genome:
    """One architecture of a space: ``values[decision name] = choice``; read-only once made (its key is
    computed once)."""

    space: str
    values: Mapping[str, Any] = field(default_factory=dict)

    @cached_property
    def key(self) -> str:
        """Stable 16-hex-digit hash of the space name and the values (same on every machine and run)."""
        text = _canon({"space": self.space, "values": dict(self.values)})
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Genome) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def to_json(self) -> str:
        return _canon({"space": self.space, "values": dict(self.values)})

    @classmethod
    def from_json(cls, text: str) -> Genome:
        try:
            d = json.loads(text)
            return cls(str(d["space"]), dict(d["values"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise SpaceError(f"not a genome: {text[:80]!r} ({exc})") from exc


Pairs = tuple[tuple[str, Any], ...]


def _pairs(values: Mapping[str, Any]) -> Pairs:
    return tuple(sorted(values.items()))


@dataclass(frozen=True)
class Candidate:
    """What a genome decodes to, as plain data (the space knows no trainer: the training stage reads it with
    :func:`snnas.train.candidate.config_of`).

    Attributes:
        kind: ``"layers"`` (a chain of hidden layers) or ``"graph"`` (populations and typed edges).
        architecture: layers: ``hidden`` (sizes), ``neuron``, ``recurrent`` and optionally ``tau_m`` [s] and
            ``reset``; graph: ``nodes`` ((name, size), ...), ``edges`` ((source, target, kind, delay), ...)
            and ``neuron``. Input and output sizes are the data's.
        settings: how the data meet it and the training budget: ``n_steps``, ``encoder`` and any training
            field (``epochs``, ``patience``, ``seed``, ...).
        weight_bits: the chip's weight precision for it.
        description: one line for people.
    """

    kind: Literal["layers", "graph"]
    architecture: Pairs
    settings: Pairs
    weight_bits: int | None = None
    description: str = ""

    @classmethod
    def of(cls, kind: Literal["layers", "graph"], architecture: Mapping[str, Any], settings: Mapping[str, Any],
           weight_bits: int | None = None, description: str = "") -> Candidate:
        """Build one from mappings (kept as sorted pairs: hashable, picklable, compared by value)."""
        if kind not in ("layers", "graph"):
            raise SpaceError(f"candidate kind must be 'layers' or 'graph', got {kind!r}")
        return cls(kind, _pairs(architecture), _pairs(settings), weight_bits, description)

    def arch(self, name: str, default: Any = None) -> Any:
        """One field of the architecture."""
        return dict(self.architecture).get(name, default)

    def setting(self, name: str, default: Any = None) -> Any:
        """One training setting."""
        return dict(self.settings).get(name, default)


class SearchSpace(ABC):
    """A search space: fixed categorical decisions, a repair that makes assignments valid and canonical,
    and the translation of a genome into something to train and score."""

    name: str = "space"

    def __init__(self, decisions: Sequence[Decision]) -> None:
        self.decisions = tuple(decisions)
        self._by_name = {d.name: d for d in self.decisions}
        if len(self._by_name) != len(self.decisions):
            raise SpaceError(f"{self.name}: repeated decision names")

    def decision(self, name: str) -> Decision:
        """The decision called ``name``; SpaceError naming the space's decisions otherwise."""
        if name not in self._by_name:
            raise SpaceError(f"{self.name}: no decision {name!r}; it has {', '.join(self._by_name)}")
        return self._by_name[name]

    # -- what each space defines -------------------------------------------------------------------
    @abstractmethod
    def repair(self, values: dict[str, Any]) -> dict[str, Any]:
        """Make an assignment valid and canonical (unused decisions at their first choice)."""

    def active(self, g: Genome) -> list[str]:
        """Decisions that change the architecture of ``g`` (those mutation may touch)."""
        return [d.name for d in self.decisions]

    @abstractmethod
    def candidate(self, g: Genome, **budget: Any) -> Candidate:
        """What ``g`` decodes to (:class:`Candidate`: architecture and settings as plain data); ``budget`` adds or
        overrides training settings (epochs, patience, seed, n_steps, ...)."""

    @abstractmethod
    def restrict(self, chip: Any) -> SearchSpace:
        """The space with only what ``chip`` can run; raises SpaceError if nothing is left."""

    def describe(self, g: Genome) -> str:
        """One line for humans."""
        return ", ".join(f"{k}={v}" for k, v in g.values.items())

    def spec(self) -> dict[str, Any]:
        """JSON description of the space (what the store records to refuse resuming another space)."""
        return {"space": self.name, "decisions": {d.name: list(d.choices) for d in self.decisions}}

    # -- generic operators ---------------------------------------------------------------------------
    def genome(self, values: Mapping[str, Any]) -> Genome:
        """Check ``values`` against the decisions, repair, and wrap."""
        out = {}
        for d in self.decisions:
            if d.name not in values:
                raise SpaceError(f"{self.name}: genome lacks decision {d.name!r}")
            v = values[d.name]
            if _canon(v) not in {_canon(c) for c in d.choices}:
                raise SpaceError(f"{self.name}: {d.name}={v!r} is not one of {list(d.choices)}")
            out[d.name] = _index_value(d, v)
        unknown = set(values) - set(self._by_name)
        if unknown:
            raise SpaceError(f"{self.name}: unknown decisions {sorted(unknown)}")
        return Genome(self.name, self.repair(out))

    def check(self, g: Genome) -> Genome:
        """``g`` if it belongs to this space (same name, valid values), else SpaceError."""
        if g.space != self.name:
            raise SpaceError(f"genome of space {g.space!r} given to space {self.name!r}")
        return self.genome(g.values)

    def sample(self, rng: np.random.Generator, tries: int = 100_000) -> Genome:
        """A genome drawn uniformly over the space's valid genomes (its canonical assignments).

        Each decision is drawn uniformly and the draw is kept only if it is already canonical
        (``repair`` leaves it unchanged): every valid genome is one such draw, so each is equally likely.
        Repairing every draw instead would favour the genomes many invalid draws repair into (one cell of
        the cell space took 4.4% of all draws that way). After ``tries`` draws without a canonical one
        (a space almost all of whose assignments repair), the last draw is repaired, and a warning says so.
        """
        values: dict[str, Any] = {}
        for _ in range(tries):
            values = {d.name: d.choices[int(rng.integers(len(d.choices)))] for d in self.decisions}
            repaired = self.repair(values)
            if _same(repaired, values):
                return Genome(self.name, repaired)
        logger.warning("%s: no canonical genome in %d uniform draws; sampling by repair (not uniform)",
                       self.name, tries)
        return Genome(self.name, self.repair(values))

    def mutate(self, g: Genome, rng: np.random.Generator, tries: int = 16) -> Genome:
        for _ in range(tries):
            names = [n for n in self.active(g) if len(self._by_name[n].choices) > 1]
            if not names:
                return g
            d = self._by_name[names[int(rng.integers(len(names)))]]
            others = [c for c in d.choices if _canon(c) != _canon(g.values[d.name])]
            values = dict(g.values)
            values[d.name] = others[int(rng.integers(len(others)))]
            child = Genome(self.name, self.repair(self._on_change(g, values, d.name, rng)))
            if child != g:
                return child
        return g

    def _on_change(self, old: Genome, values: dict[str, Any], changed: str,
                   rng: np.random.Generator) -> dict[str, Any]:
        """Hook for spaces whose decisions come alive when another changes (a new block gets random values)."""
        return values

    def crossover(self, a: Genome, b: Genome, rng: np.random.Generator) -> Genome:
        pick = rng.random(len(self.decisions)) < 0.5
        values = {d.name: (a.values if p else b.values)[d.name] for d, p in zip(self.decisions, pick)}
        return Genome(self.name, self.repair(values))

    @property
    def dims(self) -> int:
        return len(self.decisions)

    @cached_property
    def _choice_index(self) -> list[dict[Any, int]]:
        """Per decision, the (type, choice) of a scalar or its canonical JSON -> its position."""
        return [{_scalar_key(c): k for k, c in enumerate(d.choices)} for d in self.decisions]

    def encode(self, g: Genome) -> NDArray[np.float64]:
        """Each decision's choice index scaled to [0, 1] (0 for a decision with one choice)."""
        index = self._choice_index
        x = np.zeros(self.dims)
        for i, d in enumerate(self.decisions):
            if len(d.choices) > 1:
                x[i] = index[i][_scalar_key(g.values[d.name])] / (len(d.choices) - 1)
        return x

    def decode(self, x: Sequence[float] | NDArray[np.float64]) -> Genome:
        x = np.asarray(x, dtype=float)
        if x.shape != (self.dims,) or not np.all(np.isfinite(x)):
            raise SpaceError(f"{self.name}: encoding must be {self.dims} finite numbers, got shape {x.shape}")
        values = {}
        for xi, d in zip(np.clip(x, 0.0, 1.0), self.decisions):
            values[d.name] = d.choices[round(float(xi) * (len(d.choices) - 1))]
        return Genome(self.name, self.repair(values))

    def genomes(self, limit: int = 100_000) -> list[Genome]:
        """Every valid genome (canonical assignment: ``repair`` leaves it unchanged), in the order of the
        decisions' choices (the first decision varying slowest): what :meth:`sample` draws uniformly from.

        Raises:
            SpaceError: the space has more than ``limit`` assignments to go through.
        """
        if self.size() > limit:
            raise SpaceError(f"{self.name}: {self.size()} assignments to enumerate, more than the limit {limit}; "
                             f"configure a smaller space (fewer choices per decision)")
        out: list[Genome] = []
        for combo in itertools.product(*(d.choices for d in self.decisions)):
            values = {d.name: v for d, v in zip(self.decisions, combo)}
            repaired = self.repair(dict(values))
            if _same(repaired, values):
                out.append(Genome(self.name, repaired))
        return out

    def size(self) -> int:
        """Number of assignments (an upper bound on distinct architectures)."""
        return int(np.prod([len(d.choices) for d in self.decisions], dtype=object))


def _scalar_key(v: Any) -> Any:
    """A dictionary key equal for equal choices: (type, value) of a JSON scalar, else its canonical JSON."""
    return (type(v), v) if isinstance(v, (int, float, str, bool)) or v is None else _canon(v)


def _same(repaired: Mapping[str, Any], values: Mapping[str, Any]) -> bool:
    """``repair`` left ``values`` as they were: every value equal and of the same type (1 is not 1.0 nor
    True, as their JSON differs), the JSON comparison only where a value is no plain scalar."""
    for k, v in values.items():
        r = repaired[k]
        if type(r) is not type(v) or (r != v if isinstance(v, (int, float, str, bool)) or v is None
                                      else _canon(r) != _canon(v)):
            return False
    return True


def _index_value(d: Decision, v: Any) -> Any:
    """The choice object equal to v (so 8 and 8.0 map to the declared choice)."""
    for c in d.choices:
        if _canon(c) == _canon(v):
            return c
    return v
