"""``snnas map``: map one network onto one chip, print the feasibility report, optionally plot and save it."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from snnas.chip import load_chip
from snnas.errors import SnnasError
from snnas.export import write_text
from snnas.ir.network import Network
from snnas.mapping import MAPPERS, FeasibilityReport, map_network

__all__ = ["load_network", "print_report", "register"]


def load_network(path: str, dt: float) -> Network:
    """Read a network file (NIR, ``.nir``) with simulation step ``dt`` seconds."""
    p = Path(path)
    if p.suffix.lower() != ".nir":
        raise SnnasError(f"{path}: unknown network format {p.suffix or '(no suffix)'!r}; expected a NIR file (.nir)")
    from snnas.ir.nir import read_nir

    return read_nir(p, dt)


def print_report(report: FeasibilityReport, console: Console) -> None:
    """The report as people read it: verdict, violations, placement figures, busiest cores."""
    verdict = ("[green]feasible[/green]" if report.feasible
               else f"[red]infeasible[/red] ({len(report.violations)} violations)")
    console.print(f"{report.chip} ({report.mapper} mapper): {verdict}; {report.cores_used} of "
                  f"{report.cores_available} cores; mapped in {report.mapper_seconds:.2f} s")
    for v in report.violations:
        console.print(f"  [red]x[/red] {v}", highlight=False)
    hops = "n/a (no mesh)" if report.mean_hops is None else f"mean {report.mean_hops:.2f}, max {report.max_hops}"
    console.print(f"  packets per unit rate: {report.packets:,.0f} ({report.inter_core_spikes:,.0f} leave their core); "
                  f"hops: {hops}")
    if report.axon_cost is not None:
        a = report.axon_cost
        console.print(f"  axon types: {a.axons:,} axons of {a.axon_types} types; {a.neurons:,} neurons placed as "
                      f"{a.neuron_slots:,} ({a.copies_polarity:,} copies for polarity, "
                      f"{a.copies_fanout:,} for fan-out)")
    table = Table(box=box.SIMPLE, header_style="bold", title="busiest cores (fraction of each limit)")
    for col in ("core", "neurons", "synapses", "neurons %", "synapse mem %", "axons in %", "axons out %"):
        table.add_column(col, justify="right")

    def pct(x: float | None) -> str:
        return "-" if x is None else f"{100 * x:.0f}"

    busiest = sorted(report.core_usage, key=lambda u: -max([v or 0 for v in u.utilisation.values()], default=0))
    for u in busiest[:8]:
        f = u.utilisation
        table.add_row(str(u.core), f"{u.neurons:,}", f"{u.synapses:,}", pct(f["neurons"]), pct(f["synapse_memory"]),
                      pct(f["axons_in"]), pct(f["axons_out"]))
    console.print(table)
    for note in report.notes:
        console.print(f"  note: {note}", style="dim")


class MapCommand:
    """snnas map NET --target CHIP: partition, place and route one network; report every violated limit."""

    name = "map"
    help = "map a network onto a chip and report every violated limit"

    @staticmethod
    def add_arguments(p: argparse.ArgumentParser) -> None:
        p.add_argument("network", help="network file (.nir)")
        p.add_argument("--target", required=True, help="chip id (see 'snnas targets list') or chip YAML file")
        p.add_argument("--mapper", choices=MAPPERS, default="traffic")
        p.add_argument("--dt", type=float, default=1e-3, help="simulation step in seconds (NIR has none; default 1e-3)")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--plot", metavar="PNG", help="draw the placement: cores on the mesh, utilisation, traffic")
        p.add_argument("--json", metavar="FILE", help="write the report as JSON")

    @staticmethod
    def run(args: argparse.Namespace) -> int:
        console = Console(width=None if sys.stdout.isatty() else 140)
        net = load_network(args.network, args.dt)
        chip = load_chip(args.target)
        mapping, report = map_network(net, chip, args.mapper, seed=args.seed)
        print_report(report, console)
        if args.plot:
            from snnas.mapping.plot import plot_placement

            console.print(f"placement plot: {plot_placement(net, chip, mapping, report, args.plot)}")
        if args.json:
            write_text(args.json, json.dumps(report.to_dict(), indent=2) + "\n")
            console.print(f"report: {args.json}")
        return 0 if report.feasible else 1


def register(groups: Any) -> None:
    p = groups.add_parser(MapCommand.name, help=MapCommand.help, description=MapCommand.__doc__)
    MapCommand.add_arguments(p)
    p.set_defaults(run=MapCommand.run)
