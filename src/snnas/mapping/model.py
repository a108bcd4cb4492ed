"""What a mapping produces: where every neuron sits, and a report of every limit it breaks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["AxonCost", "CoreUsage", "FeasibilityReport", "Mapping", "Violation"]


@dataclass(frozen=True)
class Mapping:
    """Neurons on cores, cores on the chip.

    Attributes:
        chip: id of the chip mapped onto.
        mapper: name of the mapper that produced it.
        neuron_core: logical core of every global neuron index (``-1`` for input neurons, which are
            off-chip and reach the chip through its input port at mesh position (0, 0)).
        core_slot: physical core id (0 .. chip cores - 1) of each logical core.
        core_xy: ``(x, y)`` router position of each logical core (``None`` when the chip has no mesh).
    """

    chip: str
    mapper: str
    neuron_core: NDArray[np.int32]
    core_slot: NDArray[np.int32]
    core_xy: NDArray[np.int32] | None

    @property
    def num_cores(self) -> int:
        return int(self.core_slot.size)


@dataclass(frozen=True)
class Violation:
    """One broken limit: which, where, how much was needed and how much there is, what to do."""

    constraint: str  # a chip-file path such as "core.max_neurons", or a named rule such as "cores"
    required: float
    available: float
    hint: str
    population: str | None = None
    core: int | None = None  # logical core
    neuron: int | None = None  # index within the population

    def __str__(self) -> str:
        where = ", ".join(f"{k} {v}" for k, v in (("population", self.population), ("core", self.core),
                                                   ("neuron", self.neuron)) if v is not None)
        at = f" at {where}" if where else ""
        return f"{self.constraint}{at}: needs {self.required:g}, has {self.available:g}. {self.hint}"


@dataclass(frozen=True)
class CoreUsage:
    """Resources one logical core uses, and the fraction of each limit (None when the limit is unknown)."""

    core: int
    neurons: int
    synapses: int
    synapse_bits: int
    axons_in: int
    axons_out: int
    dest_cores: int
    utilisation: dict[str, float | None]


@dataclass(frozen=True)
class AxonCost:
    """What one weight per axon type costs a mapping (TrueNorth; :mod:`snnas.mapping.axons`).

    Attributes:
        axon_types: the types the weights use (2 for trinary weights: +s_j and -s_j).
        axons: input axons over all cores: one per (source, type) reaching a core.
        neurons: the network's neurons placed on the chip.
        copies_polarity: extra neuron copies for neurons driving axons of several types on one core.
        copies_fanout: extra neuron copies for neurons driving several cores.
    """

    axon_types: int
    axons: int
    neurons: int
    copies_polarity: int
    copies_fanout: int

    @property
    def neuron_slots(self) -> int:
        """Neurons placed with their copies."""
        return self.neurons + self.copies_polarity + self.copies_fanout


@dataclass(frozen=True, kw_only=True)
class FeasibilityReport:
    """Whether the mapped network fits, every violation, and how well it is placed.

    ``inter_core_spikes``, ``hop_weighted_packets``, ``mean_hops`` and ``max_hops`` are per unit of the
    given firing rates (spikes per neuron per step; 1 when no rates were given): packets are one per
    spike per destination core, hops are dimension-order (XY) router hops. ``axon_cost``: the typed axons and
    neuron copies on a chip with one weight per axon type (None elsewhere); packets are then one per axon.
    """

    chip: str
    mapper: str
    feasible: bool
    violations: tuple[Violation, ...]
    cores_used: int
    cores_available: int
    core_usage: tuple[CoreUsage, ...]
    inter_core_spikes: float
    packets: float
    hop_weighted_packets: float | None
    mean_hops: float | None
    max_hops: int | None
    mapper_seconds: float
    notes: tuple[str, ...] = field(default=())
    axon_cost: AxonCost | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (per-core usage included)."""
        return {
            "chip": self.chip, "mapper": self.mapper, "feasible": self.feasible,
            "violations": [dict(v.__dict__) for v in self.violations],
            "cores_used": self.cores_used, "cores_available": self.cores_available,
            "core_usage": [dict(u.__dict__) for u in self.core_usage],
            "inter_core_spikes": self.inter_core_spikes, "packets": self.packets,
            "hop_weighted_packets": self.hop_weighted_packets, "mean_hops": self.mean_hops,
            "max_hops": self.max_hops, "mapper_seconds": self.mapper_seconds, "notes": list(self.notes),
            "axon_cost": None if self.axon_cost is None else {**self.axon_cost.__dict__,
                                                               "neuron_slots": self.axon_cost.neuron_slots},
        }
