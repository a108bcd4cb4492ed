"""Figures for people: where a mapping put its cores and how busy and chatty they are.

matplotlib is imported lazily and drawn with the non-interactive Agg backend, so plotting works on a
headless machine and costs nothing for users who never plot.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from snnas.chip import Chip
from snnas.errors import SnnasError
from snnas.ir.network import Network
from snnas.mapping import FeasibilityReport, Mapping
from snnas.mapping.usage import compute_usage

__all__ = ["plot_placement"]


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - matplotlib is a dependency
        raise SnnasError("plotting needs matplotlib: pip install matplotlib") from exc
    return plt


def _load(report: FeasibilityReport) -> np.ndarray:
    """Highest known utilisation fraction of every core (0 when no limit is known)."""
    return np.array([max([v for v in u.utilisation.values() if v is not None], default=0.0)
                     for u in report.core_usage])


def plot_placement(net: Network, chip: Chip, mapping: Mapping, report: FeasibilityReport, path: str | Path,
                   rates: np.ndarray | None = None) -> Path:
    """Draw the cores on the chip's mesh, coloured by utilisation, with lines for traffic between cores.

    Chips without a mesh get a bar chart of per-core utilisation instead. Returns the written path.
    """
    plt = _pyplot()
    out = Path(path)
    load = _load(report)
    fig, ax = plt.subplots(figsize=(8, 5), dpi=120)
    title = (f"{net.name} on {chip.name} ({mapping.mapper} mapper): {report.cores_used} cores, "
             f"{'feasible' if report.feasible else f'{len(report.violations)} violation(s)'}")
    if mapping.core_xy is None:
        colors = plt.cm.viridis(np.clip(load, 0, 1))
        ax.bar(np.arange(load.size), load, color=colors)
        ax.axhline(1.0, color="crimson", lw=1, ls="--", label="limit")
        ax.set_xlabel("core")
        ax.set_ylabel("highest utilisation (fraction of a limit)")
        ax.legend(loc="upper right")
    else:
        mesh = chip.topology.mesh or (1, 1)
        per_tile = chip.topology.cores_per_tile or 1
        side = int(np.ceil(np.sqrt(per_tile)))
        # Each core drawn inside its tile at a small offset so the cores of one tile do not overlap.
        centre = (side - 1) / 2
        offs = np.array([((s % side) - centre, (s // side) - centre) for s in mapping.core_slot % per_tile])
        pos = mapping.core_xy + 0.7 * offs / max(side, 1)
        usage = compute_usage(net.to_csr(), mapping.neuron_core, mapping.num_cores)
        r = np.ones(mapping.neuron_core.size) if rates is None else np.asarray(rates, dtype=float)
        src = mapping.neuron_core[usage.pair_pre]
        inner = (src >= 0) & (src != usage.pair_core)
        traffic = np.zeros((mapping.num_cores, mapping.num_cores))
        np.add.at(traffic, (src[inner], usage.pair_core[inner]), r[usage.pair_pre[inner]])
        if traffic.max() > 0:
            a_idx, b_idx = np.nonzero(traffic)
            w = traffic[a_idx, b_idx] / traffic.max()
            for a, b, lw in zip(a_idx, b_idx, w):
                ax.plot(pos[[a, b], 0], pos[[a, b], 1], color="0.4", lw=0.3 + 2.5 * lw, alpha=0.25 + 0.5 * lw, zorder=1)
        ax.set_xlim(-0.6, mesh[0] - 0.4)
        ax.set_ylim(mesh[1] - 0.4, -0.6)
        for x in range(mesh[0]):
            for y in range(mesh[1]):
                ax.add_patch(plt.Rectangle((x - 0.45, y - 0.45), 0.9, 0.9, fill=False, ec="0.85", lw=0.8, zorder=0))
        sc = ax.scatter(pos[:, 0], pos[:, 1], c=np.clip(load, 0, 1.2), cmap="viridis", vmin=0, vmax=1,
                        s=max(8, 600 / max(mesh)), edgecolors=["crimson" if v > 1 else "k" for v in load], zorder=2)
        fig.colorbar(sc, ax=ax, label="highest utilisation of a core limit")
        ax.set_xlabel("mesh x (tiles)")
        ax.set_ylabel("mesh y (tiles)")
        if report.mean_hops is not None:
            title += f"\nmean hops {report.mean_hops:.2f}, max {report.max_hops}, port at (0, 0); lines: traffic"
        ax.set_aspect("equal")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    try:
        fig.savefig(out)
    except OSError as exc:
        raise SnnasError(f"cannot write plot {out}: {exc}") from exc
    finally:
        plt.close(fig)
    return out
