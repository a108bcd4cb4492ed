"""Resume benchmark: how long does ``snnas search --resume`` take to start its first new evaluation?

    python benchmarks/bench_resume.py [--repeats 5] [--budget 30] [--before SRC] [--after SRC]
        [--modes inline,process]

Builds one store (a search of ``budget`` evaluations on Loihi, 1 epoch each, 150 digits), then cuts it
as a SIGKILL would: the last ask pending, every earlier one finished. Each repeat copies the cut store,
starts ``python -m snnas search --resume`` on it in a fresh process (``PYTHONPATH`` = the tree under
test) and polls the store until the pending ask is finished, then kills the process. From the stored
row (``finished_at``, and ``seconds``, the evaluation's own time in ``run_task``):

* ``to eval``: process start → the first new evaluation begins (``finished_at - seconds``);
* ``to result``: process start → its result is stored (what a user waits for, training included);
* ``eval``: the evaluation's own time.

Mode ``inline`` evaluates in the search's process (so ``to eval`` is the start-up alone: interpreter,
imports, dataset, replay); ``process`` is the default executor (one spawned worker, which loads its own
dataset inside ``eval``). ``--before SRC`` runs a second tree (e.g. ``git archive`` of main, with the
compiled ``_core`` copied in), interleaved with ``--after`` (default: this tree's ``src``) so both see
the same machine load. Trees with ``--verbose`` also report their own figure (the command's start →
first evaluation handed to the executor). Medians over the repeats; min and max in brackets.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine

ROOT = Path(__file__).resolve().parents[1]
SEARCH = ["--targets", "loihi", "--epochs", "1", "--max-samples", "150", "--seed", "7", "--population", "3"]
VERBOSE = re.compile(r"started ([0-9.]+) s after the command")


def cpu_model() -> str:
    """The CPU model as lscpu names it."""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        return next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name"))
    except (OSError, subprocess.CalledProcessError, StopIteration):
        return "unknown (no lscpu)"


def make_store(src: Path, path: Path, budget: int) -> None:
    """A finished search, then cut: rows after the last ask deleted (none), the last ask pending."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    subprocess.run([sys.executable, "-m", "snnas", "search", *SEARCH, "--budget", str(budget), "--store", str(path),
                    "--executor", "inline"], env=env, check=True, stdout=subprocess.DEVNULL)
    con = sqlite3.connect(path)
    last = con.execute("SELECT MAX(idx) FROM evaluations").fetchone()[0]
    con.execute("UPDATE evaluations SET status = 'pending', score = NULL, error = NULL, seconds = NULL, "
                "finished_at = NULL WHERE idx = ?", (last,))
    con.execute("UPDATE meta SET value = 'false' WHERE key = 'complete'")
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def resume_once(src: Path, cut: Path, work: Path, mode: str) -> dict[str, float]:
    """One resume of a copy of ``cut``: its figures [s]."""
    db = work / "resume.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copy(cut, db)
    con = sqlite3.connect(cut)
    pending = con.execute("SELECT idx FROM evaluations WHERE status = 'pending'").fetchone()[0]
    con.close()
    verbose = '"--verbose"' in (src / "snnas" / "cli" / "searchcmd.py").read_text()
    cmd = [sys.executable, "-m", "snnas", "search", "--resume", "--store", str(db), "--executor", mode,
           *(["--verbose"] if verbose else [])]
    log = work / "resume.log"
    with log.open("w") as out:
        t0 = time.time()
        proc = subprocess.Popen(cmd, env={**os.environ, "PYTHONPATH": str(src)}, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
        row = None
        try:
            while row is None and proc.poll() is None:
                time.sleep(0.005)
                try:
                    c = sqlite3.connect(db, timeout=5)
                    row = c.execute("SELECT finished_at, seconds FROM evaluations WHERE idx = ? AND status != "
                                    "'pending'", (pending,)).fetchone()
                    c.close()
                except sqlite3.OperationalError:
                    continue
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)  # the search and its worker: this benchmark started them
            proc.wait()
    if row is None:
        raise SystemExit(f"the resume ended without evaluating ask {pending}:\n{log.read_text()}")
    finished, seconds = float(row[0]), float(row[1])
    fig = {"to eval": finished - seconds - t0, "to result": finished - t0, "eval": seconds}
    found = VERBOSE.search(" ".join(log.read_text().split()))
    if found:
        fig["verbose"] = float(found.group(1))
    return fig


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):6.2f} [{min(values):.2f}-{max(values):.2f}]"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--budget", type=int, default=30, help="asks in the store (default 30)")
    ap.add_argument("--before", type=Path, help="another tree's src folder, measured interleaved")
    ap.add_argument("--after", type=Path, default=ROOT / "src", help="the tree under test (default: this one)")
    ap.add_argument("--modes", default="inline,process", help="executors to resume with (default inline,process)")
    args = ap.parse_args()
    trees = {"before": args.before, "after": args.after} if args.before else {"after": args.after}
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    print(machine())
    print(f"CPU (lscpu): {cpu_model()}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cut = work / "cut.db"
        make_store(args.after, cut, args.budget)
        print(f"store: {args.budget} asks, the last one pending; {args.repeats} repeats, trees interleaved")
        figs: dict[tuple[str, str], list[dict[str, float]]] = {(t, m): [] for t in trees for m in modes}
        for _ in range(args.repeats):
            for mode in modes:
                for name, src in trees.items():
                    figs[(name, mode)].append(resume_once(src, cut, work, mode))
    print(f"{'tree':8} {'mode':8} {'to eval [s]':>20} {'to result [s]':>20} {'eval [s]':>20} {'--verbose [s]':>20}")
    for (name, mode), runs in figs.items():
        cols = [summary([r[k] for r in runs]) if all(k in r for r in runs) else f"{'-':>6}"
                for k in ("to eval", "to result", "eval", "verbose")]
        print(f"{name:8} {mode:8} " + " ".join(f"{c:>20}" for c in cols))


if __name__ == "__main__":
    main()
