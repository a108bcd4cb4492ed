"""``snnas table``: build a tabular benchmark (every genome of a small space evaluated once) and show one."""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from snnas.errors import SnnasError

__all__ = ["register"]


def _fraction(text: str) -> float:
    num, sep, den = text.partition("/")
    try:
        return float(num) / float(den) if sep else float(num)
    except (ValueError, ZeroDivisionError):
        raise SnnasError(f"--fidelities: expected numbers or fractions such as 1/9, got {text!r}") from None


class BuildCommand:
    """Evaluate every valid genome of a (small) space on each chip at each fidelity, with the real pipeline,
    into a table file; an interrupted build resumes when run again with the same options."""

    name = "build"
    help = "evaluate a small space exhaustively into a table (resumable)"

    @staticmethod
    def add_arguments(p: argparse.ArgumentParser) -> None:
        from snnas.search.fidelity import FIDELITIES
        from snnas.search.tasks import DATASETS
        from snnas.space import SPACES

        p.add_argument("table", help="the table file to write (.jsonl, or .jsonl.gz compressed)")
        p.add_argument("--space", choices=sorted(SPACES), default="global")
        p.add_argument("--space-option", action="append", default=[], metavar="KEY=VALUE",
                       help="a space option as JSON, e.g. widths=[8,32] n_steps=[2,8] (repeatable)")
        p.add_argument("--targets", default="loihi", help="comma-separated chip ids (default loihi)")
        p.add_argument("--dataset", choices=sorted(DATASETS), default="digits")
        p.add_argument("--dataset-option", action="append", default=[], metavar="KEY=VALUE",
                       help="a dataset option as JSON, e.g. samples_per_class=1000 (repeatable)")
        p.add_argument("--max-samples", type=int, help="stratified subsample of the dataset")
        p.add_argument("--epochs", type=int, default=6)
        p.add_argument("--patience", type=int, default=6)
        p.add_argument("--seed", type=int, default=0, help="training seed of every entry")
        p.add_argument("--eval-samples", type=int, default=32)
        p.add_argument("--fidelities", default="1/9,1/3,1", help="fidelities to evaluate (default 1/9,1/3,1)")
        p.add_argument("--fidelity", choices=FIDELITIES, default="epochs",
                       help="what a lower fidelity cuts: epochs (default), data, steps or curriculum")
        p.add_argument("--workers", type=int, default=1)
        p.add_argument("--limit", type=int, default=100_000, help="most assignments to enumerate (100000)")

    @staticmethod
    def run(args: argparse.Namespace) -> int:
        from snnas.cli.searchcmd import _csv, _dataset_options, _options
        from snnas.search.executors import ProcessExecutor
        from snnas.search.table import TableSpec, build_table
        from snnas.search.tasks import DatasetSpec

        if args.workers < 1:
            raise SnnasError(f"--workers must be >= 1, got {args.workers}")
        spec = TableSpec(space=args.space, space_options=_options(args.space_option), targets=_csv(args.targets),
                         dataset=DatasetSpec(args.dataset, _dataset_options(args.dataset_option), args.max_samples,
                                             args.seed), epochs=args.epochs,
                         patience=args.patience, seed=args.seed, eval_samples=args.eval_samples,
                         fidelity=args.fidelity, fidelities=tuple(_fraction(t) for t in _csv(args.fidelities)))
        console = Console(width=None if sys.stdout.isatty() else 200)
        t0 = time.perf_counter()
        columns = (TextColumn("[bold]entries"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TimeRemainingColumn())
        with ProcessExecutor(workers=args.workers) as ex, Progress(*columns, console=console) as bar:
            task = bar.add_task("entries", total=None)
            table = build_table(spec, args.table, ex, lambda i, n: bar.update(task, completed=i, total=n),
                                limit=args.limit)
        console.print(f"{args.table}: {len(table.outcomes)} entries ({len(table.genomes)} genomes × "
                      f"{len(spec.fidelities)} fidelities × {len(spec.targets)} chip(s)); created in "
                      f"{table.wall_seconds:.1f} s wall ({time.perf_counter() - t0:.1f} s this run), "
                      f"{table.evaluation_seconds():.1f} s of evaluations", highlight=False)
        return 0


class ShowCommand:
    """What a table holds: its spec, completeness, build time and per chip the best accuracy and front."""

    name = "show"
    help = "summarise a table file"

    @staticmethod
    def add_arguments(p: argparse.ArgumentParser) -> None:
        p.add_argument("table")
        p.add_argument("--objectives", default="accuracy,energy")
        p.add_argument("--json", action="store_true", help="print the summary as JSON")

    @staticmethod
    def run(args: argparse.Namespace) -> int:
        import numpy as np

        from snnas.search.objectives import Objectives
        from snnas.search.pareto import pareto_mask
        from snnas.search.table import read_table

        table = read_table(args.table)
        objectives = Objectives.parse(args.objectives)
        out: dict[str, Any] = {"file": str(Path(args.table)), "spec": table.spec.to_dict(), "created": table.created,
                               "complete": table.complete, "entries": len(table.outcomes),
                               "genomes": len(table.genomes), "build_wall_seconds": table.wall_seconds,
                               "evaluation_seconds": table.evaluation_seconds(), "chips": {}}
        for chip in table.spec.targets:
            full = [o for _, o in table.full(chip)]
            ok = [o["score"] for o in full if o["status"] == "ok"]
            acc = sorted(float(s["accuracy_chip"]) for s in ok)
            pts = [objectives.fitness(s) for s in ok]
            front = int(pareto_mask(np.array(pts)).sum()) if pts else 0
            out["chips"][chip] = {
                "full_fidelity": len(full), "ok": len(ok), "infeasible": sum(o["status"] == "infeasible" for o in full),
                "failed": sum(o["status"] == "failed" for o in full), "front": front,
                "accuracy": {"best": acc[-1] if acc else math.nan, "median": acc[len(acc) // 2] if acc else math.nan,
                             "worst": acc[0] if acc else math.nan}}
        if args.json:
            print(json.dumps(out, indent=1))
            return 0
        print(f"{out['file']}: {out['entries']} entries, {out['genomes']} genomes, "
              f"{'complete' if table.complete else 'INCOMPLETE'}; built {table.created} in "
              f"{table.wall_seconds:.1f} s wall, {out['evaluation_seconds']:.1f} s of evaluations")
        for chip, c in out["chips"].items():
            a = c["accuracy"]
            print(f"  {chip}: {c['ok']} ok, {c['infeasible']} infeasible, {c['failed']} failed at full fidelity; "
                  f"accuracy best {a['best']:.3f}, median {a['median']:.3f}, worst {a['worst']:.3f}; "
                  f"{c['front']} on the {'/'.join(objectives.names)} front")
        return 0


def register(groups: Any) -> None:
    p = groups.add_parser("table", help="tabular benchmarks: build one, show one (replay: snnas search --replay)")
    sub = p.add_subparsers(dest="table_command", metavar="SUBCOMMAND", required=True)
    for cmd in (BuildCommand, ShowCommand):
        q = sub.add_parser(cmd.name, help=cmd.help, description=cmd.__doc__)
        cmd.add_arguments(q)
        q.set_defaults(run=cmd.run)
