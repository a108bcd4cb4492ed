"""Cores on the mesh: router positions, dimension-order (XY) hop counts, and placement by annealing."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from snnas.chip import Chip

__all__ = ["anneal_placement", "hop_matrix", "slot_positions"]


def slot_positions(chip: Chip) -> NDArray[np.int32] | None:
    """``(x, y)`` of the router of every physical core: tile = core // cores_per_tile, row-major in x.

    None when the chip has no mesh (single core, layer graph, or mesh shape unknown).
    """
    mesh = chip.topology.mesh
    if mesh is None or chip.topology.noc not in ("mesh2d", "torus2d", "multicast_mesh"):
        return None
    per_tile = chip.topology.cores_per_tile or 1
    tiles = np.arange(chip.topology.cores) // per_tile
    return np.stack([tiles % mesh[0], tiles // mesh[0]], axis=1).astype(np.int32)


def hop_matrix(xy: NDArray[np.int32]) -> NDArray[np.int32]:
    """XY routing: hops(a, b) = |x_a - x_b| + |y_a - y_b| (0 within a tile)."""
    # numpy's stubs type np.abs of an array difference as Any: the annotation restores the type.
    hops: NDArray[np.int32] = (np.abs(xy[:, None, 0] - xy[None, :, 0])
                               + np.abs(xy[:, None, 1] - xy[None, :, 1])).astype(np.int32)
    return hops


def anneal_placement(traffic: NDArray[np.float64], port_traffic: NDArray[np.float64], slots_xy: NDArray[np.int32],
                     seed: int = 0, moves: int | None = None) -> NDArray[np.int32]:
    """Assign k logical cores to physical slots minimising Σ traffic[a, b]·hops(a, b) + Σ port[a]·hops(port, a).

    Simulated annealing over swaps (a logical core with another, or with a free slot), starting from the
    row-major order, with a geometric cooling schedule. Deterministic for a seed.

    Args:
        traffic: k×k packets between logical cores (any direction; symmetrised here).
        port_traffic: k packets arriving from the chip's input port at (0, 0).
        slots_xy: positions of all physical slots, ``(n_slots, 2)``.
    """
    k = traffic.shape[0]
    n = slots_xy.shape[0]
    t = traffic + traffic.T
    np.fill_diagonal(t, 0.0)
    hops = hop_matrix(slots_xy).astype(np.float64)
    port_hops = (slots_xy[:, 0] + slots_xy[:, 1]).astype(np.float64)
    slot = np.arange(k)  # logical -> physical
    if k <= 1 or not t.any() and not port_traffic.any():
        return slot.astype(np.int32)
    owner = np.full(n, -1)
    owner[:k] = np.arange(k)
    rng = np.random.default_rng(seed)

    def cost_of(a: int, s: int) -> float:
        """Cost of logical core a sitting at slot s, given every other core where it is."""
        return float(t[a] @ hops[s, slot] + port_traffic[a] * port_hops[s])

    total = sum(cost_of(a, slot[a]) for a in range(k)) / 2 + float(port_traffic @ port_hops[slot]) / 2
    moves = moves or max(2000, 60 * k)
    temp = max(total / max(k, 1), 1e-9) * 0.5
    cool = math.exp(math.log(1e-4) / moves)
    best, best_total = np.copy(slot), total
    for _ in range(moves):
        a = int(rng.integers(k))
        s_new = int(rng.integers(n))
        s_old = int(slot[a])
        if s_new == s_old:
            continue
        b = int(owner[s_new])
        before = cost_of(a, s_old) + (cost_of(b, s_new) if b >= 0 else 0.0)
        slot[a] = s_new
        if b >= 0:
            slot[b] = s_old
        after = cost_of(a, s_new) + (cost_of(b, s_old) if b >= 0 else 0.0)
        # The a-b pair appears in both before and after at the same distance, so it cancels in delta.
        delta = after - before
        if delta <= 0 or rng.random() < math.exp(-delta / temp):
            owner[s_new], owner[s_old] = a, b
            total += delta
            if total < best_total - 1e-12:
                best, best_total = np.copy(slot), total
        else:
            slot[a] = s_old
            if b >= 0:
                slot[b] = s_new
        temp *= cool
    return best.astype(np.int32)
