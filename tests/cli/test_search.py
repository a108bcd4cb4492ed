"""`snnas search` and `snnas report` end to end: a killed search resumes to the same store, a Dask
cluster runs the same search, the report writes its plots."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from snnas.cli import main
from snnas.search.store import Store

ARGS = ["search", "--targets", "loihi", "--budget", "8", "--epochs", "2", "--max-samples", "150", "--seed", "7",
        "--population", "3"]


def _comparable(path: Path) -> list[tuple[Any, ...]]:
    with Store(path) as st:
        rows = st.rows()
    out = []
    for r in rows:
        score = dict(r.score or {})
        score.pop("train_seconds", None)
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


def test_sigkilled_search_resumes_to_the_same_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    whole = tmp_path / "whole.db"
    assert main([*ARGS, "--store", str(whole), "--workers", "2", "--executor", "inline"]) == 0
    cut = tmp_path / "cut.db"
    cmd = [sys.executable, "-m", "snnas", *ARGS, "--store", str(cut), "--workers", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while _finished(cut) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode() if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    done = _finished(cut)
    assert 3 <= done < 8  # killed mid-run, with finished evaluations in the store
    with Store(cut) as st:
        assert st.meta()["complete"] is False
    assert main(["search", "--resume", "--store", str(cut), "--workers", "2"]) == 0
    assert "resuming" in capsys.readouterr().out
    assert _comparable(cut) == _comparable(whole)


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


@pytest.mark.parametrize("strategy", ["hyperband", "tpe", "reinforce", "zeroshot", "halving", "asha"])
def test_every_strategy_runs_from_the_command_line(tmp_path: Path, strategy: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    opts = {"hyperband": ["--option", "eta=2", "--option", "min_fidelity=0.5"],
            "halving": ["--option", "eta=2", "--option", "min_fidelity=0.5", "--option", "n=2", "--fidelity", "data"],
            "asha": ["--option", "eta=2", "--option", "min_fidelity=0.5"],
            "zeroshot": ["--option", "pool=12"]}.get(strategy, [])
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
    spent = sum(r.fidelity for r in rows)  # epochs 2 at fidelity 0.5 is 1 epoch: cost = fidelity
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
