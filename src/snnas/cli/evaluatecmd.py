"""``snnas evaluate``: one network on several chips side by side: fits or not, energy, latency, placement."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from snnas.chip.summary import format_value
from snnas.cli.mapcmd import load_network
from snnas.errors import SnnasError
from snnas.export import write_csv, write_text
from snnas.mapping import MAPPERS

__all__ = ["register"]


def _rows(results: list[Any]) -> list[dict[str, Any]]:
    rows = []
    for r in results:
        e = r.energy["placement"]
        util = [max([v for v in u.utilisation.values() if v is not None], default=0.0) for u in r.report.core_usage]
        rows.append({
            "chip": r.chip, "feasible": r.feasible, "violations": len(r.report.violations),
            "cores": r.report.cores_used, "energy_j": e.total_j, "energy_complete": e.complete,
            "energy_device_j": r.energy["device"].total_j, "energy_neurobench_j": r.energy["neurobench"].total_j,
            "latency_s": r.latency.total_s, "mean_hops": r.report.mean_hops, "max_utilisation": max(util, default=0.0),
        })
    return rows


class EvaluateCommand:
    """snnas evaluate NET --targets A,B,C: simulate once, then map and cost the network on every chip."""

    name = "evaluate"
    help = "evaluate a network on several chips: feasibility, violations, energy, latency, placement"

    @staticmethod
    def add_arguments(p: argparse.ArgumentParser) -> None:
        p.add_argument("network", help="network file (.nir)")
        p.add_argument("--targets", required=True, help="comma-separated chip ids or YAML files")
        p.add_argument("--mapper", choices=MAPPERS, default="traffic")
        p.add_argument("--dt", type=float, default=1e-3, help="simulation step in seconds (NIR has none; default 1e-3)")
        p.add_argument("--steps", type=int, default=100, help="steps of the input raster (default 100)")
        p.add_argument("--rate", type=float, default=0.1,
                       help="spike probability per input per step of the seeded default raster (default 0.1)")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--json", metavar="FILE", help="write every result (violations, energy terms) as JSON")
        p.add_argument("--csv", metavar="FILE", help="write the comparison table as CSV")

    @staticmethod
    def run(args: argparse.Namespace) -> int:
        from snnas.evaluate.onchip import evaluate_on_chips

        if args.steps <= 0 or not 0.0 <= args.rate <= 1.0:
            raise SnnasError(f"--steps must be > 0 and --rate in [0, 1], got {args.steps} and {args.rate}")
        console = Console(width=None if sys.stdout.isatty() else 160)
        net = load_network(args.network, args.dt)
        chips = [c.strip() for c in args.targets.split(",") if c.strip()]
        console.print(f"{net.name}: {net.num_neurons:,} neurons, {net.to_csr().num_synapses:,} synapses; input: "
                      f"seeded Bernoulli raster, {args.steps} steps of {args.dt:g} s at {args.rate:g} spikes/step")
        results = evaluate_on_chips(net, chips, n_steps=args.steps, mapper=args.mapper, seed=args.seed,
                                    input_rate=args.rate)
        rows = _rows(results)
        table = Table(box=box.SIMPLE_HEAVY, header_style="bold", title="per inference (placement-aware energy; "
                      "* = some energy terms unknown for this chip)")
        for col in ("chip", "fits", "violations", "cores", "energy", "energy (device)", "energy (NeuroBench)",
                    "latency", "mean hops", "max util."):
            table.add_column(col, justify="left" if col == "chip" else "right")
        for row in rows:
            partial = not row["energy_complete"] and row["energy_j"] is not None
            table.add_row(row["chip"], "yes" if row["feasible"] else "[red]no[/red]", str(row["violations"]),
                          str(row["cores"]), format_value(row["energy_j"], "J") + ("*" if partial else ""),
                          format_value(row["energy_device_j"], "J"), format_value(row["energy_neurobench_j"], "J"),
                          format_value(row["latency_s"], "s"),
                          "-" if row["mean_hops"] is None else f"{row['mean_hops']:.2f}",
                          f"{100 * row['max_utilisation']:.0f}%")
        console.print(table)
        for r in results:
            if not r.feasible:
                console.print(f"[bold]{r.chip_name}[/bold] does not fit:")
                for v in r.report.violations:
                    console.print(f"  [red]x[/red] {v}", highlight=False)
        if args.json:
            write_text(args.json, json.dumps([r.to_dict() for r in results], indent=2, default=float) + "\n")
            console.print(f"results: {args.json}")
        if args.csv:
            write_csv(args.csv, rows)
            console.print(f"table: {args.csv}")
        return 0


def register(groups: Any) -> None:
    p = groups.add_parser(EvaluateCommand.name, help=EvaluateCommand.help, description=EvaluateCommand.__doc__)
    EvaluateCommand.add_arguments(p)
    p.set_defaults(run=EvaluateCommand.run)
