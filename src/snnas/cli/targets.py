"""``snnas targets``: list, show, compare and validate chip descriptions."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from snnas.chip import Chip, chip_files, figure_paths, load_chip, load_chip_file
from snnas.chip.summary import field_meta, format_value, key_figures
from snnas.errors import ChipSpecError

__all__ = ["register"]


def _console() -> Console:
    return Console(width=None if sys.stdout.isatty() else 160, soft_wrap=False)


def _emit_rows(header: list[str], rows: list[list[Any]], fmt: str, title: str) -> None:
    if fmt == "json":
        print(json.dumps([dict(zip(header, r)) for r in rows], indent=2, default=str))
        return
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(header)
        writer.writerows(rows)
        sys.stdout.write(buf.getvalue())
        return
    table = Table(title=title, box=box.SIMPLE_HEAVY, header_style="bold")
    for i, h in enumerate(header):
        table.add_column(h, no_wrap=i == 0)
    for r in rows:
        table.add_row(*("" if v is None else str(v) for v in r))
    _console().print(table)


class ListCommand:
    """snnas targets list: every chip visible by name, with its key figures."""

    name = "list"
    help = "list the chips snnas knows (shipped library and $SNNAS_TARGETS)"

    @staticmethod
    def add_arguments(p: argparse.ArgumentParser) -> None:
        p.add_argument("--format", choices=("table", "csv", "json"), default="table")

    @staticmethod
    def run(args: argparse.Namespace) -> int:
        header = ["id", "name", "vendor", "execution", "cores", "neurons/core", "weight bits",
                  "E synaptic op", "figures known", "origin"]
        rows: list[list[Any]] = []
        broken = []
        for entry in chip_files():
            try:
                chip = load_chip_file(entry.path)
            except ChipSpecError as err:
                broken.append((entry, err))
                continue
            figs = dict((label, text) for label, _, text in key_figures(chip))
            rows.append([chip.id, chip.name, chip.vendor, chip.execution.model, figs["cores"],
                         figs["neurons/core"], figs["weight bits"], figs["E synaptic op"],
                         figs["figures known"], entry.origin])
        _emit_rows(header, rows, args.format, f"{len(rows)} chips")
        for entry, exc in broken:
            print(f"snnas: skipped invalid chip file {entry.path} ({len(exc.problems)} problems; "
                  f"run 'snnas targets validate {entry.path}')", file=sys.stderr)
        return 1 if broken else 0


class ShowCommand:
    """snnas targets show NAME: every figure of a chip with its unit, basis and source."""

    name = "show"
    help = "show one chip's limits, precision, energy and timing, each with its source"

    @staticmethod
    def add_arguments(p: argparse.ArgumentParser) -> None:
        p.add_argument("chip", help="chip id (see 'snnas targets list') or path to a YAML file")
        p.add_argument("--all", action="store_true", help="also list unknown (null) figures")
        p.add_argument("--format", choices=("table", "yaml", "json"), default="table")

    @staticmethod
    def run(args: argparse.Namespace) -> int:
        chip = load_chip(args.chip)
        if args.format != "table":
            from snnas.chip.yamlio import dump_yaml

            data = chip.to_dict()
            print(json.dumps(data, indent=2) if args.format == "json" else dump_yaml(data), end="")
            return 0
        console = _console()
        console.print(f"[bold]{chip.name}[/bold] ({chip.id}), {chip.vendor}, {chip.kind}")
        if chip.description:
            console.print(chip.description)
        sources = dict(chip.sources)
        table = Table(box=box.SIMPLE_HEAVY, header_style="bold")
        for col in ("field", "value", "basis", "source"):
            table.add_column(col, overflow="fold")
        section = None
        for path, value in figure_paths(chip, with_null=args.all):
            head = path.split(".")[0]
            if head != section:
                section = head
                table.add_section()
            meta = field_meta(path)
            prov = chip.provenance_of(path)
            where = f"{prov.source}: {prov.locator}" if prov else ""
            shown = format_value(tuple(value) if isinstance(value, list) else value, meta.get("unit", ""))
            table.add_row(path, shown, prov.basis if prov else "", where)
        console.print(table)
        console.print("[bold]sources[/bold]")
        for key, citation in sources.items():
            console.print(f"  {key}: {citation}")
        if chip.notes:
            console.print(f"[bold]notes[/bold]: {chip.notes}")
        return 0


class CompareCommand:
    """snnas targets compare [NAME...]: key figures side by side."""

    name = "compare"
    help = "compare chips side by side (all chips when none is named)"

    @staticmethod
    def add_arguments(p: argparse.ArgumentParser) -> None:
        p.add_argument("chips", nargs="*", help="chip ids or YAML paths (default: every chip)")
        p.add_argument("--format", choices=("table", "csv", "json"), default="table")

    @staticmethod
    def run(args: argparse.Namespace) -> int:
        names = args.chips or [e.id for e in chip_files()]
        chips: list[Chip] = [load_chip(n) for n in names]
        columns = [key_figures(c) for c in chips]
        if args.format == "table":
            # One column per chip; split into several tables so every cell stays readable.
            per_table = max(1, (_console().width - 30) // 18)
            for start in range(0, len(chips), per_table):
                part = range(start, min(start + per_table, len(chips)))
                header = ["figure", *[chips[k].id for k in part]]
                rows: list[list[Any]] = [[label, *[columns[k][i][2] for k in part]]
                                         for i, (label, _, _) in enumerate(columns[0]) if label != "vendor"]
                _emit_rows(header, rows, "table", "key figures (unknown = not in the sources read)")
            return 0
        # One record per chip, raw values, for plotting and spreadsheets.
        header = ["id", *[label for label, _, _ in columns[0]]]
        records: list[list[Any]] = [
            [c.id, *[None if raw is None else text if isinstance(raw, (str, tuple)) else raw for _, raw, text in col]]
            for c, col in zip(chips, columns)
        ]
        _emit_rows(header, records, args.format, "")
        return 0


class ValidateCommand:
    """snnas targets validate FILE...: one line per problem; exit 0 when all valid, 1 when not."""

    name = "validate"
    help = "validate chip YAML files (default: every visible chip); exit 1 if any is invalid"

    @staticmethod
    def add_arguments(p: argparse.ArgumentParser) -> None:
        p.add_argument("files", nargs="*", type=Path, help="chip YAML files")
        p.add_argument("-q", "--quiet", action="store_true", help="print problems only")

    @staticmethod
    def run(args: argparse.Namespace) -> int:
        files = args.files or [e.path for e in chip_files()]
        bad = 0
        for path in files:
            try:
                chip = load_chip_file(path)
            except ChipSpecError as exc:
                bad += 1
                for problem in exc.problems:
                    print(problem)
                continue
            if not args.quiet:
                print(f"{path}: ok ({chip.name})")
        if not args.quiet:
            print(f"{len(files) - bad} valid, {bad} invalid", file=sys.stderr)
        return 1 if bad else 0


COMMANDS = (ListCommand, ShowCommand, CompareCommand, ValidateCommand)


def register(groups: Any) -> None:
    """Add ``targets`` and its subcommands to the top-level parser."""
    parser = groups.add_parser("targets", help="the chip library: list, show, compare, validate",
                               description="Neuromorphic chips described as YAML data.")
    sub = parser.add_subparsers(dest="command", metavar="SUBCOMMAND", required=True)
    for cmd in COMMANDS:
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.__doc__)
        cmd.add_arguments(p)
        p.set_defaults(run=cmd.run)


