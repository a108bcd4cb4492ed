"""``snnas search`` (find the best architectures per chip) and ``snnas report`` (plots and HTML of a run)."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from snnas.chip.summary import format_value
from snnas.errors import SnnasError, StoreInUseError

__all__ = ["register"]


def _csv(text: str) -> tuple[str, ...]:
    return tuple(t.strip() for t in text.split(",") if t.strip())


class SearchCommand:
    """snnas search: a hardware-aware architecture search, one Pareto front per chip, resumable."""

    name = "search"
    help = "search architectures per chip (accuracy on the chip, energy, latency, fits); resumable"

    @staticmethod
    def add_arguments(p: argparse.ArgumentParser) -> None:
        from snnas.search import STRATEGIES
        from snnas.search.fidelity import FIDELITIES
        from snnas.search.objectives import OBJECTIVES
        from snnas.search.tasks import DATASETS
        from snnas.space import SPACES

        p.add_argument("--space", choices=sorted(SPACES), default="global", help="search space (default global)")
        p.add_argument("--space-option", action="append", default=[], metavar="KEY=VALUE",
                       help="a space option as JSON, e.g. widths=[16,32] n_steps=[8,24] (repeatable)")
        p.add_argument("--strategy", choices=sorted(STRATEGIES), default="evolution", help="default evolution")
        p.add_argument("--targets", help="comma-separated chip ids (default loihi; with --replay, the table's)")
        p.add_argument("--dataset", choices=sorted(DATASETS), default="digits", help="default digits (offline)")
        p.add_argument("--dataset-option", action="append", default=[], metavar="KEY=VALUE",
                       help="a dataset option as JSON, e.g. samples_per_class=1000 delay=20 (repeatable)")
        p.add_argument("--max-samples", type=int, help="stratified subsample of the dataset (faster, rougher)")
        p.add_argument("--budget", type=int, help="evaluations per chip (default 60; on --resume, the stored one)")
        p.add_argument("--objectives", default="accuracy,energy",
                       help=f"comma-separated, from {', '.join(OBJECTIVES)} (default accuracy,energy)")
        p.add_argument("--weights", help="scalarise: one weight per objective (see snnas.search.objectives)")
        p.add_argument("--epochs", type=int, default=10, help="training epochs per candidate (default 10)")
        p.add_argument("--patience", type=int, default=4, help="early-stopping patience (default 4)")
        p.add_argument("--population", type=int, help="population of evolution / nsga2 (strategy's default)")
        p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                       help="a strategy option, repeatable (e.g. eta=3, min_fidelity=0.111, pool=500, lr=0.1)")
        p.add_argument("--fidelity", choices=FIDELITIES, default="epochs",
                       help="what a lower fidelity cuts (halving, hyperband, asha): epochs (default), data, steps, "
                            "or curriculum (fewer classes, samples and steps: an easier task)")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--no-checkpoints", action="store_true",
                       help="train every promotion from scratch (default: resume it from the lower rung's checkpoint "
                            "in STORE.checkpoints, paying only the added epochs)")
        p.add_argument("--workers", type=int, default=1, help="parallel evaluations (default 1)")
        p.add_argument("--executor", default="process",
                       help="process (default), inline, or dask://HOST:PORT of a running Dask scheduler")
        p.add_argument("--timeout", type=float, default=900.0, help="seconds per evaluation before it fails (900)")
        p.add_argument("--store", default="snnas-search.db", help="SQLite store (default snnas-search.db)")
        p.add_argument("--resume", action="store_true", help="continue the search in --store")
        p.add_argument("--replay", metavar="TABLE",
                       help="answer every evaluation from a table (snnas table build): the table's space, chips, "
                            "dataset and training settings are used, in milliseconds per evaluation")
        p.add_argument("--csv", metavar="FILE", help="also export every evaluation as CSV")
        p.add_argument("--json", metavar="FILE", help="also export every evaluation as JSON")
        p.add_argument("-v", "--verbose", action="store_true",
                       help="also print start-up timings: how long until the first new evaluation starts")

    @staticmethod
    def run(args: argparse.Namespace) -> int:
        """Run the search; SIGTERM ends it cleanly (the store's lock released, workers stopped), exit 143."""
        t0 = time.perf_counter()
        main_thread = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, _on_sigterm) if main_thread else None
        try:
            return SearchCommand._run(args, t0)
        except _Terminated:
            print(f"snnas: terminated (SIGTERM); the store's lock is released: continue with "
                  f"snnas search --resume --store {args.store}", file=sys.stderr)
            return 143
        finally:
            if main_thread:
                signal.signal(signal.SIGTERM, previous)

    @staticmethod
    def _run(args: argparse.Namespace, t0: float) -> int:
        from snnas.search.store import Store

        console = Console(stderr=False, width=None if sys.stdout.isatty() else 160)
        store_path = Path(args.store)
        if args.workers < 1:
            raise SnnasError(f"--workers must be >= 1, got {args.workers}")
        if args.budget is not None and args.budget < 1:
            raise SnnasError(f"--budget must be >= 1, got {args.budget}")
        if args.resume and not store_path.exists():
            raise SnnasError(f"--resume: no store at {store_path}")
        new_store = not store_path.exists()
        try:
            rows, config = SearchCommand._search(args, store_path, console, t0)
        except StoreInUseError:
            raise  # the store is another process's: never remove it
        except SnnasError:
            if new_store:  # a search refused before its first ask leaves no empty store behind
                with Store(store_path) as store:
                    empty = len(store) == 0
                if empty:
                    for suffix in ("", "-wal", "-shm"):
                        Path(f"{store_path}{suffix}").unlink(missing_ok=True)
            raise
        _print_fronts(console, rows, config.objectives)
        console.print(f"store: {store_path}; plots and HTML: snnas report {store_path}")
        return 0

    @staticmethod
    def _search(args: argparse.Namespace, store_path: Path, console: Console,
                t0: float) -> tuple[dict[str, Any], Any]:
        """Run or resume the search of ``args`` in ``store_path`` (the command started at ``t0``, by
        ``time.perf_counter``); the rows per chip and the configuration."""
        from snnas.search.executors import Watched, make_executor
        from snnas.search.loop import SearchConfig, config_from_identity, run_search
        from snnas.search.objectives import Objectives
        from snnas.search.report import cost_text
        from snnas.search.store import Store
        from snnas.search.tasks import DatasetSpec

        with Store(store_path) as store, store.writing() as lock:
            if lock.taken_over is not None:
                owner, why = lock.taken_over
                console.print(f"took over the lock of {store_path} from {owner.describe()} ({why})", highlight=False)
            meta = store.meta()
            started = "config" in meta or len(store) > 0
            if args.resume and not started:
                raise SnnasError(f"--resume: {store_path} holds no search yet")
            options: dict[str, Any] = {}
            if args.population is not None:
                options["population"] = args.population
            options.update(_options(args.option))
            config = SearchConfig(
                space=args.space, space_options=_options(args.space_option, "--space-option"),
                strategy=args.strategy, strategy_options=options,
                targets=_csv(args.targets or "loihi"),
                dataset=DatasetSpec(args.dataset, _dataset_options(args.dataset_option), args.max_samples, args.seed),
                budget=args.budget or 60,
                objectives=Objectives.parse(args.objectives, args.weights), seed=args.seed, epochs=args.epochs,
                patience=args.patience, fidelity=args.fidelity, lag=args.workers, checkpoints=not args.no_checkpoints)
            table = None
            if args.replay:
                from snnas.search.replay import replay_config
                from snnas.search.table import read_table

                table = read_table(args.replay)
                chips = _csv(args.targets) if args.targets else None
                config = replay_config(table, args.strategy, args.budget or 60, args.seed, config.objectives, options,
                                       chips)
                console.print(f"replaying {args.replay}: {len(table.outcomes)} outcomes of {len(table.genomes)} "
                              f"genomes on {', '.join(table.spec.targets)} (built {table.created})", highlight=False)
            if started and "config" in meta:
                same = {"fidelity": "epochs", **meta["config"], "lag": 0} == {**config.identity(), "lag": 0}
                if args.resume or same:  # the same command again continues (or just reports) its search
                    config = config_from_identity(meta["config"], args.budget or int(meta.get("budget", 60)))
                    console.print(f"resuming {store_path}: {len(store)} asks stored; the stored configuration is used")
                else:
                    raise SnnasError(f"{store_path} holds a search with other options: pass --resume to continue it "
                                     f"as it was configured, or choose another --store")
            total = config.budget * len(config.targets)
            console.print(f"{config.strategy} search over the {config.space} space on {', '.join(config.targets)}: "
                          f"{config.budget} evaluations per chip, {args.workers} worker(s), store {store_path}")
            columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                       TextColumn("{task.fields[last]}"), TimeElapsedColumn(), TimeRemainingColumn())
            stored = len(store)
            submitted: list[int] = []

            def on_submit(idx: int) -> None:
                if submitted:
                    return
                submitted.append(idx)
                age = _process_age()
                since = "" if age is None else f", {age:.2f} s after the process started"
                console.print(f"start-up: first new evaluation (ask {idx}) started {time.perf_counter() - t0:.2f} s "
                              f"after the command{since}; {stored} stored asks replayed", highlight=False)

            from snnas.search.table import TableExecutor

            with (TableExecutor(table) if table is not None else make_executor(args.executor, args.workers,
                                                                                args.timeout)) as inner, \
                    Progress(*columns, console=console, transient=False) as bar:
                executor = Watched(inner, on_submit) if args.verbose else inner
                task = bar.add_task("evaluations", total=total, last="")
                done0 = sum(r.fidelity for r in store.rows() if r.done and r.status != "duplicate")
                bar.update(task, completed=done0)

                def on_result(row: Any, finished: float, _total: int) -> None:
                    s = row.score or {}
                    acc = s.get("accuracy_chip")
                    at = f" @{row.fidelity:.2g}" if row.fidelity < 1 else ""
                    last = (f"{row.chip}{at} {row.status}" + (f" acc {acc:.3f}" if acc is not None else "")
                            + (f" {cost_text(s, 'energy_j', lambda v: format_value(v, 'J'))}"
                               if s.get("energy_j") else "")
                            + (f" ({row.error[:60]})" if row.error else ""))
                    bar.update(task, completed=finished, last=last)

                rows = run_search(config, store, executor, on_result)
            if args.csv:
                store.export_csv(args.csv)
            if args.json:
                store.export_json(args.json)
        return rows, config


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so that every context (the store's lock, the workers) unwinds."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Terminated


def _process_age() -> float | None:
    """Seconds since this process started (Linux: /proc/self/stat, to the clock tick), or None."""
    try:
        ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        return time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def _dataset_options(items: list[str]) -> tuple[tuple[str, Any], ...]:
    """--dataset-option KEY=VALUE pairs as a DatasetSpec's options (sorted, so equal options compare equal)."""
    return tuple(sorted(_options(items, "--dataset-option").items()))


def _options(items: list[str], flag: str = "--option") -> dict[str, Any]:
    """--option KEY=VALUE pairs; a VALUE is read as JSON when it parses (3, 0.5, true, "x"), else text."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise SnnasError(f"{flag}: expected KEY=VALUE, got {item!r}")
        try:
            out[key.strip()] = json.loads(text)
        except ValueError:
            out[key.strip()] = text
    return out


def _print_fronts(console: Console, rows: dict[str, list[Any]], objectives: Any) -> None:
    from snnas.search.report import cost_text, front, partial_footnote

    for chip, mine in rows.items():
        counts = {s: sum(1 for r in mine if r.status == s and r.full) for s in ("ok", "infeasible", "failed")}
        low = sum(1 for r in mine if not r.full and r.status != "duplicate")
        fr = front(mine, objectives)
        table = Table(box=box.SIMPLE_HEAVY, header_style="bold",
                      title=f"{chip}: Pareto front ({counts['ok']} fit, {counts['infeasible']} infeasible, "
                            f"{counts['failed']} failed" + (f"; {low} more at lower fidelity" if low else "") + ")")
        for col in ("#", "architecture", "float acc.", "chip acc.", "energy", "latency", "spikes"):
            table.add_column(col, justify="left" if col == "architecture" else "right")
        for r in fr:
            s = r.score or {}
            table.add_row(str(r.idx), r.description, f"{s.get('accuracy_float') or 0:.3f}",
                          f"{s.get('accuracy_chip') or 0:.3f}",
                          cost_text(s, "energy_j", lambda v: format_value(v, "J")),
                          cost_text(s, "latency_s", lambda v: format_value(v, "s")),
                          f"{s.get('spikes_per_inference') or 0:.0f}")
        console.print(table)
        note = partial_footnote([r.score for r in fr])
        if note:
            console.print(f"  {note}", highlight=False)
        if not fr and counts["infeasible"]:
            common = set.intersection(*[{v["constraint"] for v in (r.score or {}).get("violations", [])}
                                        for r in mine if r.status == "infeasible"])
            console.print(f"  no candidate fits {chip}" + (f"; every one violates {', '.join(sorted(common))}"
                                                           if common else ""), highlight=False)
        failed = [r for r in mine if r.status == "failed"]
        for r in failed[:3]:
            console.print(f"  [red]failed[/red] #{r.idx} {r.description}: {r.error}", highlight=False)


class ReportCommand:
    """snnas report STORE: Pareto front, hypervolume and best architectures per chip as PNG, plus HTML."""

    name = "report"
    help = "plots (PNG) and an HTML summary of a search store"

    @staticmethod
    def add_arguments(p: argparse.ArgumentParser) -> None:
        p.add_argument("store", help="the search's SQLite store")
        p.add_argument("--out", help="output folder (default: STORE without its suffix, plus _report)")

    @staticmethod
    def run(args: argparse.Namespace) -> int:
        from snnas.search.report import write_report

        path = Path(args.store)
        if not path.is_file():
            raise SnnasError(f"{path}: no such store")
        out = Path(args.out) if args.out else path.with_name(path.stem + "_report")
        files = write_report(path, out)
        for f in files:
            print(f)
        return 0


def register(groups: Any) -> None:
    for cmd in (SearchCommand, ReportCommand):
        p = groups.add_parser(cmd.name, help=cmd.help, description=cmd.__doc__)
        cmd.add_arguments(p)
        p.set_defaults(run=cmd.run)
