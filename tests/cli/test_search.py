"""`snnas search` and `snnas report` end to end: a killed search resumes to the same store, a Dask
cluster runs the same search, the report writes its plots."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from snnas.cli import main
from snnas.evaluate.score import TIMINGS
from snnas.search.store import Store

ARGS = ["search", "--targets", "loihi", "--budget", "8", "--epochs", "2", "--max-samples", "150", "--seed", "7",
        "--population", "3"]


def _comparable(path: Path) -> list[tuple[Any, ...]]:
    with Store(path) as st:
        rows = st.rows()
    out = []
    for r in rows:
        score = dict(r.score or {})
        for key in TIMINGS:
            score.pop(key, None)
        out.append((r.idx, r.chip, r.genome_key, r.status, r.duplicate_of, score, r.error))
    return out


def _finished(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        con = sqlite3.connect(path, timeout=5)
        n = con.execute("SELECT COUNT(*) FROM evaluations WHERE status NOT IN ('pending', 'duplicate')").fetchone()[0]
        con.close()
        return int(n)
    except sqlite3.OperationalError:  # table not created yet
        return 0


def _lock_pid(path: Path) -> int | None:
    """The pid in the store's lock row, None while there is none."""
    if not path.exists():
        return None
    try:
        con = sqlite3.connect(path, timeout=5)
        row = con.execute("SELECT pid FROM store_lock").fetchone()
        con.close()
        return None if row is None else int(row[0])
    except sqlite3.OperationalError:  # table not created yet
        return None


def _start(cut: Path, *extra: str) -> subprocess.Popen[bytes]:
    """A search in its own process, once it has finished 3 evaluations (or ended)."""
    cmd = [sys.executable, "-m", "snnas", *ARGS, "--store", str(cut), "--workers", "2", *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while _finished(cut) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    return proc


def test_sigkilled_search_resumes_to_the_same_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    whole = tmp_path / "whole.db"
    assert main([*ARGS, "--store", str(whole), "--workers", "2", "--executor", "inline"]) == 0
    cut = tmp_path / "cut.db"
    proc = _start(cut)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode() if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    done = _finished(cut)
    assert 3 <= done < 8  # killed mid-run, with finished evaluations in the store
    assert _lock_pid(cut) == proc.pid  # the killed owner's lock is left behind
    with Store(cut) as st:
        assert st.meta()["complete"] is False
        rows = st.rows()
    first_new = min([r.idx for r in rows if r.status == "pending"] or [len(rows)])
    assert main(["search", "--resume", "--store", str(cut), "--workers", "2", "--verbose"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # as one line: the console wraps long paths
    assert "resuming" in out
    assert f"took over the lock of {cut} from process {proc.pid} on host " in out and "its process is gone" in out
    assert re.search(rf"start-up: first new evaluation \(ask {first_new}\) started [0-9.]+ s after the command", out)
    assert _lock_pid(cut) is None  # released at the end
    assert _comparable(cut) == _comparable(whole)


def test_a_second_search_on_a_store_in_use_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "busy.db"
    proc = _start(db)
    assert proc.poll() is None, "the first search ended before the second could start"
    assert _lock_pid(db) == proc.pid
    with Store(db) as st:
        rows_before = len(st)
    assert main([*ARGS, "--store", str(db), "--workers", "2"]) == 2
    err = capsys.readouterr().err
    assert f"the store {db} is in use by process {proc.pid} on host " in err
    assert "wait for it or pass --store elsewhere" in err
    assert main(["search", "--resume", "--store", str(db)]) == 2  # a resume is a writer too
    assert f"in use by process {proc.pid}" in capsys.readouterr().err
    with Store(db) as st:
        assert len(st) >= rows_before  # the refused searches wrote nothing
    assert proc.wait(timeout=300) == 0, proc.stderr.read().decode() if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    with Store(db) as st:  # the first search ended its run undisturbed
        assert st.meta()["complete"] is True
        assert all(r.done for r in st.rows())
    assert _finished(db) == 8 and _lock_pid(db) is None


def test_sigterm_releases_the_store(tmp_path: Path) -> None:
    db = tmp_path / "term.db"
    proc = _start(db)
    assert proc.poll() is None, "the search ended before it could be terminated"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 143
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    assert "terminated (SIGTERM)" in err and "--resume" in err
    assert _lock_pid(db) is None
    assert main(["search", "--resume", "--store", str(db), "--executor", "inline"]) == 0
    assert _finished(db) == 8


def test_search_on_a_local_dask_cluster(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    inline = tmp_path / "inline.db"
    assert main([*ARGS, "--budget", "4", "--store", str(inline), "--executor", "inline"]) == 0
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        address = cluster.scheduler_address.replace("tcp://", "dask://")
        on_dask = tmp_path / "dask.db"
        assert main([*ARGS, "--budget", "4", "--store", str(on_dask), "--executor", address]) == 0
    assert _comparable(on_dask) == _comparable(inline)


def test_refusals_and_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "r.db"
    assert main([*ARGS, "--budget", "3", "--store", str(db), "--executor", "inline", "--csv", str(tmp_path / "r.csv"),
                 "--json", str(tmp_path / "r.json")]) == 0
    out = capsys.readouterr().out
    assert "loihi: Pareto front" in out and (tmp_path / "r.csv").exists() and (tmp_path / "r.json").exists()
    assert main([*ARGS, "--budget", "3", "--store", str(db), "--executor", "inline"]) == 0  # same command: resumes
    assert "resuming" in capsys.readouterr().out
    assert main([*ARGS, "--store", str(db), "--seed", "8"]) == 2
    assert "other options: pass --resume" in capsys.readouterr().err
    assert main(["search", "--resume", "--store", str(tmp_path / "none.db")]) == 2
    assert main([*ARGS, "--store", str(tmp_path / "s.db"), "--max-samples", "10"]) == 2
    assert "max_samples must be at least 3 per class (30), got 10" in capsys.readouterr().err
    assert main([*ARGS, "--store", str(tmp_path / "x.db"), "--objectives", "accuracy,beauty"]) == 2
    assert "objectives must be" in capsys.readouterr().err
    assert main([*ARGS, "--store", str(tmp_path / "y.db"), "--executor", "dask://127.0.0.1:1"]) == 2
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err
    assert main(["report", str(db), "--out", str(tmp_path / "rep")]) == 0
    names = sorted(p.name for p in (tmp_path / "rep").iterdir())
    assert names == ["architectures_loihi.png", "front_loihi.png", "hypervolume_loihi.png", "index.html"]
    assert "Pareto" in (tmp_path / "rep" / "index.html").read_text()
    assert main(["report", str(tmp_path / "missing.db")]) == 2


@pytest.mark.parametrize("strategy", ["hyperband", "tpe", "reinforce", "zeroshot", "halving", "asha", "predictor",
                                      "oneshot"])
def test_every_strategy_runs_from_the_command_line(tmp_path: Path, strategy: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    opts = {"hyperband": ["--option", "eta=2", "--option", "min_fidelity=0.5"],
            "halving": ["--option", "eta=2", "--option", "min_fidelity=0.5", "--option", "n=2", "--fidelity", "data"],
            "asha": ["--option", "eta=2", "--option", "min_fidelity=0.5"],
            "zeroshot": ["--option", "pool=12"],
            "oneshot": ["--option", "supernet_epochs=2", "--option", "inner=6", "--option", "population=3"],
            }.get(strategy, [])
    db = tmp_path / f"{strategy}.db"
    args = ["search", "--targets", "loihi", "--budget", "3", "--epochs", "2", "--max-samples", "150", "--seed", "1",
            "--strategy", strategy, *opts, "--store", str(db), "--executor", "inline"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "loihi: Pareto front" in out
    with Store(db) as st:
        rows = [r for r in st.rows() if r.status != "duplicate"]
        meta = st.meta()
    assert meta["complete"] and meta["config"]["strategy"] == strategy
    # epochs 2 at fidelity 0.5 is 1 epoch: cost = fidelity; a promotion resumes that epoch (fidelity rule
    # "epochs"), so it costs its second epoch only
    low = {r.genome_key for r in rows if r.fidelity == 0.5} if "data" not in opts else set()
    spent = sum(0.5 if r.fidelity == 1.0 and r.genome_key in low else r.fidelity for r in rows)
    assert 3.0 <= spent < 4.0
    if strategy in ("hyperband", "halving", "asha"):
        assert {r.fidelity for r in rows} == {0.5, 1.0} and "at lower fidelity" in out


def test_bad_strategy_options_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = [*ARGS[:-2], "--store", str(tmp_path / "o.db"), "--executor", "inline", "--strategy", "hyperband"]
    assert main([*base, "--option", "eta"]) == 2
    assert "KEY=VALUE" in capsys.readouterr().err
    assert main([*base, "--option", "eta=1"]) == 2
    assert "eta must be an integer >= 2" in capsys.readouterr().err
    assert main([*base, "--option", "population=3"]) == 2  # an option of another strategy
    assert "unexpected keyword argument 'population'" in capsys.readouterr().err
    assert not (tmp_path / "o.db").exists()  # a refused search leaves no empty store behind


def test_a_speck_search_shows_partial_costs_as_lower_bounds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Speck publishes its static power and per-event latency but no energy per event: its front prints a
    latency, and energies and latencies that miss a figure as lower bounds (≥) naming the figure, in the
    front, the store's export and the report."""
    db = tmp_path / "s.db"
    args = ["search", "--targets", "speck", "--budget", "4", "--epochs", "2", "--max-samples", "150", "--seed", "3",
            "--store", str(db), "--executor", "inline", "--csv", str(tmp_path / "s.csv")]
    assert main(args) == 0
    out = capsys.readouterr().out
    front = out[out.index("speck: Pareto front"):]
    assert "≥" in front and "energy.e_syn_op" in front and "latency.t_syn_op" in front
    with Store(db) as st:
        scores = [r.score for r in st.rows() if r.status == "ok" and r.score]
    assert scores and all(s["latency_s"] and s["energy_j"] and "energy.e_syn_op" in s["energy_missing"]
                          for s in scores)
    assert "energy.e_syn_op" in (tmp_path / "s.csv").read_text()  # the export names the missing figures
    assert main(["report", str(db), "--out", str(tmp_path / "rep")]) == 0
    page = (tmp_path / "rep" / "index.html").read_text()
    assert "≥" in page and "energy.e_syn_op" in page


def test_curve_stopping_runs_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "curves.db"
    assert main(["search", "--targets", "loihi", "--budget", "2", "--epochs", "3", "--max-samples", "150",
                 "--strategy", "evolution", "--population", "2", "--option", "stop_curves=true",
                 "--option", "stop_min_climbs=1", "--store", str(db), "--executor", "inline"]) == 0
    assert "loihi: Pareto front" in capsys.readouterr().out
    with Store(db) as st:
        rows = [r for r in st.rows() if r.status != "duplicate"]
    assert {round(r.fidelity, 3) for r in rows} >= {0.111, 0.333}  # every genome starts at the first rung
    assert main(["search", "--strategy", "asha", "--option", "stop_curves=true", "--store",
                 str(tmp_path / "x.db")]) == 2
    assert "asha already stops candidates at lower fidelities" in capsys.readouterr().err
