"""A search candidate (plain data from :mod:`snnas.space`) read as the trainer's configuration.

The space describes an architecture and its settings without knowing the trainer; this module is where the
two meet: a ``"layers"`` candidate becomes a :class:`~snnas.train.config.TrainConfig`, a ``"graph"`` one a
:class:`~snnas.train.graph.GraphConfig` whose training settings are a TrainConfig.
"""

from __future__ import annotations

from typing import Any

from snnas.data.datasets import Dataset
from snnas.ir.network import Network
from snnas.space.base import Candidate
from snnas.train.config import TrainConfig
from snnas.train.fit import TrainError
from snnas.train.graph import GraphConfig, GraphEdge

__all__ = ["config_of", "network_of"]

_LAYER_FIELDS = frozenset({"hidden", "recurrent", "neuron", "tau_m", "reset"})
_GRAPH_FIELDS = frozenset({"nodes", "edges", "neuron"})


def config_of(candidate: Candidate) -> TrainConfig | GraphConfig:
    """The trainer's configuration of ``candidate`` (progress bars off: a search trains many).

    Raises:
        TrainError: an architecture field the trainer does not know, naming it.
    """
    arch = dict(candidate.architecture)
    settings: dict[str, Any] = {"progress": False, **dict(candidate.settings)}
    if candidate.kind == "layers":
        unknown = sorted(set(arch) - _LAYER_FIELDS)
        if unknown:
            raise TrainError(f"candidate: unknown layer architecture fields {unknown}")
        return TrainConfig(**{**arch, **settings})
    unknown = sorted(set(arch) - _GRAPH_FIELDS)
    if unknown:
        raise TrainError(f"candidate: unknown graph architecture fields {unknown}")
    train = TrainConfig(neuron=arch["neuron"], **settings)
    edges = tuple(GraphEdge(*edge) for edge in arch["edges"])
    return GraphConfig(tuple(arch["nodes"]), edges, train)


def network_of(candidate: Candidate, data: Dataset) -> Network:
    """The IR network ``candidate`` decodes to for ``data``'s input and output sizes, with the random starting
    weights its training would draw (:func:`snnas.train.trained.untrained`): what is mapped and checked for
    feasibility before anything is trained."""
    from snnas.train.trained import untrained

    return untrained(config_of(candidate), data)
