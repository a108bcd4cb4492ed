"""Search spaces: global (layer-wise), block-wise and cell-based, behind one interface (``base``)."""

from __future__ import annotations

from typing import Any

from snnas.space.base import Candidate, Decision, Genome, SearchSpace, SpaceError
from snnas.space.block import BlockSpace
from snnas.space.cell import CellSpace
from snnas.space.global_ import GlobalSpace

__all__ = ["SPACES", "BlockSpace", "Candidate", "CellSpace", "Decision", "Genome", "GlobalSpace", "SearchSpace",
           "SpaceError", "make_space"]

SPACES: dict[str, Any] = {"global": GlobalSpace, "block": BlockSpace, "cell": CellSpace}


def make_space(name: str, **options: Any) -> SearchSpace:
    """The space called ``name`` with its options; SpaceError naming the choices otherwise."""
    if name not in SPACES:
        raise SpaceError(f"unknown space {name!r}; choose one of {', '.join(SPACES)}")
    try:
        return SPACES[name](**options)  # type: ignore[no-any-return]
    except TypeError as exc:
        raise SpaceError(f"space {name!r}: bad options {options}: {exc}") from exc
