"""What a search found: Pareto fronts per chip, hypervolume over evaluations, the best architectures
drawn, and an HTML page that gathers them. Pure functions over the store's rows; matplotlib (Agg) only
for the PNGs.

The hypervolume of a chip is taken over its fitting, scored evaluations in the run's objectives (all
minimised: −accuracy, energy [J], latency [s], ...), with the reference point of
:meth:`snnas.search.objectives.Objectives.reference` over all of that chip's points (accuracy 0, 1.1 ×
the worst value of every cost), so curves of one run are comparable with each other.
"""

from __future__ import annotations

import html
import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from snnas.search.objectives import Objectives
from snnas.search.pareto import hypervolume, pareto_mask
from snnas.search.store import Row, Store
from snnas.space import make_space

__all__ = ["front", "hypervolume_curve", "objectives_of", "scored", "write_report"]


def objectives_of(meta: dict[str, Any]) -> Objectives:
    """The objectives a stored run used."""
    o = meta.get("config", {}).get("objectives", {"names": ["accuracy", "energy"]})
    return Objectives(tuple(o["names"]), None if o.get("weights") is None else tuple(o["weights"]))


def scored(rows: Sequence[Row], objectives: Objectives) -> list[tuple[Row, tuple[float, ...]]]:
    """Full-fidelity rows that fit their chip and have every objective, with their objective vectors."""
    out = []
    for r in rows:
        if r.status != "ok" or r.score is None or not r.full:
            continue
        v = objectives.vector(r.score)
        if all(math.isfinite(x) for x in v):
            out.append((r, v))
    return out


def front(rows: Sequence[Row], objectives: Objectives) -> list[Row]:
    """The non-dominated fitting rows, best accuracy first (one per distinct genome)."""
    pts = scored(rows, objectives)
    seen: dict[str, tuple[Row, tuple[float, ...]]] = {}
    for r, v in pts:
        seen.setdefault(r.genome_key, (r, v))
    pts = list(seen.values())
    if not pts:
        return []
    mask = pareto_mask(np.array([v for _, v in pts]))
    return sorted((r for (r, _), m in zip(pts, mask) if m), key=lambda r: objectives.vector(r.score)[0])


def hypervolume_curve(rows: Sequence[Row], objectives: Objectives,
                      reference: Sequence[float] | None = None) -> tuple[list[float], tuple[float, ...]]:
    """Hypervolume after each evaluation of one chip (in ask order), and the reference point used."""
    pts = scored(rows, objectives)
    ref = tuple(reference) if reference is not None else objectives.reference([v for _, v in pts])
    ok = {r.idx: v for r, v in pts}
    curve, acc = [], []
    for r in rows:
        if r.status == "duplicate":
            continue
        if r.idx in ok:
            acc.append(ok[r.idx])
        curve.append(hypervolume(np.array(acc), ref) if acc else 0.0)
    return curve, ref


_COLUMNS = ("accuracy_float", "accuracy_chip", "energy_j", "latency_s", "spikes_per_inference")
_COSTS = {"energy_j": "energy", "latency_s": "latency"}


def unknown_terms(score: Mapping[str, Any] | None, quantity: str) -> tuple[str, ...]:
    """The chip figures missing from a stored score's ``quantity`` (``"energy"`` or ``"latency"``): when any
    is named, the value is the sum of the known terms only, a lower bound (a partial total)."""
    s = score or {}
    missing = s.get(f"{quantity}_missing")
    if missing:
        return tuple(missing)
    if quantity == "energy" and s.get("energy_j") is not None and s.get("energy_complete") is False \
            and "energy_missing" not in s:
        return ("(figures not recorded by this store's version)",)
    return ()


def cost_text(score: Mapping[str, Any] | None, key: str, fmt: Callable[[Any], str]) -> str:
    """A cost cell: ``fmt(value)``, prefixed by ≥ when the value is partial (:func:`unknown_terms`)."""
    value = (score or {}).get(key)
    text = fmt(value)
    return f"≥{text}" if key in _COSTS and value is not None and unknown_terms(score, _COSTS[key]) else text


def partial_footnote(scores: Sequence[Mapping[str, Any] | None]) -> str:
    """One line naming the missing figures behind the partial (≥) costs of ``scores``, or ""."""
    names: dict[str, None] = {}
    for sc in scores:
        for key, quantity in _COSTS.items():
            if (sc or {}).get(key) is not None:
                names.update(dict.fromkeys(unknown_terms(sc, quantity)))
    return f"≥: partial total (a lower bound), the chip file leaves unknown: {', '.join(names)}" if names else ""


def _fmt(v: Any) -> str:
    return "-" if v is None else f"{v:.4g}" if isinstance(v, float) else html.escape(str(v))


def _pyplot() -> Any:
    from snnas.mapping.plot import _pyplot as p

    return p()


def _layers(space: Any, genome_json: str) -> tuple[int, ...]:
    """Population sizes of a stored genome's hidden layers (graph networks: their nodes, in order)."""
    from snnas.space.base import Genome

    cand = space.candidate(Genome.from_json(genome_json))
    if cand.kind == "graph":
        return tuple(int(n) for _, n in cand.arch("nodes"))
    return tuple(int(n) for n in cand.arch("hidden"))


def write_report(store_path: str | os.PathLike[str], out_dir: str | os.PathLike[str]) -> list[Path]:
    """PNGs (front per chip, hypervolume per chip, best architectures) and ``index.html``; returns the files."""
    plt = _pyplot()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with Store(store_path) as st:
        meta, rows = st.meta(), st.rows()
    obj = objectives_of(meta)
    chips = list(dict.fromkeys(meta.get("config", {}).get("targets", []) + [r.chip for r in rows]))
    written: list[Path] = []
    sections = []
    x_name = obj.names[1] if len(obj.names) > 1 else obj.names[0]
    units = {"energy": "J", "latency": "s", "spikes": "spikes", "accuracy": ""}
    for chip in chips:
        mine = [r for r in rows if r.chip == chip]
        pts = scored(mine, obj)
        fr = front(mine, obj)
        counts = {s: sum(1 for r in mine if r.status == s) for s in ("ok", "infeasible", "failed", "duplicate")}
        # Pareto front: accuracy against the first cost objective.
        fig, ax = plt.subplots(figsize=(6.4, 4.4), dpi=110)
        if pts and len(obj.names) > 1:
            k = obj.names.index(x_name)
            a = obj.names.index("accuracy") if "accuracy" in obj.names else 0
            xs = [v[k] for _, v in pts]
            ys = [-v[a] if obj.names[a] == "accuracy" else v[a] for _, v in pts]
            ax.scatter(xs, ys, s=14, c="0.6", label="evaluated (fits)")
            fv = [obj.vector(r.score) for r in fr]
            ax.plot([v[k] for v in fv], [-v[a] if obj.names[a] == "accuracy" else v[a] for v in fv], "o-", c="crimson",
                    label="Pareto front")
            ax.set_xscale("log" if min(xs) > 0 else "linear")
            ax.set_xlabel(f"{x_name} per inference [{units[x_name]}]")
            ax.set_ylabel("chip accuracy" if obj.names[a] == "accuracy" else obj.names[a])
            ax.legend(loc="lower right")
        ax.set_title(f"{chip}: {counts['ok']} fit, {counts['infeasible']} infeasible, {counts['failed']} failed")
        p = out / f"front_{chip}.png"
        fig.tight_layout()
        fig.savefig(p)
        plt.close(fig)
        written.append(p)
        # Hypervolume over evaluations.
        curve, ref = hypervolume_curve(mine, obj)
        fig, ax = plt.subplots(figsize=(6.4, 3.6), dpi=110)
        spent = np.cumsum([r.fidelity for r in mine if r.status != "duplicate"])
        ax.plot(spent, curve, c="navy")
        multi = any(not r.full for r in mine)
        ax.set_xlabel("budget spent (full trainings; a lower-fidelity evaluation counts its fidelity)" if multi
                      else "evaluations")
        ax.set_ylabel("hypervolume")
        ax.set_title(f"{chip}: hypervolume of ({', '.join(obj.names)}), reference {tuple(f'{r:.3g}' for r in ref)}")
        fig.tight_layout()
        p = out / f"hypervolume_{chip}.png"
        fig.savefig(p)
        plt.close(fig)
        written.append(p)
        # The best architectures (the front, up to 4), drawn as layer stacks.
        best = fr[:4]
        if best:
            from snnas.chip import load_chip

            cfg = meta.get("config", {})
            space = make_space(cfg.get("space", "global"), **cfg.get("space_options", {})).restrict(load_chip(chip))
            fig, axes = plt.subplots(1, len(best), figsize=(3.2 * len(best), 3.6), dpi=110, squeeze=False)
            for axb, r in zip(axes[0], best):
                hidden = _layers(space, r.genome)
                widths = list(hidden) + [10]
                for i, w in enumerate(widths):
                    h = 0.15 + 0.85 * math.log2(w + 1) / math.log2(max(widths) + 1)
                    axb.add_patch(plt.Rectangle((i - 0.35, 0.5 - h / 2), 0.7, h, color="steelblue" if i < len(hidden)
                                                else "darkorange"))
                    axb.text(i, 0.5, str(w), ha="center", va="center", color="white", fontsize=9)
                axb.set_xlim(-0.6, len(widths) - 0.4)
                axb.set_ylim(-0.1, 1.1)
                axb.axis("off")
                sc = r.score or {}
                axb.set_title(f"#{r.idx} acc {sc.get('accuracy_chip') or 0:.3f}\n{sc.get('energy_j') or 0:.3g} J",
                              fontsize=9)
                axb.text(0, -0.05, r.description, fontsize=6, va="top", wrap=True)
            fig.suptitle(f"{chip}: Pareto-optimal architectures (hidden layers blue, output orange)", fontsize=10)
            fig.tight_layout()
            p = out / f"architectures_{chip}.png"
            fig.savefig(p)
            plt.close(fig)
            written.append(p)
        table = "".join(
            f"<tr><td>{r.idx}</td><td>{html.escape(r.description)}</td>"
            + "".join(f"<td>{cost_text(r.score, k, _fmt)}</td>" for k in _COLUMNS) + "</tr>" for r in fr)
        note = partial_footnote([r.score for r in fr])
        pics = "".join(f'<img src="{q.name}">' for q in written if q.stem.endswith(chip))
        sections.append(
            f"<h2>{html.escape(chip)}</h2><p>{len(mine)} asks: {counts['ok']} fit and scored, {counts['infeasible']} "
            f"infeasible (never trained), {counts['failed']} failed, {counts['duplicate']} duplicates. Final "
            f"hypervolume {curve[-1] if curve else 0:.4g}.</p>"
            f"<h3>Pareto front</h3><table><tr><th>#</th><th>architecture</th><th>float acc.</th>"
            f"<th>chip acc.</th><th>energy [J]</th><th>latency [s]</th><th>spikes</th></tr>"
            f"{table}</table>" + (f"<p><small>{html.escape(note)}</small></p>" if note else "") + pics)
    cfg = meta.get("config", {})
    page = (f"<!doctype html><meta charset='utf-8'><title>snnas search report</title>"
            f"<style>body{{font-family:sans-serif;max-width:1100px;margin:auto}}table{{border-collapse:collapse}}"
            f"td,th{{border:1px solid #ccc;padding:3px 6px;font-size:13px}}img{{max-width:100%}}</style>"
            f"<h1>snnas search: {html.escape(str(cfg.get('strategy')))} over "
            f"the {html.escape(str(cfg.get('space')))} space</h1><p>Store <code>{html.escape(str(store_path))}</code>; "
            f"objectives {html.escape(', '.join(obj.names))}; budget {meta.get('budget')} per chip.</p>"
            f"<details><summary>configuration</summary><pre>{html.escape(json.dumps(cfg, indent=1))}</pre></details>"
            + "".join(sections))
    p = out / "index.html"
    p.write_text(page)
    written.append(p)
    return written
